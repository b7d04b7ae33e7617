package summarize

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/paperboy-bot/paperboy"
)

func TestSplitSentences(t *testing.T) {
	for name, tc := range map[string]struct {
		in   string
		want []string
	}{
		"plain":          {"We propose X. It works! Does it? Yes.", []string{"We propose X.", "It works!", "Does it?", "Yes."}},
		"abbreviations":  {"Models, e.g. GPT-4, fail. Smith et al. Show this. See Fig. 3 for details.", []string{"Models, e.g. GPT-4, fail.", "Smith et al. Show this.", "See Fig. 3 for details."}},
		"decimals":       {"We reach 94.6% F1 on SQuAD 1.1 and 2.0. Code is public.", []string{"We reach 94.6% F1 on SQuAD 1.1 and 2.0.", "Code is public."}},
		"lower case":     {"The value is approx. five. then nothing.", []string{"The value is approx. five. then nothing."}},
		"closing quote":  {`They said "it works." Then it broke.`, []string{`They said "it works."`, "Then it broke."}},
		"variable":       {"It learns G. Then D judges.", []string{"It learns G.", "Then D judges."}},
		"iid":            {"Samples are i.i.d. Draws vary.", []string{"Samples are i.i.d. Draws vary."}},
		"digit start":    {"We test it. 12 datasets agree.", []string{"We test it.", "12 datasets agree."}},
		"no final stop":  {"We propose X. It works", []string{"We propose X.", "It works"}},
		"empty":          {"", nil},
		"url not broken": {"Code at https://github.com/a/b. Data too.", []string{"Code at https://github.com/a/b.", "Data too."}},
	} {
		t.Run(name, func(t *testing.T) {
			got := splitSentences(tc.in)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestExtractive(t *testing.T) {
	papers := testPapers(t)
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	e := &Extractive{Now: func() time.Time { return now }}
	for name, tc := range map[string]struct {
		paper   *paperboy.Paper
		contain []string
		lacks   []string
	}{
		"SpanBERT's idea, name and result": {papers["SpanBERT"], []string{"masking contiguous random spans", "SpanBERT", "outperforms BERT"}, []string{"(1)…", "(2)…"}},
		"names OptMATH from 'named X'":     {papers["OptMATH"], []string{"OptMATH", "We propose a scalable framework"}, []string{"To address these challenges", "https://"}},
		"injection is not a contribution":  {papers["RobustTab"], []string{"We propose RobustTab", "4.1 points"}, []string{"HACKED", "developer mode"}},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := e.Summarize(context.Background(), tc.paper)
			if err != nil {
				t.Fatal(err)
			}
			if s.Model != ExtractiveModel || s.PromptVersion != ExtractivePromptVersion || s.PaperID != tc.paper.ID || !s.CreatedAt.Equal(now) {
				t.Errorf("got %+v, want extractive/ext-1 for %s at %v", s, tc.paper.ID, now)
			}
			for _, c := range tc.contain {
				if !strings.Contains(s.Text, c) {
					t.Errorf("got %q, want it to contain %q", s.Text, c)
				}
			}
			for _, c := range tc.lacks {
				if strings.Contains(s.Text, c) {
					t.Errorf("got %q, want it without %q", s.Text, c)
				}
			}
			if n := utf8.RuneCountInString(s.Text); n > DefaultExtractiveMaxChars {
				t.Errorf("got %d characters, want at most %d", n, DefaultExtractiveMaxChars)
			}
		})
	}
	if _, err := e.Summarize(context.Background(), papers["A Paper With No Abstract"]); paperboy.ErrorCode(err) != paperboy.EINVALID {
		t.Errorf("no abstract: got %v, want EINVALID", err)
	}
	if _, err := e.Summarize(context.Background(), nil); paperboy.ErrorCode(err) != paperboy.EINVALID {
		t.Errorf("nil paper: got %v, want EINVALID", err)
	}
}

func TestShorten(t *testing.T) {
	long := "We propose a method that does many things, which we describe at length here, and it keeps going well past the limit"
	for _, max := range []int{20, 40, 60, 80} {
		got := shorten(long, max)
		if utf8.RuneCountInString(got) > max || !strings.HasSuffix(got, "…") {
			t.Fatalf("max %d: got %q (%d), want at most %d ending in …", max, got, utf8.RuneCountInString(got), max)
		}
		// Never mid-word: every word but the last of the cut text is a word of the input,
		// and the last one is whole too.
		words := strings.Fields(strings.TrimSuffix(got, "…"))
		in := " " + long + " "
		last := strings.TrimRight(words[len(words)-1], ",;:")
		if !strings.Contains(in, " "+last+" ") && !strings.Contains(in, " "+last+",") {
			t.Fatalf("max %d: got %q, cut inside the word %q", max, got, last)
		}
	}
}

// namedSeedPapers are the seed papers whose title is "Name: ..." with a name of at most
// three words that the abstract uses: the abstract introduces a named method, and the
// summary should say its name.
func namedSeedPapers(tb testing.TB) (papers []*paperboy.Paper, names []string) {
	for _, p := range loadSeed(tb) {
		pre, _, ok := strings.Cut(p.Title, ":")
		pre = strings.TrimSpace(pre)
		if ok && pre != "" && len(strings.Fields(pre)) <= 3 && strings.Contains(p.Abstract, pre) {
			papers = append(papers, p)
			names = append(names, pre)
		}
	}
	return papers, names
}

// TestExtractiveNamesContribution checks on real abstracts that the summary names the
// method the paper introduces. Thresholds: the lead baseline (the first sentences that
// fit) names it in 17% of them; the summarizer reached 96% with the title
// (242/251 on the seed corpus) and 88% from the abstract alone (220/251) when this test
// was written. Failing below 90% / 80% catches a real regression while leaving room for
// corpus updates; the misses are abstracts whose naming sentence is too long to fit.
func TestExtractiveNamesContribution(t *testing.T) {
	papers, names := namedSeedPapers(t)
	if len(papers) < 15 {
		t.Fatalf("only %d named seed papers; want at least 15", len(papers))
	}
	var hit, hitAbstractOnly, hitLead int
	withTitle, abstractOnly := &Extractive{}, &Extractive{noTitle: true}
	for i, p := range papers {
		s, err := withTitle.Summarize(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		if containsWord(s.Text, names[i]) {
			hit++
		} else if testing.Verbose() {
			t.Logf("miss %q: %s", names[i], s.Text)
		}
		if s, _ := abstractOnly.Summarize(context.Background(), p); containsWord(s.Text, names[i]) {
			hitAbstractOnly++
		}
		if containsWord(leadBaseline(p.Abstract, DefaultExtractiveMaxChars), names[i]) {
			hitLead++
		}
	}
	rate := func(n int) float64 { return float64(n) / float64(len(papers)) }
	t.Logf("named-method hit rate over %d seed papers: %.1f%% (abstract only %.1f%%, lead baseline %.1f%%)",
		len(papers), 100*rate(hit), 100*rate(hitAbstractOnly), 100*rate(hitLead))
	if rate(hit) < 0.90 {
		t.Errorf("hit rate %.1f%% (%d/%d), want at least 90%%", 100*rate(hit), hit, len(papers))
	}
	if rate(hitAbstractOnly) < 0.80 {
		t.Errorf("abstract-only hit rate %.1f%% (%d/%d), want at least 80%%", 100*rate(hitAbstractOnly), hitAbstractOnly, len(papers))
	}
	if hit <= hitLead {
		t.Errorf("hit %d is no better than the lead baseline %d", hit, hitLead)
	}
}

// leadBaseline is the naive summary: the abstract's first sentences that fit.
func leadBaseline(abstract string, maxChars int) string {
	var out []string
	n := 0
	for _, s := range splitSentences(abstract) {
		if n+len(s)+1 > maxChars {
			break
		}
		out = append(out, s)
		n += len(s) + 1
	}
	return strings.Join(out, " ")
}

// TestExtractiveSeedInvariants runs over the whole seed corpus: every summary is
// non-empty, within the limit, deterministic, made of the abstract's own text (never cut
// mid-word), and at most three sentences.
func TestExtractiveSeedInvariants(t *testing.T) {
	papers := loadSeed(t)
	e := &Extractive{}
	for _, p := range papers {
		a, err := e.Summarize(context.Background(), p)
		if err != nil {
			t.Fatalf("%s: %v", p.Title, err)
		}
		b, _ := e.Summarize(context.Background(), p)
		if a.Text != b.Text {
			t.Fatalf("%s: not deterministic: %q vs %q", p.Title, a.Text, b.Text)
		}
		if a.Text == "" || utf8.RuneCountInString(a.Text) > DefaultExtractiveMaxChars {
			t.Fatalf("%s: got %d characters, want 1..%d", p.Title, utf8.RuneCountInString(a.Text), DefaultExtractiveMaxChars)
		}
		words := paperboy.Words(p.Abstract)
		set := make(map[string]bool, len(words))
		for _, w := range words {
			set[w] = true
		}
		for _, w := range paperboy.Words(a.Text) {
			if !set[w] {
				t.Fatalf("%s: summary word %q is not a word of the abstract (cut mid-word?): %q", p.Title, w, a.Text)
			}
		}
		if n := len(splitSentences(a.Text)); n > 3 {
			t.Fatalf("%s: got %d sentences, want at most 3: %q", p.Title, n, a.Text)
		}
	}
}

// BenchmarkExtractive measures extractive summaries over the seed corpus; papers/s is
// the number to compare with the 1 ms-per-paper goal (it runs inline before a post).
func BenchmarkExtractive(b *testing.B) {
	papers := loadSeed(b)
	e := &Extractive{}
	ctx := context.Background()
	b.ReportAllocs()
	n := 0
	var cpu0 time.Duration
	for i := 0; b.Loop(); i++ {
		if i == 0 {
			cpu0 = processCPU()
		}
		if _, err := e.Summarize(ctx, papers[i%len(papers)]); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "papers/s")
	if cpu := processCPU() - cpu0; cpu > 0 {
		// CPU per paper: wall time on a loaded machine includes waiting for a core.
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(n), "cpu-ns/op")
	}
}

func TestCleanCut(t *testing.T) {
	for in, want := range map[string]string{
		"We propose X, which has two parts: (1)":           "We propose X, which has two parts…",
		"It consists of (i) a encoder and (ii":             "It consists of (i) a encoder…",
		"Our model improves accuracy by":                   "Our model improves accuracy…",
		"The method (trained on":                           "The method…",
		`They call it "fast and`:                           "They call it…",
		"We evaluate on three datasets, namely":            "We evaluate on three datasets…",
		"It reaches 94.6% F1 and":                          "It reaches 94.6% F1…",
		"Results: a)":                                      "Results…",
		"the":                                              "",
		"We train two networks (a generator and a critic)": "We train two networks (a generator and a critic)…",
	} {
		if got := cleanCut(in); got != want {
			t.Errorf("cleanCut(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestEndTruncated: a sentence its source cut off ends at a clean word, or is dropped.
func TestEndTruncated(t *testing.T) {
	for in, want := range map[string]string{
		"The extent to which face masks mitigate the …": "The extent to which face masks mitigate…",
		"We train a model on the new data...":           "We train a model on the new data…",
		"This allows FourierMask to be …":               "",
		"We propose X.":                                 "We propose X.",
	} {
		if got := endTruncated(in); got != want {
			t.Errorf("endTruncated(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDropAsides: bracketed asides go, bracketed names, acronyms and numbers stay.
func TestDropAsides(t *testing.T) {
	for in, want := range map[string]string{
		"It outperforms GANs in quality (confirmed by user studies) and is fast.": "It outperforms GANs in quality and is fast.",
		"We propose feature mixing (FSMR) for discriminators.":                    "We propose feature mixing (FSMR) for discriminators.",
		"It gains on CocoStuff (+14 mIoU) and Cityscapes (+9 mIoU).":              "It gains on CocoStuff (+14 mIoU) and Cityscapes (+9 mIoU).",
		"A perceptron (coordinate based (MLP)) maps (e.g., x to y) inputs.":       "A perceptron (coordinate based (MLP)) maps inputs.",
		"An unclosed (aside of words":                                             "An unclosed (aside of words",
	} {
		if got := dropAsides(in); got != want {
			t.Errorf("dropAsides(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSummariesReadWell checks every extractive summary of the seed corpus (with titles)
// and of the labelled abstracts (without): within the budget, and every cut part ends
// cleanly, with no bracket or quote left open, no list marker ("(1)"), connective or
// article before the "…", and at least four words; no summary is title words only; at
// most 1% open with a pronoun whose sentence was left out.
func TestSummariesReadWell(t *testing.T) {
	type doc struct{ title, abstract string }
	var docs []doc
	for _, p := range loadSeed(t) {
		docs = append(docs, doc{p.Title, p.Abstract})
	}
	for _, a := range loadLabelled(t) {
		docs = append(docs, doc{"", a.abstract})
	}
	cuts, dangling := 0, 0
	for _, d := range docs {
		s := extract(d.title, d.abstract, DefaultExtractiveMaxChars)
		if refersBack(s) {
			dangling++
		}
		if s == "" || utf8.RuneCountInString(s) > DefaultExtractiveMaxChars {
			t.Fatalf("%q: got %d characters, want 1..%d", d.title, utf8.RuneCountInString(s), DefaultExtractiveMaxChars)
		}
		if d.title != "" && onlyTitleWords(strings.ToLower(s), contentWords(strings.ToLower(d.title))) {
			t.Errorf("%q: summary is title words only: %q", d.title, s)
		}
		for _, part := range strings.SplitAfter(s, "…") {
			part = strings.TrimSpace(part)
			if !strings.HasSuffix(part, "…") {
				continue
			}
			cuts++
			// the cut clause is the text after the last whole sentence before it
			ps := splitSentences(strings.TrimSuffix(part, "…"))
			clause := ps[len(ps)-1]
			ws := strings.Fields(clause)
			last := ws[len(ws)-1]
			switch {
			case len(ws) < 4:
				t.Errorf("cut leaves %d words: %q in %q", len(ws), clause, s)
			case unclosed(clause) >= 0:
				t.Errorf("cut leaves a bracket or quote open: %q in %q", clause, s)
			case isEnumerator(last) || danglers[last]:
				t.Errorf("cut ends with %q: %q", last, s)
			case strings.HasSuffix(last, ",") || strings.HasSuffix(last, ";") || strings.HasSuffix(last, ":"):
				t.Errorf("cut ends with punctuation: %q", s)
			}
		}
	}
	t.Logf("%d summaries, %d cut clauses, %d open with a pronoun or \"This …\" whose sentence is left out", len(docs), cuts, dangling)
	if dangling > len(docs)/100 {
		t.Errorf("%d of %d summaries open with a pronoun or \"This …\" that refers to nothing (\"Its training ...\", \"This approach ...\"), want at most 1%%", dangling, len(docs))
	}
}
