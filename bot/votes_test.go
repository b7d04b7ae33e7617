package bot_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/recommend"
	"github.com/paperboy-bot/paperboy/store"
	"github.com/paperboy-bot/paperboy/summarize"
)

// editRecorder is an adapter that records edits (and ignores the rest).
type editRecorder struct {
	mu    sync.Mutex
	edits []paperboy.Tally
	posts []bot.Post
}

func (r *editRecorder) Platform() string                             { return "test" }
func (r *editRecorder) Run(ctx context.Context, _ bot.Handler) error { <-ctx.Done(); return nil }
func (r *editRecorder) Post(context.Context, string, bot.Post) (bot.PostRef, error) {
	return bot.PostRef{}, nil
}
func (r *editRecorder) Send(context.Context, string, bot.Message) (string, error) { return "", nil }
func (r *editRecorder) Edit(_ context.Context, _ string, _ bot.PostRef, p bot.Post) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.edits = append(r.edits, p.Tally)
	r.posts = append(r.posts, p)
	return nil
}

func (r *editRecorder) got() []paperboy.Tally {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]paperboy.Tally(nil), r.edits...)
}

// timerQueue is a fake AfterFunc: timers fire when the test says so.
type timerQueue struct {
	mu    sync.Mutex
	waits []time.Duration
	fns   []func()
}

func (q *timerQueue) AfterFunc(d time.Duration, f func()) func() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.waits = append(q.waits, d)
	q.fns = append(q.fns, f)
	return func() bool { return false }
}

func (q *timerQueue) fire() int {
	q.mu.Lock()
	fns := q.fns
	q.fns = nil
	q.mu.Unlock()
	for _, f := range fns {
		f()
	}
	return len(fns)
}

// socialStore opens a store holding one posted paper: message "m1" in "test:c".
func socialStore(tb testing.TB, now func() time.Time) *store.DB {
	tb.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(tb.TempDir(), "bot.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	db.Now = now
	p := paperboy.Paper{ArxivID: "2401.04088", Title: "Mixtral of Experts", Abstract: "A sparse mixture of experts model.",
		Authors: []string{"Albert Q. Jiang"}, Categories: []string{"cs.LG"}, Published: now().AddDate(0, 0, -1)}
	if err := p.Normalize(); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.UpsertPapers(ctx, []paperboy.Paper{p}); err != nil {
		tb.Fatal(err)
	}
	if err := db.SavePost(ctx, paperboy.PostRecord{Channel: "test:c", MessageID: "m1", ThreadID: "m1", PaperID: p.ID}); err != nil {
		tb.Fatal(err)
	}
	return db
}

func TestEditThrottle(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2025, 3, 5, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return at }
	db := socialStore(t, now)
	rec := &editRecorder{}
	q := &timerQueue{}
	b := bot.New(bot.Config{Papers: db, Subs: db, Social: db, Outbox: db, Adapter: rec, Now: now,
		AfterFunc: q.AfterFunc, EditInterval: 3 * time.Second})
	react := func(user, emoji string) {
		b.HandleEvent(ctx, bot.Event{ID: user + emoji + at.String(), Kind: bot.EventReactionAdded, Platform: "test",
			Channel: "c", MessageID: "m1", User: user, Reaction: emoji})
	}

	react("u1", "+1")
	if got := rec.got(); len(got) != 1 || got[0].Up != 1 {
		t.Fatalf("first vote: got edits %+v, want one with ▲1", got)
	}
	// Two more votes within the interval: no edit now, one trailing edit later.
	at = at.Add(time.Second)
	react("u2", "+1")
	react("u3", "-1")
	react("u4", "tada") // not a vote: nothing to show
	if got := rec.got(); len(got) != 1 {
		t.Fatalf("within the interval: got %d edits, want 1", len(got))
	}
	if len(q.waits) != 1 || q.waits[0] != 2*time.Second {
		t.Fatalf("trailing edit: got timers %v, want one of 2s", q.waits)
	}
	at = at.Add(2 * time.Second)
	if n := q.fire(); n != 1 {
		t.Fatalf("fired %d timers, want 1", n)
	}
	b.Wait()
	if got := rec.got(); len(got) != 2 || got[1].Up != 2 || got[1].Down != 1 {
		t.Fatalf("trailing edit: got %+v, want a second edit with ▲2 ▼1", got)
	}
	// After a quiet interval the next change is shown at once.
	at = at.Add(10 * time.Second)
	react("u5", "thumbsup")
	if got := rec.got(); len(got) != 3 || got[2].Up != 3 {
		t.Fatalf("after a quiet interval: got %+v, want a third edit with ▲3", got)
	}
	// A vote that changes nothing edits nothing.
	at = at.Add(10 * time.Second)
	react("u5", "+1")
	if got := rec.got(); len(got) != 3 {
		t.Errorf("unchanged vote: got %d edits, want 3", len(got))
	}
}

