package summarize

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// memStore is an in-memory paperboy.SummaryStore.
type memStore struct {
	mu    sync.Mutex
	m     map[string]paperboy.Summary
	saves int
	fail  error // returned by every call when set
}

func newMemStore() *memStore { return &memStore{m: map[string]paperboy.Summary{}} }

func (s *memStore) FindSummary(ctx context.Context, paperID, model, version string) (paperboy.Summary, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return paperboy.Summary{}, s.fail
	}
	sum, ok := s.m[paperID+"|"+model+"|"+version]
	if !ok {
		return paperboy.Summary{}, paperboy.Errorf(paperboy.ENOTFOUND, "no summary")
	}
	return sum, nil
}

func (s *memStore) SaveSummary(ctx context.Context, sum paperboy.Summary) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.saves++
	s.m[sum.PaperID+"|"+sum.Model+"|"+sum.PromptVersion] = sum
	return nil
}

// countingSummarizer returns "summary of <id>" with fixed token counts, optionally
// waiting for gate, and counts calls.
type countingSummarizer struct {
	model, version string
	calls          atomic.Int32
	gate           chan struct{}
	entered        chan struct{}
	err            error
}

func (c *countingSummarizer) Key() (string, string) { return c.model, c.version }

func (c *countingSummarizer) Summarize(ctx context.Context, p *paperboy.Paper) (paperboy.Summary, error) {
	c.calls.Add(1)
	if c.entered != nil {
		c.entered <- struct{}{}
	}
	if c.gate != nil {
		<-c.gate
	}
	if c.err != nil {
		return paperboy.Summary{}, c.err
	}
	return paperboy.Summary{PaperID: p.ID, Model: c.model, PromptVersion: c.version,
		Text: "summary of " + p.ID, PromptTokens: 1000, CompletionTokens: 100}, nil
}

func TestCachedHitAndMiss(t *testing.T) {
	p := testPapers(t)["OptMATH"]
	st := newMemStore()
	inner := &countingSummarizer{model: "m", version: "v"}
	c := &Cached{Summarizer: inner, Store: st}
	for i := range 3 {
		s, err := c.Summarize(context.Background(), p)
		if err != nil || s.Text != "summary of "+p.ID {
			t.Fatalf("call %d: got %q, %v", i, s.Text, err)
		}
	}
	if got := inner.calls.Load(); got != 1 {
		t.Fatalf("summarizer calls: got %d, want 1", got)
	}
	if st.saves != 1 {
		t.Fatalf("saves: got %d, want 1", st.saves)
	}
	// Another prompt version is another cache entry.
	c2 := &Cached{Summarizer: &countingSummarizer{model: "m", version: "v2"}, Store: st}
	if _, err := c2.Summarize(context.Background(), p); err != nil || st.saves != 2 {
		t.Fatalf("other version: got saves %d, %v; want 2", st.saves, err)
	}
}

func TestCachedErrorsAndBrokenStore(t *testing.T) {
	p := testPapers(t)["OptMATH"]
	// Summarizer errors are returned and nothing is stored.
	st := newMemStore()
	boom := paperboy.Errorf(paperboy.EUNAVAILABLE, "down")
	c := &Cached{Summarizer: &countingSummarizer{model: "m", version: "v", err: boom}, Store: st}
	if _, err := c.Summarize(context.Background(), p); !errors.Is(err, boom) || st.saves != 0 {
		t.Fatalf("got %v with %d saves, want the summarizer's error and no save", err, st.saves)
	}
	// A broken store does not stop summaries; it is logged.
	var logBuf bytes.Buffer
	st = newMemStore()
	st.fail = errors.New("store: disk I/O error")
	c = &Cached{Summarizer: &countingSummarizer{model: "m", version: "v"}, Store: st, Log: slog.New(slog.NewTextHandler(&logBuf, nil))}
	if s, err := c.Summarize(context.Background(), p); err != nil || s.Text == "" {
		t.Fatalf("broken store: got %q, %v; want a summary", s.Text, err)
	}
	if !strings.Contains(logBuf.String(), "cache lookup failed") || !strings.Contains(logBuf.String(), "cache store failed") {
		t.Fatalf("broken store not logged: %s", logBuf.String())
	}
}

