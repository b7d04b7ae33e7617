package store

import (
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/paperboy-bot/paperboy"
)

// refCount is the reference for wordCounter: document frequencies of the words of
// paperboy.Words (2 to maxWordLen bytes, not numbers), each counted once per paper.
type refCount map[string]int

func (r refCount) countWords(title, abstract string, delta int) {
	seen := map[string]bool{}
	for _, w := range append(paperboy.Words(title), paperboy.Words(abstract)...) {
		if len(w) < 2 || len(w) > maxWordLen || isNumber(w) || seen[w] {
			continue
		}
		seen[w] = true
		r[w] += delta
	}
}

func counted(c *wordCounter) map[string]int {
	got := map[string]int{}
	c.each(func(w string, df int) {
		if _, dup := got[w]; dup {
			panic("word listed twice: " + w)
		}
		got[w] = df
	})
	return got
}

func nonZero(m map[string]int) map[string]int {
	out := map[string]int{}
	for w, d := range m {
		if d != 0 {
			out[w] = d
		}
	}
	return out
}

func TestWordCounter(t *testing.T) {
	docs := [][2]string{
		{"Attention Is All You Need", "The dominant sequence transduction models are based on attention. Attention!"},
		{"ATTENTION, again", "attention attention 2017 v2 a b c 12345 x1"},
		{"Straße und Überraschung", "Über die Straße: naïve Bayes, café-style résumé"},
		{"MixedWörter", "abcé def\tghi\nΑλφα beta"},
		{"", ""},
		{"Long words", strings.Repeat("a", maxWordLen) + " " + strings.Repeat("b", maxWordLen+1) + " " + strings.Repeat("1", 5)},
		{"Punctuation", "state-of-the-art, (mixture)-of-experts; e.g. GPT-4o's 3D"},
	}
	c := newWordCounter(0)
	ref := refCount{}
	for i, d := range docs {
		delta := 1
		if i == 3 {
			delta = -1 // corrections count down
		}
		c.countWords(d[0], d[1], delta)
		ref.countWords(d[0], d[1], delta)
	}
	if got, want := counted(&c), map[string]int(ref); !maps.Equal(got, want) {
		t.Fatalf("counts differ:\ngot  %v\nwant %v", got, want)
	}
	if got := counted(&c)["attention"]; got != 2 {
		t.Errorf("df(attention): got %d, want 2 (once per paper)", got)
	}
	if c.Len() != len(ref) {
		t.Errorf("Len: got %d, want %d", c.Len(), len(ref))
	}

	// merge adds counts word by word; addCount adds without the once-per-paper rule.
	o := newWordCounter(0)
	o.addCount("attention", 3)
	o.addCount("attention", 2)
	o.addCount("brandnew", 1)
	o.addCount(strings.Repeat("z", maxWordLen+1), 1) // too long: ignored
	c.merge(&o)
	ref["attention"] += 5
	ref["brandnew"]++
	if got, want := counted(&c), map[string]int(ref); !maps.Equal(got, want) {
		t.Fatalf("after merge:\ngot  %v\nwant %v", got, want)
	}

	var nilCounter *wordCounter
	if nilCounter.Len() != 0 {
		t.Error("nil counter: Len != 0")
	}
	nilCounter.each(func(string, int) { t.Error("nil counter listed a word") })
}

// TestWordCounterGrows counts enough distinct words to grow the table many times and
// checks every count against the reference, over the seed corpus when present.
func TestWordCounterGrows(t *testing.T) {
	c := newWordCounter(0)
	ref := refCount{}
	for i := range 5000 {
		title := fmt.Sprintf("word%d shared", i)
		abstract := fmt.Sprintf("w%dx w%dy shared shared %d", i, i/2, i)
		c.countWords(title, abstract, 1)
		ref.countWords(title, abstract, 1)
	}
	if got, want := counted(&c), map[string]int(ref); !maps.Equal(got, want) {
		for w, d := range want {
			if got[w] != d {
				t.Errorf("df(%q): got %d, want %d", w, got[w], d)
			}
		}
		t.Fatalf("%d words counted, want %d", len(got), len(want))
	}
	if got := counted(&c)["shared"]; got != 5000 {
		t.Errorf("df(shared): got %d, want 5000", got)
	}
	t.Run("seed corpus", func(t *testing.T) {
		c, ref := newWordCounter(0), refCount{}
		for _, p := range loadSeedCorpus(t) {
			c.countWords(p.Title, p.Abstract, 1)
			ref.countWords(p.Title, p.Abstract, 1)
		}
		if got, want := counted(&c), map[string]int(ref); !maps.Equal(got, want) {
			t.Fatalf("%d words counted, want %d (or counts differ)", len(got), len(want))
		}
	})
}

