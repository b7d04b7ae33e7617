package shell_test

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/bottest"
	"github.com/paperboy-bot/paperboy/bot/shell"
	"github.com/paperboy-bot/paperboy/store"
	"github.com/paperboy-bot/paperboy/summarize"
)

// now is a Wednesday afternoon: no weekend note in status.
var now = time.Date(2025, 3, 5, 15, 0, 0, 0, time.UTC)

// fixturePapers are a few real-shaped arXiv papers.
func fixturePapers() []paperboy.Paper {
	ps := []paperboy.Paper{
		{ArxivID: "2401.10774", Title: "Medusa: Simple LLM Inference Acceleration Framework with Multiple Decoding Heads",
			Abstract:   "Speculative decoding accelerates large language model inference. We propose Medusa, which adds extra decoding heads to predict multiple subsequent tokens in parallel.",
			Authors:    []string{"Tianle Cai", "Yuhong Li", "Zhengyang Geng", "Hongwu Peng", "Jason D. Lee", "Deming Chen", "Tri Dao"},
			Categories: []string{"cs.LG", "cs.CL"}, Published: now.AddDate(0, -2, 0)},
		{ArxivID: "2402.05109", Title: "Hydra: Sequentially-Dependent Draft Heads for Medusa Decoding",
			Abstract:   "We introduce Hydra heads, sequentially dependent draft heads that improve speculative decoding accuracy over Medusa.",
			Authors:    []string{"Zachary Ankner", "Rishab Parthasarathy", "Aniruddha Nrusimha"},
			Categories: []string{"cs.LG"}, Published: now.AddDate(0, -1, 0)},
		{ArxivID: "2401.04088", Title: "Mixtral of Experts",
			Abstract:   "We introduce Mixtral 8x7B, a sparse mixture of experts language model. Each layer routes tokens to two of eight experts.",
			Authors:    []string{"Albert Q. Jiang", "Alexandre Sablayrolles"},
			Categories: []string{"cs.LG"}, Published: now.AddDate(0, 0, -3)},
		{ArxivID: "2407.06204", Title: "A Survey on Mixture of Experts",
			Abstract:   "This survey reviews mixture of experts models for large language models.",
			Authors:    []string{"Weilin Cai", "Juyong Jiang"},
			Categories: []string{"cs.LG"}, Published: now.AddDate(0, 0, -2)},
		{ArxivID: "2501.00001", Title: "Protein Folding with Diffusion",
			Abstract:   "We fold proteins with a diffusion model.",
			Authors:    []string{"Ada Lovelace"},
			Categories: []string{"q-bio.BM"}, Published: now.AddDate(0, 0, -1)},
	}
	for i := range ps {
		if err := ps[i].Normalize(); err != nil {
			panic(err)
		}
	}
	return ps
}

// harness is a terminal chat with a real store, bot, watcher and dispatcher.
type harness struct {
	t     *testing.T
	ctx   context.Context
	db    *store.DB
	bot   *bot.Bot
	sh    *shell.Adapter
	disp  *bot.Dispatcher
	out   *bottest.Buffer
	mark  int
	clock time.Time
}

type harnessOpt func(*bot.Config, *shell.Options)

