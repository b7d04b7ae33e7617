package bottest_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/bottest"
)

func TestHTTPAdapterRoundTrip(t *testing.T) {
	srv := bottest.NewServer(1)
	srv.Channels = []string{"c1"}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	a := &bottest.HTTPAdapter{BaseURL: ts.URL}
	ctx := context.Background()
	p := bot.Post{Paper: &paperboy.Paper{ID: "2401.00001", Title: "T"}, Key: "pb-d1", Summary: "s"}

	ref, err := a.Post(ctx, "c1", p)
	if err != nil || ref.MessageID == "" || ref.ThreadID == "" {
		t.Fatalf("got %+v, %v; want message and thread ids", ref, err)
	}
	found, ok, err := a.FindMessage(ctx, "c1", "", "pb-d1", time.Time{})
	if err != nil || !ok || found != ref {
		t.Errorf("find: got %+v %v %v, want %+v", found, ok, err, ref)
	}
	if _, ok, _ := a.FindMessage(ctx, "c1", "", "pb-d2", time.Time{}); ok {
		t.Error("find unknown key: got found, want not found")
	}
	if _, ok, _ := a.FindMessage(ctx, "c1", ref.ThreadID, "pb-d1-abstract", time.Time{}); ok {
		t.Error("find a reply not sent yet: got found, want not found")
	}
	reply, err := a.Send(ctx, "c1", bot.Message{ThreadID: ref.ThreadID, Text: "abstract", Key: "pb-d1-abstract"})
	if err != nil {
		t.Fatal(err)
	}
	if got, ok, err := a.FindMessage(ctx, "c1", ref.ThreadID, "pb-d1-abstract", time.Time{}); err != nil || !ok || got.MessageID != reply {
		t.Errorf("find the reply: got %+v %v %v, want message %s", got, ok, err, reply)
	}
	if _, ok, _ := a.FindMessage(ctx, "c1", "", "pb-d1-abstract", time.Time{}); ok {
		t.Error("find a thread reply among channel messages: got found, want not found")
	}
	p.Summary = "better"
	if err := a.Edit(ctx, "c1", ref, p); err != nil {
		t.Fatal(err)
	}
	posts := srv.Posts()
	if len(posts) != 1 || posts[0].PaperID != "2401.00001" || posts[0].Summary != "better" || posts[0].Edits != 1 {
		t.Errorf("got %+v, want one edited post", posts)
	}
	if s := srv.Sends(); len(s) != 1 || s[0].ThreadID != ref.ThreadID {
		t.Errorf("got %+v, want one reply in the thread", s)
	}

	_, err = a.Post(ctx, "nope", p)
	if se := bot.ClassifySend(err); err == nil || !se.Permanent || se.Reason != "channel_not_found" {
		t.Errorf("unknown channel: got %v, want permanent channel_not_found", err)
	}
}

func TestServerFaults(t *testing.T) {
	srv := bottest.NewServer(7)
	srv.FaultRate = 1
	srv.RetryAfter = 3
	ts := httptest.NewServer(srv)
	defer ts.Close()
	a := &bottest.HTTPAdapter{BaseURL: ts.URL}
	var rateLimited, serverErrors int
	for i := 0; i < 40; i++ {
		_, err := a.Post(context.Background(), "c", bot.Post{Paper: &paperboy.Paper{ID: "x", Title: "x"}, Key: "k"})
		se := bot.ClassifySend(err)
		switch {
		case err == nil || se.Permanent:
			t.Fatalf("got %v, want a temporary error", err)
		case se.Reason == "rate_limited":
			rateLimited++
			if se.RetryAfter != 3*time.Second {
				t.Errorf("got Retry-After %v, want 3s", se.RetryAfter)
			}
		case se.Reason == "server_error":
			serverErrors++
		}
	}
	if rateLimited == 0 || serverErrors == 0 || len(srv.Posts()) != 0 {
		t.Errorf("got %d 429s, %d 5xx and %d posts; want both kinds and nothing recorded", rateLimited, serverErrors, len(srv.Posts()))
	}
}

func TestAdapterFaultsAndFind(t *testing.T) {
	a := &bottest.Adapter{}
	a.After = func(c bottest.Call) error { return errors.New("lost") }
	ctx := context.Background()
	_, err := a.Post(ctx, "c", bot.Post{Paper: &paperboy.Paper{ID: "p", Title: "t"}, Key: "pb-d9"})
	if err == nil {
		t.Fatal("got nil, want the After error")
	}
	if _, ok, _ := a.FindMessage(ctx, "c", "", "pb-d9", time.Time{}); !ok {
		t.Error("got not found, want the post recorded despite the lost answer")
	}
	a.After = nil
	a.Before = bottest.Storm(1, time.Second, 3, "send")
	if _, err := a.Send(ctx, "c", bot.Message{Text: "x"}); bot.ClassifySend(err).Permanent || err == nil {
		t.Errorf("got %v, want a temporary storm error", err)
	}
	if len(a.Sends()) != 0 {
		t.Error("got a recorded send, want none when Before fails")
	}
}