// FuzzCommand feeds arbitrary text to the command router and the event handler with a
// real store: nothing may panic, every command gets a reply, and no input produces an
// internal error.
func FuzzCommand(f *testing.F) {
	for _, s := range []string{
		"", "help", "help subscribe", "search speculative decoding since:1y", `search "mixture OR (experts* NEAR`,
		"search author:\"Tri Dao\" cat:cs.LG sort:votes", "search x since:abc", "show 2401.04088", "show https://arxiv.org/abs/2401.04088v2",
		"summary 2401.04088", "similar 2401.04088", "top", "top month", "top 99", "add 2401.04088", "add banana",
		`subscribe cat:cs.LG "mixture of experts" -survey digest:daily@09:00`, "subscribe x digest:weekly@mon@25:61 cap:-1",
		"unsubscribe 1", "unsubscribe 99999999999999999999", "subscriptions", "status", "timezone Europe/Berlin",
		"timezone ../../etc/passwd", "readlist", "serch", "/papers /papers x", "\x00\xff", "+1", "👍",
		"subscribe for-you top:5 digest:daily@09:00", "subscribe cat:cs.CL for-you min:0.3", "subscribe trending for-you top:999 digest:daily",
		"subscribe \"for-you min:high", "recommend", "recommend 3 since:2d", "recommend 0", "recommend since:never", "for-you 99999999999999999999",
	} {
		f.Add(s)
	}
	at := time.Date(2025, 3, 5, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return at }
	db := socialStore(f, now)
	b := bot.New(bot.Config{Papers: db, Subs: db, Social: db, Outbox: db, Now: now, Recommender: &recommend.Service{Store: db},
		AfterFunc: func(_ time.Duration, fn func()) func() bool { go fn(); return func() bool { return false } }})
	internal := paperboy.ErrorMessage(context.Canceled)
	f.Fuzz(func(t *testing.T, text string) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		r := b.HandleCommand(ctx, bot.Command{Platform: "test", Channel: "c", User: "u", Text: text})
		b.Wait()
		if strings.TrimSpace(r.Text) == "" {
			t.Errorf("command %q: got an empty reply", text)
		}
		if strings.Contains(r.Text, internal) {
			t.Errorf("command %q: got an internal error: %q", text, r.Text)
		}
		for _, kind := range []string{bot.EventThreadReply, bot.EventReactionAdded, bot.EventReactionRemoved, bot.EventButton} {
			b.HandleEvent(ctx, bot.Event{Kind: kind, Platform: "test", Channel: "c", MessageID: text, ThreadID: "m1",
				User: "u", Text: text, Reaction: text, Action: text, Value: text})
		}
	})
}

