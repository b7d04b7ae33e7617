package slack

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy/bot"
)

var at = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestTranslateEventFixtures(t *testing.T) {
	self := selfIDs{user: "UPAPERBOY", bot: "BPAPERBOY"}
	tests := map[string]bot.Event{
		"reaction_added.json": {ID: "Ev0PV52K21", Kind: bot.EventReactionAdded, Platform: "slack", Channel: "C0G9QF9GZ",
			MessageID: "1360782400.498405", User: "U024BE7LH", Reaction: "thumbsup", At: at},
		"thread_reply.json": {ID: "Ev0MSG0001", Kind: bot.EventThreadReply, Platform: "slack", Channel: "C2147483705",
			MessageID: "1355517523.000005", ThreadID: "1355517500.000001", User: "U2147483697", Text: "+1 this is great & useful", At: at},
	}
	for file, want := range tests {
		t.Run(file, func(t *testing.T) {
			cb, err := parseEventCallback(readTestdata(t, file))
			if err != nil {
				t.Fatal(err)
			}
			got, ok := translateEvent(cb, self, at)
			if !ok || !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v (ok=%v), want %+v", got, ok, want)
			}
		})
	}
}

func TestTranslateEventIgnored(t *testing.T) {
	self := selfIDs{user: "UBOT", bot: "BBOT"}
	reaction := func(user, itemType string) eventCallback {
		cb := eventCallback{Type: "event_callback", EventID: "Ev1"}
		cb.Event.Type, cb.Event.User, cb.Event.Reaction = "reaction_added", user, "+1"
		cb.Event.Item.Type, cb.Event.Item.Channel, cb.Event.Item.TS = itemType, "C1", "1.1"
		return cb
	}
	msg := func(f func(*innerEvent)) eventCallback {
		cb := eventCallback{Type: "event_callback", EventID: "Ev2"}
		cb.Event = innerEvent{Type: "message", User: "U1", Channel: "C1", TS: "2.2", ThreadTS: "1.1", Text: "+1"}
		f(&cb.Event)
		return cb
	}
	tests := map[string]eventCallback{
		"own reaction":       reaction("UBOT", "message"),
		"reaction on a file": reaction("U1", "file"),
		"top-level message":  msg(func(e *innerEvent) { e.ThreadTS = "" }),
		"thread parent":      msg(func(e *innerEvent) { e.ThreadTS = e.TS }),
		"own message":        msg(func(e *innerEvent) { e.User = "UBOT" }),
		"bot message":        msg(func(e *innerEvent) { e.BotID = "B9" }),
		"edit":               msg(func(e *innerEvent) { e.Subtype = "message_changed" }),
		"url_verification":   {Type: "url_verification", Challenge: "x"},
		"other event":        {Type: "event_callback", Event: innerEvent{Type: "app_mention", User: "U1"}},
	}
	for name, cb := range tests {
		t.Run(name, func(t *testing.T) {
			if e, ok := translateEvent(cb, self, at); ok {
				t.Errorf("got event %+v, want ignored", e)
			}
		})
	}
	// thread_broadcast replies count.
	if _, ok := translateEvent(msg(func(e *innerEvent) { e.Subtype = "thread_broadcast" }), self, at); !ok {
		t.Error("thread_broadcast reply ignored, want a thread reply event")
	}
}

func TestTranslateInteraction(t *testing.T) {
	in, err := parseInteraction(readTestdata(t, "block_actions.json"))
	if err != nil {
		t.Fatal(err)
	}
	got := translateInteraction(in, at)
	want := []bot.Event{{ID: "action:U0CA5:upvote:1548426417.840180", Kind: bot.EventButton, Platform: "slack",
		Channel: "C0CA5", MessageID: "1548261231.000200", User: "U0CA5", Action: "upvote", Value: "2401.01234", At: at}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	in.Actions[0].ActionID = "share:3"
	if got := translateInteraction(in, at); len(got) != 1 || got[0].Action != "share" {
		t.Errorf("share:3 click = %+v, want Action share", got)
	}
	in.Type = "view_submission"
	if got := translateInteraction(in, at); got != nil {
		t.Errorf("view_submission = %+v, want no events", got)
	}
}

func TestParseSlash(t *testing.T) {
	sc, err := parseSlashForm(readTestdata(t, "slash_command.form"))
	if err != nil {
		t.Fatal(err)
	}
	want := slashCommand{Command: "/papers", Text: "search mixture of experts cat:cs.LG", UserID: "U2147483697",
		UserName: "Steve", ChannelID: "C2147483705", TeamID: "T0001", ResponseURL: "https://hooks.slack.com/commands/1234/5678",
		TriggerID: "13345224609.738474920.8088930838d88f008e0"}
	if sc != want {
		t.Errorf("got %+v, want %+v", sc, want)
	}
	if _, err := parseSlashForm([]byte("text=hi")); err == nil {
		t.Error("form without command/user/channel parsed, want an error")
	}
	if _, err := parseSlashJSON([]byte(`{"command":"/papers","user_id":"U1","channel_id":"C1","text":"help","is_enterprise_install":false}`)); err != nil {
		t.Errorf("socket mode payload: %v", err)
	}
}

// FuzzInbound feeds arbitrary bytes to every inbound parser: Events API documents,
// interactivity payloads and slash command forms. None may panic, and what they produce
// must be a well-formed bot event.
func FuzzInbound(f *testing.F) {
	for _, name := range []string{"reaction_added.json", "thread_reply.json", "block_actions.json", "slash_command.form"} {
		f.Add(readTestdata(f, name))
	}
	if entries, err := os.ReadDir(realSlack); err == nil {
		for _, e := range entries {
			if b, err := os.ReadFile(filepath.Join(realSlack, e.Name())); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(`{"type":"url_verification","challenge":"abc"}`))
	f.Add([]byte(`{"type":"event_callback","event":{"type":"message","subtype":"thread_broadcast","user":"U","channel":"C","ts":"2","thread_ts":"1"}}`))
	f.Add([]byte(`payload=%7B%22type%22%3A%22block_actions%22%7D`))
	self := selfIDs{user: "UBOT"}
	f.Fuzz(func(t *testing.T, data []byte) {
		if cb, err := parseEventCallback(data); err == nil {
			if e, ok := translateEvent(cb, self, at); ok {
				if e.Channel == "" || e.MessageID == "" || e.User == "" || e.User == "UBOT" {
					t.Errorf("malformed event %+v", e)
				}
				if strings.Contains(e.Reaction, "::") {
					t.Errorf("reaction %q keeps a skin tone", e.Reaction)
				}
			}
		}
		if in, err := parseInteraction(data); err == nil {
			for _, e := range translateInteraction(in, at) {
				if e.Kind != bot.EventButton || e.Channel == "" || e.User == "" || strings.Contains(e.Action, ":") {
					t.Errorf("malformed button event %+v", e)
				}
			}
		}
		if sc, err := parseSlashForm(data); err == nil && (sc.Command == "" || sc.UserID == "" || sc.ChannelID == "") {
			t.Errorf("slash command without required fields accepted: %+v", sc)
		}
		_, _ = parseSlashJSON(data)
		_ = Mrkdwn(string(data))
	})
}

func BenchmarkParseEvent(b *testing.B) {
	data := readTestdata(b, "reaction_added.json")
	self := selfIDs{user: "UBOT"}
	b.ReportAllocs()
	for b.Loop() {
		cb, err := parseEventCallback(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := translateEvent(cb, self, at); !ok {
			b.Fatal("not translated")
		}
	}
}
