package summarize

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/paperboy-bot/paperboy"
)

// labelledAbstracts is Scholar Inbox's sentence labels for arXiv abstracts (half of them;
// ../shared/real/PROVENANCE.md).
const labelledAbstracts = "../../shared/real/scholar-inbox/abstract_sentences.dev.csv"

// labelled is one abstract with its labelled spans.
type labelled struct {
	id       string
	abstract string
	spans    []labelledSpan
}

type labelledSpan struct {
	label string // problem, task, idea, result
	text  string
}

// loadLabelled reads the labelled abstracts in file order, skipping the test when the
// file is absent.
func loadLabelled(tb testing.TB) []*labelled {
	tb.Helper()
	f, err := os.Open(labelledAbstracts)
	if err != nil {
		tb.Skipf("labelled abstracts not available: %v", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		tb.Fatalf("%s: %v", labelledAbstracts, err)
	}
	if strings.Join(head, ",") != "arxiv_id,abstract,start_idx,end_idx,label" {
		tb.Fatalf("%s: header %q", labelledAbstracts, head)
	}
	byID := map[string]*labelled{}
	var out []*labelled
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tb.Fatalf("%s: %v", labelledAbstracts, err)
		}
		a, ok := byID[rec[0]]
		if !ok {
			a = &labelled{id: rec[0], abstract: rec[1]}
			byID[rec[0]] = a
			out = append(out, a)
		}
		start, err1 := strconv.Atoi(rec[2])
		end, err2 := strconv.Atoi(rec[3])
		if err1 != nil || err2 != nil {
			tb.Fatalf("%s: bad span %q..%q for %s", labelledAbstracts, rec[2], rec[3], rec[0])
		}
		// 43 of the 1,235 spans point past their abstract or end before they start
		// (labels made on another version of it). Like a Python slice, they are cut to
		// the abstract; a span left with no words is not counted.
		runes := []rune(rec[1])
		start, end = min(max(start, 0), len(runes)), min(max(end, 0), len(runes))
		if start >= end || len(spanWords(string(runes[start:end]))) == 0 {
			continue
		}
		a.spans = append(a.spans, labelledSpan{label: rec[4], text: string(runes[start:end])})
	}
	return out
}

// spanWords are the words: split at white space, lower-cased, stripped of
// surrounding punctuation.
func spanWords(s string) []string {
	var out []string
	for _, w := range strings.Fields(strings.ToLower(s)) {
		w = strings.TrimFunc(w, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSymbol(r) })
		if w != "" {
			out = append(out, w)
		}
	}
	return out
}

// covered reports whether at least 70% of span's words appear in the summary. The
// issue that set the goal counted a word as appearing when it occurs anywhere in the
// lower-cased summary (its figures for the lead baseline, 0.18 and 0.19, come out so);
// wholeWords asks for the word itself, a stricter reading reported beside it.
func covered(span, summaryLower string, summaryWords map[string]bool, wholeWords bool) bool {
	ws := spanWords(span)
	if len(ws) == 0 {
		return false
	}
	hit := 0
	for _, w := range ws {
		if wholeWords && summaryWords[w] || !wholeWords && strings.Contains(summaryLower, w) {
			hit++
		}
	}
	return float64(hit) >= 0.7*float64(len(ws))
}

// coverage is the share of abstracts whose idea span is covered, and whose idea or
// result span is; n is the number of abstracts.
type coverage struct {
	idea, ideaOrResult float64
	n                  int
}

func measureCoverage(as []*labelled, wholeWords bool, summarize func(*labelled) string) coverage {
	var hitIdea, hitEither int
	for _, a := range as {
		text := summarize(a)
		lower := strings.ToLower(text)
		words := map[string]bool{}
		for _, w := range spanWords(text) {
			words[w] = true
		}
		var idea, either bool
		for _, s := range a.spans {
			if s.label != "idea" && s.label != "result" || !covered(s.text, lower, words, wholeWords) {
				continue
			}
			either = true
			if s.label == "idea" {
				idea = true
			}
		}
		if idea {
			hitIdea++
		}
		if either {
			hitEither++
		}
	}
	n := max(len(as), 1)
	return coverage{idea: float64(hitIdea) / float64(n), ideaOrResult: float64(hitEither) / float64(n), n: len(as)}
}

// leadChars is the lead baseline: the abstract's first maxChars characters.
func leadChars(abstract string, maxChars int) string {
	r := []rune(paperboy.CollapseSpace(abstract))
	if len(r) > maxChars {
		r = r[:maxChars]
	}
	return string(r)
}

