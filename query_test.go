package paperboy

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func TestParseQuery(t *testing.T) {
	tests := map[string]struct {
		in   string
		want Query
	}{
		"words":          {"Attention, Entropy collapse!", Query{Terms: []string{"attention", "entropy", "collapse"}}},
		"phrase and neg": {`cat:cs.LG "mixture of experts" -survey`, Query{Categories: []string{"cs.LG"}, Phrases: []string{"mixture of experts"}, Exclude: []string{"survey"}}},
		"quoted author":  {`author:"Yann LeCun" cnn`, Query{Authors: []string{"Yann LeCun"}, Terms: []string{"cnn"}}},
		"since date":     {"diffusion since:2024-01-01", Query{Terms: []string{"diffusion"}, Since: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}},
		"since age":      {"since:7d", Query{Since: now.AddDate(0, 0, -7)}},
		"sort upvotes":   {"sort:votes upvotes:>=10 rl", Query{Sort: SortVotes, MinUpvotes: 10, Terms: []string{"rl"}}},
		"unbalanced":     {`"speculative decoding`, Query{Phrases: []string{"speculative decoding"}}},
		"fts syntax":     {`NEAR(a b) OR c* AND -(d)`, Query{Terms: []string{"near", "a", "b", "or", "c", "and"}, Exclude: []string{"d"}}},
		"unknown key":    {"foo:bar", Query{Terms: []string{"foo", "bar"}}},
		"lone dash":      {"a - b", Query{Terms: []string{"a", "b"}, Ignored: []string{`"-" has no letters or digits`}}},
		"curly quotes":   {"“graph neural” nets", Query{Phrases: []string{"graph neural"}, Terms: []string{"nets"}}},
		"emoji only":     {"🤖🔥", Query{Ignored: []string{`"🤖🔥" has no letters or digits`}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ParseQuery(tc.in, now)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ParseQuery(%q):\n got %+v\nwant %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseQueryErrorsAreClear(t *testing.T) {
	for _, in := range []string{"since:yesterday", "sort:best", "upvotes:lots", "since:-3x"} {
		_, err := ParseQuery("x "+in, now)
		if ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), in) {
			t.Errorf("ParseQuery(%q): got %v, want an invalid error naming %q", in, err, in)
		}
	}
}

func TestParseQueryStopWordsOnly(t *testing.T) {
	for in, wantErr := range map[string]bool{
		"the of":              true,
		`"of the" Ï`:          true, // Ï folds to the stop word i
		"the transformer":     false,
		"the cat:cs.LG":       false, // a filter: the words are simply ignored
		"the author:an":       false,
		"-the":                false, // no words to search: the caller decides
		"mixture of experts":  false,
		`"mixture of" the is`: false,
	} {
		_, err := ParseQuery(in, now)
		if got := ErrorCode(err) == EINVALID; got != wantErr {
			t.Errorf("ParseQuery(%q): got error %v, want an invalid error: %v", in, err, wantErr)
		}
		if wantErr && !strings.Contains(ErrorMessage(err), "very common words") {
			t.Errorf("ParseQuery(%q): message %q does not say why", in, ErrorMessage(err))
		}
	}
}

func TestParseQueryOptionsAndString(t *testing.T) {
	q, err := ParseQuery(`cat:cs.LG "mixture of experts" -survey digest:daily@09:00`, now, "digest")
	if err != nil {
		t.Fatal(err)
	}
	if q.Options["digest"] != "daily@09:00" {
		t.Fatalf("digest option: got %q", q.Options["digest"])
	}
	// String round-trips through ParseQuery.
	again, err := ParseQuery(q.String(), now)
	if err != nil {
		t.Fatal(err)
	}
	q.Options = nil
	if !reflect.DeepEqual(again, q) {
		t.Fatalf("round trip of %q:\n got %+v\nwant %+v", q.String(), again, q)
	}
	if got, want := q.Describe(), `cs.LG papers matching "mixture of experts", not "survey"`; got != want {
		t.Fatalf("Describe: got %q, want %q", got, want)
	}
}

func TestMatch(t *testing.T) {
	p := &Paper{
		Title:      "Sparse Mixture-of-Experts Models for Translation",
		Abstract:   "We train expert layers and show that modeling costs drop.",
		Authors:    []string{"Noam Shazeer", "Ann Lee"},
		Categories: []string{"cs.CL", "cs.LG"},
		Upvotes:    12,
		Published:  now.AddDate(0, 0, -3),
	}
	tests := map[string]bool{
		`cat:cs.LG "mixture of experts"`: true,
		`cat:cs "mixture of expert"`:     true,
		`cat:stat.ML`:                    false,
		`expert models`:                  true,
		`modeled`:                        true,
		`modelling costs`:                true,
		`"mixture of the experts"`:       true, // stop words are not in the index
		`"experts mixture"`:              false,
		`translation -"the of"`:          true, // an exclusion of stop words excludes nothing
		`translation -survey`:            true,
		`translation -"expert layers"`:   false,
		`author:shazeer`:                 true,
		`author:hinton`:                  false,
		`upvotes:10`:                     true,
		`upvotes:20`:                     false,
		`since:7d`:                       true,
		`since:1d`:                       false,
		`diffusion`:                      false,
		``:                               true,
	}
	var shared MatchText // one paper's terms, kept across every filter (as the watcher does)
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			q, err := ParseQuery(in, now)
			if err != nil {
				t.Fatal(err)
			}
			if got := q.Match(p); got != want {
				t.Fatalf("Match(%q): got %v, want %v", in, got, want)
			}
			if got := q.MatchCached(p, &shared); got != want {
				t.Fatalf("MatchCached(%q): got %v, want %v", in, got, want)
			}
		})
	}
}

