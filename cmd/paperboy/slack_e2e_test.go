package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy/bot/bottest"
	"github.com/paperboy-bot/paperboy/bot/slack/slackfake"
)

// slackRun starts `paperboy run` in-process against the fake Slack with extra [slack]
// settings, and stops it when the test ends. It returns the database path and the
// address passed to Main.Ready.
func slackRun(t *testing.T, fake *slackfake.Server, extra string) (db, addr string) {
	t.Helper()
	return runConfig(t, func(db string) string {
		return fmt.Sprintf("db = %q\n[bot]\nbackfill = 0\n[slack]\nbot_token = %q\napi_url = %q\n%s", db, fake.BotToken, fake.URL, extra)
	})
}

// runConfig starts `paperboy run` in-process with the configuration conf(database path)
// written to paperboy.toml beside the database, and stops it when the test ends. It
// returns the database path and the address passed to Main.Ready, once the watcher runs.
func runConfig(t *testing.T, conf func(db string) string) (db, addr string) {
	t.Helper()
	dir := t.TempDir()
	db = filepath.Join(dir, "p.db")
	cfg := filepath.Join(dir, "paperboy.toml")
	if err := os.WriteFile(cfg, []byte(conf(db)), 0o600); err != nil {
		t.Fatal(err)
	}
	out := &bottest.Buffer{}
	ready := make(chan string, 1)
	m := &Main{Stdin: eofReader{}, Stdout: out, Stderr: out, Getenv: func(string) string { return "" },
		Ready: func(a string) { ready <- a }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"run", "--config", cfg}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		if t.Failed() {
			t.Logf("paperboy log:\n%s", out.String())
		} else if os.Getenv("SLACK_E2E_LOG") != "" {
			t.Logf("paperboy log:\n%s", out.String())
		}
	})
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("run ended early: %v\n%s", err, out.String())
	case <-time.After(10 * time.Second):
		t.Fatalf("run not ready\n%s", out.String())
	}
	// Papers imported before the watcher records its starting point are "existing" and
	// never announced; Ready comes before that, so wait for the watcher too.
	waitFor(t, out, "watcher started")
	return db, addr
}

// command sends a slash command envelope and returns the acknowledgement's payload.
func command(t *testing.T, fake *slackfake.Server, user, channel, text string) map[string]any {
	t.Helper()
	env, err := fake.Send("slash_commands", slackfake.SlashCommand(user, channel, text, fake.ResponseURL(user+":"+text)), 0)
	if err != nil {
		t.Fatal(err)
	}
	ack, err := env.Ack(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(ack, &m); err != nil {
		t.Fatalf("/papers %s: ack %s: %v", text, ack, err)
	}
	return m
}

func event(t *testing.T, fake *slackfake.Server, typ string, payload any, retry int) {
	t.Helper()
	env, err := fake.Send(typ, payload, retry)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Ack(5 * time.Second); err != nil {
		t.Fatal(err)
	}
}

func jsonEqual(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %v in %s", what, err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: bad expected JSON: %v", what, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\ngot  %s\nwant %s", what, got, want)
	}
}