func newHarness(t *testing.T, opts ...harnessOpt) *harness {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "paperboy.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h := &harness{t: t, ctx: ctx, db: db, out: &bottest.Buffer{}, clock: now}
	db.Now = func() time.Time { return h.clock }
	if _, err := db.UpsertPapers(ctx, fixturePapers()); err != nil {
		t.Fatal(err)
	}
	off := false
	so := shell.Options{User: "ann", Prompt: &off, Now: func() time.Time { return h.clock }, PostLog: filepath.Join(t.TempDir(), "posts.log")}
	cfg := bot.Config{
		Papers: db, Subs: db, Social: db, Outbox: db,
		Summarizer: &summarize.Extractive{},
		Now:        func() time.Time { return h.clock }, DailyCap: 25,
		// Trailing edits run at once: the clock is frozen.
		AfterFunc: func(_ time.Duration, f func()) func() bool { go f(); return func() bool { return false } },
	}
	for _, o := range opts {
		o(&cfg, &so)
	}
	// The watcher has the bot's default cap, as `paperboy run` wires them.
	watcher, err := bot.NewWatcher(bot.WatcherConfig{Store: db, Subs: db, Now: func() time.Time { return h.clock },
		Backfill: 5, BackfillAge: 30 * 24 * time.Hour, DailyCap: cfg.DailyCap})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Backfiller = watcher
	h.sh = shell.New(strings.NewReader(""), h.out, so)
	cfg.Adapter = h.sh
	h.bot = bot.New(cfg)
	h.disp, err = bot.NewDispatcher(bot.DispatcherConfig{Store: db, Papers: db, Adapter: h.sh, Now: func() time.Time { return h.clock }})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// say types a line and returns what the chat printed in answer.
func (h *harness) say(line string) string {
	h.t.Helper()
	h.sh.HandleLine(h.ctx, h.bot, line)
	h.bot.Wait()
	return h.since()
}

// since returns the output printed since the last call.
func (h *harness) since() string {
	all := h.out.String()
	got := all[h.mark:]
	h.mark = len(all)
	return got
}

// deliver runs the dispatcher until the outbox has nothing due.
func (h *harness) deliver() string {
	h.t.Helper()
	for range 5 {
		h.disp.Step(h.ctx)
		h.disp.WaitAsync()
	}
	return h.since()
}

func wantContains(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("got %q, want it to contain %q", got, w)
		}
	}
}

func (h *harness) tally(paperID string) paperboy.Tally {
	h.t.Helper()
	tl, err := h.db.Tally(h.ctx, paperID, "shell:terminal")
	if err != nil {
		h.t.Fatal(err)
	}
	return tl
}

