package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/slack/slackfake"
	"github.com/paperboy-bot/paperboy/internal/replay"
)

// recorder is a bot.Handler that records what the adapter delivers.
type recorder struct {
	mu     sync.Mutex
	events []bot.Event
	cmds   []bot.Command
	reply  func(context.Context, bot.Command) bot.Reply
	on     func(context.Context, bot.Event) // runs for each event, when set
	got    chan struct{}
}

func newRecorder() *recorder { return &recorder{got: make(chan struct{}, 100)} }

func (r *recorder) HandleCommand(ctx context.Context, c bot.Command) bot.Reply {
	r.mu.Lock()
	r.cmds = append(r.cmds, c)
	r.mu.Unlock()
	if r.reply != nil {
		return r.reply(ctx, c)
	}
	return bot.Reply{Text: "you said **" + c.Text + "**"}
}

func (r *recorder) HandleEvent(ctx context.Context, e bot.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	if r.on != nil {
		r.on(ctx, e)
	}
	select {
	case r.got <- struct{}{}:
	default:
	}
}

func (r *recorder) Events() []bot.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Event(nil), r.events...)
}

// waitEvents waits until n events arrived.
func (r *recorder) waitEvents(t *testing.T, n int) []bot.Event {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for len(r.Events()) < n {
		select {
		case <-r.got:
		case <-deadline:
			t.Fatalf("got %d events, want %d: %+v", len(r.Events()), n, r.Events())
		}
	}
	return r.Events()
}

const secret = "8f742231b10e8888abcd99yyyzzz85a5"

// startHTTP runs an HTTP mode adapter against the fake Web API.
func startHTTP(t *testing.T, h bot.Handler, mutate ...func(*Options)) (*Adapter, *slackfake.Server) {
	t.Helper()
	fake := slackfake.New(t)
	a := newAdapter(t, fake.URL, append([]func(*Options){func(o *Options) {
		o.Mode, o.Listen, o.SigningSecret, o.AppToken = ModeHTTP, "127.0.0.1:0", secret, ""
	}}, mutate...)...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	// Wait for the server to answer.
	for i := 0; i < 100; i++ {
		if res, err := http.Get("http://" + a.Addr() + "/healthz"); err == nil {
			res.Body.Close()
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	return a, fake
}

func post(t *testing.T, a *Adapter, path string, h http.Header, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+a.Addr()+path, strings.NewReader(body))
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestHTTPSignature(t *testing.T) {
	rec := newRecorder()
	a, fake := startHTTP(t, rec)
	body := slackfake.Form(slackfake.SlashCommand("U1", "C1", "help", fake.ResponseURL("r1")))
	now := time.Now()
	wrong := slackfake.Sign("not-the-secret", now, []byte(body))
	tampered := slackfake.Sign(secret, now, []byte(body))
	old := slackfake.Sign(secret, now.Add(-6*time.Minute), []byte(body))
	future := slackfake.Sign(secret, now.Add(6*time.Minute), []byte(body))
	noPrefix := slackfake.Sign(secret, now, []byte(body))
	noPrefix.Set("X-Slack-Signature", strings.TrimPrefix(noPrefix.Get("X-Slack-Signature"), "v0="))
	tests := map[string]struct {
		h    http.Header
		body string
		want int
	}{
		"valid":            {slackfake.Sign(secret, now, []byte(body)), body, http.StatusOK},
		"unsigned":         {http.Header{}, body, http.StatusUnauthorized},
		"wrong secret":     {wrong, body, http.StatusUnauthorized},
		"tampered body":    {tampered, body + "&x=1", http.StatusUnauthorized},
		"6 minutes old":    {old, body, http.StatusUnauthorized},
		"6 minutes ahead":  {future, body, http.StatusUnauthorized},
		"no v0= prefix":    {noPrefix, body, http.StatusUnauthorized},
		"replayed old req": {old, body, http.StatusUnauthorized},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			rec.mu.Lock()
			before := len(rec.cmds)
			rec.mu.Unlock()
			code, _ := post(t, a, PathCommands, tc.h, tc.body)
			if code != tc.want {
				t.Errorf("status %d, want %d", code, tc.want)
			}
			rec.mu.Lock()
			processed := len(rec.cmds) > before
			rec.mu.Unlock()
			if processed != (tc.want == http.StatusOK) {
				t.Errorf("processed = %v, want %v", processed, tc.want == http.StatusOK)
			}
		})
	}
	for _, p := range []string{PathEvents, PathInteractivity} {
		if code, _ := post(t, a, p, http.Header{}, `{"type":"url_verification","challenge":"x"}`); code != http.StatusUnauthorized {
			t.Errorf("unsigned %s: status %d, want 401", p, code)
		}
	}
}

func TestHTTPLimitsAndChallenge(t *testing.T) {
	rec := newRecorder()
	a, _ := startHTTP(t, rec, func(o *Options) { o.MaxBody = 1024 })
	big := strings.Repeat("x", 2048)
	if code, _ := post(t, a, PathEvents, slackfake.Sign(secret, time.Now(), []byte(big)), big); code != http.StatusRequestEntityTooLarge {
		t.Errorf("2 KB body with a 1 KB limit: status %d, want 413", code)
	}
	challenge := `{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`
	code, resp := post(t, a, PathEvents, slackfake.Sign(secret, time.Now(), []byte(challenge)), challenge)
	var got map[string]string
	if code != http.StatusOK || json.Unmarshal([]byte(resp), &got) != nil || got["challenge"] != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("url_verification: %d %q, want 200 with the challenge", code, resp)
	}
	if code, _ := post(t, a, "/slack/other", nil, ""); code != http.StatusNotFound {
		t.Errorf("unknown path: status %d, want 404", code)
	}
}

