package discord

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/bottest"
	"github.com/paperboy-bot/paperboy/bot/discord/discordfake"
	"github.com/paperboy-bot/paperboy/store"
)

// Channels of the fake the outbound tests use.
const (
	outGuildID  = discordfake.GuildID
	outTextID   = "100000000000000010"
	outForumID  = "100000000000000020"
	outText2ID  = "100000000000000011"
	outForum2ID = "100000000000000021"
)

// newOutFake starts a fake Discord with a text channel and a forum whose tags are
// cs.LG, cs.CV, "Mixture of Experts" and a moderated cs.AI.
func newOutFake(t testing.TB) *discordfake.Server {
	t.Helper()
	f := discordfake.New(t)
	f.AddChannel(discordfake.Channel{ID: outTextID, GuildID: outGuildID, Name: "papers", Type: discordfake.TypeText})
	f.AddChannel(discordfake.Channel{ID: outText2ID, GuildID: outGuildID, Name: "papers-2", Type: discordfake.TypeText})
	tags := []discordfake.Tag{{ID: "701", Name: "cs.LG"}, {ID: "702", Name: "cs.CV"}, {ID: "703", Name: "Mixture of Experts"},
		{ID: "704", Name: "cs.AI", Moderated: true}}
	f.AddChannel(discordfake.Channel{ID: outForumID, GuildID: outGuildID, Name: "paper-forum", Type: discordfake.TypeForum, Tags: tags})
	f.AddChannel(discordfake.Channel{ID: outForum2ID, GuildID: outGuildID, Name: "paper-forum-2", Type: discordfake.TypeForum, Tags: tags})
	return f
}

// newOutAdapter is an adapter of a new process talking to the fake.
func newOutAdapter(t testing.TB, f *discordfake.Server, now func() time.Time) *Adapter {
	t.Helper()
	a, err := New(Options{Token: "fake-token", APIURL: f.APIURL(), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// outHarness is a real store, watcher and clock around dispatchers under test.
type outHarness struct {
	t     testing.TB
	ctx   context.Context
	db    *store.DB
	clock *bottest.Clock
	w     *bot.Watcher
	seq   int
}

var outStart = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func newOutHarness(t testing.TB) *outHarness {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "bot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h := &outHarness{t: t, ctx: ctx, db: db, clock: bottest.NewClock(outStart)}
	db.Now = h.clock.Now
	if h.w, err = bot.NewWatcher(bot.WatcherConfig{Store: db, Subs: db, Now: h.clock.Now}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.w.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *outHarness) dispatcher(ad bot.Adapter, dc bot.DispatcherConfig) *bot.Dispatcher {
	h.t.Helper()
	dc.Store, dc.Papers, dc.Adapter, dc.Now = h.db, h.db, ad, h.clock.Now
	if dc.Rand == nil {
		dc.Rand = func() float64 { return 0.5 }
	}
	d, err := bot.NewDispatcher(dc)
	if err != nil {
		h.t.Fatal(err)
	}
	return d
}

func (h *outHarness) subscribe(channel, filter string, digest paperboy.Digest) {
	h.t.Helper()
	q, err := paperboy.ParseQuery(filter, h.clock.Now())
	if err != nil {
		h.t.Fatal(err)
	}
	s := paperboy.Subscription{Channel: channel, Filter: q.String(), Query: q, Digest: digest}
	if err := h.db.CreateSubscription(h.ctx, &s); err != nil {
		h.t.Fatal(err)
	}
}

// addPapers stores n new papers about words and lets the watcher queue them.
func (h *outHarness) addPapers(n int, words string) []paperboy.Paper {
	h.t.Helper()
	var ps []paperboy.Paper
	for i := 0; i < n; i++ {
		h.seq++
		p := paperboy.Paper{ArxivID: fmt.Sprintf("2611.%05d", h.seq), Title: fmt.Sprintf("%s, part %d", words, h.seq),
			Abstract: "An abstract about " + words + ".", Categories: []string{"cs.LG"}, Published: outStart,
			PDFURL: fmt.Sprintf("https://arxiv.org/pdf/2611.%05d", h.seq)}
		if err := p.Normalize(); err != nil {
			h.t.Fatal(err)
		}
		ps = append(ps, p)
	}
	if _, err := h.db.UpsertPapers(h.ctx, ps); err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.w.Poll(h.ctx); err != nil {
		h.t.Fatal(err)
	}
	return ps
}

// drain steps d, moving the clock, until nothing is pending, sending or owed.
func (h *outHarness) drain(d *bot.Dispatcher, step time.Duration, maxSteps int) {
	h.t.Helper()
	for i := 0; i < maxSteps; i++ {
		d.Step(h.ctx)
		d.WaitAsync()
		if h.drained() {
			return
		}
		h.clock.Advance(step)
	}
	st, _ := h.db.DeliveryStatus(h.ctx, "")
	h.t.Fatalf("outbox not drained after %d steps: %+v", maxSteps, st)
}

func (h *outHarness) drained() bool {
	st, err := h.db.DeliveryStatus(h.ctx, "")
	if err != nil {
		h.t.Fatal(err)
	}
	if st.Pending+st.Sending > 0 {
		return false
	}
	f, _ := h.db.Followups(h.ctx)
	s, _ := h.db.Summaries(h.ctx)
	return len(f)+len(s) == 0
}

// outLLM is a summarizer that answers at once.
type outLLM struct{ model string }

func (f outLLM) Summarize(ctx context.Context, p *paperboy.Paper) (paperboy.Summary, error) {
	return paperboy.Summary{PaperID: p.ID, Model: f.model, Text: "TL;DR by " + f.model}, nil
}