func TestSubscribe(t *testing.T) {
	h := newHarness(t)
	got := h.say(`/papers subscribe cat:cs.LG "mixture of experts" -survey digest:daily@09:00`)
	want := `bot> Subscribed #terminal (id 1): cs.LG papers matching "mixture of experts", not "survey"; daily digest at 09:00; at most 25 a day (the default cap). Queued 1 matching recent paper.` + "\n"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	subs, err := h.db.Subscriptions(h.ctx, "shell:terminal")
	if err != nil || len(subs) != 1 || subs[0].Digest.Every != paperboy.DigestDaily || subs[0].DailyCap != 0 || subs[0].CreatedBy != "shell:ann" {
		t.Fatalf("stored subscriptions: got %+v (%v), want one daily with the default cap by shell:ann", subs, err)
	}
	got = h.say("subscribe Medusa cap:3")
	wantContains(t, got, "Subscribed #terminal (id 2): Papers matching medusa; posted as they arrive; at most 3 a day.")
	got = h.say("/papers subscriptions")
	wantContains(t, got, "1 cat:cs.LG", "daily digest at 09:00, at most 25 a day (the default cap)", "2 medusa", "posted as they arrive, at most 3 a day")
	got = h.say("/papers unsubscribe 2")
	wantContains(t, got, "Unsubscribed: subscription 2 (Papers matching medusa)")
	got = h.say("/papers unsubscribe 2")
	wantContains(t, got, "This channel has no subscription 2")

	tests := []struct{ name, line, want string }{
		{"empty filter", "/papers subscribe", "A subscription needs a filter"},
		{"only options", "/papers subscribe digest:daily", "A subscription needs a filter"},
		{"bad digest", "/papers subscribe llm digest:hourly", "digest:hourly is not a schedule"},
		{"bad time", "/papers subscribe llm digest:daily@25:00", "is not a schedule"},
		{"bad cap", "/papers subscribe llm cap:lots", "cap:lots is not a daily cap"},
		{"since", "/papers subscribe llm since:7d", "since: does not apply"},
		{"bad id", "/papers unsubscribe one", "Usage: unsubscribe <id>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantContains(t, h.say(tt.line), tt.want) })
	}
	if subs, _ := h.db.Subscriptions(h.ctx, "shell:terminal"); len(subs) != 1 {
		t.Errorf("subscriptions after bad input: got %d, want 1", len(subs))
	}
}

// TestSubscribeNoCap: cap:0 (typed since the README said "0 = none") and cap:none mean no
// cap, and the watcher honours it; replies and the list say which cap applies.
func TestSubscribeNoCap(t *testing.T) {
	h := newHarness(t, func(c *bot.Config, _ *shell.Options) { c.DailyCap = 1 })
	// Two recent papers match "experts": the backfill queues both only without a cap.
	wantContains(t, h.say("/papers subscribe experts cap:0"), "(id 1): Papers matching experts; posted as they arrive; no daily cap. Queued 2 matching recent papers.")
	wantContains(t, h.say("/papers subscribe speculative cap:none"), "(id 2): Papers matching speculative; posted as they arrive; no daily cap.")
	wantContains(t, h.say("/papers subscribe mixture"), "(id 3): Papers matching mixture; posted as they arrive; at most 1 a day (the default cap).")
	wantContains(t, h.say("/papers subscriptions"), "1 experts: Papers matching experts — posted as they arrive, no daily cap",
		"2 speculative: Papers matching speculative — posted as they arrive, no daily cap",
		"3 mixture: Papers matching mixture — posted as they arrive, at most 1 a day (the default cap)")
	subs, err := h.db.Subscriptions(h.ctx, "shell:terminal")
	if err != nil || len(subs) != 3 || subs[0].DailyCap != paperboy.NoDailyCap || subs[1].DailyCap != paperboy.NoDailyCap || subs[2].DailyCap != 0 {
		t.Fatalf("stored: got %+v (%v), want no cap, no cap, default", subs, err)
	}
	h2 := newHarness(t, func(c *bot.Config, _ *shell.Options) { c.DailyCap = 0 })
	wantContains(t, h2.say("/papers subscribe experts"), "posted as they arrive; no daily cap (the default).")
	wantContains(t, h2.say("/papers subscribe experts cap:1001"), "cap:1001 is not a daily cap; use a number of posts a day from 1 to 1000 (e.g. cap:10), or cap:none for no cap.")
}

func TestSubscribePolicy(t *testing.T) {
	admins := func(admin bool, list ...string) harnessOpt {
		return func(c *bot.Config, o *shell.Options) {
			c.SubscribePolicy, c.Admins, o.Admin = bot.PolicyAdmins, list, admin
		}
	}
	tests := []struct {
		name    string
		opt     harnessOpt
		allowed bool
	}{
		{"everyone", func(*bot.Config, *shell.Options) {}, true},
		{"admins, user is not one", admins(false, "bob"), false},
		{"admins, user listed", admins(false, "ann"), true},
		{"admins, user listed by key", admins(false, "shell:ann"), true},
		{"admins, platform says admin", admins(true), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.opt)
			got := h.say("/papers subscribe cat:cs.LG")
			subs, _ := h.db.Subscriptions(h.ctx, "shell:terminal")
			if tt.allowed {
				wantContains(t, got, "Subscribed #terminal (id 1)")
				if len(subs) != 1 {
					t.Errorf("subscriptions: got %d, want 1", len(subs))
				}
				return
			}
			wantContains(t, got, "Only admins can change this channel's subscriptions")
			if len(subs) != 0 {
				t.Errorf("subscriptions: got %d, want 0", len(subs))
			}
			wantContains(t, h.say("/papers unsubscribe 1"), "Only admins")
			wantContains(t, h.say("/papers timezone Europe/Berlin"), "Only admins can change this channel's time zone")
			// Reading is for everyone.
			wantContains(t, h.say("/papers subscriptions"), "#terminal has no subscriptions")
			wantContains(t, h.say("/papers timezone"), "Digests in #terminal use the time zone UTC")
		})
	}
}

