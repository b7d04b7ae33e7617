package discord

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/discord/discordfake"
	"github.com/paperboy-bot/paperboy/store"
)

// BenchmarkDispatcherThroughput20Channels drains 20 text channels through the real
// adapter and the fake, which enforces Discord's per-channel message bucket (5 per 5 s,
// with X-RateLimit-* headers and 429 beyond), at the adapter's PostInterval (1 s per
// channel: a ceiling of 20 messages/s; every paper is two messages, the post and its
// abstract in the post's thread, plus the call that starts the thread). It reports
// achieved/ceiling, like the Slack figure in BENCHMARKS.md, and min-time/elapsed, where
// min-time is (actions per channel - 1) x interval: the first action needs no wait.
// Wall clock: about 20 s a run.
func BenchmarkDispatcherThroughput20Channels(b *testing.B) {
	const channels, perChannel = 20, 10
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ctx, cancel := context.WithCancel(context.Background())
		db, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		f := discordfake.New(b)
		f.SetMessageBucket(5, 5*time.Second)
		var ids []string
		for c := 0; c < channels; c++ {
			id := fmt.Sprintf("1000000000000001%02d", c)
			ids = append(ids, id)
			f.AddChannel(discordfake.Channel{ID: id, GuildID: outGuildID, Type: discordfake.TypeText})
		}
		var ps []paperboy.Paper
		for j := 0; j < perChannel; j++ {
			p := paperboy.Paper{ArxivID: fmt.Sprintf("2611.%05d", j+1), Title: fmt.Sprintf("Sparse experts %d", j+1),
				Abstract: "We route tokens to experts.", Categories: []string{"cs.LG"}, Published: time.Now()}
			if err := p.Normalize(); err != nil {
				b.Fatal(err)
			}
			ps = append(ps, p)
		}
		if _, err := db.UpsertPapers(ctx, ps); err != nil {
			b.Fatal(err)
		}
		var ds []paperboy.Delivery
		for j := range ps {
			for _, id := range ids {
				ds = append(ds, paperboy.Delivery{PaperID: ps[j].ID, Channel: "discord:" + id})
			}
		}
		if _, err := db.EnqueueDeliveries(ctx, ds); err != nil {
			b.Fatal(err)
		}
		a, err := New(Options{Token: "fake-token", APIURL: f.APIURL()})
		if err != nil {
			b.Fatal(err)
		}
		d, err := bot.NewDispatcher(bot.DispatcherConfig{Store: db, Papers: db, Adapter: a, Workers: channels})
		if err != nil {
			b.Fatal(err)
		}
		want := 2 * channels * perChannel
		sent := func() int {
			n := 0
			for _, id := range ids {
				n += len(f.Messages(id))
				for _, th := range f.Threads(id) {
					n += len(f.Messages(th.ID))
				}
			}
			return n
		}
		done := make(chan struct{})
		b.StartTimer()
		t0 := time.Now()
		go func() { d.Run(ctx); close(done) }()
		for sent() < want {
			time.Sleep(5 * time.Millisecond)
		}
		elapsed := time.Since(t0)
		b.StopTimer()
		cancel()
		<-done
		db.Close()
		ceiling := float64(channels) / a.PostInterval().Seconds()
		achieved := float64(want) / elapsed.Seconds()
		b.ReportMetric(achieved, "msgs/s")
		b.ReportMetric(achieved/ceiling, "of-ceiling")
		b.ReportMetric(float64(channels*perChannel)/elapsed.Seconds(), "papers/s")
		minTime := time.Duration(2*perChannel-1) * a.PostInterval()
		b.ReportMetric(minTime.Seconds()/elapsed.Seconds(), "of-min-time")
		b.ReportMetric(float64(f.Calls("POST /channels/{id}/messages")-want), "extra-creates")
	}
}
