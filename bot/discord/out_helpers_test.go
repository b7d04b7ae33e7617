package discord

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/discord/discordfake"
	"github.com/paperboy-bot/paperboy/store"
)

// Channels of the fake the outbound tests use.
const (
	guildID  = "100000000000000001"
	textID   = "100000000000000010"
	forumID  = "100000000000000020"
	text2ID  = "100000000000000011"
	forum2ID = "100000000000000021"
)

// newFake starts a fake Discord with a text channel and a forum whose tags are
// cs.LG, cs.CV, "Mixture of Experts" and a moderated cs.AI.
func newFake(t testing.TB) *discordfake.Server {
	t.Helper()
	f := discordfake.New(t)
	f.AddChannel(discordfake.Channel{ID: textID, GuildID: guildID, Name: "papers", Type: discordfake.TypeText})
	f.AddChannel(discordfake.Channel{ID: text2ID, GuildID: guildID, Name: "papers-2", Type: discordfake.TypeText})
	tags := []discordfake.Tag{{ID: "701", Name: "cs.LG"}, {ID: "702", Name: "cs.CV"}, {ID: "703", Name: "Mixture of Experts"},
		{ID: "704", Name: "cs.AI", Moderated: true}}
	f.AddChannel(discordfake.Channel{ID: forumID, GuildID: guildID, Name: "paper-forum", Type: discordfake.TypeForum, Tags: tags})
	f.AddChannel(discordfake.Channel{ID: forum2ID, GuildID: guildID, Name: "paper-forum-2", Type: discordfake.TypeForum, Tags: tags})
	return f
}

// newAdapter is an adapter of a new process talking to the fake.
func newAdapter(t testing.TB, f *discordfake.Server, now func() time.Time) *Adapter {
	t.Helper()
	a, err := New(Options{Token: "fake-token", APIURL: f.APIURL(), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// runnable completes the outbound half into a bot.Adapter for the dispatcher tests (the
// inbound half's Run is not needed to deliver).
type runnable struct{ *Adapter }

func (runnable) Run(ctx context.Context, h bot.Handler) error {
	<-ctx.Done()
	return nil
}

var _ bot.Adapter = runnable{}

// clock is an injected clock the test moves by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// harness is a real store, watcher and clock around dispatchers under test.
type harness struct {
	t     testing.TB
	ctx   context.Context
	db    *store.DB
	clock *clock
	w     *bot.Watcher
	seq   int
}

var start = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func newHarness(t testing.TB) *harness {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "bot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h := &harness{t: t, ctx: ctx, db: db, clock: &clock{t: start}}
	db.Now = h.clock.Now
	if h.w, err = bot.NewWatcher(bot.WatcherConfig{Store: db, Subs: db, Now: h.clock.Now}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.w.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *harness) dispatcher(ad bot.Adapter, dc bot.DispatcherConfig) *bot.Dispatcher {
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

func (h *harness) subscribe(channel, filter string, digest paperboy.Digest) {
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
func (h *harness) addPapers(n int, words string) []paperboy.Paper {
	h.t.Helper()
	var ps []paperboy.Paper
	for i := 0; i < n; i++ {
		h.seq++
		p := paperboy.Paper{ArxivID: fmt.Sprintf("2611.%05d", h.seq), Title: fmt.Sprintf("%s, part %d", words, h.seq),
			Abstract: "An abstract about " + words + ".", Categories: []string{"cs.LG"}, Published: start,
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
func (h *harness) drain(d *bot.Dispatcher, step time.Duration, maxSteps int) {
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

func (h *harness) drained() bool {
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

// fakeLLM is a summarizer that answers at once.
type fakeLLM struct{ model string }

func (f fakeLLM) Summarize(ctx context.Context, p *paperboy.Paper) (paperboy.Summary, error) {
	return paperboy.Summary{PaperID: p.ID, Model: f.model, Text: "TL;DR by " + f.model}, nil
}

var _ = slices.Contains[[]string]
