package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/config"
	"github.com/paperboy-bot/paperboy/store"
)

// BenchmarkMetricsOverhead compares the hot paths with and without the ops listener's
// counting: a search command through the bot (plain, and through the observing wrapper
// the adapters get when ops.listen is set) on a store of 2 000 papers, and the
// dispatcher's per-call hook (ok and a 429) beside a post's store round trip.
func BenchmarkMetricsOverhead(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ps := make([]paperboy.Paper, 2000)
	for i := range ps {
		ps[i] = paperboy.Paper{ArxivID: fmt.Sprintf("2611.%05d", i), Title: fmt.Sprintf("Sparse experts for routing %d", i),
			Abstract: "We route tokens to experts and study load balancing in mixtures.", Categories: []string{"cs.LG"}, Published: time.Now()}
		if err := ps[i].Normalize(); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.UpsertPapers(ctx, ps); err != nil {
		b.Fatal(err)
	}
	m := newOpsMetrics(db, []string{"shell"}, config.Default())
	bb := bot.New(bot.Config{Papers: db, Subs: db, Social: db, Outbox: db})
	cmd := bot.Command{Platform: "shell", Channel: "terminal", User: "u", Text: "search experts routing"}
	for name, h := range map[string]bot.Handler{"search/plain": bb, "search/metrics": newObservedBot(bb, m)} {
		b.Run(name, func(b *testing.B) {
			for range b.N {
				if r := h.HandleCommand(ctx, cmd); r.Text == "" {
					b.Fatal("empty reply")
				}
			}
		})
	}
	onCall := m.onCall("shell")
	rateLimited := bot.Temporary("rate_limited", time.Second, errors.New("HTTP 429"))
	b.Run("oncall/ok", func(b *testing.B) {
		for range b.N {
			onCall(nil)
		}
	})
	b.Run("oncall/429", func(b *testing.B) {
		for range b.N {
			onCall(rateLimited)
		}
	})
	b.Run("post_store_roundtrip", func(b *testing.B) { // what a post costs beside the platform call
		for i := range b.N {
			if _, err := db.FindPaper(ctx, ps[i%len(ps)].ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}
