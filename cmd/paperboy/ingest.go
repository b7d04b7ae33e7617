package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
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

// fetchBatch is how many fetched papers are stored in one transaction.
const fetchBatch = 500

// flushTimeout bounds storing what was fetched once the fetch's context has ended
// (SIGINT, its deadline): the papers are in memory and cost one transaction to keep.
var flushTimeout = 10 * time.Second

// fetchStore stores the papers a fetch emits in batches. flush writes with a context
// detached from the fetch's cancellation, so papers fetched before an interrupt are
// stored, not dropped with it.
type fetchStore struct {
	ctx   context.Context // the fetch's: its values, not its cancellation
	db    paperboy.PaperService
	st    paperboy.UpsertStats
	read  int
	batch []paperboy.Paper
}

func (s *fetchStore) emit(p paperboy.Paper) error {
	s.read++
	s.batch = append(s.batch, p)
	if len(s.batch) >= fetchBatch {
		return s.flush()
	}
	return nil
}

func (s *fetchStore) flush() error {
	if len(s.batch) == 0 {
		return nil
	}
	return s.detached(func(ctx context.Context) error {
		st, err := s.db.UpsertPapers(ctx, s.batch)
		if err != nil {
			return err
		}
		s.st.Add(st)
		s.batch = s.batch[:0]
		return nil
	})
}

// detached runs fn with a bounded context that the fetch's cancellation does not end.
func (s *fetchStore) detached(fn func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), flushTimeout)
	defer cancel()
	return fn(ctx)
}

// fetchInto runs a fetch and stores what it emits in batches, so a long arXiv harvest is
// saved as it goes. What was stored before an error stays stored, and what was fetched
// before the context ended is stored too.
func fetchInto(ctx context.Context, db paperboy.PaperService, fetch func(context.Context, func(paperboy.Paper) error) error) (paperboy.UpsertStats, int, error) {
	s := &fetchStore{ctx: ctx, db: db}
	err := fetch(ctx, s.emit)
	if ferr := s.flush(); err == nil {
		err = ferr
	}
	return s.st, s.read, err
}

// backfillDB is what an arXiv backfill stores into.
type backfillDB interface {
	paperboy.PaperService
	paperboy.ResumeStore
}

// arxivBackfill fetches q page by page, storing each page as it arrives and recording
// after it where to continue, under a key naming the category and window start. A run
// with the same category and --since continues where an interrupted one stopped, and
// says so on note. The record goes when the window has been fetched to its end.
func arxivBackfill(ctx context.Context, db backfillDB, a *ingest.Arxiv, q ingest.ArxivQuery, untilSet bool, note io.Writer) (paperboy.UpsertStats, int, error) {
	key := "arxiv:" + q.Category + ":" + q.Since.UTC().Format(time.RFC3339)
	if untilSet {
		key += ":" + q.Until.UTC().Format(time.RFC3339)
	}
	s := &fetchStore{ctx: ctx, db: db}
	if v, err := db.ResumePoint(ctx, key); err != nil {
		return s.st, 0, err
	} else if v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			q.Start = n
			fmt.Fprintf(note, "resuming the arXiv %s backfill since %s at result %d, where an earlier run stopped\n",
				q.Category, q.Since.UTC().Format(time.DateOnly), n)
		}
	}
	next := q.Start
	q.Checkpoint = func(at int, done bool) error {
		if err := s.flush(); err != nil {
			return err
		}
		next = at
		value := strconv.Itoa(at)
		if done {
			value = "" // the window is fetched: nothing to resume
		}
		return s.detached(func(ctx context.Context) error { return db.SetResumePoint(ctx, key, value) })
	}
	err := a.Fetch(ctx, q, s.emit)
	if ferr := s.flush(); err == nil {
		err = ferr
	}
	if err != nil && next > 0 {
		fmt.Fprintf(note, "stopped at result %d; run the same command again to continue from there\n", next)
	}
	return s.st, s.read, err
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

	var (
		fetch    func(context.Context, func(paperboy.Paper) error) error
		backfill func(context.Context, backfillDB) (paperboy.UpsertStats, int, error)
	)
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
		// A window with a fixed start (--since as a date, not an age) is a backfill:
		// resumable across runs, since its key is the same on the next run.
		if later, _ := paperboy.ParseSince(*since, now.AddDate(1, 0, 0)); *since != "" && later.Equal(q.Since) {
			backfill = func(ctx context.Context, db backfillDB) (paperboy.UpsertStats, int, error) {
				return arxivBackfill(ctx, db, srcs.arxiv, q, *until != "", m.Stderr)
			}
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
	var (
		st   paperboy.UpsertStats
		read int
	)
	if backfill != nil {
		st, read, err = backfill(ctx, db)
	} else {
		st, read, err = fetchInto(ctx, db, fetch)
	}
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