// TestLabelledCoverage reports how often the extractive summary states the labelled idea,
// and the idea or a result, of Scholar Inbox's labelled abstracts (issue 21's measure),
// beside the lead baseline (the abstract's first 350 characters) and the stricter
// whole-word reading. The sentence models were fitted on these abstracts; two-fold
// cross-validation (TestFitSentenceModels) puts the figure for unseen abstracts within
// 0.02 of it. The test fails well below the figures reached (0.71 and 0.75), or when the
// summary is not twice as good as the lead.
func TestLabelledCoverage(t *testing.T) {
	as := loadLabelled(t)
	e := &Extractive{}
	summary := func(a *labelled) string {
		s, err := e.Summarize(context.Background(), &paperboy.Paper{ID: a.id, Abstract: a.abstract})
		if err != nil {
			t.Fatalf("%s: %v", a.id, err)
		}
		return s.Text
	}
	ours, strict := measureCoverage(as, false, summary), measureCoverage(as, true, summary)
	lead := measureCoverage(as, false, func(a *labelled) string { return leadChars(a.abstract, DefaultExtractiveMaxChars) })
	t.Logf("%d labelled abstracts, coverage of idea / idea or result:", ours.n)
	t.Logf("  extractive (%d chars)    %.3f / %.3f (whole words: %.3f / %.3f)", DefaultExtractiveMaxChars, ours.idea, ours.ideaOrResult, strict.idea, strict.ideaOrResult)
	t.Logf("  lead baseline (%d chars) %.3f / %.3f", DefaultExtractiveMaxChars, lead.idea, lead.ideaOrResult)
	if ours.idea < 0.65 || ours.ideaOrResult < 0.70 {
		t.Errorf("coverage %.3f / %.3f, want at least 0.65 / 0.70", ours.idea, ours.ideaOrResult)
	}
	if ours.idea < 2*lead.idea || ours.ideaOrResult < 2*lead.ideaOrResult {
		t.Errorf("coverage %.3f / %.3f is not twice the lead's %.3f / %.3f", ours.idea, ours.ideaOrResult, lead.idea, lead.ideaOrResult)
	}
}

// TestCutKeepsSpans measures what keepFactor and leadClauseFactor encode: of the labelled
// spans a whole sentence holds, the share a clause cut of it still holds, by the share of
// words the cut keeps, the share it holds without its lead clause, and without its
// bracketed asides (scaled by keepFactor too). It fails when the constants drift more than
// 0.15 from the measure.
func TestCutKeepsSpans(t *testing.T) {
	as := loadLabelled(t)
	var tot, hit [11]int
	var leadTot, leadHit, asideTot, asideHit int
	var asideWant float64
	for _, a := range as {
		for _, s := range scoreSentences(&defaultModel, "", a.abstract) {
			full := trimLeadIn(s.text)
			words := len(strings.Fields(full))
			for _, sp := range a.spans {
				if sp.label != "idea" && sp.label != "result" || !covered(sp.text, strings.ToLower(full), nil, false) {
					continue
				}
				for _, c := range clauseCuts(full) {
					b := 10 * len(strings.Fields(c)) / words
					tot[b]++
					if covered(sp.text, strings.ToLower(c), nil, false) {
						hit[b]++
					}
				}
				if t := dropAsides(full); t != full {
					asideTot++
					asideWant += keepFactor(float64(len(strings.Fields(t))) / float64(words))
					if covered(sp.text, strings.ToLower(t), nil, false) {
						asideHit++
					}
				}
				if trimmed := trimLeadClause(full); trimmed != full {
					leadTot++
					if covered(sp.text, strings.ToLower(trimmed), nil, false) {
						leadHit++
					}
				}
			}
		}
	}
	for b := 5; b < 10; b++ {
		if tot[b] < 20 {
			continue
		}
		got := float64(hit[b]) / float64(tot[b])
		want := keepFactor(float64(b) / 10) // the table was read off these buckets
		t.Logf("cuts keeping %d0-%d0%% of the words: %d/%d spans kept (%.2f; keepFactor %.2f)", b, b+1, hit[b], tot[b], got, want)
		if got < want-0.15 || got > want+0.15 {
			t.Errorf("cuts keeping %d0%%: measured %.2f, keepFactor says %.2f", b, got, want)
		}
	}
	got := float64(asideHit) / float64(max(asideTot, 1))
	want := asideWant / float64(max(asideTot, 1))
	t.Logf("without bracketed asides: %d/%d spans kept (%.2f; keepFactor says %.2f on average)", asideHit, asideTot, got, want)
	// few labelled spans sit in a sentence with an aside (16): a loose check
	if asideTot < 10 || got < want-0.15 || got > want+0.15 {
		t.Errorf("asides: measured %d/%d, keepFactor says %.2f", asideHit, asideTot, want)
	}
	got = float64(leadHit) / float64(max(leadTot, 1))
	t.Logf("without the lead clause: %d/%d spans kept (%.2f; leadClauseFactor %.2f)", leadHit, leadTot, got, leadClauseFactor)
	if leadTot < 20 || got < leadClauseFactor-0.15 || got > leadClauseFactor+0.15 {
		t.Errorf("lead clause: measured %d/%d, leadClauseFactor says %.2f", leadHit, leadTot, leadClauseFactor)
	}
}