func TestSearch(t *testing.T) {
	h := newHarness(t)
	got := h.say("/papers search speculative decoding sort:new")
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if len(lines) < 3 {
		t.Fatalf("got %q, want two results and a footer", got)
	}
	// sort:new: Hydra (1 month old) before Medusa (2 months old).
	wantContains(t, lines[0], "bot> 1. Hydra: Sequentially-Dependent Draft Heads for Medusa Decoding <https://arxiv.org/abs/2402.05109>",
		"Zachary Ankner, Rishab Parthasarathy, Aniruddha Nrusimha", "2025-02-05 · cs.LG · 0 votes")
	wantContains(t, lines[1], "2. Medusa:", "Tianle Cai, Yuhong Li, Zhengyang Geng et al.")
	if strings.Contains(got, "Protein") || strings.Contains(got, "Mixtral") {
		t.Errorf("got %q, want only decoding papers", got)
	}

	tests := []struct{ name, line, want string }{
		{"no match", "/papers search quantum gravity", "No papers match quantum gravity."},
		{"no match hint", "/papers search quantum gravity cat:hep-th", "broader cat:"},
		{"bad since", "/papers search decoding since:abc", "since:abc is not a date or an age; try since:7d"},
		{"bad sort", "/papers search decoding sort:best", "sort:best is not a sort order"},
		{"empty", "/papers search", "Tell me what to look for. Usage: search <words>"},
		{"fts syntax is plain text", `/papers search mixtral* (experts NEAR`, "Mixtral of Experts"},
		{"unbalanced quote", `/papers search "mixture of experts`, "Mixtral of Experts"},
		{"author filter", "/papers search author:Ankner", "Hydra"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantContains(t, h.say(tt.line), tt.want) })
	}
}

func TestVotesAndTop(t *testing.T) {
	h := newHarness(t)
	got := h.say("/papers add https://arxiv.org/abs/2401.04088v1")
	wantContains(t, got, "Queued Mixtral of Experts <https://arxiv.org/abs/2401.04088> (shared by ann)")
	got = h.deliver()
	wantContains(t, got, "[post #1] New in cs.LG: Mixtral of Experts — Albert Q. Jiang, Alexandre Sablayrolles — https://arxiv.org/abs/2401.04088  (thread opened)")
	wantContains(t, h.say("/papers add 2401.04088"), "Already posted here: Mixtral of Experts")

	wantContains(t, h.say("/papers top week"), "No votes or discussion here this week yet")
	wantContains(t, h.say("+1 #1"), "[post #1 updated] ▲1 ▼0")
	wantContains(t, h.say("#1 the routing analysis is neat"), "[post #1 updated] ▲1 ▼0 · 1 reply")
	got = h.say("/papers top week")
	wantContains(t, got, "Top papers this week:", "1. ▲1 ▼0 (net +1) · 1 reply — Mixtral of Experts <https://arxiv.org/abs/2401.04088>")
	if tl := h.tally("2401.04088"); tl.Up != 1 || tl.Replies != 1 {
		t.Errorf("tally: got %+v, want ▲1 and 1 reply", tl)
	}

	// A reply vote is not a reaction: removing a reaction leaves it.
	h.say("unreact #1 +1")
	if tl := h.tally("2401.04088"); tl.Up != 1 {
		t.Errorf("after unreact of a reply vote: got ▲%d, want ▲1", tl.Up)
	}
	// Changing the vote with a reaction, then removing that reaction.
	wantContains(t, h.say("react #1 thumbsdown"), "▲0 ▼1")
	wantContains(t, h.say("unreact #1 thumbsdown"), "▲0 ▼0")
	h.say("react #1 tada") // not a vote
	if tl := h.tally("2401.04088"); tl.Up != 0 || tl.Down != 0 {
		t.Errorf("after removing the reaction: got %+v, want no votes", tl)
	}

	wantContains(t, h.say("+1 #99"), "There is no message #99 here")
	got = h.say("/papers show 2401.04088")
	wantContains(t, got, "Mixtral of Experts <https://arxiv.org/abs/2401.04088>", "arXiv:2401.04088 · published 2025-03-02 · cs.LG", "Votes here: ▲0 ▼0 (net +0), 1 reply")
	// Discussion alone keeps a paper in the list.
	wantContains(t, h.say("/papers top month"), "1. ▲0 ▼0 (net +0) · 1 reply — Mixtral of Experts")
	wantContains(t, h.say("/papers top year"), "Usage: top [day|week|month]")
}

