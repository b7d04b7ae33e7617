package bot_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/bottest"
	"github.com/paperboy-bot/paperboy/store"
)

// benchStore opens a real store with the wall clock.
func benchStore(b *testing.B) *store.DB {
	b.Helper()
	db, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func benchPaper(b *testing.B, i int) paperboy.Paper {
	p := paperboy.Paper{ArxivID: fmt.Sprintf("2611.%05d", i), Title: fmt.Sprintf("Sparse experts %d", i),
		Abstract: "We route tokens to experts.", Categories: []string{"cs.LG"}, Published: time.Now()}
	if err := p.Normalize(); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkCommitToPost measures the time from a paper's commit to its post: watcher
// (polling the store as it would for another process's writes) plus dispatcher, with a
// real store and the in-process adapter. Commits land at a random phase of the poll, so
// the mean is about poll/2 plus the work.
func BenchmarkCommitToPost(b *testing.B) {
	for _, poll := range []time.Duration{time.Second, 100 * time.Millisecond, 10 * time.Millisecond} {
		b.Run("poll="+poll.String(), func(b *testing.B) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			db := benchStore(b)
			posted := make(chan string, 16)
			ad := &bottest.Adapter{After: func(c bottest.Call) error {
				if c.Op == "post" {
					posted <- c.Key
				}
				return nil
			}}
			q, _ := paperboy.ParseQuery("experts", time.Now())
			if err := db.CreateSubscription(ctx, &paperboy.Subscription{Channel: "test:a", Filter: q.String(), Query: q}); err != nil {
				b.Fatal(err)
			}
			d, err := bot.NewDispatcher(bot.DispatcherConfig{Store: db, Papers: db, Adapter: ad})
			if err != nil {
				b.Fatal(err)
			}
			w, err := bot.NewWatcher(bot.WatcherConfig{Store: db, Subs: db, Poll: poll, Notify: d.Wake})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := w.Poll(ctx); err != nil {
				b.Fatal(err)
			}
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); w.Run(ctx) }()
			go func() { defer wg.Done(); d.Run(ctx) }()
			var total time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p := benchPaper(b, i+1)
				// Commit at a random phase of the poll, as an outside writer would.
				b.StopTimer()
				time.Sleep(time.Duration(rand.Int64N(int64(poll))))
				b.StartTimer()
				t0 := time.Now()
				if _, err := db.UpsertPapers(ctx, []paperboy.Paper{p}); err != nil {
					b.Fatal(err)
				}
				select {
				case <-posted:
				case <-time.After(10 * time.Second):
					b.Fatal("paper not posted within 10 s")
				}
				total += time.Since(t0)
			}
			b.StopTimer()
			b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/commit-to-post")
			cancel()
			wg.Wait()
		})
	}
}

// BenchmarkDispatcherThroughput20Channels drains 20 channels whose adapter allows one
// message per channel every 100 ms (a ceiling of 200 messages/s; every paper is two
// messages: the post and its thread reply) and reports achieved/ceiling.
func BenchmarkDispatcherThroughput20Channels(b *testing.B) {
	const channels, perChannel = 20, 10
	interval := 100 * time.Millisecond
	ceiling := float64(channels) / interval.Seconds()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ctx, cancel := context.WithCancel(context.Background())
		db := benchStore(b)
		var ps []paperboy.Paper
		for j := 0; j < perChannel; j++ {
			ps = append(ps, benchPaper(b, j+1))
		}
		if _, err := db.UpsertPapers(ctx, ps); err != nil {
			b.Fatal(err)
		}
		var ds []paperboy.Delivery
		for j := range ps {
			for c := 0; c < channels; c++ {
				ds = append(ds, paperboy.Delivery{PaperID: ps[j].ID, Channel: fmt.Sprintf("test:c%02d", c)})
			}
		}
		if _, err := db.EnqueueDeliveries(ctx, ds); err != nil {
			b.Fatal(err)
		}
		ad := &bottest.Adapter{Interval: interval}
		d, err := bot.NewDispatcher(bot.DispatcherConfig{Store: db, Papers: db, Adapter: ad, Workers: channels})
		if err != nil {
			b.Fatal(err)
		}
		want := 2 * channels * perChannel
		done := make(chan struct{})
		b.StartTimer()
		t0 := time.Now()
		go func() { d.Run(ctx); close(done) }()
		for len(ad.Posts())+len(ad.Sends()) < want {
			time.Sleep(5 * time.Millisecond)
		}
		elapsed := time.Since(t0)
		b.StopTimer()
		cancel()
		<-done
		achieved := float64(want) / elapsed.Seconds()
		b.ReportMetric(achieved, "msgs/s")
		b.ReportMetric(achieved/ceiling, "of-ceiling")
		b.ReportMetric(float64(channels*perChannel)/elapsed.Seconds(), "papers/s")
	}
}
