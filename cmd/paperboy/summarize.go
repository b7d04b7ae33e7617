package main

import (
	"context"
	"fmt"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/config"
	"github.com/paperboy-bot/paperboy/summarize"
)

// runSummarize is `paperboy summarize`: fill summaries in bulk with a progress bar and a
// cost estimate. Summaries are cached as they are made, so a run that stops resumes
// where it stopped.
func (m *Main) runSummarize(ctx context.Context, args []string) error {
	var c common
	fs := m.newFlags("summarize", "", &c)
	since := fs.String("since", "", "only papers published or stored since this age or date (1d, 2w, 2024-03-01); default all")
	limit := fs.Int("limit", 0, "summarize at most this many papers (0 = all)")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	if *limit < 0 {
		return fmt.Errorf("--limit %d: must not be negative", *limit)
	}
	cfg, err := m.loadConfig(&c, config.Summaries)
	if err != nil {
		return err
	}
	var from time.Time
	if *since != "" {
		if from, err = paperboy.ParseSince(*since, time.Now()); err != nil {
			return fmt.Errorf("--since: %s", paperboy.ErrorMessage(err))
		}
	}
	log := m.logger(cfg)
	db, err := m.openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	s := summarize.New(summarizeConfig(cfg), db, log)
	model, version := "extractive", ""
	if k, ok := s.(interface{ Key() (string, string) }); ok {
		model, version = k.Key()
	}
	_, err = summarize.Bulk(ctx, summarize.BulkOptions{
		Summarizer: s,
		List: func(ctx context.Context, n int) ([]*paperboy.Paper, error) {
			return db.PapersWithoutSummary(ctx, model, version, from, n)
		},
		Limit:          *limit,
		Concurrency:    cfg.Summarize.MaxConcurrent,
		Progress:       m.Stderr,
		PricePerMTokIn: cfg.Summarize.PriceInput, PricePerMTokOut: cfg.Summarize.PriceOutput,
	})
	return err
}