// BenchmarkMatchSubscriptions matches a paper against 50 word filters, as the watcher
// does for each new paper: with its terms computed once (MatchCached) and, as the
// baseline in the same run, once per filter (Match).
func BenchmarkMatchSubscriptions(b *testing.B) {
	p := &Paper{Title: "Transfer of Representations to Video Label Propagation", Abstract: benchAbstract}
	words := []string{"video", "diffusion", "label propagation", `"dense label"`, "transformer", "graph neural",
		"reinforcement", "correspondence -survey", "language model", "retrieval"}
	var qs []Query
	for i := range 50 {
		q, err := ParseQuery(words[i%len(words)], now)
		if err != nil {
			b.Fatal(err)
		}
		qs = append(qs, q)
	}
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			var t MatchText
			for _, q := range qs {
				q.MatchCached(p, &t)
			}
		}
	})
	b.Run("baseline_per_filter", func(b *testing.B) {
		for b.Loop() {
			for _, q := range qs {
				q.Match(p)
			}
		}
	})
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{`cat:cs.LG "mixture of experts" -survey`, `author:"a`, `-"`, `"`, `since:`, `::"::`, "\xff\xfe", `-`, `a:"b" c`} {
		f.Add(s)
	}
	p := &Paper{Title: "A mixture of experts", Abstract: "survey of models", Categories: []string{"cs.LG"}, Authors: []string{"A B"}}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQuery(s, now, "digest")
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("ParseQuery(%q): non-invalid error %v", s, err)
			}
			return
		}
		var text MatchText
		if q.Match(p) != q.MatchCached(p, &text) || q.Match(p) != q.MatchCached(p, &text) {
			t.Fatalf("Match and MatchCached disagree on %q", s)
		}
		_ = q.Describe()
		if _, err := ParseQuery(q.String(), now); err != nil {
			t.Fatalf("String() of %q does not parse: %q: %v", s, q.String(), err)
		}
	})
}

// TestQueryUsable: a query with no usable words and no filter says there is nothing to
// look for, and why; exclusions with a filter are a query.
func TestQueryUsable(t *testing.T) {
	long := strings.Repeat("x", MaxWordLen+1)
	for in, want := range map[string]string{
		`)(*^:`:                  `There is nothing to look for: ")(*^:" has no letters or digits.`,
		`-learning`:              `There is nothing to look for: -learning only leaves papers out.`,
		`-learning -"deep nets"`: `-learning -"deep nets" only leaves papers out`,
		long:                     `"` + strings.Repeat("x", 39) + `…" is too long to be a word (over 64 characters)`,
		`?? ` + long:             `"??" has no letters or digits; "xxx`,
		`"" -()`:                 `"\"\"" has no letters or digits; "-()" has no letters or digits.`,
		``:                       `There is nothing to look for. Add a word`,
		`cat:cs.LG -survey`:      ``,
		`-survey upvotes:10`:     ``,
		`author:lecun`:           ``,
		`attention ` + long:      ``,
		`"mixture of experts"`:   ``,
	} {
		q, err := ParseQuery(in, now)
		if err != nil {
			t.Fatalf("ParseQuery(%q): %v", in, err)
		}
		err = q.Usable()
		if want == "" {
			if err != nil {
				t.Errorf("Usable(%q): got %v, want nil", in, err)
			}
			continue
		}
		if ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), want) {
			t.Errorf("Usable(%q): got %v, want EINVALID containing %q", in, err, want)
		}
	}
}

// TestParseQueryLimits: what goes over a limit is left out and named in Ignored.
func TestParseQueryLimits(t *testing.T) {
	var words, authors []string
	for i := range 20 {
		words = append(words, fmt.Sprintf("word%c", 'a'+i))
		authors = append(authors, fmt.Sprintf("author:name%c", 'a'+i))
	}
	q, err := ParseQuery(strings.Join(words, " ")+" the word"+"a "+strings.Join(authors[:10], " "), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Terms) != MaxQueryWords+1 || q.Terms[MaxQueryWords] != "the" || len(q.Authors) != MaxQueryFilters {
		t.Errorf("got %d terms %v and %d authors, want %d words and the stop word, %d authors", len(q.Terms), q.Terms, len(q.Authors), MaxQueryWords, MaxQueryFilters)
	}
	got := strings.Join(q.Ignored, "; ")
	for _, want := range []string{"the words after the first 16: wordq wordr words wordt", "the author: values after the first 8: namei namej"} {
		if !strings.Contains(got, want) {
			t.Errorf("Ignored: got %q, want it to contain %q", got, want)
		}
	}
	q, _ = ParseQuery("attention "+strings.Repeat("z", MaxQueryLen), now)
	if len(q.Ignored) == 0 || !strings.Contains(q.Ignored[0], "everything after the first 10240 bytes") {
		t.Errorf("Ignored: got %q, want the cut at %d bytes named", q.Ignored, MaxQueryLen)
	}
}