func TestCachedSharesConcurrentCalls(t *testing.T) {
	p := testPapers(t)["OptMATH"]
	inner := &countingSummarizer{model: "m", version: "v", gate: make(chan struct{}), entered: make(chan struct{}, 10)}
	c := &Cached{Summarizer: inner, Store: newMemStore()}
	var joined sync.WaitGroup
	c.onJoin = joined.Done

	const n = 8
	results := make(chan string, n)
	run := func() {
		s, err := c.Summarize(context.Background(), p)
		if err != nil {
			results <- "error: " + err.Error()
			return
		}
		results <- s.Text
	}
	go run()
	<-inner.entered // the first call is inside the summarizer
	joined.Add(n - 1)
	for range n - 1 {
		go run()
	}
	joined.Wait() // every other call waits on the first
	close(inner.gate)
	for range n {
		if got := <-results; got != "summary of "+p.ID {
			t.Fatalf("got %q, want the shared summary", got)
		}
	}
	if got := inner.calls.Load(); got != 1 {
		t.Fatalf("summarizer calls: got %d, want 1", got)
	}
}

func TestFallback(t *testing.T) {
	p := testPapers(t)["SpanBERT"]
	var logBuf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logBuf, nil))
	primary := &countingSummarizer{model: "gpt-4o-mini", version: "oa-1-tldr-en", err: fmt.Errorf("summarize: %w", paperboy.Errorf(paperboy.EUNAVAILABLE, "the summary model is unavailable (circuit open)"))}
	fb := WithFallback(primary, log)
	if m, v := fb.Key(); m != "gpt-4o-mini" || v != "oa-1-tldr-en" {
		t.Fatalf("Key: got %s %s, want the primary's", m, v)
	}
	s, err := fb.Summarize(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if s.Model != ExtractiveModel || !strings.Contains(s.Text, "SpanBERT") {
		t.Fatalf("got %+v, want the extractive summary", s)
	}
	for _, want := range []string{"level=WARN", "paper_id=" + p.ID, "code=unavailable", "circuit open"} {
		if !strings.Contains(logBuf.String(), want) {
			t.Errorf("log lacks %q: %s", want, logBuf.String())
		}
	}
	// Primary succeeds: its summary, no log.
	logBuf.Reset()
	primary.err = nil
	if s, err := fb.Summarize(context.Background(), p); err != nil || s.Model != "gpt-4o-mini" || logBuf.Len() != 0 {
		t.Fatalf("got %+v, %v, log %q; want the primary's summary and no log", s, err, logBuf.String())
	}
}

func TestNew(t *testing.T) {
	p := testPapers(t)["OptMATH"]
	st := newMemStore()

	// No model configured: extractive, cached.
	s := New(Config{}, st, nil)
	sum, err := s.Summarize(context.Background(), p)
	if err != nil || sum.Model != ExtractiveModel || !strings.Contains(sum.Text, "OptMATH") {
		t.Fatalf("no model: got %+v, %v; want an extractive summary", sum, err)
	}
	if _, err := st.FindSummary(context.Background(), p.ID, ExtractiveModel, ExtractivePromptVersion); err != nil {
		t.Fatalf("no model: summary not cached: %v", err)
	}

	// A model that answers.
	f := newFakeOpenAI(t, answer(goodAnswer, 400, 40))
	s = New(Config{BaseURL: f.base(), Model: "llama3.1:8b", Timeout: 5 * time.Second}, st, nil)
	sum, err = s.Summarize(context.Background(), p)
	if err != nil || sum.Model != "llama3.1:8b" || sum.Text != goodAnswer || sum.PromptTokens != 400 {
		t.Fatalf("model: got %+v, %v; want the model's summary", sum, err)
	}
	if m, v := Key(Config{BaseURL: f.base(), Model: "llama3.1:8b"}); m != "llama3.1:8b" || v != "oa-2-tldr-en" {
		t.Fatalf("Key: got %s %s", m, v)
	}
	if _, err := st.FindSummary(context.Background(), p.ID, "llama3.1:8b", "oa-2-tldr-en"); err != nil {
		t.Fatalf("model summary not cached: %v", err)
	}

	// A model that is down: the post still gets a summary.
	down := newFakeOpenAI(t, serverError())
	s = New(Config{BaseURL: down.base(), Model: "m", MaxRetries: -1}, newMemStore(), nil)
	if sum, err = s.Summarize(context.Background(), p); err != nil || sum.Model != ExtractiveModel {
		t.Fatalf("model down: got %+v, %v; want the extractive fallback", sum, err)
	}

	// An invalid config is logged and gives extractive summaries.
	var logBuf bytes.Buffer
	s = New(Config{Model: "m", Style: "poem"}, nil, slog.New(slog.NewTextHandler(&logBuf, nil)))
	if sum, err = s.Summarize(context.Background(), p); err != nil || sum.Model != ExtractiveModel || !strings.Contains(logBuf.String(), "poem") {
		t.Fatalf("invalid config: got %+v, %v, log %q", sum, err, logBuf.String())
	}
}