func TestDuplicateEvent(t *testing.T) {
	h := newHarness(t)
	h.say("add 2402.05109")
	h.deliver()
	// A platform redelivers a button click: a toggle must not undo the vote.
	e := bot.Event{ID: "Ev0123", Kind: bot.EventButton, Platform: "shell", Channel: "terminal", MessageID: "1", User: "ann", Action: "upvote"}
	h.bot.HandleEvent(h.ctx, e)
	h.bot.HandleEvent(h.ctx, e)
	if tl := h.tally("2402.05109"); tl.Up != 1 {
		t.Errorf("after a redelivered click: got ▲%d, want ▲1", tl.Up)
	}
	// A new click toggles it off.
	e.ID = "Ev0124"
	h.bot.HandleEvent(h.ctx, e)
	if tl := h.tally("2402.05109"); tl.Up != 0 {
		t.Errorf("after a second click: got ▲%d, want ▲0", tl.Up)
	}
	// Redelivered reactions and replies also count once.
	r := bot.Event{ID: "Ev0200", Kind: bot.EventThreadReply, Platform: "shell", Channel: "terminal", MessageID: "7", ThreadID: "1", User: "bob", Text: "what about latency?"}
	h.bot.HandleEvent(h.ctx, r)
	h.bot.HandleEvent(h.ctx, r)
	r.ID = "" // the same message without an event id: deduped on the message
	h.bot.HandleEvent(h.ctx, r)
	if tl := h.tally("2402.05109"); tl.Replies != 1 {
		t.Errorf("replies after redelivery: got %d, want 1", tl.Replies)
	}
	// Read later; every click is answered.
	wantContains(t, h.say("click #1 read_later"), "bot> Added Hydra: Sequentially-Dependent Draft Heads", "to your reading list")
	wantContains(t, h.say("/papers readlist"), "1. Hydra: Sequentially-Dependent Draft Heads")
	wantContains(t, h.say("click #1 upvote"), "bot> Upvoted Hydra", "Click Upvote again to take it back.")
}

