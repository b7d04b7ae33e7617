package summarize

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/paperboy-bot/paperboy"
)

// Fallback summarizes with Primary and, on any error of Primary (model down, circuit
// open, invalid answer, timeout), with Secondary. Its cache key is Primary's, so a
// fallback summary (which carries Secondary's model name) never hides the missing
// Primary summary: the next request tries Primary again.
type Fallback struct {
	Primary   paperboy.Summarizer
	Secondary paperboy.Summarizer
	Log       *slog.Logger
}

var _ paperboy.Summarizer = (*Fallback)(nil)

// WithFallback returns primary backed by the extractive summarizer.
func WithFallback(primary paperboy.Summarizer, log *slog.Logger) *Fallback {
	return &Fallback{Primary: primary, Secondary: &Extractive{}, Log: log}
}

// Key returns Primary's cache key.
func (f *Fallback) Key() (model, promptVersion string) {
	if m, v, ok := keyOf(f.Primary); ok {
		return m, v
	}
	return keyOf2(f.Secondary)
}

func keyOf2(s paperboy.Summarizer) (string, string) {
	m, v, _ := keyOf(s)
	return m, v
}

// Summarize returns Primary's summary, or Secondary's when Primary fails. Errors: those
// of Secondary (EINVALID when the paper has no abstract).
func (f *Fallback) Summarize(ctx context.Context, p *paperboy.Paper) (paperboy.Summary, error) {
	s, err := f.Primary.Summarize(ctx, p)
	if err == nil {
		return s, nil
	}
	if f.Log != nil && p != nil {
		// err never carries the API key: OpenAI builds its errors from status and code.
		f.Log.Warn("summarize: model failed, using fallback summary",
			slog.String("paper_id", p.ID), slog.String("code", paperboy.ErrorCode(err)), slog.String("error", err.Error()))
	}
	// The secondary is local and fast; it gets a context that the primary's timeout
	// cannot have used up.
	return f.Secondary.Summarize(context.WithoutCancel(ctx), p)
}

// Cached looks summaries up in Store before asking Summarizer, and stores what it
// returns. Concurrent requests for the same paper share one Summarizer call. Store
// errors are logged, never returned: a broken cache must not stop a summary.
type Cached struct {
	Summarizer paperboy.Summarizer
	Store      paperboy.SummaryStore
	Log        *slog.Logger

	mu       sync.Mutex
	inflight map[string]*call
	onJoin   func() // test hook: a caller joined an in-flight call
}

type call struct {
	done chan struct{}
	sum  paperboy.Summary
	err  error
}

var _ paperboy.Summarizer = (*Cached)(nil)

// Key returns the wrapped summarizer's cache key.
func (c *Cached) Key() (model, promptVersion string) { return keyOf2(c.Summarizer) }

// Summarize returns the cached summary of p for the wrapped summarizer's model and
// prompt version, or makes and stores one. Errors: those of the wrapped summarizer.
func (c *Cached) Summarize(ctx context.Context, p *paperboy.Paper) (paperboy.Summary, error) {
	if p == nil {
		return paperboy.Summary{}, paperboy.Errorf(paperboy.EINVALID, "no paper to summarize")
	}
	model, version, keyed := keyOf(c.Summarizer)
	if keyed {
		s, err := c.Store.FindSummary(ctx, p.ID, model, version)
		switch {
		case err == nil:
			return s, nil
		case paperboy.ErrorCode(err) != paperboy.ENOTFOUND:
			c.log().Warn("summarize: summary cache lookup failed", slog.String("paper_id", p.ID), slog.String("error", err.Error()))
		}
	}

	key := p.ID + "\x00" + model + "\x00" + version
	c.mu.Lock()
	if cl, ok := c.inflight[key]; ok {
		c.mu.Unlock()
		if c.onJoin != nil {
			c.onJoin()
		}
		select {
		case <-cl.done:
			return cl.sum, cl.err
		case <-ctx.Done():
			return paperboy.Summary{}, fmt.Errorf("summarize: wait for summary of %s: %w", p.ID, ctx.Err())
		}
	}
	cl := &call{done: make(chan struct{})}
	if c.inflight == nil {
		c.inflight = map[string]*call{}
	}
	c.inflight[key] = cl
	c.mu.Unlock()

	defer func() {
		c.mu.Lock()
		delete(c.inflight, key)
		c.mu.Unlock()
		close(cl.done)
	}()
	cl.sum, cl.err = c.Summarizer.Summarize(ctx, p)
	if cl.err == nil {
		if err := c.Store.SaveSummary(context.WithoutCancel(ctx), cl.sum); err != nil {
			c.log().Warn("summarize: summary cache store failed", slog.String("paper_id", p.ID), slog.String("error", err.Error()))
		}
	}
	return cl.sum, cl.err
}

func (c *Cached) log() *slog.Logger {
	if c.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Log
}