func TestHTTPEventsDedupe(t *testing.T) {
	rec := newRecorder()
	a, _ := startHTTP(t, rec)
	send := func(doc map[string]any, retry string) {
		t.Helper()
		b, _ := json.Marshal(doc)
		h := slackfake.Sign(secret, time.Now(), b)
		if retry != "" {
			h.Set("X-Slack-Retry-Num", retry)
			h.Set("X-Slack-Retry-Reason", "http_timeout")
		}
		if code, resp := post(t, a, PathEvents, h, string(b)); code != http.StatusOK {
			t.Fatalf("event: status %d %q, want 200", code, resp)
		}
	}
	reaction := slackfake.EventCallback("Ev1", slackfake.Reaction("reaction_added", "U1", "C1", "100.1", "+1"))
	send(reaction, "")
	send(reaction, "1") // redelivery
	send(reaction, "2")
	reply := slackfake.ThreadReply("U2", "C1", "100.1", "100.2", "+1")
	send(slackfake.EventCallback("Ev2", reply), "")
	send(slackfake.EventCallback("Ev2-other-id", reply), "") // same channel+ts, new id
	own := slackfake.Reaction("reaction_added", slackfake.BotUserID, "C1", "100.1", "+1")
	send(slackfake.EventCallback("Ev3", own), "")
	removed := slackfake.EventCallback("Ev4", slackfake.Reaction("reaction_removed", "U1", "C1", "100.1", "+1::skin-tone-2"))
	send(removed, "")

	events := rec.waitEvents(t, 3)
	time.Sleep(50 * time.Millisecond) // let any wrongly accepted duplicate arrive
	events = rec.Events()
	var kinds []string
	for _, e := range events {
		kinds = append(kinds, e.Kind+":"+e.User+":"+e.Reaction)
	}
	want := []string{"reaction_added:U1:+1", "thread_reply:U2:", "reaction_removed:U1:+1"}
	if strings.Join(kinds, ",") != strings.Join(want, ",") {
		t.Errorf("events = %v, want %v", kinds, want)
	}
}

func TestHTTPInteractivity(t *testing.T) {
	rec := newRecorder()
	a, fake := startHTTP(t, rec)
	payload, _ := json.Marshal(slackfake.BlockAction("U1", "C1", "100.1", "upvote", "2401.01234", fake.ResponseURL("x")))
	body := url.Values{"payload": {string(payload)}}.Encode()
	if code, _ := post(t, a, PathInteractivity, slackfake.Sign(secret, time.Now(), []byte(body)), body); code != http.StatusOK {
		t.Fatalf("status %d, want 200", code)
	}
	e := rec.waitEvents(t, 1)[0]
	if e.Kind != bot.EventButton || e.Action != "upvote" || e.Value != "2401.01234" || e.Channel != "C1" || e.MessageID != "100.1" || e.User != "U1" {
		t.Errorf("event = %+v, want an upvote button on C1/100.1 by U1", e)
	}
}