func TestHelpAndMistakes(t *testing.T) {
	h := newHarness(t)
	tests := []struct{ name, line, want string }{
		{"unknown command", "/papers serch decoding", "I don't know the command serch. Did you mean search?"},
		{"unknown far away", "/papers xyzzy", "I don't know the command xyzzy. Try help for the list."},
		{"prefix", "/papers subscri", "Did you mean subscribe?"},
		{"help lists all", "/papers help", "- unsubscribe: remove a subscription"},
		{"help example", "help", "e.g. search speculative decoding since:1y"},
		{"help command", "/papers help subscribe", "subscribe <filter> [for-you|trending] [digest:daily@09:00|weekly@mon|weekly@mon@09:00] [top:N] [min:low|medium|high] [cap:N|none]"},
		{"empty", "/papers", "paperboy commands"},
		{"show without id", "/papers show", "Which paper? Usage: show <arxiv-id|url>"},
		{"show unknown", "/papers show 2312.99999", "I don't have 2312.99999. Share it with add 2312.99999"},
		{"show not an id", "/papers show banana", "banana is not an arXiv id or a paper link"},
		{"add without fetcher", "/papers add 2312.99999", "fetching from arXiv is not configured"},
		{"timezone bad", "/papers timezone Mars/Olympus", "Mars/Olympus is not an IANA time zone"},
		{"timezone set", "/papers timezone Europe/Berlin", "Digests in #terminal now go out in Europe/Berlin (it is Wed 16:00 there now)."},
		{"status", "/papers status", "Deliveries: 0 pending, 0 sending, 0 sent, 0 failed, 0 skipped; 0 subscriptions here."},
		{"similar", "/papers similar 2401.10774", "Papers like Medusa"},
		{"summary", "/papers summary 2401.04088", "Summary of Mixtral of Experts"},
		{"readlist empty", "/papers readlist", "Your read-later list is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantContains(t, h.say(tt.line), tt.want) })
	}
	if got := h.say("   "); got != "" {
		t.Errorf("blank line: got %q, want no output", got)
	}
}

func TestStatusWeekend(t *testing.T) {
	h := newHarness(t, func(c *bot.Config, _ *shell.Options) {
		c.Status = func(context.Context) []string { return []string{"Scheduler: arxiv cs.LG every 1h, last run 5 min ago"} }
	})
	h.clock = time.Date(2025, 3, 8, 15, 0, 0, 0, time.UTC) // Saturday
	got := h.say("/papers status")
	wantContains(t, got, "arXiv does not announce on Saturdays and Sundays; new papers arrive Sunday evening (US Eastern)",
		"Scheduler: arxiv cs.LG every 1h", "papers in the store")
}

// slowSummarizer blocks until released, like an LLM that misses the ack window.
type slowSummarizer struct{ release chan struct{} }

func (s *slowSummarizer) Summarize(ctx context.Context, p *paperboy.Paper) (paperboy.Summary, error) {
	select {
	case <-s.release:
	case <-ctx.Done():
		return paperboy.Summary{}, ctx.Err()
	}
	return paperboy.Summary{PaperID: p.ID, Model: "slow-llm", Text: "It routes tokens to experts."}, nil
}

func TestDeferredSummary(t *testing.T) {
	slow := &slowSummarizer{release: make(chan struct{})}
	h := newHarness(t, func(c *bot.Config, o *shell.Options) {
		c.Summarizer = slow
		o.AckTimeout = 10 * time.Millisecond // the ack deadline has passed before the model answers
	})
	h.sh.HandleLine(h.ctx, h.bot, "/papers summary 2401.04088")
	wantContains(t, h.since(), "bot> Working on summary…")
	close(slow.release)
	h.bot.Wait()
	wantContains(t, h.since(), "bot> Summary of Mixtral of Experts <https://arxiv.org/abs/2401.04088> (slow-llm)\n     It routes tokens to experts.")
}

func TestRunReadsUntilSignalled(t *testing.T) {
	h := newHarness(t)
	in, w := io.Pipe()
	out := &bottest.Buffer{}
	off := false
	sh := shell.New(in, out, shell.Options{User: "ann", Prompt: &off})
	b := bot.New(bot.Config{Papers: h.db, Subs: h.db, Social: h.db, Outbox: h.db, Adapter: sh, Now: func() time.Time { return now }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sh.Run(ctx, b) }()
	fmt.Fprintln(w, "/papers search mixtral")
	fmt.Fprintln(w, "")
	w.Close() // Ctrl-D: the chat keeps running
	waitFor(t, out, "1. Mixtral of Experts")
	// Posts still arrive after the end of input.
	if _, err := sh.Post(ctx, "terminal", bot.Post{Paper: &fixturePapers()[0]}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, out, "[post #1] New in cs.LG: Medusa")
	select {
	case err := <-done:
		t.Fatalf("Run returned %v after end of input, want it to keep running", err)
	default:
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run after cancel: got %v, want nil", err)
	}
	if strings.Contains(out.String(), "you> ") {
		t.Errorf("got a prompt on a non-terminal input: %q", out.String())
	}
}

// waitFor polls the transcript until it contains want (the reader runs concurrently).
func waitFor(t *testing.T, out *bottest.Buffer, want string) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if strings.Contains(out.String(), want) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("transcript %q never contained %q", out.String(), want)
}

func TestPostSendEditFind(t *testing.T) {
	out := &bottest.Buffer{}
	log := filepath.Join(t.TempDir(), "posts.log")
	sh := shell.New(strings.NewReader(""), out, shell.Options{User: "ann", StartID: 40, PostLog: log})
	ctx := context.Background()
	p := fixturePapers()[2]
	ref, err := sh.Post(ctx, "terminal", bot.Post{Paper: &p, Summary: "A **sparse** MoE.\nEight experts.", Reason: "cs.LG · mixture of experts", Key: "pb-d7"})
	if err != nil || ref.MessageID != "41" || ref.ThreadID != "41" {
		t.Fatalf("Post: got %+v, %v, want message and thread 41", ref, err)
	}
	if _, err := sh.Send(ctx, "terminal", bot.Message{ThreadID: "41", Text: "Abstract: see [the paper](https://arxiv.org/abs/2401.04088)", Key: "pb-d7-abstract"}); err != nil {
		t.Fatal(err)
	}
	if err := sh.Edit(ctx, "terminal", ref, bot.Post{Paper: &p, Tally: paperboy.Tally{Up: 3}}); err != nil {
		t.Fatal(err)
	}
	want := "[post #41] New in cs.LG: Mixtral of Experts — Albert Q. Jiang, Alexandre Sablayrolles — https://arxiv.org/abs/2401.04088  (thread opened)\n" +
		"  A sparse MoE. Eight experts.\n" +
		"  ↳ matched cs.LG · mixture of experts\n" +
		"  #41 └ Abstract: see the paper <https://arxiv.org/abs/2401.04088>\n" +
		"[post #41 updated] ▲3 ▼0\n"
	if got := out.String(); got != want {
		t.Errorf("transcript:\ngot  %q\nwant %q", got, want)
	}
	_, err = sh.Post(ctx, "general", bot.Post{Paper: &p})
	if se := bot.ClassifySend(err); err == nil || !se.Permanent {
		t.Errorf("post to an unknown channel: got %v, want a permanent error", err)
	}
	// After a restart the post log finds the post and ids continue after it.
	sh2 := shell.New(strings.NewReader(""), out, shell.Options{PostLog: log})
	if got, found, err := sh2.FindMessage(ctx, "terminal", "", "pb-d7", time.Time{}); err != nil || !found || got.MessageID != "41" {
		t.Errorf("FindMessage: got %+v, %v, %v, want message 41", got, found, err)
	}
	if got, found, err := sh2.FindMessage(ctx, "terminal", "41", "pb-d7-abstract", time.Time{}); err != nil || !found || got.MessageID != "42" || got.ThreadID != "41" {
		t.Errorf("FindMessage of the thread reply: got %+v, %v, %v, want message 42 in thread 41", got, found, err)
	}
	if _, found, _ := sh2.FindMessage(ctx, "terminal", "", "pb-d8", time.Time{}); found {
		t.Errorf("FindMessage of an unknown key: got found, want not found")
	}
	if id, _ := sh2.Send(ctx, "terminal", bot.Message{Text: "hi"}); id != "43" {
		t.Errorf("first id after restart: got %s, want 43 (after the logged reply)", id)
	}
}

// hostileTitle is the title of issue 17: it retitles the window, clears the screen and
// hides the text after it.
const hostileTitle = "Owned Decoding\x1b]0;OWNED\a\x1b[2J\x1b[8m Heads"

// hasTerminalControl reports a byte or character that drives a terminal: any C0 but
// newline, DEL, C1 or a bidi override/isolate.
func hasTerminalControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return r < 0x20 && r != '\n' || r >= 0x7f && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
	})
}