// TestEditKeepsPost checks that a vote edit re-renders the post with its summary and the
// subscription it was posted for (adapters rebuild the whole message).
func TestEditKeepsPost(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2025, 3, 5, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return at }
	db := socialStore(t, now)
	q, _ := paperboy.ParseQuery(`cat:cs.LG "mixture of experts"`, at)
	sub := paperboy.Subscription{Channel: "test:c", Filter: q.String(), Query: q}
	if err := db.CreateSubscription(ctx, &sub); err != nil {
		t.Fatal(err)
	}
	d, err := db.EnqueueDelivery(ctx, paperboy.Delivery{PaperID: "2401.04088", Channel: "test:c", SubscriptionID: sub.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SavePost(ctx, paperboy.PostRecord{Channel: "test:c", MessageID: "m2", ThreadID: "m2", PaperID: "2401.04088", DeliveryID: d.ID}); err != nil {
		t.Fatal(err)
	}
	rec := &editRecorder{}
	b := bot.New(bot.Config{Papers: db, Subs: db, Social: db, Outbox: db, Adapter: rec, Now: now, Summarizer: &summarize.Extractive{}})
	b.HandleEvent(ctx, bot.Event{ID: "E1", Kind: bot.EventThreadReply, Platform: "test", Channel: "c", MessageID: "r1", ThreadID: "m2", User: "u", Text: "+1"})
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.posts) != 1 {
		t.Fatalf("got %d edits, want 1", len(rec.posts))
	}
	p := rec.posts[0]
	if want := `cs.LG papers matching "mixture of experts"`; p.Reason != want {
		t.Errorf("reason: got %q, want %q", p.Reason, want)
	}
	if p.Summary == "" || p.Key != bot.DeliveryKey(d.ID) || p.Tally.Up != 1 {
		t.Errorf("edit: got summary %q, key %q, tally %+v, want a summary, key %s and ▲1", p.Summary, p.Key, p.Tally, bot.DeliveryKey(d.ID))
	}
}

// clickBot returns a bot on a store with post m1 in test:c, and a maker of distinct
// events on it: a button click (what: the action) or a reaction (what: the emoji).
func clickBot(t *testing.T) (*store.DB, *bot.Bot, func(user, kind, what string) bot.Event) {
	t.Helper()
	at := time.Date(2025, 3, 5, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return at }
	db := socialStore(t, now)
	b := bot.New(bot.Config{Papers: db, Subs: db, Social: db, Outbox: db, Now: now})
	n := 0
	return db, b, func(user, kind, what string) bot.Event {
		n++
		e := bot.Event{ID: fmt.Sprint("E", n), Kind: kind, Platform: "test", Channel: "c", MessageID: "m1", User: user}
		if kind == bot.EventButton {
			e.Action = what
		} else {
			e.Reaction = what
		}
		return e
	}
}

// TestButtonVotes walks through the vote buttons' semantics: a click sets the user's one
// vote; a second click on the same button takes back a button vote but keeps a vote whose
// reaction still shows; the other button replaces the vote. The tally is checked after
// each step (it does not need Event.Respond, so it also describes the old behaviour).
func TestButtonVotes(t *testing.T) {
	ctx := context.Background()
	db, b, event := clickBot(t)
	do := func(user, kind, what string) { b.HandleEvent(ctx, event(user, kind, what)) }
	steps := []struct {
		name             string
		user, kind, what string
		up, down         int
	}{
		{"u1 clicks Upvote", "u1", bot.EventButton, "upvote", 1, 0},
		{"u1 clicks Upvote again: taken back", "u1", bot.EventButton, "upvote", 0, 0},
		{"u2 reacts 👍", "u2", bot.EventReactionAdded, "+1", 1, 0},
		{"u2 clicks Upvote: the reaction's vote stays", "u2", bot.EventButton, "upvote", 1, 0},
		{"u2 removes 👍: vote gone", "u2", bot.EventReactionRemoved, "+1", 0, 0},
		{"u3 reacts 👎", "u3", bot.EventReactionAdded, "-1", 0, 1},
		{"u3 clicks Upvote: replaced", "u3", bot.EventButton, "upvote", 1, 0},
		{"u3 removes 👎: the button vote stays", "u3", bot.EventReactionRemoved, "-1", 1, 0},
		{"u3 clicks Not relevant: replaced", "u3", bot.EventButton, "not_relevant", 0, 1},
		{"u3 clicks Not relevant again: taken back", "u3", bot.EventButton, "not_relevant", 0, 0},
	}
	for _, s := range steps {
		do(s.user, s.kind, s.what)
		tl, err := db.Tally(ctx, "2401.04088", "test:c")
		if err != nil {
			t.Fatal(err)
		}
		if tl.Up != s.up || tl.Down != s.down {
			t.Errorf("%s: got ▲%d ▼%d, want ▲%d ▼%d", s.name, tl.Up, tl.Down, s.up, s.down)
		}
	}
}