// TestHTTPClickAnswer checks that a button event can answer the clicker: an ephemeral
// message through the payload's response_url that leaves the post in place.
func TestHTTPClickAnswer(t *testing.T) {
	rec := newRecorder()
	errc := make(chan error, 1)
	rec.on = func(ctx context.Context, e bot.Event) {
		if e.Respond == nil {
			errc <- errors.New("button event without Respond")
			return
		}
		errc <- e.Respond(ctx, bot.Reply{Text: "Upvoted **P**.", InChannel: true})
	}
	a, fake := startHTTP(t, rec)
	payload, _ := json.Marshal(slackfake.BlockAction("U1", "C1", "100.1", "upvote", "", fake.ResponseURL("click")))
	body := url.Values{"payload": {string(payload)}}.Encode()
	if code, _ := post(t, a, PathInteractivity, slackfake.Sign(secret, time.Now(), []byte(body)), body); code != http.StatusOK {
		t.Fatalf("status %d, want 200", code)
	}
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("Respond: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no button event after 5s")
	}
	if len(fake.Responses()) != 1 {
		t.Fatalf("response_url posts = %+v, want 1", fake.Responses())
	}
	r := fake.Responses()[0]
	if r.ID != "click" || r.ResponseType != "ephemeral" || r.Text != "Upvoted *P*." || r.ReplaceOriginal == nil || *r.ReplaceOriginal {
		t.Errorf("answer = %+v (replace_original %v), want an ephemeral \"Upvoted *P*.\" with replace_original false", r, r.ReplaceOriginal)
	}
}

func TestHTTPCommands(t *testing.T) {
	rec := newRecorder()
	release := make(chan struct{})
	rec.reply = func(ctx context.Context, c bot.Command) bot.Reply {
		switch c.Text {
		case "slow":
			<-release // ignores ctx: the adapter must still answer in time
			return bot.Reply{Text: "slow answer", InChannel: true}
		case "defer":
			go func() {
				_ = c.Respond(context.Background(), bot.Reply{Text: "later **answer**"})
			}()
			return bot.Reply{Deferred: true}
		case "papers":
			return bot.Reply{Text: "1 result", Papers: []*paperboy.Paper{{ID: "2401.00001", Title: "P"}}}
		}
		return bot.Reply{Text: "admin=" + map[bool]string{true: "yes", false: "no"}[c.IsAdmin] + " " + c.UserName}
	}
	a, fake := startHTTP(t, rec, func(o *Options) { o.AckTimeout = 300 * time.Millisecond })
	fake.SetAdmin("UADMIN", true)
	run := func(user, text, rid string) map[string]any {
		t.Helper()
		body := slackfake.Form(slackfake.SlashCommand(user, "C1", text, fake.ResponseURL(rid)))
		code, resp := post(t, a, PathCommands, slackfake.Sign(secret, time.Now(), []byte(body)), body)
		var m map[string]any
		if code != http.StatusOK || json.Unmarshal([]byte(resp), &m) != nil {
			t.Fatalf("%s: status %d %q", text, code, resp)
		}
		return m
	}
	if m := run("UADMIN", "help", "r0"); m["text"] != "admin=yes uadmin" || m["response_type"] != "ephemeral" {
		t.Errorf("help = %v, want an ephemeral answer for an admin", m)
	}
	if m := run("U2", "help", "r0"); m["text"] != "admin=no u2" {
		t.Errorf("help = %v, want a non-admin", m)
	}
	if m := run("U2", "papers", "r0"); m["blocks"] == nil {
		t.Errorf("papers = %v, want blocks with share buttons", m)
	}
	if m := run("U2", "defer", "r1"); m["text"] != workingText {
		t.Errorf("defer = %v, want the working text", m)
	}
	if m := run("U2", "slow", "r2"); m["text"] != workingText {
		t.Errorf("slow = %v, want the working text after the budget", m)
	}
	close(release)
	if !fake.Wait(5*time.Second, func(s *slackfake.Server) bool { return len(s.Responses()) >= 2 }) {
		t.Fatalf("response_url posts = %+v, want 2", fake.Responses())
	}
	got := map[string]slackfake.Response{}
	for _, r := range fake.Responses() {
		got[r.ID] = r
	}
	if r := got["r1"]; r.Text != "later *answer*" || r.ResponseType != "ephemeral" {
		t.Errorf("deferred answer = %+v, want the later answer", r)
	}
	if r := got["r2"]; r.Text != "slow answer" || r.ResponseType != "in_channel" {
		t.Errorf("late answer = %+v, want the slow answer in channel", r)
	}
}