// TestHostileTitleNeutralized stores a paper with control characters as an old row would
// hold it (a set ID skips normalization) and sees it posted, searched and shown: the
// transcript carries no control character, and shows where they were.
func TestHostileTitleNeutralized(t *testing.T) {
	h := newHarness(t)
	p := paperboy.Paper{ID: "2501.06666", ArxivID: "2501.06666", Title: hostileTitle,
		Abstract: "We decode\x1b[8m hidden text\u009b2J with \u202eheads.", Authors: []string{"Eve\x1b[2J Mallory"},
		Categories: []string{"cs.LG"}, Published: now.AddDate(0, 0, -1)}
	if _, err := h.db.UpsertPapers(h.ctx, []paperboy.Paper{p}); err != nil {
		t.Fatal(err)
	}
	transcript := h.say("/papers subscribe owned") + h.deliver() +
		h.say("/papers search owned decoding") + h.say("/papers show 2501.06666") +
		h.say("#1 nice\x1b[2J one")
	// The store drops the control characters of the old row when it reads it; what is
	// left of the text is shown (links turn "[" into "("). The reply typed with an escape
	// shows U+FFFD where it was (paperboy.TerminalWriter).
	wantContains(t, transcript, "[post #1] New in cs.LG: Owned Decoding]0;OWNED[2J[8m Heads", "Eve[2J Mallory",
		"1. Owned Decoding)0;OWNED", "We decode[8m hidden text2J with heads.")
	if hasTerminalControl(transcript) {
		t.Errorf("transcript has control characters: %q", transcript)
	}
}

