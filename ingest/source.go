package ingest

import (
	"context"
	"net/url"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// Source is one configured fetch with its parameters bound, for the scheduler.
type Source interface {
	// Name identifies the source in logs: "arxiv:cs.LG", "arxiv-listing:cs.CL", "hf", "rss:example.org".
	Name() string
	// Fetch calls emit for every paper the source has now.
	Fetch(ctx context.Context, emit func(paperboy.Paper) error) error
}

type sourceFunc struct {
	name  string
	fetch func(ctx context.Context, emit func(paperboy.Paper) error) error
}

func (s *sourceFunc) Name() string { return s.name }
func (s *sourceFunc) Fetch(ctx context.Context, emit func(paperboy.Paper) error) error {
	return s.fetch(ctx, emit)
}

// ArxivSource fetches the papers of category submitted in the last lookback (measured
// from the client's clock at each Fetch; 0 means DefaultArxivLookback).
func ArxivSource(a *Arxiv, category string, lookback time.Duration) Source {
	if lookback <= 0 {
		lookback = DefaultArxivLookback
	}
	return &sourceFunc{name: paperboy.SourceArxiv + ":" + category, fetch: func(ctx context.Context, emit func(paperboy.Paper) error) error {
		a.init()
		until := a.Client.Now()
		return a.Fetch(ctx, ArxivQuery{Category: category, Since: until.Add(-lookback), Until: until}, emit)
	}}
}

// ListingSource fetches today's announcement listing of category.
func ListingSource(l *Listing, category string) Source {
	return &sourceFunc{name: paperboy.SourceArxivListing + ":" + category, fetch: func(ctx context.Context, emit func(paperboy.Paper) error) error {
		return l.Fetch(ctx, category, emit)
	}}
}

// HFSource fetches the Hugging Face daily papers of the last days days (1 = today, in
// UTC by the client's clock; 0 means 1). Upvotes grow during the day, so refetching a
// day updates them.
func HFSource(h *HFDaily, days int) Source {
	days = max(days, 1)
	return &sourceFunc{name: paperboy.SourceHF, fetch: func(ctx context.Context, emit func(paperboy.Paper) error) error {
		h.init()
		today := h.Client.Now().UTC()
		for i := days - 1; i >= 0; i-- {
			if err := h.Fetch(ctx, today.AddDate(0, 0, -i), emit); err != nil {
				return err
			}
		}
		return nil
	}}
}

// FeedSource fetches one RSS or Atom feed.
func FeedSource(f *Feed, feedURL string) Source {
	name := paperboy.SourceRSS
	if u, err := url.Parse(feedURL); err == nil && u.Host != "" {
		name += ":" + u.Host
	}
	return &sourceFunc{name: name, fetch: func(ctx context.Context, emit func(paperboy.Paper) error) error {
		return f.Fetch(ctx, feedURL, emit)
	}}
}