// TestSlackSocketModeEndToEnd: subscribe with a slash command over Socket Mode, papers
// arrive from an import, the matching one is posted as Block Kit with its abstract in the
// thread, a reaction and a button click are votes (a redelivery and the bot's own
// reaction are not), the post's count is edited, and /papers top shows the votes.
func TestSlackSocketModeEndToEnd(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	db, _ := slackRun(t, fake, "app_token = \""+fake.AppToken+"\"\nmode = \"socket\"\n")
	fake.WaitConnected(t, 10*time.Second)

	ack := command(t, fake, "U1", "C1", "subscribe cat:cs.LG diffusion")
	if ack["response_type"] != "in_channel" || !strings.HasPrefix(fmt.Sprint(ack["text"]), "Subscribed #C1 (id 1)") {
		t.Errorf("subscribe ack = %v, want an in-channel confirmation", ack)
	}
	// A channel the bot was never invited to: the delivery fails visibly, nothing crashes.
	fake.SetChannelError("CNOTIN", "not_in_channel")
	command(t, fake, "U1", "CNOTIN", "subscribe cat:cs.LG diffusion")
	if _, errOut, err := runMain(t, announcedPaper, "import", "--announce", "--db", db, "-"); err != nil {
		t.Fatalf("import: %v %s", err, errOut)
	}
	posts := fake.WaitPosts(t, 2, 15*time.Second)
	post, thread := posts[0], posts[1]
	if post.Channel != "C1" || post.ThreadTS != "" {
		t.Errorf("post = %+v, want a top-level message in C1", post)
	}
	if want := "New paper: Faster Diffusion Sampling with Learned Step Schedules https://arxiv.org/abs/2411.00001"; post.Text != want {
		t.Errorf("post text = %q, want %q", post.Text, want)
	}
	jsonEqual(t, "post blocks", post.Blocks, `[
	 {"type":"section","block_id":"paper_title","text":{"type":"mrkdwn","text":"*<https://arxiv.org/abs/2411.00001|Faster Diffusion Sampling with Learned Step Schedules>*\nAnn Author, Bob Builder, Carla Coder\n`+"`cs.LG` `cs.CV`"+` · 2026-11-23"}},
	 {"type":"section","block_id":"paper_summary","text":{"type":"mrkdwn","text":"We propose StepSched, a learned step schedule for diffusion models that halves sampling cost."}},
	 {"type":"context","block_id":"paper_links","elements":[{"type":"mrkdwn","text":"<https://arxiv.org/pdf/2411.00001|PDF>"}]},
	 {"type":"context","block_id":"paper_reason","elements":[{"type":"mrkdwn","text":"Posted for cs.LG papers matching diffusion"}]},
	 {"type":"context","block_id":"paper_votes","elements":[{"type":"mrkdwn","text":"No votes yet: react :+1: / :-1:, use the buttons, or reply +1 in the thread"}]},
	 {"type":"actions","block_id":"paper_actions","elements":[
	  {"type":"button","action_id":"upvote","value":"2411.00001","style":"primary","text":{"type":"plain_text","text":":+1: Upvote","emoji":true}},
	  {"type":"button","action_id":"read_later","value":"2411.00001","text":{"type":"plain_text","text":":bookmark: Read later","emoji":true}},
	  {"type":"button","action_id":"not_relevant","value":"2411.00001","text":{"type":"plain_text","text":":see_no_evil: Not relevant","emoji":true}}]}]`)
	jsonEqual(t, "post metadata", post.Metadata, `{"event_type":"paperboy_post","event_payload":{"key":"pb-d1","paper_id":"2411.00001"}}`)
	if thread.Channel != "C1" || thread.ThreadTS != post.TS {
		t.Errorf("thread reply = %+v, want a reply in the post's thread %s", thread, post.TS)
	}
	if want := "*Abstract.* We propose StepSched, a learned step schedule for diffusion models that halves sampling cost.\n<https://arxiv.org/pdf/2411.00001|PDF>"; thread.Text != want {
		t.Errorf("thread reply text = %q, want %q", thread.Text, want)
	}

	// Votes: a reaction (delivered twice), the bot's own reaction, a button click.
	reaction := slackfake.EventCallback("EvR1", slackfake.Reaction("reaction_added", "U2", "C1", post.TS, "+1::skin-tone-3"))
	event(t, fake, "events_api", reaction, 0)
	event(t, fake, "events_api", reaction, 1)
	event(t, fake, "events_api", slackfake.EventCallback("EvR2", slackfake.Reaction("reaction_added", slackfake.BotUserID, "C1", post.TS, "+1")), 0)
	event(t, fake, "interactive", slackfake.BlockAction("U3", "C1", post.TS, "upvote", "2411.00001", fake.ResponseURL("b")), 0)
	tally := func(want string) {
		t.Helper()
		ok := fake.Wait(10*time.Second, func(s *slackfake.Server) bool {
			p := s.Posts()[0]
			return strings.Contains(string(p.Blocks), want)
		})
		if !ok {
			t.Fatalf("post blocks %s, want the tally %q (updates: %d)", fake.Posts()[0].Blocks, want, len(fake.Updates()))
		}
	}
	tally(`:+1: 2 · :-1: 0`)

	top := command(t, fake, "U1", "C1", "top week")
	text := fmt.Sprint(top["text"])
	if !strings.Contains(text, "*Top papers this week*") || !strings.Contains(text, "Faster Diffusion Sampling") || !strings.Contains(text, "▲2 ▼0") {
		t.Errorf("top week = %q, want the paper with ▲2 ▼0", text)
	}
	if strings.Contains(text, "Graph Databases") {
		t.Errorf("top week lists the unvoted cs.DB paper: %q", text)
	}

	// Removing the reaction removes that vote.
	event(t, fake, "events_api", slackfake.EventCallback("EvR3", slackfake.Reaction("reaction_removed", "U2", "C1", post.TS, "+1::skin-tone-3")), 0)
	tally(`:+1: 1 · :-1: 0`)

	for _, p := range fake.Posts() {
		if strings.Contains(p.Text, "Graph Databases") || p.Channel != "C1" {
			t.Errorf("unexpected post: %+v", p)
		}
	}
	status, _, err := runMain(t, "", "status", "--db", db)
	if err != nil || !strings.Contains(status, "1 failed") || !strings.Contains(status, "failed   2411.00001 in slack:CNOTIN") || !strings.Contains(status, "not_in_channel") {
		t.Errorf("status = %q (%v), want the not_in_channel delivery listed as failed", status, err)
	}
}