// TestPostHostileTitle posts a paper straight through the adapter (no store, no bot).
func TestPostHostileTitle(t *testing.T) {
	out := &bottest.Buffer{}
	sh := shell.New(strings.NewReader(""), out, shell.Options{User: "ann"})
	p := paperboy.Paper{ID: "2501.06666", Title: hostileTitle, Authors: []string{"A\u009bB"}}
	if _, err := sh.Post(context.Background(), "terminal", bot.Post{Paper: &p, Summary: "sum\x1b[8mmary", Reason: "r\x07"}); err != nil {
		t.Fatal(err)
	}
	if _, err := sh.Send(context.Background(), "terminal", bot.Message{ThreadID: "1", Text: "reply\x1b]0;x\a"}); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	wantContains(t, got, "Owned Decoding]0;OWNED[2J[8m Heads", "A\ufffdB", "sum[8mmary", "reply\ufffd]0;x\ufffd")
	if hasTerminalControl(got) {
		t.Errorf("got control characters: %q", got)
	}
}

// TestNothingToLookFor: searches and subscriptions with no usable words and no filter say
// there is nothing to look for and what was ignored, instead of listing the newest papers;
// what is cut to size is named.
func TestNothingToLookFor(t *testing.T) {
	h := newHarness(t)
	long := strings.Repeat("x", paperboy.MaxWordLen+1)
	for _, c := range []struct{ line, want string }{
		{`/papers search )(*^:`, `There is nothing to look for: ")(*^:" has no letters or digits.`},
		{`/papers search -learning`, `There is nothing to look for: -learning only leaves papers out.`},
		{`/papers search ` + long, `is too long to be a word (over 64 characters)`},
		{`/papers subscribe -survey`, `There is nothing to look for: -survey only leaves papers out.`},
		{`/papers subscribe ` + long, `is too long to be a word`},
		{`/papers subscribe )(`, `")(" has no letters or digits`},
	} {
		got := h.say(c.line)
		wantContains(t, got, c.want, "Add a word, or a filter such as cat:cs.LG")
		if strings.Contains(got, "Mixtral") || strings.Contains(got, "Subscribed") {
			t.Errorf("%s: got %q, want no papers and no subscription", c.line, got)
		}
	}
	if subs, _ := h.db.Subscriptions(h.ctx, "shell:terminal"); len(subs) != 0 {
		t.Errorf("got %d subscriptions, want none", len(subs))
	}
	// Exclusions with a filter are a query; ignored tokens beside real words are named.
	got := h.say("/papers search cat:cs.LG -survey sort:new")
	wantContains(t, got, "1. Mixtral of Experts", "2. Hydra")
	if strings.Contains(got, "Survey") || strings.Contains(got, "Protein") {
		t.Errorf("cat:cs.LG -survey: got %q, want neither the survey nor q-bio", got)
	}
	wantContains(t, h.say("/papers search mixtral )(*^:"), "1. Mixtral of Experts", `Ignored: ")(*^:" has no letters or digits.`)
	wantContains(t, h.say("/papers subscribe cat:cs.LG -survey ??"), "Subscribed #terminal (id 1)", `Ignored: "??" has no letters or digits.`)
	var many []string
	for i := range 20 {
		many = append(many, fmt.Sprintf("mixtral%c", 'a'+i))
	}
	wantContains(t, h.say("/papers search mixtral "+strings.Join(many, " ")), "Ignored: the words after the first 16: mixtralp mixtralq mixtralr mixtrals mixtralt.")
}

// TestLongLinesSaySo: a chat line or command cut to size says so.
func TestLongLinesSaySo(t *testing.T) {
	h := newHarness(t)
	got := h.say("/papers search mixtral " + strings.Repeat("experts ", 600))
	wantContains(t, got, "Mixtral of Experts", "(The command was longer than 4096 bytes: only its start was read, the rest was ignored.)")
	got = h.say("/papers search mixtral " + strings.Repeat("experts ", 2100))
	wantContains(t, got, "bot> That line is longer than 16384 bytes: only its start was read, the rest is ignored.", "Mixtral of Experts")
	if got := h.say("/papers search mixtral experts"); strings.Contains(got, "longer than") {
		t.Errorf("a short line: got %q, want no note", got)
	}
}
