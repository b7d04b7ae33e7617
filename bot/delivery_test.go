package bot_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/bottest"
	"github.com/paperboy-bot/paperboy/store"
)

// harness wires a real store, a watcher, a dispatcher and the fake adapter.
type harness struct {
	t     testing.TB
	ctx   context.Context
	db    *store.DB
	clock *bottest.Clock
	ad    *bottest.Adapter
	w     *bot.Watcher
	d     *bot.Dispatcher
	seq   int
	// only, when set, limits drain's check to these channels.
	only []string
}

// Wednesday 2026-11-25 12:00 UTC.
var start = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func newHarness(tb testing.TB, ad *bottest.Adapter, wc bot.WatcherConfig, dc bot.DispatcherConfig) *harness {
	tb.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(tb.TempDir(), "bot.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	h := &harness{t: tb, ctx: ctx, db: db, clock: bottest.NewClock(start), ad: ad}
	db.Now = h.clock.Now
	if ad.Now == nil {
		ad.Now = h.clock.Now
	}
	wc.Store, wc.Subs, wc.Now = db, db, h.clock.Now
	if h.w, err = bot.NewWatcher(wc); err != nil {
		tb.Fatal(err)
	}
	h.d = h.newDispatcher(ad, dc)
	// First start: records the position.
	if _, err := h.w.Poll(ctx); err != nil {
		tb.Fatal(err)
	}
	return h
}

func (h *harness) newDispatcher(ad bot.Adapter, dc bot.DispatcherConfig) *bot.Dispatcher {
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

func (h *harness) subscribe(channel, filter string, digest paperboy.Digest, cap int) paperboy.Subscription {
	h.t.Helper()
	q, err := paperboy.ParseQuery(filter, h.clock.Now())
	if err != nil {
		h.t.Fatal(err)
	}
	s := paperboy.Subscription{Channel: channel, Filter: q.String(), Query: q, Digest: digest, DailyCap: cap}
	if err := h.db.CreateSubscription(h.ctx, &s); err != nil {
		h.t.Fatal(err)
	}
	return s
}

// addPapers stores n new papers whose title contains words, published at pub.
func (h *harness) addPapers(n int, words string, pub time.Time) []string {
	h.t.Helper()
	var ps []paperboy.Paper
	for i := 0; i < n; i++ {
		h.seq++
		p := paperboy.Paper{ArxivID: fmt.Sprintf("2611.%05d", h.seq), Title: fmt.Sprintf("%s, part %d", words, h.seq),
			Abstract: "An abstract about " + words + ".", Categories: []string{"cs.LG"}, Published: pub,
			PDFURL: fmt.Sprintf("https://arxiv.org/pdf/2611.%05d", h.seq)}
		if err := p.Normalize(); err != nil {
			h.t.Fatal(err)
		}
		ps = append(ps, p)
	}
	if _, err := h.db.UpsertPapers(h.ctx, ps); err != nil {
		h.t.Fatal(err)
	}
	ids := make([]string, n)
	for i, p := range ps {
		ids[i] = p.ID
	}
	return ids
}

func (h *harness) poll() int {
	h.t.Helper()
	n, err := h.w.Poll(h.ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

// drain steps the dispatcher, moving the clock, until nothing is pending, sending or
// owed, and fails after maxSteps.
func (h *harness) drain(d *bot.Dispatcher, step time.Duration, maxSteps int) {
	h.t.Helper()
	for i := 0; i < maxSteps; i++ {
		d.Step(h.ctx)
		d.WaitAsync() // summaries being generated
		if h.drained() {
			return
		}
		h.clock.Advance(step)
	}
	st, _ := h.db.DeliveryStatus(h.ctx, "")
	h.t.Fatalf("outbox not drained after %d steps: %+v", maxSteps, st)
}

func (h *harness) drained() bool {
	h.t.Helper()
	chans := h.only
	if len(chans) == 0 {
		chans = []string{""}
	}
	for _, ch := range chans {
		st, err := h.db.DeliveryStatus(h.ctx, ch)
		if err != nil {
			h.t.Fatal(err)
		}
		if st.Pending+st.Sending > 0 {
			return false
		}
	}
	f, _ := h.db.Followups(h.ctx)
	s, _ := h.db.Summaries(h.ctx)
	for _, d := range append(f, s...) {
		if len(h.only) == 0 || slices.Contains(h.only, d.Channel) {
			return false
		}
	}
	return true
}

// postsBy groups recorded posts by channel, in order, as paper ids.
func postsBy(ms []bottest.Message) map[string][]string {
	out := map[string][]string{}
	for _, m := range ms {
		out[m.Channel] = append(out[m.Channel], m.PaperID)
	}
	return out
}

func TestDispatcherOrderAndThreads(t *testing.T) {
	ad := &bottest.Adapter{Interval: time.Second}
	h := newHarness(t, ad, bot.WatcherConfig{}, bot.DispatcherConfig{Workers: 2})
	h.subscribe("test:a", "experts", paperboy.Digest{}, 0)
	h.subscribe("test:b", "experts", paperboy.Digest{}, 0)
	h.subscribe("test:b", "cat:cs.LG", paperboy.Digest{}, 0) // same papers: still one post each
	h.subscribe("slack:C1", "experts", paperboy.Digest{}, 0) // another platform's channel
	h.only = []string{"test:a", "test:b"}
	ids := h.addPapers(10, "Sparse experts", start)
	if n := h.poll(); n != 30 {
		t.Fatalf("got %d deliveries, want 30 (10 papers x 3 channels)", n)
	}
	h.drain(h.d, 500*time.Millisecond, 200)

	by := postsBy(ad.Posts())
	for _, ch := range []string{"a", "b"} {
		if got, want := fmt.Sprint(by[ch]), fmt.Sprint(ids); got != want {
			t.Errorf("channel %s: got posts %s, want %s in order", ch, got, want)
		}
	}
	if len(by["C1"]) != 0 {
		t.Errorf("got %d posts to a slack channel through the test adapter, want 0", len(by["C1"]))
	}
	// Each post has its abstract in its thread, and nothing in a channel came closer
	// than the adapter's interval.
	sends := ad.Sends()
	threads := map[string]int{}
	for _, s := range sends {
		threads[s.ThreadID]++
		if !strings.Contains(s.Text, "Abstract") {
			t.Errorf("got thread reply %q, want the abstract", s.Text)
		}
	}
	for _, p := range ad.Posts() {
		if threads[p.ThreadID] != 1 {
			t.Errorf("post %s: got %d thread replies, want 1", p.MessageID, threads[p.ThreadID])
		}
		if p.Reason == "" || p.Summary == "" || !strings.HasPrefix(p.Key, "pb-d") {
			t.Errorf("post %+v: want a reason, a summary and a delivery key", p)
		}
	}
	all := append(ad.Posts(), sends...)
	byTime := map[string][]time.Time{}
	for _, m := range all {
		byTime[m.Channel] = append(byTime[m.Channel], m.At)
	}
	for ch, ts := range byTime {
		seen := map[time.Time]bool{}
		for _, ts := range ts {
			if seen[ts] {
				t.Errorf("channel %s: two messages at %v, want at least 1 s apart", ch, ts)
			}
			seen[ts] = true
		}
	}
	st, _ := h.db.DeliveryStatus(h.ctx, "test:a")
	if st.Sent != 10 {
		t.Errorf("got %d sent in test:a, want 10", st.Sent)
	}
}

func TestDispatcherStormDrainsInOrderExactlyOnce(t *testing.T) {
	ad := &bottest.Adapter{Interval: time.Second}
	ad.Before = bottest.Storm(0.3, 3*time.Second, 42)
	h := newHarness(t, ad, bot.WatcherConfig{}, bot.DispatcherConfig{Workers: 3, BaseBackoff: time.Second, MaxBackoff: 20 * time.Second,
		Rand: func() float64 { return 0.3 }})
	channels := []string{"c1", "c2", "c3", "c4", "c5"}
	for _, ch := range channels {
		h.subscribe("test:"+ch, "experts", paperboy.Digest{}, 0)
	}
	ids := h.addPapers(40, "Routing experts", start)
	h.poll()
	h.drain(h.d, time.Second, 5000)

	by := postsBy(ad.Posts())
	for _, ch := range channels {
		if got, want := fmt.Sprint(by[ch]), fmt.Sprint(ids); got != want {
			t.Errorf("channel %s: got %d posts %s, want each of the %d papers once, in order", ch, len(by[ch]), got, len(ids))
		}
	}
	if n := len(ad.Sends()); n != len(ids)*len(channels) {
		t.Errorf("got %d thread replies, want %d", n, len(ids)*len(channels))
	}
	if calls, ok := ad.Calls(), 2*len(ids)*len(channels); calls < ok+ok/5 {
		t.Errorf("got %d platform calls for %d successful ones, want the storm to have failed many", calls, ok)
	}
	st, _ := h.db.DeliveryStatus(h.ctx, "")
	if st.Sent != 200 || st.Failed != 0 {
		t.Errorf("got %+v, want 200 sent and no failure", st)
	}
}

func TestDispatcherLostResponsesNotDuplicated(t *testing.T) {
	// The platform accepts every other post, thread reply and summary but the answer is
	// lost (a 5xx after the fact): the retry finds the message instead of sending again.
	ad := &bottest.Adapter{}
	ad.After = func(c bottest.Call) error {
		if (c.Op == "post" || c.Op == "send") && c.N%2 == 1 {
			return bot.Temporary("server_error", 0, errors.New("HTTP 502 after accepting"))
		}
		return nil
	}
	h := newHarness(t, ad, bot.WatcherConfig{}, bot.DispatcherConfig{})
	d := h.newDispatcher(ad, bot.DispatcherConfig{Quick: fakeLLM{"extractive"}, Summarizer: fakeLLM{"gpt-test"}})
	h.subscribe("test:a", "experts", paperboy.Digest{}, 0)
	ids := h.addPapers(6, "Experts", start)
	h.poll()
	h.drain(d, 5*time.Second, 400)
	if got, want := fmt.Sprint(postsBy(ad.Posts())["a"]), fmt.Sprint(ids); got != want {
		t.Errorf("got posts %s, want %s exactly once each", got, want)
	}
	keys := map[string]int{}
	for _, s := range ad.Sends() {
		keys[s.Key]++
	}
	for _, p := range ad.Posts() {
		for _, k := range []string{p.Key + "-abstract", p.Key + "-summary"} {
			if keys[k] != 1 {
				t.Errorf("got %d messages keyed %s in the thread, want 1", keys[k], k)
			}
		}
	}
	if len(keys) != 2*len(ids) {
		t.Errorf("got thread messages keyed %v, want an abstract and a summary per post", keys)
	}
}

func TestDispatcherBackoffHonoursRetryAfter(t *testing.T) {
	ad := &bottest.Adapter{}
	fail := true
	ad.Before = func(c bottest.Call) error {
		if c.Op == "post" && fail {
			fail = false
			return bot.Temporary("rate_limited", 45*time.Second, errors.New("HTTP 429"))
		}
		return nil
	}
	h := newHarness(t, ad, bot.WatcherConfig{}, bot.DispatcherConfig{BaseBackoff: time.Second})
	h.subscribe("test:a", "experts", paperboy.Digest{}, 0)
	h.addPapers(1, "Experts", start)
	h.poll()
	h.d.Step(h.ctx)
	st, _ := h.db.DeliveryStatus(h.ctx, "")
	if st.Pending != 1 {
		t.Fatalf("got %+v after a 429, want the delivery pending", st)
	}
	h.clock.Advance(44 * time.Second)
	h.d.Step(h.ctx)
	if n := len(ad.Posts()); n != 0 {
		t.Fatalf("got %d posts 44 s after a 429 with Retry-After 45 s, want 0", n)
	}
	h.clock.Advance(2 * time.Second)
	h.d.Step(h.ctx)
	if n := len(ad.Posts()); n != 1 {
		t.Fatalf("got %d posts after the Retry-After, want 1", n)
	}
}

func TestDispatcherPermanentFailure(t *testing.T) {
	ad := &bottest.Adapter{}
	ad.OnlyChannels("ok")
	h := newHarness(t, ad, bot.WatcherConfig{}, bot.DispatcherConfig{})
	h.subscribe("test:ok", "experts", paperboy.Digest{}, 0)
	h.subscribe("test:gone", "experts", paperboy.Digest{}, 0)
	h.addPapers(3, "Experts", start)
	h.poll()
	h.drain(h.d, time.Second, 100)
	st, err := h.db.DeliveryStatus(h.ctx, "test:gone")
	if err != nil {
		t.Fatal(err)
	}
	if st.Failed != 3 || len(st.RecentFailures) != 3 || st.RecentFailures[0].LastError != "channel_not_found" {
		t.Errorf("got %+v, want 3 failures with reason channel_not_found", st)
	}
	if ok, _ := h.db.DeliveryStatus(h.ctx, "test:ok"); ok.Sent != 3 {
		t.Errorf("got %+v in the working channel, want 3 sent", ok)
	}
}

// noFinder hides the adapter's MessageFinder capability.
type noFinder struct{ *bottest.Adapter }

func (noFinder) FindMessage() {}

func TestDispatcherCrashRecovery(t *testing.T) {
	for _, tc := range []struct {
		name      string
		crashWhen string // "before": the post never reached the platform; "after": it did
		finder    bool
		wantPosts int
	}{
		{"post reached platform, found by key", "after", true, 1},
		{"post never reached platform", "before", true, 1},
		{"post reached platform, no lookup: at least once", "after", false, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ad := &bottest.Adapter{}
			h := newHarness(t, ad, bot.WatcherConfig{}, bot.DispatcherConfig{})
			h.subscribe("test:a", "experts", paperboy.Digest{}, 0)
			ids := h.addPapers(2, "Experts", start)
			h.poll()

			// The first dispatcher "crashes" inside its first post: its context ends
			// while the call is in flight, so nothing after the intent is recorded.
			ctx, crash := context.WithCancel(h.ctx)
			hook := func(c bottest.Call) error {
				if c.Op == "post" && c.N == 1 {
					crash()
					return ctx.Err()
				}
				return nil
			}
			if tc.crashWhen == "before" {
				ad.Before = hook
			} else {
				ad.After = hook
			}
			var first bot.Adapter = ad
			if !tc.finder {
				first = noFinder{ad}
			}
			d1 := h.newDispatcher(first, bot.DispatcherConfig{})
			d1.Step(ctx)
			if u, _ := h.db.Uncertain(h.ctx); len(u) != 1 {
				t.Fatalf("got %d uncertain deliveries after the crash, want 1", len(u))
			}
			ad.Before, ad.After = nil, nil

			// Restart: a new dispatcher reconciles and finishes.
			d2 := h.newDispatcher(first, bot.DispatcherConfig{})
			h.drain(d2, time.Second, 100)
			by := postsBy(ad.Posts())["a"]
			count := map[string]int{}
			for _, id := range by {
				count[id]++
			}
			if count[ids[0]] != tc.wantPosts || count[ids[1]] != 1 {
				t.Errorf("got posts %v, want the crashed paper %d time(s) and the other once", by, tc.wantPosts)
			}
			var posts int
			st, _ := h.db.DeliveryStatus(h.ctx, "")
			posts = st.Sent
			if posts != 2 {
				t.Errorf("got %d sent, want 2", posts)
			}
		})
	}
}

func TestDigestInChannelTimeZone(t *testing.T) {
	ad := &bottest.Adapter{}
	h := newHarness(t, ad, bot.WatcherConfig{DefaultTimeZone: "UTC"}, bot.DispatcherConfig{})
	if err := h.db.SaveChannel(h.ctx, paperboy.Channel{Key: "test:ny", TimeZone: "America/New_York"}); err != nil {
		t.Fatal(err)
	}
	h.subscribe("test:ny", "experts", paperboy.Digest{Every: paperboy.DigestDaily, Hour: 9}, 0)
	ids := h.addPapers(3, "Experts", start)
	h.poll()
	// 12:00 UTC is 07:00 in New York (EST, UTC-5): the digest goes out at 14:00 UTC.
	slot := time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)
	for h.clock.Now().Before(slot) {
		h.d.Step(h.ctx)
		if n := len(ad.Sends()) + len(ad.Posts()); n != 0 {
			t.Fatalf("got %d messages at %v, before the 09:00 New York slot", n, h.clock.Now())
		}
		h.clock.Advance(10 * time.Minute)
	}
	h.d.Step(h.ctx)
	sends := ad.Sends()
	if len(sends) != 1 || len(ad.Posts()) != 0 {
		t.Fatalf("got %d sends and %d posts at the slot, want one digest message", len(sends), len(ad.Posts()))
	}
	for _, id := range ids {
		if !strings.Contains(sends[0].Text, "arxiv.org/abs/"+id) {
			t.Errorf("digest %q does not link %s", sends[0].Text, id)
		}
	}
	if !strings.HasPrefix(sends[0].Text, "**Digest: 3 new papers**") {
		t.Errorf("got digest header %q, want it to count 3 papers", firstLine(sends[0].Text))
	}
	if st, _ := h.db.DeliveryStatus(h.ctx, ""); st.Sent != 3 {
		t.Errorf("got %+v, want the 3 papers sent together", st)
	}
}

func TestDigestLostAnswerNotDuplicated(t *testing.T) {
	// The platform accepts the digest but the answer is lost: the retry sends the same
	// papers under the same key, finds the message and records it instead of sending again.
	ad := &bottest.Adapter{}
	lost := false
	ad.After = func(c bottest.Call) error {
		if c.Op == "send" && !lost {
			lost = true
			return bot.Temporary("server_error", 0, errors.New("HTTP 502 after accepting"))
		}
		return nil
	}
	h := newHarness(t, ad, bot.WatcherConfig{}, bot.DispatcherConfig{})
	h.subscribe("test:a", "experts", paperboy.Digest{Every: paperboy.DigestDaily, Hour: 13}, 0)
	h.addPapers(3, "Experts", start)
	h.poll()
	h.clock.Advance(time.Hour)
	h.drain(h.d, 5*time.Second, 100)
	sends := ad.Sends()
	if len(sends) != 1 || !lost || !strings.HasPrefix(sends[0].Key, "pb-g") {
		t.Fatalf("got %d digest messages %+v (answer lost: %v), want 1 with a digest key", len(sends), sends, lost)
	}
	if st, _ := h.db.DeliveryStatus(h.ctx, ""); st.Sent != 3 {
		t.Errorf("got %+v, want the 3 papers sent in it", st)
	}
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

func TestNextDigest(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	for _, tc := range []struct {
		name string
		d    paperboy.Digest
		now  time.Time
		loc  *time.Location
		want time.Time
	}{
		{"later today", paperboy.Digest{Every: paperboy.DigestDaily, Hour: 9}, time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC), paris,
			time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)},
		{"passed today", paperboy.Digest{Every: paperboy.DigestDaily, Hour: 9}, time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC), paris,
			time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)},
		{"exactly now goes to tomorrow", paperboy.Digest{Every: paperboy.DigestDaily, Hour: 9}, time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC), paris,
			time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)},
		{"across DST end", paperboy.Digest{Every: paperboy.DigestDaily, Hour: 9, Minute: 30}, time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC), paris,
			time.Date(2026, 10, 25, 8, 30, 0, 0, time.UTC)},
		{"tokyo date is ahead", paperboy.Digest{Every: paperboy.DigestDaily, Hour: 8}, time.Date(2026, 11, 25, 23, 30, 0, 0, time.UTC), tokyo,
			time.Date(2026, 11, 26, 23, 0, 0, 0, time.UTC)},
		{"weekly next monday", paperboy.Digest{Every: paperboy.DigestWeekly, Weekday: time.Monday, Hour: 9}, time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC), time.UTC,
			time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)},
		{"weekly today passed", paperboy.Digest{Every: paperboy.DigestWeekly, Weekday: time.Wednesday, Hour: 9}, time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC), time.UTC,
			time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)},
		{"weekly today later", paperboy.Digest{Every: paperboy.DigestWeekly, Weekday: time.Wednesday, Hour: 18}, time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC), time.UTC,
			time.Date(2026, 11, 25, 18, 0, 0, 0, time.UTC)},
		{"none", paperboy.Digest{}, start, time.UTC, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := bot.NextDigest(tc.d, tc.now, tc.loc); !got.Equal(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestWatcherDailyCap(t *testing.T) {
	ad := &bottest.Adapter{}
	h := newHarness(t, ad, bot.WatcherConfig{}, bot.DispatcherConfig{})
	sub := h.subscribe("test:a", "experts", paperboy.Digest{}, 2)
	h.addPapers(5, "Experts", start)
	h.poll()
	st, _ := h.db.DeliveryStatus(h.ctx, "test:a")
	if st.Pending != 2 || st.Skipped != 3 {
		t.Fatalf("got %+v, want 2 pending and 3 skipped", st)
	}
	// The next day the cap starts again.
	h.clock.Advance(24 * time.Hour)
	h.addPapers(3, "Experts", start)
	h.poll()
	st, _ = h.db.DeliveryStatus(h.ctx, "test:a")
	if st.Pending != 4 || st.Skipped != 4 {
		t.Errorf("got %+v the next day, want 4 pending and 4 skipped", st)
	}
	_ = sub
}

// TestWatcherNoDailyCap: a subscription with no cap (cap:none, cap:0) gets every match,
// whatever the default cap; one with the default gets the default.
func TestWatcherNoDailyCap(t *testing.T) {
	ad := &bottest.Adapter{}
	h := newHarness(t, ad, bot.WatcherConfig{DailyCap: 1}, bot.DispatcherConfig{})
	h.subscribe("test:a", "experts", paperboy.Digest{}, paperboy.NoDailyCap)
	h.subscribe("test:b", "experts", paperboy.Digest{}, 0)
	h.addPapers(3, "Experts", start)
	h.poll()
	for channel, want := range map[string]int{"test:a": 3, "test:b": 1} {
		st, _ := h.db.DeliveryStatus(h.ctx, channel)
		if st.Pending != want || st.Skipped != 3-want {
			t.Errorf("%s: got %+v, want %d pending and %d skipped", channel, st, want, 3-want)
		}
	}
}

func TestWatcherCapSkippedReasonVisible(t *testing.T) {
	ad := &bottest.Adapter{}
	h := newHarness(t, ad, bot.WatcherConfig{DailyCap: 1}, bot.DispatcherConfig{})
	h.subscribe("test:a", "experts", paperboy.Digest{}, 0)
	h.addPapers(2, "Experts", start)
	h.poll()
	ds, err := h.db.DueDeliveries(h.ctx, h.clock.Now())
	if err != nil || len(ds) != 1 {
		t.Fatalf("got %d due (%v), want 1 under the default cap", len(ds), err)
	}
	st, _ := h.db.DeliveryStatus(h.ctx, "")
	if st.Skipped != 1 {
		t.Errorf("got %+v, want 1 skipped by the default cap", st)
	}
}

func TestWatcherBackfillBound(t *testing.T) {
	ad := &bottest.Adapter{}
	h := newHarness(t, ad, bot.WatcherConfig{Backfill: 3}, bot.DispatcherConfig{})
	old := h.addPapers(5, "Experts", start.AddDate(0, 0, -30))
	recent := h.addPapers(10, "Experts", start.AddDate(0, 0, -2))
	h.addPapers(4, "Unrelated topic", start)
	h.poll()
	sub := h.subscribe("test:a", "experts", paperboy.Digest{}, 0)
	n, err := h.w.Backfill(h.ctx, sub)
	if err != nil || n != 3 {
		t.Fatalf("got %d, %v; want 3 backfilled", n, err)
	}
	h.drain(h.d, time.Second, 100)
	got := postsBy(ad.Posts())["a"]
	want := []string{recent[7], recent[8], recent[9]}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got backfill %v, want the 3 newest %v (oldest first), none of %v", got, want, old)
	}
	// Backfilling again adds nothing already there.
	if n, _ := h.w.Backfill(h.ctx, sub); n != 0 {
		t.Errorf("got %d on a second backfill, want 0", n)
	}
}

func TestWatcherReplacementsAndQuietNotPosted(t *testing.T) {
	ad := &bottest.Adapter{}
	h := newHarness(t, ad, bot.WatcherConfig{}, bot.DispatcherConfig{})
	// Papers stored before the first start are not announced.
	h.addPapers(3, "Experts", start)
	h2 := h.w
	if n := h.poll(); n != 0 {
		t.Fatalf("got %d deliveries for papers that existed before, want 0", n)
	}
	_ = h2
	h.subscribe("test:a", "experts", paperboy.Digest{}, 0)
	ids := h.addPapers(1, "Experts", start)
	if n := h.poll(); n != 1 {
		t.Fatalf("got %d deliveries, want 1", n)
	}
	h.drain(h.d, time.Second, 50)
	// Version 2 with a new title keeps its seq: not posted again.
	v2 := paperboy.Paper{ArxivID: ids[0] + "v2", Title: "Experts, revised", Abstract: "Revised experts.", Categories: []string{"cs.LG"}}
	quiet := paperboy.Paper{ArxivID: "2611.09999", Title: "Imported experts", Quiet: true}
	for _, p := range []*paperboy.Paper{&v2, &quiet} {
		if err := p.Normalize(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.db.UpsertPapers(h.ctx, []paperboy.Paper{v2, quiet}); err != nil {
		t.Fatal(err)
	}
	if n := h.poll(); n != 0 {
		t.Errorf("got %d deliveries for a new version and a quiet import, want 0", n)
	}
	h.drain(h.d, time.Second, 50)
	if n := len(ad.Posts()); n != 1 {
		t.Errorf("got %d posts, want 1", n)
	}
}

// fakeLLM is a second summarizer.
type fakeLLM struct{ model string }

func (f fakeLLM) Summarize(ctx context.Context, p *paperboy.Paper) (paperboy.Summary, error) {
	return paperboy.Summary{PaperID: p.ID, Model: f.model, Text: "TL;DR by " + f.model}, nil
}

func TestDispatcherLLMSummaryJoinsThread(t *testing.T) {
	ad := &bottest.Adapter{}
	h := newHarness(t, ad, bot.WatcherConfig{}, bot.DispatcherConfig{})
	d := h.newDispatcher(ad, bot.DispatcherConfig{Quick: fakeLLM{"extractive"}, Summarizer: fakeLLM{"gpt-test"}})
	h.subscribe("test:a", "experts", paperboy.Digest{}, 0)
	h.addPapers(1, "Experts", start)
	h.poll()
	h.drain(d, time.Second, 50)
	d.WaitAsync()
	posts := ad.Posts()
	if len(posts) != 1 || posts[0].Summary != "TL;DR by gpt-test" || posts[0].Edits != 1 {
		t.Fatalf("got %+v, want the post edited with the LLM summary", posts)
	}
	var inThread int
	for _, s := range ad.Sends() {
		if s.ThreadID == posts[0].ThreadID && strings.Contains(s.Text, "TL;DR by gpt-test") {
			inThread++
		}
	}
	if inThread != 1 {
		t.Errorf("got %d summary replies in the thread, want 1", inThread)
	}
}
