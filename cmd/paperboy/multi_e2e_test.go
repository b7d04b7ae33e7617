package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/bottest"
	"github.com/paperboy-bot/paperboy/bot/slack/slackfake"
	"github.com/paperboy-bot/paperboy/config"
	"github.com/paperboy-bot/paperboy/store"
)

// The loopback test platform ([test] chat_url) in this test binary too, as testadapter.go
// adds it to binaries built with -tags paperboytest.
func init() {
	extraAdapters["test"] = func(cfg config.Config, _ *slog.Logger) (bot.Adapter, error) {
		return &bottest.HTTPAdapter{BaseURL: cfg.Test.ChatURL}, nil
	}
}

// TestOneRunServesEveryPlatform: one `paperboy run` on one database serves Slack (the
// fake, Socket Mode) and the loopback test platform at once. Channels with the same id
// on both platforms ("C1") and a channel of a platform this run does not serve
// ("discord:D1") subscribe; after an import each platform gets exactly its own
// channels' posts, once each with its thread reply, the unserved channel's delivery
// waits, and `status` and `/papers status` count deliveries per platform.
func TestOneRunServesEveryPlatform(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	chat := bottest.NewServer(1)
	ts := httptest.NewServer(chat)
	t.Cleanup(ts.Close)
	db, _ := slackRun(t, fake, fmt.Sprintf("app_token = %q\nmode = \"socket\"\n[test]\nchat_url = %q\n", fake.AppToken, ts.URL))
	cfg := filepath.Join(filepath.Dir(db), "paperboy.toml")
	fake.WaitConnected(t, 10*time.Second)

	// Slack's subscription arrives as a slash command; the test platform has no commands,
	// so its subscriptions (and discord:D1's) are written to the shared database.
	if ack := command(t, fake, "U1", "C1", "subscribe cat:cs.LG"); !strings.HasPrefix(fmt.Sprint(ack["text"]), "Subscribed #C1") {
		t.Fatalf("slack subscribe ack = %v", ack)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, s := range []struct{ channel, filter string }{
		{"test:C1", "graph databases"}, {"test:C2", "cat:cs.LG"}, {"discord:D1", "cat:cs.LG"},
	} {
		q, err := paperboy.ParseQuery(s.filter, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := st.CreateSubscription(ctx, &paperboy.Subscription{Channel: s.channel, Filter: q.String(), Query: q}); err != nil {
			t.Fatal(err)
		}
	}
	if _, errOut, err := runMain(t, announcedPaper, "import", "--announce", "--db", db, "-"); err != nil {
		t.Fatalf("import: %v %s", err, errOut)
	}

	fake.WaitPosts(t, 2, 15*time.Second)
	deadline := time.Now().Add(15 * time.Second)
	for len(chat.Posts()) < 2 || len(chat.Sends()) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("test platform: %d posts and %d thread replies, want 2 and 2", len(chat.Posts()), len(chat.Sends()))
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // a duplicate or a stray post would show up now

	var slackGot []string
	for _, p := range fake.Posts() {
		kind := "post"
		if p.ThreadTS != "" {
			kind = "reply"
		}
		slackGot = append(slackGot, kind+" "+p.Channel)
	}
	if want := []string{"post C1", "reply C1"}; fmt.Sprint(slackGot) != fmt.Sprint(want) {
		t.Errorf("slack messages: got %q, want %q (only slack:C1's paper, once, with its thread reply)", slackGot, want)
	}
	if p := fake.Posts()[0]; !strings.Contains(p.Text, "Faster Diffusion Sampling") {
		t.Errorf("slack post = %q, want the cs.LG paper", p.Text)
	}
	var testGot []string
	for _, p := range chat.Posts() {
		testGot = append(testGot, p.Channel+" "+p.PaperID)
	}
	sort.Strings(testGot)
	if want := []string{"C1 2411.00002", "C2 2411.00001"}; fmt.Sprint(testGot) != fmt.Sprint(want) {
		t.Errorf("test platform posts: got %q, want %q (each of its channels' paper, once)", testGot, want)
	}
	for _, s := range chat.Sends() {
		if s.Channel != "C1" && s.Channel != "C2" || !strings.HasSuffix(s.Key, "-abstract") {
			t.Errorf("test platform message %+v, want only the abstracts in C1 and C2", s)
		}
	}

	status, errOut, err := runMain(t, "", "status", "--config", cfg)
	if err != nil {
		t.Fatalf("status: %v %s", err, errOut)
	}
	for _, want := range []string{
		"outbox     1 pending, 0 sending, 3 sent, 0 failed, 0 skipped\n",
		"  discord  1 pending, 0 sending, 0 sent, 0 failed, 0 skipped\n",
		"  slack    0 pending, 0 sending, 1 sent, 0 failed, 0 skipped\n",
		"  test     0 pending, 0 sending, 2 sent, 0 failed, 0 skipped\n",
		"platforms  slack, test ",
	} {
		if !strings.Contains(status, want) {
			t.Errorf("status lacks %q:\n%s", want, status)
		}
	}
	text := fmt.Sprint(command(t, fake, "U1", "C1", "status")["text"])
	for _, want := range []string{
		"0 pending, 0 sending, 1 sent, 0 failed, 0 skipped; 1 subscription here.",
		"Platforms served: slack, test",
		"Deliveries on discord: 1 pending, 0 sending, 0 sent, 0 failed, 0 skipped",
		"Deliveries on test: 0 pending, 0 sending, 2 sent, 0 failed, 0 skipped",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/papers status lacks %q:\n%s", want, text)
		}
	}
}