// TestButtonConfirmations checks that every click is answered to the clicker alone
// (Event.Respond), saying what happened to their vote or reading list.
func TestButtonConfirmations(t *testing.T) {
	ctx := context.Background()
	_, b, event := clickBot(t)
	var mu sync.Mutex
	var got []bot.Reply
	do := func(user, kind, what string) string {
		t.Helper()
		e := event(user, kind, what)
		e.Respond = func(_ context.Context, r bot.Reply) error { mu.Lock(); got = append(got, r); mu.Unlock(); return nil }
		mu.Lock()
		before := len(got)
		mu.Unlock()
		b.HandleEvent(ctx, e)
		b.Wait()
		mu.Lock()
		defer mu.Unlock()
		switch {
		case kind != bot.EventButton && len(got) != before:
			t.Errorf("%s %s: answered %+v, want no answer to a reaction", user, what, got[before:])
		case kind == bot.EventButton && len(got) != before+1:
			t.Fatalf("%s %s: got %d answers, want 1", user, what, len(got)-before)
		case kind == bot.EventButton:
			if r := got[before]; r.InChannel {
				t.Errorf("%s %s: answer is in channel, want only the clicker to see it", user, what)
			}
			return got[before].Text
		}
		return ""
	}
	title := "[Mixtral of Experts](https://arxiv.org/abs/2401.04088)"
	tests := []struct {
		user, kind, what string
		want             []string // substrings of the answer
	}{
		{"u1", bot.EventButton, "upvote", []string{"Upvoted " + title, "again to take it back"}},
		{"u1", bot.EventButton, "upvote", []string{"Took back your upvote on " + title}},
		{"u2", bot.EventReactionAdded, "+1", nil},
		{"u2", bot.EventButton, "upvote", []string{"already upvoted " + title + " with a 👍 reaction", "Remove the reaction"}},
		{"u2", bot.EventButton, "not_relevant", []string{"Marked " + title + " as not relevant", "replaces your upvote",
			"👍 reaction stays on the post but no longer counts"}},
		{"u2", bot.EventButton, "read_later", []string{"Added " + title + " to your reading list"}},
		{"u2", bot.EventButton, "read_later", []string{"already in your reading list"}},
	}
	for _, tc := range tests {
		text := do(tc.user, tc.kind, tc.what)
		for _, w := range tc.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s %s: got %q, want it to contain %q", tc.user, tc.what, text, w)
			}
		}
	}
}

// platformRecorder is an editRecorder on a named platform.
type platformRecorder struct {
	editRecorder
	name string
}

func (r *platformRecorder) Platform() string { return r.name }

// TestEditsGoToTheEventsPlatform: one bot serving two platforms (Config.Adapter and
// Config.Adapters) edits a post's counts through the adapter of the post's own platform,
// and votes count per channel: the same message id on the other platform is another post.
func TestEditsGoToTheEventsPlatform(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2025, 3, 5, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return at }
	db := socialStore(t, now) // message m1 in "test:c"
	if err := db.SavePost(ctx, paperboy.PostRecord{Channel: "other:c", MessageID: "m1", ThreadID: "m1", PaperID: "2401.04088"}); err != nil {
		t.Fatal(err)
	}
	test, other := &platformRecorder{name: "test"}, &platformRecorder{name: "other"}
	b := bot.New(bot.Config{Papers: db, Subs: db, Social: db, Outbox: db, Adapter: other, Adapters: []bot.Adapter{test}, Now: now})
	react := func(platform, user string) {
		b.HandleEvent(ctx, bot.Event{ID: platform + user, Kind: bot.EventReactionAdded, Platform: platform,
			Channel: "c", MessageID: "m1", User: user, Reaction: "+1"})
		at = at.Add(time.Minute) // past the edit interval
	}
	react("test", "u1")
	react("test", "u2")
	react("other", "u1")
	b.Wait()
	if got := test.got(); len(got) != 2 || got[1].Up != 2 {
		t.Errorf("test platform edits: got %+v, want 2, the last with ▲2", got)
	}
	if got := other.got(); len(got) != 1 || got[0].Up != 1 {
		t.Errorf("other platform edits: got %+v, want 1 with ▲1 (its own channel's vote)", got)
	}
}