// TestSlackHTTPEndToEnd: in HTTP mode, signed slash commands get correct answers within
// Slack's 3 seconds; unsigned, wrongly signed and replayed ones get 401 and change nothing.
func TestSlackHTTPEndToEnd(t *testing.T) {
	t.Parallel()
	const secret = "e2e-signing-secret"
	fake := slackfake.New(t)
	_, addr := slackRun(t, fake, "mode = \"http\"\nlisten = \"127.0.0.1:0\"\nsigning_secret = \""+secret+"\"\n")
	if addr == "" {
		t.Fatal("Ready got no address in HTTP mode")
	}
	call := func(h http.Header, text string) (int, map[string]any, time.Duration) {
		t.Helper()
		body := slackfake.Form(slackfake.SlashCommand("U1", "C9", text, fake.ResponseURL("h")))
		if h == nil {
			h = slackfake.Sign(secret, time.Now(), []byte(body))
		}
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/slack/commands", strings.NewReader(body))
		req.Header = h.Clone()
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		start := time.Now()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		took := time.Since(start)
		b, _ := io.ReadAll(res.Body)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return res.StatusCode, m, took
	}
	body := slackfake.Form(slackfake.SlashCommand("U1", "C9", "subscribe cat:cs.CL", fake.ResponseURL("h")))
	old := slackfake.Sign(secret, time.Now().Add(-6*time.Minute), []byte(body))
	for name, h := range map[string]http.Header{
		"unsigned":      {},
		"wrong secret":  slackfake.Sign("guess", time.Now(), []byte(body)),
		"replayed 6min": old,
	} {
		if code, _, _ := call(h, "subscribe cat:cs.CL"); code != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, code)
		}
	}
	code, m, took := call(nil, "subscriptions")
	if code != http.StatusOK || m["response_type"] != "ephemeral" || strings.Contains(fmt.Sprint(m["text"]), "cs.CL") {
		t.Errorf("subscriptions after rejected requests = %d %v, want none listed", code, m)
	}
	if took >= 3*time.Second {
		t.Errorf("answer took %s, Slack allows 3s", took)
	}
	code, m, took = call(nil, "subscribe cat:cs.CL")
	if code != http.StatusOK || !strings.HasPrefix(fmt.Sprint(m["text"]), "Subscribed #C9") || took >= 3*time.Second {
		t.Errorf("signed subscribe = %d %v in %s, want a confirmation within 3s", code, m, took)
	}
	code, m, took = call(nil, "help")
	if code != http.StatusOK || !strings.Contains(fmt.Sprint(m["text"]), "subscribe") || took >= 3*time.Second {
		t.Errorf("signed help = %d %v in %s, want the command list within 3s", code, m, took)
	}
}

// TestSlackRateLimitStorm: chat.postMessage answers 429 (Retry-After 1) to the first
// call and then to every fourth one; every post arrives exactly once, in order.
func TestSlackRateLimitStorm(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	fake.SetPostLimiter(func(call int) (int, bool) { return 1, call == 1 || call%4 == 0 })
	db, _ := slackRun(t, fake, "app_token = \""+fake.AppToken+"\"\nmode = \"socket\"\n")
	fake.WaitConnected(t, 10*time.Second)
	command(t, fake, "U1", "C1", "subscribe cat:cs.LG")
	var papers strings.Builder
	const n = 3
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&papers, `{"id": "2411.1000%d", "authors": "A B", "title": "Storm paper %d", "categories": "cs.LG", "abstract": "Abstract %d.", "versions": [{"version": "v1", "created": "Mon, 23 Nov 2026 10:00:00 GMT"}], "update_date": "2026-11-23"}`+"\n", i, i, i)
	}
	if _, errOut, err := runMain(t, papers.String(), "import", "--announce", "--db", db, "-"); err != nil {
		t.Fatalf("import: %v %s", err, errOut)
	}
	fake.WaitPosts(t, 2*n, 30*time.Second)
	time.Sleep(300 * time.Millisecond) // a duplicate would show up now
	var got []string
	threads := map[string]int{}
	for _, p := range fake.Posts() {
		if p.ThreadTS == "" {
			got = append(got, p.Text)
		} else {
			threads[p.ThreadTS]++
		}
	}
	var want []string
	for i := 1; i <= n; i++ {
		want = append(want, fmt.Sprintf("New paper: Storm paper %d https://arxiv.org/abs/2411.1000%d", i, i))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("posts:\ngot  %q\nwant %q", got, want)
	}
	for _, p := range fake.Posts() {
		if p.ThreadTS == "" && threads[p.TS] != 1 {
			t.Errorf("post %q has %d thread replies, want 1 (the abstract)", p.Text, threads[p.TS])
		}
	}
	if fake.Calls("chat.postMessage") <= len(fake.Posts()) {
		t.Errorf("chat.postMessage calls = %d for %d posts, want some 429s", fake.Calls("chat.postMessage"), len(fake.Posts()))
	}
}