// TestHTTPReplay sends byte-identical signed requests twice (the second also with the
// signature's hex digits in upper case, which verifies alike) to every signed endpoint:
// each is processed once, the copies are answered 200 and logged as replays.
func TestHTTPReplay(t *testing.T) {
	rec := newRecorder()
	logs := &logRecorder{}
	a, fake := startHTTP(t, rec, func(o *Options) { o.Log = slog.New(logs) })
	now := time.Now()

	cmd := slackfake.Form(slackfake.SlashCommand("U1", "C1", "subscribe cat:cs.LG", fake.ResponseURL("r1")))
	payload, _ := json.Marshal(slackfake.BlockAction("U1", "C1", "100.1", "upvote", "2401.01234", fake.ResponseURL("x")))
	click := url.Values{"payload": {string(payload)}}.Encode()
	ev, _ := json.Marshal(slackfake.EventCallback("EvR1", slackfake.Reaction("reaction_added", "U2", "C1", "100.1", "+1")))
	tests := map[string]struct {
		path, body string
		processed  func() int
	}{
		"slash command": {PathCommands, cmd, func() int { rec.mu.Lock(); defer rec.mu.Unlock(); return len(rec.cmds) }},
		"interactivity": {PathInteractivity, click, func() int { return countKind(rec.Events(), bot.EventButton) }},
		"events":        {PathEvents, string(ev), func() int { return countKind(rec.Events(), bot.EventReactionAdded) }},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := slackfake.Sign(secret, now, []byte(tc.body))
			upper := slackfake.Sign(secret, now, []byte(tc.body))
			upper.Set("X-Slack-Signature", "v0="+strings.ToUpper(strings.TrimPrefix(upper.Get("X-Slack-Signature"), "v0=")))
			before := len(logs.Lines("slack request replayed"))
			if code, resp := post(t, a, tc.path, h, tc.body); code != http.StatusOK {
				t.Fatalf("first: status %d %q, want 200", code, resp)
			}
			for _, hh := range []http.Header{h, upper} {
				code, resp := post(t, a, tc.path, hh, tc.body)
				if code != http.StatusOK {
					t.Errorf("replay: status %d %q, want 200", code, resp)
				}
				if tc.path == PathCommands && !strings.Contains(resp, replayText) {
					t.Errorf("replayed command: got %q, want the note %q", resp, replayText)
				}
			}
			if tc.path != PathCommands {
				rec.waitEvents(t, 1)
				time.Sleep(50 * time.Millisecond) // let a wrongly accepted copy arrive
			}
			if n := tc.processed(); n != 1 {
				t.Errorf("processed %d times, want 1", n)
			}
			if n := len(logs.Lines("slack request replayed")) - before; n != 2 {
				t.Errorf("replays logged: got %d, want 2", n)
			}
		})
	}
}

func countKind(es []bot.Event, kind string) int {
	n := 0
	for _, e := range es {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

// TestHTTPReplayGuardFull checks the documented answer when the guard is full: 503, not
// processed, and a request signed after the oldest left the window passes again.
func TestHTTPReplayGuardFull(t *testing.T) {
	rec := newRecorder()
	at := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return at }
	a, fake := startHTTP(t, rec, func(o *Options) { o.Now = clock })
	a.replays = replay.New(signatureWindow, 2, clock)
	run := func(text string, signed time.Time) int {
		body := slackfake.Form(slackfake.SlashCommand("U1", "C1", text, fake.ResponseURL("r")))
		code, _ := post(t, a, PathCommands, slackfake.Sign(secret, signed, []byte(body)), body)
		return code
	}
	for i, want := range []int{http.StatusOK, http.StatusOK, http.StatusServiceUnavailable} {
		if code := run(fmt.Sprint("help ", i), at.Add(-4*time.Minute+time.Duration(i)*time.Second)); code != want {
			t.Errorf("request %d: status %d, want %d", i, code, want)
		}
	}
	rec.mu.Lock()
	if n := len(rec.cmds); n != 2 {
		t.Errorf("processed %d commands, want 2", n)
	}
	rec.mu.Unlock()
	mu.Lock()
	at = at.Add(61 * time.Second) // the first request's signature has expired
	mu.Unlock()
	if code := run("help again", at); code != http.StatusOK {
		t.Errorf("after expiry: status %d, want 200", code)
	}
}
