package slack

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/bottest"
	"github.com/paperboy-bot/paperboy/bot/slack/slackfake"
)

func newAdapter(t *testing.T, apiURL string, mutate ...func(*Options)) *Adapter {
	t.Helper()
	o := Options{BotToken: "xoxb-fake-bot-token", AppToken: "xapp-fake-app-token", APIURL: apiURL}
	for _, m := range mutate {
		m(&o)
	}
	a, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

func TestNewValidates(t *testing.T) {
	secret := "xoxb-SECRET-123"
	tests := map[string]struct {
		o    Options
		want string
	}{
		"user token":        {Options{BotToken: "xoxp-SECRET-123", AppToken: "xapp-1"}, "xoxb-"},
		"socket no app":     {Options{BotToken: secret}, "xapp-"},
		"socket bot as app": {Options{BotToken: secret, AppToken: secret}, "xapp-"},
		"http no secret":    {Options{BotToken: secret, Mode: "http", Listen: "127.0.0.1:0"}, "signing secret"},
		"http no listen":    {Options{BotToken: secret, Mode: "http", SigningSecret: "s"}, "listen"},
		"bad mode":          {Options{BotToken: secret, Mode: "rtm"}, "mode"},
		"api url slash":     {Options{BotToken: secret, AppToken: "xapp-1", APIURL: "https://slack.com/api"}, "ending with /"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := New(tc.o)
			if err == nil {
				t.Fatalf("New(%s) succeeded, want an error", name)
			}
			if paperboy.ErrorCode(err) != paperboy.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an invalid error mentioning %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("error leaks a token: %v", err)
			}
		})
	}
}

