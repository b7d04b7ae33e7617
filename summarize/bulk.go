package summarize

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// BulkOptions configures Bulk.
type BulkOptions struct {
	// Summarizer makes (and, when it is Cached, stores) the summaries: usually New(...).
	Summarizer paperboy.Summarizer
	// List returns up to limit papers that have no summary yet for the summarizer's
	// model and prompt version (store.PapersWithoutSummary); limit 0 means all. Because
	// summaries are stored as they are made, a run that stops resumes where it stopped.
	List  func(ctx context.Context, limit int) ([]*paperboy.Paper, error)
	Limit int
	// Concurrency bounds summaries in flight; 0 means 4.
	Concurrency int
	// Progress receives the progress bar and the final line; nil means none.
	Progress io.Writer
	// PricePerMTokIn and PricePerMTokOut are the model's prices in dollars per million
	// prompt and completion tokens, for the cost estimate (0: no estimate).
	PricePerMTokIn, PricePerMTokOut float64
	// MaxConsecutiveUnavailable stops the run after this many EUNAVAILABLE errors in a
	// row (the model is down; no point burning through the list); 0 means 10.
	MaxConsecutiveUnavailable int
	Now                       func() time.Time
}

// BulkResult counts what Bulk did.
type BulkResult struct {
	Listed           int
	Summarized       int // by the summarizer's own model
	Fallback         int // by a fallback (the model failed); the paper stays listed for the next run
	Failed           int
	PromptTokens     int
	CompletionTokens int
	Cost             float64 // estimated dollars
	Elapsed          time.Duration
}

// Bulk summarizes the papers List returns with bounded concurrency, drawing a progress
// bar ("\r[=====>    ] 120/500  $0.03 est.") and a final line with counts, tokens and
// estimated cost. It stops early when ctx is cancelled or the model stays unavailable,
// returning what it did with the error. Errors: from List, ctx's, or EUNAVAILABLE.
func Bulk(ctx context.Context, opts BulkOptions) (BulkResult, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	var res BulkResult
	if opts.Summarizer == nil || opts.List == nil {
		return res, paperboy.Errorf(paperboy.EINVALID, "summarize: bulk needs a summarizer and a paper list")
	}
	papers, err := opts.List(ctx, max(opts.Limit, 0))
	if err != nil {
		return res, fmt.Errorf("summarize: list papers: %w", err)
	}
	res.Listed = len(papers)
	conc := opts.Concurrency
	if conc <= 0 {
		conc = 4
	}
	maxUnavail := opts.MaxConsecutiveUnavailable
	if maxUnavail <= 0 {
		maxUnavail = 10
	}
	wantModel, _, keyed := keyOf(opts.Summarizer)

	parent := ctx
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	var (
		mu          sync.Mutex
		done        int
		unavailRun  int
		stopErr     error
		lastDrawLen int
	)
	var lastDraw time.Time
	draw := func() {
		if opts.Progress == nil {
			return
		}
		// At most five redraws a second (and always the last one), so a log file or a
		// slow terminal is not flooded with a line per paper.
		t := now()
		if done != 0 && done != len(papers) && t.Sub(lastDraw) < 200*time.Millisecond {
			return
		}
		lastDraw = t
		line := progressLine(done, len(papers), res.Cost)
		pad := ""
		if n := lastDrawLen - len(line); n > 0 {
			pad = strings.Repeat(" ", n)
		}
		lastDrawLen = len(line)
		fmt.Fprint(opts.Progress, "\r"+line+pad)
	}
	mu.Lock()
	draw()
	mu.Unlock()

	jobs := make(chan *paperboy.Paper)
	var wg sync.WaitGroup
	for range min(conc, max(len(papers), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range jobs {
				if ctx.Err() != nil {
					// Stopped (or interrupted) while this paper was being handed over: the
					// feeder's select may pick the send over ctx.Done. Not attempted.
					continue
				}
				s, err := opts.Summarizer.Summarize(ctx, p)
				mu.Lock()
				done++
				switch {
				case err != nil:
					res.Failed++
					if paperboy.ErrorCode(err) == paperboy.EUNAVAILABLE {
						unavailRun++
						if unavailRun >= maxUnavail && stopErr == nil {
							stopErr = fmt.Errorf("summarize: bulk stopped after %d failures in a row: %w", unavailRun, err)
							cancel()
						}
					}
				default:
					unavailRun = 0
					if keyed && s.Model != wantModel {
						res.Fallback++
					} else {
						res.Summarized++
					}
					res.PromptTokens += s.PromptTokens
					res.CompletionTokens += s.CompletionTokens
					res.Cost = cost(res.PromptTokens, res.CompletionTokens, opts.PricePerMTokIn, opts.PricePerMTokOut)
				}
				draw()
				mu.Unlock()
			}
		}()
	}
feed:
	for _, p := range papers {
		select {
		case jobs <- p:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	res.Elapsed = now().Sub(start)
	if opts.Progress != nil {
		fmt.Fprintf(opts.Progress, "\n%s\n", finalLine(res))
	}
	if stopErr != nil {
		return res, stopErr
	}
	if err := parent.Err(); err != nil {
		return res, fmt.Errorf("summarize: bulk interrupted: %w", err)
	}
	return res, nil
}

// progressLine draws "[=====>    ] 120/500  $0.03 est.".
func progressLine(done, total int, cost float64) string {
	const width = 30
	filled := width
	if total > 0 {
		filled = done * width / total
	}
	bar := strings.Repeat("=", filled)
	if filled < width {
		bar += ">" + strings.Repeat(" ", width-filled-1)
	}
	return fmt.Sprintf("[%s] %d/%d  $%.2f est.", bar, done, total, cost)
}

func finalLine(r BulkResult) string {
	return fmt.Sprintf("summarized %d of %d papers (%d fallback, %d failed) in %s; tokens: %d prompt + %d completion; est. cost $%.4f",
		r.Summarized, r.Listed, r.Fallback, r.Failed, r.Elapsed.Round(time.Millisecond), r.PromptTokens, r.CompletionTokens, r.Cost)
}

func cost(in, out int, priceIn, priceOut float64) float64 {
	return float64(in)/1e6*priceIn + float64(out)/1e6*priceOut
}
