package discord

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/discord/discordfake"
)

// TestRunIntents checks the session identifies with the least intents: guilds, guild
// messages and reactions; Message Content only when asked for.
func TestRunIntents(t *testing.T) {
	for name, tc := range map[string]struct {
		mc   bool
		want int
	}{
		"without message content": {false, 1<<0 | 1<<9 | 1<<10},
		"with message content":    {true, 1<<0 | 1<<9 | 1<<10 | 1<<15},
	} {
		t.Run(name, func(t *testing.T) {
			fake := discordfake.New(t)
			start(t, fake, newRecorder(), func(o *Options) { o.MessageContent = tc.mc })
			ids := fake.Identifies()
			if len(ids) != 1 {
				t.Fatalf("identifies = %d, want 1", len(ids))
			}
			if ids[0].Intents != tc.want {
				t.Errorf("intents = %d, want %d", ids[0].Intents, tc.want)
			}
			waitFor(t, "a heartbeat", func() bool { return fake.Heartbeats() > 0 })
		})
	}
}

// TestRunRefused checks Run's error on Discord's refusals names the fix and not the token.
func TestRunRefused(t *testing.T) {
	tests := map[string]struct {
		mutate func(*Options)
		setup  func(*discordfake.Server)
		want   string
	}{
		"bad token (4004)": {func(o *Options) { o.Token = "wrong-SECRET" }, nil, "discord.token"},
		"message content not enabled (4014)": {func(o *Options) { o.MessageContent = true },
			func(f *discordfake.Server) { f.DisallowIntents(1 << 15) }, "Privileged Gateway Intents"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			fake := discordfake.New(t)
			if tc.setup != nil {
				tc.setup(fake)
			}
			a := newAdapter(t, fake, tc.mutate)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := a.Run(ctx, newRecorder())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run = %v, want an error naming %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("error leaks the token: %v", err)
			}
		})
	}
}

// TestGatewayEvents sends reactions and messages as Discord does and checks the events
// the bot gets: votes on the post (a forum post's starter message counts for the forum),
// thread replies in the parent channel's thread, and nothing for the bot's own activity,
// other bots, or messages outside threads.
func TestGatewayEvents(t *testing.T) {
	fake := discordfake.New(t)
	addChannels(fake)
	rec := newRecorder()
	start(t, fake, rec, func(o *Options) { o.MessageContent = true })
	bobBot := discordfake.User{ID: "3000000000000000009", Username: "otherbot"}
	me := discordfake.User{ID: discordfake.BotUserID, Username: discordfake.BotUsername}

	fake.ReactionAdd(me, textChannel.ID, "5000000000000000001", "👍") // the bot's own: ignored
	fake.ReactionAdd(alice, textChannel.ID, "5000000000000000001", "👍")
	fake.ReactionAdd(alice, forumPost.ID, forumPost.ID, "👎🏽")
	fake.ReactionRemove(alice, textChannel.ID, "5000000000000000001", "👍")
	fake.MessageCreate(alice, postThread.ID, "5000000000000000010", "+1", false)
	fake.MessageCreate(bobBot, postThread.ID, "5000000000000000011", "+1", true)         // a bot: ignored
	fake.MessageCreate(me, postThread.ID, "5000000000000000012", "abstract…", true)      // the bot: ignored
	fake.MessageCreate(alice, textChannel.ID, "5000000000000000013", "hello all", false) // not in a thread
	fake.MessageCreate(alice, forumPost.ID, "5000000000000000014", "nice result", false)

	want := []string{
		"reaction_added 2000000000000000001 5000000000000000001  👍",
		"reaction_added 2000000000000000003 2000000000000000004  👎🏽",
		"reaction_removed 2000000000000000001 5000000000000000001  👍",
		"thread_reply 2000000000000000001 5000000000000000010 2000000000000000002 +1",
		"thread_reply 2000000000000000003 5000000000000000014 2000000000000000004 nice result",
	}
	got := waitEvents(t, rec, len(want))
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	evs, _ := rec.Events()
	for _, e := range evs {
		if e.ID == "" || e.Platform != "discord" || e.User != alice.ID {
			t.Errorf("event %+v: want an id, platform discord and user alice", e)
		}
	}
}

// waitEvents waits for n events and returns them as "kind channel message thread text".
func waitEvents(t *testing.T, rec *recorder, n int) []string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		evs, changed := rec.Events()
		if len(evs) >= n {
			// Give a wrongly delivered extra event a moment to show up.
			time.Sleep(50 * time.Millisecond)
			evs, _ = rec.Events()
			var out []string
			for _, e := range evs {
				out = append(out, strings.TrimSpace(fmt.Sprintf("%s %s %s %s %s%s", e.Kind, e.Channel, e.MessageID, e.ThreadID, e.Reaction, e.Text)))
			}
			return out
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("got %d events, want %d", len(evs), n)
		}
	}
}