func TestPostSendEditFind(t *testing.T) {
	fake := slackfake.New(t)
	a := newAdapter(t, fake.URL)
	ctx := context.Background()
	since := time.Now().Add(-time.Second)

	ref, err := a.Post(ctx, "C1", bot.Post{Paper: testPaper(), Key: "pb-d7"})
	if err != nil {
		t.Fatal(err)
	}
	if ref.MessageID == "" || ref.ThreadID != ref.MessageID {
		t.Errorf("PostRef = %+v, want the message ts as both ids", ref)
	}
	reply, err := a.Send(ctx, "C1", bot.Message{ThreadID: ref.ThreadID, Text: "**Abstract:** a < b", Key: "pb-d7-abstract"})
	if err != nil {
		t.Fatal(err)
	}
	posts := fake.Posts()
	if len(posts) != 2 {
		t.Fatalf("got %d posts, want 2", len(posts))
	}
	blocks, _ := renderPost(bot.Post{Paper: testPaper()})
	want, _ := json.Marshal(blocks)
	bottest.AssertJSON(t, posts[0].Blocks, string(want))
	bottest.AssertJSON(t, posts[0].Metadata, `{"event_type":"paperboy_post","event_payload":{"key":"pb-d7","paper_id":"2401.01234"}}`)
	if got := posts[1]; got.ThreadTS != ref.ThreadID || got.Text != "*Abstract:* a &lt; b" {
		t.Errorf("thread reply = %+v, want thread %s text %q", got, ref.ThreadID, "*Abstract:* a &lt; b")
	}
	bottest.AssertJSON(t, posts[1].Metadata, `{"event_type":"paperboy_message","event_payload":{"key":"pb-d7-abstract"}}`)

	if err := a.Edit(ctx, "C1", ref, bot.Post{Paper: testPaper(), Tally: paperboy.Tally{Up: 5}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(fake.Posts()[0].Blocks), ":+1: 5 · :-1: 0") {
		t.Errorf("edited blocks %s, want the new tally", fake.Posts()[0].Blocks)
	}

	for _, tc := range []struct {
		thread, key string
		want        bot.PostRef // zero: not found
	}{
		{"", "pb-d7", ref},
		{"", "pb-d8", bot.PostRef{}},
		{"", "pb-d7-abstract", bot.PostRef{}}, // a thread reply is not a channel message
		{ref.ThreadID, "pb-d7-abstract", bot.PostRef{MessageID: reply, ThreadID: ref.ThreadID}},
		{ref.ThreadID, "pb-d7", bot.PostRef{}}, // the parent is not a reply
		{ref.ThreadID, "pb-d8-abstract", bot.PostRef{}},
	} {
		got, found, err := a.FindMessage(ctx, "C1", tc.thread, tc.key, since)
		if err != nil || found != (tc.want != bot.PostRef{}) || got != tc.want {
			t.Errorf("FindMessage(thread %q, %s) = %+v, %v, %v; want %+v", tc.thread, tc.key, got, found, err, tc.want)
		}
	}
	if _, _, err := a.FindMessage(ctx, "C1", "1.000001", "pb-d7-abstract", since); !bot.ClassifySend(err).Permanent {
		t.Errorf("FindMessage in a thread that does not exist: got %v, want a permanent thread_not_found", err)
	}
	if a.PostInterval() != time.Second {
		t.Errorf("PostInterval = %s, want 1s", a.PostInterval())
	}
}

func TestSendErrors(t *testing.T) {
	fake := slackfake.New(t)
	a := newAdapter(t, fake.URL)
	ctx := context.Background()
	for _, code := range []string{"channel_not_found", "not_in_channel", "is_archived", "missing_scope", "msg_too_long", "invalid_auth", "account_inactive"} {
		t.Run(code, func(t *testing.T) {
			fake.SetChannelError("CBAD", code)
			_, err := a.Post(ctx, "CBAD", bot.Post{Paper: testPaper()})
			se := bot.ClassifySend(err)
			if err == nil || !se.Permanent || se.Reason != code {
				t.Errorf("got %v, want a permanent error with reason %s", err, code)
			}
			if strings.Contains(err.Error(), "xoxb-") {
				t.Errorf("error leaks the token: %v", err)
			}
		})
	}
	fake.SetChannelError("CBAD", "internal_error")
	if _, err := a.Send(ctx, "CBAD", bot.Message{Text: "hi"}); err == nil || bot.ClassifySend(err).Permanent {
		t.Errorf("internal_error: got %v, want a temporary error", err)
	}
	bad := newAdapter(t, fake.URL, func(o *Options) { o.BotToken = "xoxb-wrong" })
	if err := bad.Run(ctx, &recorder{}); err == nil || !strings.Contains(err.Error(), "invalid_auth") {
		t.Errorf("Run with a wrong token: got %v, want invalid_auth", err)
	}
}

// TestRateLimited uses its own chat.postMessage handler: a 429 with Retry-After, then
// a 503, then success; it captures the form Slack would receive.
func TestRateLimited(t *testing.T) {
	var calls int
	var got url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/chat.postMessage" {
			http.NotFound(w, r)
			return
		}
		calls++
		body, _ := io.ReadAll(r.Body)
		switch calls {
		case 1:
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "<html>down</html>")
		default:
			got, _ = url.ParseQuery(string(body))
			_, _ = io.WriteString(w, `{"ok":true,"channel":"C1","ts":"1700000000.000100"}`)
		}
	}))
	defer srv.Close()
	a := newAdapter(t, srv.URL+"/api/")
	ctx := context.Background()

	_, err := a.Send(ctx, "C1", bot.Message{Text: "hello"})
	se := bot.ClassifySend(err)
	if err == nil || se.Permanent || se.RetryAfter != 7*time.Second {
		t.Errorf("429: got %v (retry after %s), want temporary with RetryAfter 7s", err, se.RetryAfter)
	}
	_, err = a.Send(ctx, "C1", bot.Message{Text: "hello"})
	if se := bot.ClassifySend(err); err == nil || se.Permanent || se.Reason != "http 503" {
		t.Errorf("503: got %v, want temporary http 503", err)
	}
	ts, err := a.Send(ctx, "C1", bot.Message{ThreadID: "1699999999.000001", Text: "hello [x](https://x.org)"})
	if err != nil || ts != "1700000000.000100" {
		t.Fatalf("Send = %q, %v; want the ts from the server", ts, err)
	}
	if got.Get("channel") != "C1" || got.Get("thread_ts") != "1699999999.000001" || got.Get("text") != "hello <https://x.org|x>" {
		t.Errorf("form = %v, want channel, thread_ts and converted text", got)
	}

	srv.Close() // network failure
	_, err = a.Send(ctx, "C1", bot.Message{Text: "hello"})
	if se := bot.ClassifySend(err); err == nil || se.Permanent {
		t.Errorf("network failure: got %v, want temporary", err)
	}
}

func TestClassify(t *testing.T) {
	if se := classify(context.DeadlineExceeded); se.Permanent || se.Reason != "timeout" {
		t.Errorf("deadline: got %+v, want temporary timeout", se)
	}
	wrapped := bot.Permanent("x", errors.New("y"))
	if se := classify(wrapped); se != wrapped.(*bot.SendError) {
		t.Errorf("classify kept %+v, want the SendError as is", se)
	}
}