func FuzzWordCounter(f *testing.F) {
	f.Add("Attention Is All You Need", "attention attention 2017", 1)
	f.Add("Straße", "Über die Straße naïve café-style", -1)
	f.Add("MixedWörter", "abcé def ΑλφαBeta x", 1)
	f.Add(strings.Repeat("a", 40), "\xff\xfe bad utf8 ok", 1)
	f.Fuzz(func(t *testing.T, title, abstract string, delta int) {
		delta = delta%5 - 2
		c := newWordCounter(0)
		ref := refCount{}
		for range 2 {
			c.countWords(title, abstract, delta)
			ref.countWords(title, abstract, delta)
		}
		if got, want := nonZero(counted(&c)), nonZero(ref); !maps.Equal(got, want) {
			t.Fatalf("counts differ:\ngot  %v\nwant %v", got, want)
		}
		// The import's pass (index terms and counts together): the second time over the
		// same paper, the terms come from the counter.
		ic, iref := newWordCounter(0), refCount{}
		p := paperboy.Paper{Title: title, Abstract: abstract}
		for pass := range 2 {
			if got, want := indexAndCount(&p, &ic), indexColumns(&p); got != want {
				t.Fatalf("pass %d: got columns %+v, want %+v", pass, got, want)
			}
			iref.countWords(title, abstract, 1)
		}
		if got, want := counted(&ic), map[string]int(iref); !maps.Equal(got, want) {
			t.Fatalf("indexAndCount counts differ:\ngot  %v\nwant %v", got, want)
		}
	})
}

// BenchmarkCountWords counts the words of synthetic abstracts with wordCounter and, as
// the baseline in the same run, with a Go map of counts (what the store used before).
func BenchmarkCountWords(b *testing.B) {
	papers := benchGen.Papers(0, 5000)
	b.Run("table", func(b *testing.B) {
		for b.Loop() {
			c := newWordCounter(1 << 15)
			for i := range papers {
				c.countWords(papers[i].Title, papers[i].Abstract, 1)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(papers)), "ns/paper")
	})
	b.Run("baseline_map", func(b *testing.B) {
		for b.Loop() {
			c := mapWordCounter{words: make(map[string]*mapWordCount, 1<<15)}
			for i := range papers {
				c.countWords(papers[i].Title, papers[i].Abstract, 1)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(papers)), "ns/paper")
	})
}

// mapWordCounter is the word counter the store used before wordCounter (a Go map of
// counts, no allocation for words already seen), kept as the benchmark's baseline.
type mapWordCounter struct {
	words map[string]*mapWordCount
	doc   int
}

type mapWordCount struct{ df, last int }

func (u *mapWordCounter) countWords(title, abstract string, delta int) {
	u.doc++
	var buf [maxWordLen]byte
	for _, text := range [2]string{title, abstract} {
		for i := 0; i < len(text); {
			c := text[i]
			if c >= 0x80 {
				for _, w := range paperboy.Words(text[i:]) {
					u.countWordBytes([]byte(w), delta)
				}
				break
			}
			if !isAlnum(c) {
				i++
				continue
			}
			j, n := i, 0
			for ; j < len(text) && text[j] < 0x80 && isAlnum(text[j]); j++ {
				if n < len(buf) {
					b := text[j]
					if b >= 'A' && b <= 'Z' {
						b += 'a' - 'A'
					}
					buf[n] = b
				}
				n++
			}
			if j < len(text) && text[j] >= 0x80 {
				k := j
				for k < len(text) && !isSpaceByte(text[k]) {
					k++
				}
				for _, w := range paperboy.Words(text[i:k]) {
					u.countWordBytes([]byte(w), delta)
				}
				i = k
				continue
			}
			if n >= 2 && n <= maxWordLen {
				u.countWordBytes(buf[:n], delta)
			}
			i = j
		}
	}
}

func (u *mapWordCounter) countWordBytes(w []byte, delta int) {
	if len(w) < 2 || len(w) > maxWordLen || isNumber(string(w)) {
		return
	}
	wc := u.words[string(w)]
	if wc == nil {
		wc = &mapWordCount{last: -1}
		u.words[string(w)] = wc
	}
	if wc.last != u.doc {
		wc.last = u.doc
		wc.df += delta
	}
}

// TestIndexAndCount checks the one-pass index terms and word counts against
// indexColumns and the reference counts, for ASCII and non-ASCII papers.
func TestIndexAndCount(t *testing.T) {
	papers := []paperboy.Paper{
		{Title: "Attention Is All You Need", Abstract: "Attention attention, the models 2017.", Authors: []string{"Ashish Vaswani"}, Categories: []string{"cs.CL"}},
		{Title: "Straße und Café", Abstract: "naïve Bayes for the models"},
		{Title: "Plain title", Abstract: "An abstract with é late, and Straße"},
		{Title: "Über alles", Abstract: "plain ascii abstract title"},
		{Title: "", Abstract: ""},
	}
	papers = append(papers, benchGen.Papers(0, 2000)...) // enough for terms to come from the counter
	c := newWordCounter(0)
	ref := refCount{}
	for i := range papers {
		p := &papers[i]
		got := indexAndCount(p, &c)
		if want := indexColumns(p); got != want {
			t.Fatalf("paper %d: got columns %+v, want %+v", i, got, want)
		}
		ref.countWords(p.Title, p.Abstract, 1)
	}
	if got, want := counted(&c), map[string]int(ref); !maps.Equal(got, want) {
		t.Fatalf("counts differ:\ngot  %v\nwant %v", got, want)
	}
}

