package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/config"
	"github.com/paperboy-bot/paperboy/recommend"
	"github.com/paperboy-bot/paperboy/store"
	"github.com/paperboy-bot/paperboy/summarize"
)

// newEmbedder is the embedder of [embeddings], or nil when none is configured.
func newEmbedder(cfg config.Config, log *slog.Logger) (*summarize.Embedder, error) {
	e := cfg.Embeddings
	if !e.Enabled() {
		return nil, nil
	}
	return summarize.NewEmbedder(summarize.EmbedConfig{
		BaseURL: e.BaseURL, Model: e.Model, APIKey: e.APIKey, BatchSize: e.BatchSize, Timeout: e.Timeout.Duration,
		Dimensions: e.Dimensions,
	}, log.With(slog.String("component", "embeddings")))
}

// newRecommender is the recommendation service over db, blending in the stored embeddings
// of the configured model when there is one.
func newRecommender(cfg config.Config, db *store.DB) *recommend.Service {
	s := &recommend.Service{Store: db}
	if cfg.Embeddings.Enabled() {
		s.Dense, s.DenseModel = db, summarize.EmbedKey(cfg.Embeddings.Model, cfg.Embeddings.Dimensions)
	}
	return s
}

// runEmbed is `paperboy embed`: fill the dense embeddings of the configured model in bulk
// with progress and a cost. Each batch is stored as it comes, so a run that stops resumes
// where it stopped.
func (m *Main) runEmbed(ctx context.Context, args []string) error {
	var c common
	fs := m.newFlags("embed", "", &c)
	since := fs.String("since", "", "only papers published or stored since this age or date (1d, 2w, 2024-03-01); default all")
	limit := fs.Int("limit", 0, "embed at most this many papers (0 = all)")
	rest, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		fs.Usage()
		return errUsage
	}
	if *limit < 0 {
		return fmt.Errorf("--limit %d: must not be negative", *limit)
	}
	cfg, err := m.loadConfig(&c, config.Dense)
	if err != nil {
		return err
	}
	if !cfg.Embeddings.Enabled() {
		return fmt.Errorf("no embedding model configured: set embeddings.model (and base_url, api_key) in the config file or PAPERBOY_EMBEDDINGS_MODEL; recommendations work without it")
	}
	var from time.Time
	if *since != "" {
		if from, err = paperboy.ParseSince(*since, time.Now()); err != nil {
			return fmt.Errorf("--since: %s", paperboy.ErrorMessage(err))
		}
	}
	log := m.logger(cfg)
	e, err := newEmbedder(cfg, log)
	if err != nil {
		return err
	}
	db, err := m.openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	model := e.Model()
	_, err = summarize.EmbedBulk(ctx, summarize.EmbedBulkOptions{
		Embedder: e,
		List: func(ctx context.Context, n int) ([]*paperboy.Paper, error) {
			return db.PapersWithoutEmbedding(ctx, model, from, n)
		},
		Save: func(ctx context.Context, v map[string][]float32) error {
			return db.SaveEmbeddings(ctx, model, v)
		},
		Limit:        *limit,
		Progress:     m.Stderr,
		PricePerMTok: cfg.Embeddings.PriceInput,
	})
	return err
}

// Background embedding in `paperboy run`: new papers of the last embedWindow are embedded
// every embedEvery, at most embedPerPass a pass. Failures are logged by the embedder (once
// an outage) and never stop the bot; rankings read what is stored and meanwhile rank the
// unembedded papers by their sparse vectors.
const (
	embedEvery   = 10 * time.Minute
	embedWindow  = 7 * 24 * time.Hour
	embedPerPass = 2000
)

// embedLoop runs embedding passes until ctx ends.
func embedLoop(ctx context.Context, e *summarize.Embedder, db *store.DB, log *slog.Logger) error {
	for {
		embedPass(ctx, e, db, log, time.Now())
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(embedEvery):
		}
	}
}

// embedPass embeds the recent papers that lack an embedding; it returns how many it stored.
func embedPass(ctx context.Context, e *summarize.Embedder, db *store.DB, log *slog.Logger, now time.Time) int {
	todo, err := db.PapersWithoutEmbedding(ctx, e.Model(), now.Add(-embedWindow), embedPerPass)
	if err != nil || len(todo) == 0 {
		if err != nil && ctx.Err() == nil {
			log.Warn("embeddings: list papers", slog.Any("err", err))
		}
		return 0
	}
	// A failure is logged by the embedder (once an outage); the batches done before it
	// are kept.
	vecs, tokens, _ := e.EmbedPapers(ctx, todo)
	if len(vecs) > 0 {
		if serr := db.SaveEmbeddings(ctx, e.Model(), vecs); serr != nil {
			log.Warn("embeddings: save", slog.Any("err", serr))
			return 0
		}
		log.Debug("embeddings: stored", slog.Int("papers", len(vecs)), slog.Int("tokens", tokens))
	}
	return len(vecs)
}