// TestGatewayResume cuts the connection: discordgo resumes the session, Discord replays
// what was dispatched meanwhile, and every vote arrives once; an event delivered twice
// (same session and sequence) counts once.
func TestGatewayResume(t *testing.T) {
	fake := discordfake.New(t)
	addChannels(fake)
	rec := newRecorder()
	start(t, fake, rec)
	seq := fake.ReactionAdd(alice, textChannel.ID, "5000000000000000001", "👍")
	waitEvents(t, rec, 1)

	_, ready := fake.Connected()
	if !fake.DropConnection() {
		t.Fatal("no connection to drop")
	}
	// Dispatched while the client is away: kept for the resume.
	fake.ReactionRemove(alice, textChannel.ID, "5000000000000000001", "👍")
	fake.ReactionAdd(alice, textChannel.ID, "5000000000000000001", "👍")
	select {
	case <-ready:
	case <-time.After(15 * time.Second):
		t.Fatal("no resume")
	}
	if n := fake.Resumes(); n != 1 {
		t.Errorf("resumes = %d, want 1", n)
	}
	if n := len(fake.Identifies()); n != 1 {
		t.Errorf("identifies = %d, want 1 (a resume, not a new session)", n)
	}
	fake.Redeliver(seq) // the first reaction again
	fake.ReactionRemove(alice, textChannel.ID, "5000000000000000001", "👍")
	want := []string{
		"reaction_added 2000000000000000001 5000000000000000001  👍",
		"reaction_removed 2000000000000000001 5000000000000000001  👍",
		"reaction_added 2000000000000000001 5000000000000000001  👍",
		"reaction_removed 2000000000000000001 5000000000000000001  👍",
	}
	got := waitEvents(t, rec, len(want))
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	evs, _ := rec.Events()
	ids := map[string]bool{}
	for _, e := range evs {
		if ids[e.ID] {
			t.Errorf("event id %s delivered twice", e.ID)
		}
		ids[e.ID] = true
	}
}

// realEvent reads a real Gateway payload from testdata/real.
func realEvent(t *testing.T, name string) (typ string, seq int64, d json.RawMessage) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "real", name))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		T string          `json:"t"`
		S int64           `json:"s"`
		D json.RawMessage `json:"d"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f.T, f.S, f.D
}

// TestTranslateRealPayloads feeds real Gateway payloads to the translation.
func TestTranslateRealPayloads(t *testing.T) {
	t.Run("reaction", func(t *testing.T) {
		typ, _, d := realEvent(t, "discord4j-MessageReactionAdd.json")
		e, ok := translateReaction(typ, d, "344487830824943618")
		want := bot.Event{Kind: bot.EventReactionAdded, Platform: "discord", Channel: "185949590652977152",
			MessageID: "679003565884440580", User: "123456789012345678", Reaction: "😊"}
		if !ok || fmt.Sprint(e) != fmt.Sprint(want) {
			t.Errorf("got %+v %v, want %+v", e, ok, want)
		}
		if _, ok := translateReaction(typ, d, "123456789012345678"); ok {
			t.Error("the bot's own reaction was translated")
		}
		if bot.ReactionValue(e.Reaction) != 0 {
			t.Error("😊 counts as a vote")
		}
	})
	for _, tc := range []struct {
		file, user, text string
		ok               bool
	}{
		{"discord4j-MessageCreate.Type0.json", "562268917771413264", ".ping", true},
		{"discord4j-MessageCreate.Type19.json", "", "", true}, // a reply (type 19) counts too
		{"discordbm-MESSAGE_CREATE.json", "560661188019488714", "blah bljhshADh blah", true},
	} {
		t.Run(tc.file, func(t *testing.T) {
			_, _, d := realEvent(t, tc.file)
			e, ok := translateMessage(d, "1")
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			var m messagePayload
			_ = json.Unmarshal(d, &m)
			if e.Kind != bot.EventThreadReply || e.ID != "msg:"+m.ID || e.MessageID != m.ID || e.Channel != m.ChannelID || e.Text != m.Content {
				t.Errorf("got %+v from %+v", e, m)
			}
			if tc.user != "" && (e.User != tc.user || e.Text != tc.text) {
				t.Errorf("got user %s text %q, want %s %q", e.User, e.Text, tc.user, tc.text)
			}
			if _, ok := translateMessage(d, m.Author.ID); ok {
				t.Error("the bot's own message was translated")
			}
		})
	}
}

// TestRunRetriesOutage: an outage when Run starts (GET /gateway answers 503) is
// retried, not returned: Run's error would stop every platform of `paperboy run`.
func TestRunRetriesOutage(t *testing.T) {
	fake := discordfake.New(t)
	fake.FailGateway(1)
	a := newAdapter(t, fake)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, newRecorder()) }()
	deadline := time.Now().Add(10 * time.Second)
	for len(fake.Identifies()) == 0 {
		select {
		case err := <-done:
			t.Fatalf("Run = %v during an outage, want it to retry", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("no Identify 10 s after a one-call outage")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run after cancel = %v, want nil", err)
	}
}

// TestConnected: the adapter reports its Gateway session for the ops listener's
// readiness check: down before Run, up once the session is ready, down after Run.
func TestConnected(t *testing.T) {
	fake := discordfake.New(t)
	a := newAdapter(t, fake)
	if err := a.Connected(context.Background()); err == nil {
		t.Fatal("before Run: Connected = nil, want an error")
	}
	r := startAdapter(t, fake, a, newRecorder())
	waitFor(t, "Connected", func() bool { return a.Connected(context.Background()) == nil })
	r.cancel() // Run ends; the cleanup checks how
	waitFor(t, "Connected to fail after Run", func() bool { return a.Connected(context.Background()) != nil })
}
