package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/config"
	"github.com/paperboy-bot/paperboy/ingest"
)

// sources builds the ingest clients from configuration; one HTTP client is shared so the
// arXiv spacing rule holds across the API and the listing feed.
type sources struct {
	arxiv   *ingest.Arxiv
	listing *ingest.Listing
	hf      *ingest.HFDaily
	feed    *ingest.Feed
}

func newSources(cfg config.Config, log *slog.Logger) *sources {
	c := ingest.NewClient(ingest.ClientOptions{Logger: log})
	return &sources{
		arxiv:   &ingest.Arxiv{Client: c, BaseURL: cfg.Ingest.ArxivAPIURL, Logger: log},
		listing: &ingest.Listing{Client: c, BaseURL: cfg.Ingest.ArxivListingURL, Logger: log},
		hf:      &ingest.HFDaily{Client: c, BaseURL: cfg.Ingest.HFURL, Logger: log},
		feed:    &ingest.Feed{Client: c, Logger: log},
	}
}

// source turns one configured source into an ingest.Source.
func (s *sources) source(src config.Source) (ingest.Source, error) {
	switch src.Kind {
	case "arxiv":
		return ingest.ArxivSource(s.arxiv, src.Category, 0), nil
	case "arxiv-listing":
		return ingest.ListingSource(s.listing, src.Category), nil
	case "hf":
		return ingest.HFSource(s.hf, 2), nil
	case "rss":
		return ingest.FeedSource(s.feed, src.URL), nil
	}
	return nil, fmt.Errorf("unknown source kind %q", src.Kind)
}

// fetchInto runs a fetch and stores what it emits in batches, so a long arXiv harvest is
// saved as it goes. What was stored before an error stays stored.
func fetchInto(ctx context.Context, db paperboy.PaperService, fetch func(context.Context, func(paperboy.Paper) error) error) (paperboy.UpsertStats, int, error) {
	const batchSize = 500
	var (
		st    paperboy.UpsertStats
		read  int
		batch []paperboy.Paper
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		s, err := db.UpsertPapers(ctx, batch)
		if err != nil {
			return err
		}
		st.Add(s)
		batch = batch[:0]
		return nil
	}
	err := fetch(ctx, func(p paperboy.Paper) error {
		read++
		batch = append(batch, p)
		if len(batch) >= batchSize {
			return flush()
		}
		return nil
	})
	if ferr := flush(); err == nil {
		err = ferr
	}
	return st, read, err
}

func (m *Main) runIngest(ctx context.Context, args []string) error {
	const kinds = "arxiv | arxiv-listing | hf | rss"
	if len(args) == 0 {
		fmt.Fprintf(m.Stderr, "Usage: paperboy ingest <%s> [flags]\n", kinds)
		return errUsage
	}
	kind, args := args[0], args[1:]
	var c common
	fs := m.newFlags("ingest "+kind, "", &c)
	category := fs.String("category", "", "arXiv category (arxiv), e.g. cs.LG")
	since := fs.String("since", "", "arxiv: first submission date (YYYY-MM-DD) or age (7d); default 3 days ago")
	until := fs.String("until", "", "arxiv: last submission date (YYYY-MM-DD), exclusive; default now")
	limit := fs.Int("max", 0, "arxiv: stop after this many papers (0 = all)")
	date := fs.String("date", "", "hf: the day (YYYY-MM-DD); default today (UTC)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	cfg, err := m.loadConfig(&c, config.Fetching)
	if err != nil {
		return err
	}
	log := m.logger(cfg)
	srcs := newSources(cfg, log)
	now := time.Now().UTC()

	var fetch func(context.Context, func(paperboy.Paper) error) error
	switch kind {
	case "arxiv":
		cat := *category
		if cat == "" && len(pos) == 1 {
			cat = pos[0]
		}
		if cat == "" {
			return fmt.Errorf("ingest arxiv: --category is required (e.g. --category cs.LG)")
		}
		q := ingest.ArxivQuery{Category: cat, Max: *limit, Until: now}
		if *since != "" {
			if q.Since, err = paperboy.ParseSince(*since, now); err != nil {
				return fmt.Errorf("ingest arxiv: --since: %s", paperboy.ErrorMessage(err))
			}
		}
		if *until != "" {
			if q.Until, err = time.Parse("2006-01-02", *until); err != nil {
				return fmt.Errorf("ingest arxiv: --until %q: want YYYY-MM-DD", *until)
			}
		}
		fetch = func(ctx context.Context, emit func(paperboy.Paper) error) error {
			return srcs.arxiv.Fetch(ctx, q, emit)
		}
	case "arxiv-listing":
		if len(pos) != 1 {
			return fmt.Errorf("ingest arxiv-listing: give one category, e.g. paperboy ingest arxiv-listing cs.CL")
		}
		fetch = func(ctx context.Context, emit func(paperboy.Paper) error) error {
			return srcs.listing.Fetch(ctx, pos[0], emit)
		}
	case "hf":
		day := now
		if *date != "" {
			if day, err = time.Parse("2006-01-02", *date); err != nil {
				return fmt.Errorf("ingest hf: --date %q: want YYYY-MM-DD", *date)
			}
		}
		fetch = func(ctx context.Context, emit func(paperboy.Paper) error) error { return srcs.hf.Fetch(ctx, day, emit) }
	case "rss":
		if len(pos) != 1 {
			return fmt.Errorf("ingest rss: give one feed URL, e.g. paperboy ingest rss https://example.org/feed.xml")
		}
		fetch = func(ctx context.Context, emit func(paperboy.Paper) error) error {
			return srcs.feed.Fetch(ctx, pos[0], emit)
		}
	default:
		return fmt.Errorf("ingest: unknown source %q; use one of: %s", kind, kinds)
	}

	db, err := m.openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	st, read, err := fetchInto(ctx, db, fetch)
	fmt.Fprintf(m.Stdout, "fetched %d, new %d, updated %d, duplicates %d\n", read, st.New, st.Updated, st.Duplicates)
	if read == 0 && err == nil && (kind == "arxiv" || kind == "arxiv-listing") {
		if wd := now.Weekday(); wd == time.Saturday || wd == time.Sunday {
			fmt.Fprintln(m.Stdout, "(arXiv does not announce new papers on Saturdays and Sundays; this is expected.)")
		}
	}
	if err != nil {
		var perr *paperboy.Error
		if errors.As(err, &perr) {
			return fmt.Errorf("ingest %s: %s", kind, perr.Message)
		}
		return fmt.Errorf("ingest %s: %w", kind, err)
	}
	return nil
}
