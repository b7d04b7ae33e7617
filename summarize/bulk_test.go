package summarize

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// listWithout is what store.PapersWithoutSummary does, over a slice and a memStore.
func listWithout(papers []*paperboy.Paper, st *memStore, model, version string) func(context.Context, int) ([]*paperboy.Paper, error) {
	return func(ctx context.Context, limit int) ([]*paperboy.Paper, error) {
		var out []*paperboy.Paper
		for _, p := range papers {
			if _, err := st.FindSummary(ctx, p.ID, model, version); err == nil {
				continue
			}
			if limit > 0 && len(out) == limit {
				break
			}
			out = append(out, p)
		}
		return out, nil
	}
}

func bulkPapers(n int) []*paperboy.Paper {
	var out []*paperboy.Paper
	for i := range n {
		p := &paperboy.Paper{ArxivID: fmt.Sprintf("2611.%05d", i+1), Title: fmt.Sprintf("Paper %d", i+1), Abstract: "We propose a thing. It works."}
		p.Normalize()
		out = append(out, p)
	}
	return out
}

func TestBulkResumes(t *testing.T) {
	papers := bulkPapers(25)
	st := newMemStore()
	inner := &countingSummarizer{model: "gpt-4o-mini", version: "oa-1-tldr-en"}
	s := &Cached{Summarizer: inner, Store: st}
	list := listWithout(papers, st, "gpt-4o-mini", "oa-1-tldr-en")
	var out bytes.Buffer
	opts := BulkOptions{Summarizer: s, List: list, Limit: 10, Progress: &out, Concurrency: 3,
		PricePerMTokIn: 0.15, PricePerMTokOut: 0.60}

	res, err := Bulk(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	want := BulkResult{Listed: 10, Summarized: 10, PromptTokens: 10000, CompletionTokens: 1000}
	res.Cost, res.Elapsed = 0, 0
	if res != want {
		t.Fatalf("first run: got %+v, want %+v", res, want)
	}
	text := out.String()
	for _, s := range []string{
		"\r[>                             ] 0/10  $0.00 est.",
		"\r[==============================] 10/10  $0.00 est.",
		"summarized 10 of 10 papers (0 fallback, 0 failed)",
		"tokens: 10000 prompt + 1000 completion; est. cost $0.0021",
	} {
		if !strings.Contains(text, s) {
			t.Errorf("progress lacks %q:\n%q", s, text)
		}
	}

	// The next run picks up where the first stopped; then nothing is left.
	opts.Limit = 0
	opts.Progress = nil
	if res, err = Bulk(context.Background(), opts); err != nil || res.Listed != 15 || res.Summarized != 15 {
		t.Fatalf("second run: got %+v, %v; want the 15 remaining", res, err)
	}
	if res, err = Bulk(context.Background(), opts); err != nil || res.Listed != 0 {
		t.Fatalf("third run: got %+v, %v; want nothing to do", res, err)
	}
	if got := inner.calls.Load(); got != 25 {
		t.Fatalf("summarizer calls: got %d, want 25 (each paper once)", got)
	}
}

func TestBulkFallbackAndStop(t *testing.T) {
	papers := bulkPapers(30)
	st := newMemStore()
	down := &countingSummarizer{model: "m", version: "v", err: fmt.Errorf("summarize: %w", paperboy.Errorf(paperboy.EUNAVAILABLE, "circuit open"))}

	// With the fallback, papers get extractive summaries, counted as fallback, and stay
	// listed for the model.
	res, err := Bulk(context.Background(), BulkOptions{Summarizer: &Cached{Summarizer: WithFallback(down, nil), Store: st},
		List: listWithout(papers, st, "m", "v"), Limit: 5, Concurrency: 2})
	if err != nil || res.Fallback != 5 || res.Summarized != 0 {
		t.Fatalf("fallback: got %+v, %v; want 5 fallback", res, err)
	}
	if left, _ := listWithout(papers, st, "m", "v")(context.Background(), 0); len(left) != 30 {
		t.Fatalf("after fallback: %d papers lack the model's summary, want 30", len(left))
	}

	// Without it, the run stops after MaxConsecutiveUnavailable failures in a row.
	res, err = Bulk(context.Background(), BulkOptions{Summarizer: down, List: listWithout(papers, st, "m", "v"),
		Concurrency: 1, MaxConsecutiveUnavailable: 4})
	if paperboy.ErrorCode(err) != paperboy.EUNAVAILABLE || res.Failed != 4 {
		t.Fatalf("model down: got %+v, %v; want a stop after 4 failures", res, err)
	}
}

func TestBulkCancelled(t *testing.T) {
	papers := bulkPapers(10)
	inner := &countingSummarizer{model: "m", version: "v", entered: make(chan struct{}, 10), gate: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var res BulkResult
	go func() {
		var err error
		res, err = Bulk(ctx, BulkOptions{Summarizer: inner, List: listWithout(papers, newMemStore(), "m", "v"), Concurrency: 1,
			Now: func() time.Time { return time.Unix(0, 0) }})
		done <- err
	}()
	<-inner.entered
	cancel()
	close(inner.gate)
	err := <-done
	if !errors.Is(err, context.Canceled) || res.Summarized+res.Failed >= 10 {
		t.Fatalf("got %+v, %v; want an interrupted run", res, err)
	}
}

func TestBulkErrors(t *testing.T) {
	if _, err := Bulk(context.Background(), BulkOptions{}); paperboy.ErrorCode(err) != paperboy.EINVALID {
		t.Fatalf("no summarizer: got %v, want EINVALID", err)
	}
	boom := errors.New("store: database is locked")
	_, err := Bulk(context.Background(), BulkOptions{Summarizer: &Extractive{}, List: func(context.Context, int) ([]*paperboy.Paper, error) { return nil, boom }})
	if !errors.Is(err, boom) {
		t.Fatalf("list error: got %v, want it wrapped", err)
	}
}

func TestProgressLine(t *testing.T) {
	for _, tc := range []struct {
		done, total int
		cost        float64
		want        string
	}{
		{0, 500, 0, "[>                             ] 0/500  $0.00 est."},
		{120, 500, 0.031, "[=======>                      ] 120/500  $0.03 est."},
		{500, 500, 0.12, "[==============================] 500/500  $0.12 est."},
		{0, 0, 0, "[==============================] 0/0  $0.00 est."},
	} {
		if got := progressLine(tc.done, tc.total, tc.cost); got != tc.want {
			t.Errorf("%d/%d: got %q, want %q", tc.done, tc.total, got, tc.want)
		}
	}
}
