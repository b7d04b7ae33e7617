package slack

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/bottest"
	"github.com/paperboy-bot/paperboy/bot/slack/slackfake"
)

func startSocket(t *testing.T, h bot.Handler) (*Adapter, *slackfake.Server) {
	t.Helper()
	fake := slackfake.New(t)
	a := newAdapter(t, fake.URL, func(o *Options) { o.AckTimeout = 500 * time.Millisecond })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	fake.WaitConnected(t, 5*time.Second)
	return a, fake
}

func sendEnv(t *testing.T, fake *slackfake.Server, typ string, payload any, retry int) json.RawMessage {
	t.Helper()
	env, err := fake.Send(typ, payload, retry)
	if err != nil {
		t.Fatal(err)
	}
	ack, err := env.Ack(3 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return ack
}

func TestSocketMode(t *testing.T) {
	rec := newRecorder()
	rec.reply = func(ctx context.Context, c bot.Command) bot.Reply {
		if c.Text == "top" {
			return bot.Reply{Text: "**Top** papers", Papers: []*paperboy.Paper{{ID: "2401.00001", Title: "P1"}}}
		}
		return bot.Reply{Text: "subscribed to " + strings.TrimPrefix(c.Text, "subscribe "), InChannel: true}
	}
	_, fake := startSocket(t, rec)

	// events_api: acked with no payload; a redelivery (retry_attempt 1) counts once.
	reaction := slackfake.EventCallback("EvS1", slackfake.Reaction("reaction_added", "U1", "C1", "100.1", "thumbsup"))
	for retry := range 2 {
		if ack := sendEnv(t, fake, "events_api", reaction, retry); len(ack) != 0 && string(ack) != "null" {
			t.Errorf("events_api ack payload = %s, want none", ack)
		}
	}
	sendEnv(t, fake, "events_api", slackfake.EventCallback("EvS2", slackfake.ThreadReply("U2", "C1", "100.1", "100.5", "-1")), 0)
	own := slackfake.EventCallback("EvS3", slackfake.ThreadReply(slackfake.BotUserID, "C1", "100.1", "100.6", "abstract"))
	sendEnv(t, fake, "events_api", own, 0)

	// interactive: acked at once, delivered as a button event.
	sendEnv(t, fake, "interactive", slackfake.BlockAction("U3", "C1", "100.1", "read_later", "2401.00001", fake.ResponseURL("i")), 0)

	// slash_commands: the ack carries the answer.
	ack := sendEnv(t, fake, "slash_commands", slackfake.SlashCommand("U1", "C1", "subscribe cat:cs.LG", fake.ResponseURL("s")), 0)
	bottest.AssertJSON(t, ack, `{"response_type":"in_channel","text":"subscribed to cat:cs.LG"}`)
	ack = sendEnv(t, fake, "slash_commands", slackfake.SlashCommand("U1", "C1", "top", fake.ResponseURL("s")), 0)
	bottest.AssertJSON(t, ack, `{"response_type":"ephemeral","text":"*Top* papers","blocks":[
	 {"type":"section","block_id":"reply_0","text":{"type":"mrkdwn","text":"*Top* papers"}},
	 {"type":"actions","block_id":"share_1","elements":[{"type":"button","action_id":"share:1","value":"2401.00001",
	  "text":{"type":"plain_text","text":"Share 1: P1","emoji":true}}]}]}`)

	// A malformed envelope is still acknowledged (no endless redelivery).
	if ack := sendEnv(t, fake, "events_api", "not an object", 0); len(ack) != 0 && string(ack) != "null" {
		t.Errorf("bad envelope ack = %s, want empty", ack)
	}

	events := rec.waitEvents(t, 3)
	time.Sleep(50 * time.Millisecond)
	events = rec.Events()
	var got []string
	for _, e := range events {
		got = append(got, e.Kind+":"+e.User+":"+e.Reaction+e.Text+e.Action)
	}
	want := []string{"reaction_added:U1:thumbsup", "thread_reply:U2:-1", "button:U3:read_later"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("events = %v, want %v", got, want)
	}
	if n := fake.Calls("apps.connections.open"); n != 1 {
		t.Errorf("apps.connections.open calls = %d, want 1", n)
	}
}

func TestSocketModeBadAppToken(t *testing.T) {
	fake := slackfake.New(t)
	a := newAdapter(t, fake.URL, func(o *Options) { o.AppToken = "xapp-wrong-SECRET" })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := a.Run(ctx, newRecorder())
	if err == nil || !strings.Contains(err.Error(), "invalid_auth") {
		t.Errorf("Run = %v, want an invalid_auth error", err)
	}
	if err != nil && strings.Contains(err.Error(), "SECRET") {
		t.Errorf("error leaks the token: %v", err)
	}
}

// TestSocketModeConnect checks what Socket Mode says while connecting: "slack connected"
// only once a websocket is open, a hint naming the fix on each known apps.connections.open
// error, retries with backoff for errors that can pass, and an end with the fix for those
// that cannot.
func TestSocketModeConnect(t *testing.T) {
	tests := map[string]struct {
		code  string
		fails int
		fatal bool
		want  string // in the error (fatal) or in each retry's log line
	}{
		"bot token as app token": {"not_allowed_token_type", -1, true, "not an app-level token"},
		"missing scope":          {"missing_scope", -1, true, "connections:write"},
		"revoked":                {"token_revoked", -1, true, "revoked"},
		"slack trouble":          {"internal_error", 2, false, "server error; retrying"},
		"unknown code":           {"socket_mode_disabled_maybe", 1, false, "Socket Mode is enabled"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			fake := slackfake.New(t)
			fake.FailConnectionsOpen(tc.code, tc.fails)
			logs := &logRecorder{}
			var early []string
			logs.onRecord = func(msg string) {
				if msg == "slack connected" && fake.Opens() == 0 {
					early = append(early, msg)
				}
			}
			a := newAdapter(t, fake.URL, func(o *Options) { o.Log = slog.New(logs) })
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- a.Run(ctx, newRecorder()) }()

			if tc.fatal {
				select {
				case err := <-done:
					if err == nil || !strings.Contains(err.Error(), tc.code) || !strings.Contains(err.Error(), tc.want) {
						t.Errorf("Run = %v, want an error naming %s and %q", err, tc.code, tc.want)
					}
				case <-time.After(5 * time.Second):
					t.Fatalf("Run still retrying after 5s (%d apps.connections.open calls), want it to stop with the fix",
						fake.Calls("apps.connections.open"))
				}
				if n := fake.Calls("apps.connections.open"); n != 1 {
					t.Errorf("apps.connections.open calls = %d, want 1", n)
				}
				if got := logs.Lines("slack connected"); len(got) != 0 {
					t.Errorf("logged %q without a connection", got)
				}
				return
			}
			fake.WaitConnected(t, 5*time.Second)
			for i := 0; len(logs.Lines("slack connected")) == 0; i++ {
				if i == 500 {
					t.Fatalf("no \"slack connected\" after the websocket opened; log: %q", logs.Lines(""))
				}
				time.Sleep(10 * time.Millisecond)
			}
			if len(early) > 0 {
				t.Errorf("logged \"slack connected\" before any websocket was open")
			}
			retries := logs.Lines("slack socket mode connection failed")
			if len(retries) != tc.fails {
				t.Errorf("retry log lines = %d, want %d: %q", len(retries), tc.fails, retries)
			}
			for _, l := range retries {
				if !strings.Contains(l, tc.code) || !strings.Contains(l, tc.want) || !strings.Contains(l, "backoff=") {
					t.Errorf("retry log %q, want the code %s, the hint %q and the backoff", l, tc.code, tc.want)
				}
			}
			if n := fake.Calls("apps.connections.open"); n != tc.fails+1 {
				t.Errorf("apps.connections.open calls = %d, want %d", n, tc.fails+1)
			}
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run after cancel = %v, want nil", err)
			}
		})
	}
}