// BenchmarkIndexAndCount is the index-terms-and-word-counts work of a bulk import per
// paper: fused, as PreparePapers does it (one pass per text, a pooled counter per 500
// papers merged into the transaction's), and, as the baseline in the same run, the way
// the store did it before (indexColumns, then a second pass counting into a Go map).
func BenchmarkIndexAndCount(b *testing.B) {
	papers := benchGen.Papers(0, 5000)
	b.Run("fused", func(b *testing.B) {
		for b.Loop() {
			tx := newWordCounter(1 << 15)
			for from := 0; from < len(papers); from += 500 {
				c := getWordCounter()
				for i := from; i < from+500; i++ {
					indexAndCount(&papers[i], c)
				}
				tx.merge(c)
				putWordCounter(c)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(papers)), "ns/paper")
	})
	b.Run("baseline_separate", func(b *testing.B) {
		for b.Loop() {
			c := mapWordCounter{words: make(map[string]*mapWordCount, 1<<15)}
			for i := range papers {
				indexColumns(&papers[i])
				c.countWords(papers[i].Title, papers[i].Abstract, 1)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(papers)), "ns/paper")
	})
}

// TestWordCounterMerge checks merge (which reuses the stored hashes and word bytes) and
// reset: counts of papers split over several counters, merged into one that is emptied
// and reused in between, equal a reference count of all the papers. Words longer than 8
// bytes, words sharing their first 8 bytes, and negative deltas are included.
func TestWordCounterMerge(t *testing.T) {
	papers := benchGen.Papers(0, 600)
	papers = append(papers,
		paperboy.Paper{Title: "internationalization internationalisation", Abstract: "internat internati x"},
		paperboy.Paper{Title: "representations representational", Abstract: strings.Repeat("q", maxWordLen)},
	)
	into := newWordCounter(0)
	for round := range 2 {
		into.reset()
		ref := refCount{}
		for from := 0; from < len(papers); from += 97 {
			c := getWordCounter()
			delta := 1
			if (from/97)%3 == 2 {
				delta = -1
			}
			for i := from; i < min(from+97, len(papers)); i++ {
				c.countWords(papers[i].Title, papers[i].Abstract, delta)
				ref.countWords(papers[i].Title, papers[i].Abstract, delta)
			}
			into.merge(c)
			putWordCounter(c)
		}
		if got, want := nonZero(counted(&into)), nonZero(ref); !maps.Equal(got, want) {
			t.Fatalf("round %d: %d words merged, want %d (or counts differ)", round, len(got), len(want))
		}
		for w, d := range ref {
			if got := into.get(w); got != d {
				t.Fatalf("round %d: get(%q) = %d, want %d", round, w, got, d)
			}
		}
		if got := into.get("notaword"); got != 0 {
			t.Errorf("get of an absent word: got %d, want 0", got)
		}
		if !into.nonZero() {
			t.Errorf("nonZero: got false after merging counts")
		}
		// eachPrefix gives exactly the nonzero words with the prefix and length.
		wantPrefix := map[string]int{}
		for w, d := range ref {
			if d != 0 && strings.HasPrefix(w, "re") && len(w) >= 4 && len(w) <= 15 {
				wantPrefix[w] = d
			}
		}
		gotPrefix := map[string]int{}
		into.eachPrefix("re", 4, 15, func(w string, d int) { gotPrefix[w] = d })
		if len(wantPrefix) == 0 || !maps.Equal(gotPrefix, wantPrefix) {
			t.Fatalf("round %d: eachPrefix: got %d words, want %d (nonzero; or counts differ)", round, len(gotPrefix), len(wantPrefix))
		}
	}
}

// BenchmarkMergeCounters is the writer's share of word counting in a bulk import: the
// counters of 50 batches of 500 papers merged into one transaction's counter.
func BenchmarkMergeCounters(b *testing.B) {
	var parts []*wordCounter
	merged := 0
	for from := 0; from < 25000; from += 500 {
		papers := benchGen.Papers(from, 500)
		c := newWordCounter(1 << 14)
		for i := range papers {
			indexAndCount(&papers[i], &c)
		}
		parts = append(parts, &c)
		merged += c.Len()
	}
	run := func(b *testing.B, merge func(into, c *wordCounter)) {
		tx := newWordCounter(1 << 15)
		for b.Loop() {
			tx.reset()
			for _, c := range parts {
				merge(&tx, c)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*merged), "ns/word")
	}
	b.Run("read_ahead", func(b *testing.B) { run(b, (*wordCounter).merge) })
	b.Run("baseline_one_by_one", func(b *testing.B) { run(b, mergeOneByOne) })
}

// mergeOneByOne is merge without the reads ahead (the way it was before): the baseline.
func mergeOneByOne(c, o *wordCounter) {
	for k := range o.ents {
		c.mergeWord(o, &o.ents[k])
	}
}