// TestRunRetriesAuthTestThatCanPass: auth.test failing with a 503 and then a network
// error at start is retried (other platforms of the process go on meanwhile) and Run
// connects once Slack answers; a rejected token still ends Run at once.
func TestRunRetriesAuthTestThatCanPass(t *testing.T) {
	fake := slackfake.New(t)
	target, err := url.Parse(strings.TrimSuffix(fake.URL, "/api/"))
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	var mu sync.Mutex
	authCalls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/auth.test" {
			mu.Lock()
			authCalls++
			n := authCalls
			mu.Unlock()
			switch n {
			case 1:
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			case 2:
				if c, _, err := w.(http.Hijacker).Hijack(); err == nil {
					c.Close() // the connection drops: a network error
				}
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	logs := &logRecorder{}
	a := newAdapter(t, srv.URL+"/api/", func(o *Options) { o.Log = slog.New(logs) })
	a.authRetry = time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, newRecorder()) }()
	fake.WaitConnected(t, 5*time.Second)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v, want nil after cancel", err)
	}
	mu.Lock()
	n := authCalls
	mu.Unlock()
	if n != 3 {
		t.Errorf("auth.test calls = %d, want 3 (503, dropped connection, ok)", n)
	}
	if got := logs.Lines("slack auth.test failed; retrying"); len(got) != 2 {
		t.Errorf("logged retries %q, want 2", got)
	}

	bad := newAdapter(t, srv.URL+"/api/", func(o *Options) { o.BotToken = "xoxb-wrong" })
	bad.authRetry = time.Millisecond
	ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := bad.Run(ctx, newRecorder()); err == nil || !strings.Contains(err.Error(), "invalid_auth") || ctx.Err() != nil {
		t.Errorf("Run with a wrong token = %v, want invalid_auth at once", err)
	}
}

// TestSocketConnected: the adapter reports its Socket Mode connection for the ops
// listener's readiness check: up once connected, down when Slack's side goes away.
func TestSocketConnected(t *testing.T) {
	a, fake := startSocket(t, newRecorder())
	deadline := time.Now().Add(5 * time.Second)
	for a.Connected(context.Background()) != nil {
		if time.Now().After(deadline) {
			t.Fatalf("connected: got %v, want nil", a.Connected(context.Background()))
		}
		time.Sleep(10 * time.Millisecond)
	}
	fake.Close()
	for a.Connected(context.Background()) == nil {
		if time.Now().After(deadline.Add(10 * time.Second)) {
			t.Fatal("after the server closed: Connected = nil, want an error")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
