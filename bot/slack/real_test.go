package slack

import (
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/slack-go/slack/socketmode"

	"github.com/paperboy-bot/paperboy/bot"
)

// realSlack holds Slack payloads from slack-go's and java-slack-sdk's test suites
// (../../../shared/real/PROVENANCE.md says which), relative to this package.
const realSlack = "../../../shared/real/slack"

func readReal(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(realSlack, name))
	if errors.Is(err, os.ErrNotExist) {
		tb.Skipf("real inputs not found: %v", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// fill sets values in a decoded JSON document: path elements are object keys, or
// array indexes given as ints.
func fill(t *testing.T, doc any, path []any, v any) {
	t.Helper()
	for i, k := range path {
		last := i == len(path)-1
		switch key := k.(type) {
		case string:
			m, ok := doc.(map[string]any)
			if !ok {
				t.Fatalf("%v: not an object at %q", path, key)
			}
			if last {
				m[key] = v
				return
			}
			doc = m[key]
		case int:
			a, ok := doc.([]any)
			if !ok || key >= len(a) {
				t.Fatalf("%v: no element %d", path, key)
			}
			if last {
				a[key] = v
				return
			}
			doc = a[key]
		}
	}
}

// filled decodes a real payload and sets the given values: the java-slack-sdk schemas
// carry every key Slack sends, with empty values.
func filled(t *testing.T, name string, values map[string]any, paths map[string][]any) []byte {
	t.Helper()
	var doc any
	if err := json.Unmarshal(readReal(t, name), &doc); err != nil {
		t.Fatal(err)
	}
	for k, v := range values {
		fill(t, doc, paths[k], v)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRealSlackPayloads runs each real Slack payload through the parser the adapter
// gives it: Socket Mode envelopes through slack-go's socketmode.Request (as socketLoop
// receives them) and their payload through parseEventCallback; Events API, interactivity
// and slash command documents through ours.
func TestRealSlackPayloads(t *testing.T) {
	self := selfIDs{user: "UPAPERBOY", bot: "BPAPERBOY"}
	entries, err := os.ReadDir(realSlack)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("real inputs not found: %v", err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	covered := []string{
		"slackgo-socketmode-events_api-app_mention-envelope.json", "slackgo-socketmode-hello.json",
		"slackgo-socketmode-disconnect-warning.json", "javaslacksdk-schema-BlockActionPayload.json",
		"javaslacksdk-schema-SlashCommandPayload.json", "javaslacksdk-schema-ReactionAddedPayload.json",
	}
	if slices.Sort(names); !slices.Equal(names, slices.Sorted(slices.Values(covered))) {
		t.Fatalf("files in %s: got %q, want the %q this test covers", realSlack, names, covered)
	}

	t.Run("socket mode app_mention envelope", func(t *testing.T) {
		var req socketmode.Request
		if err := json.Unmarshal(readReal(t, covered[0]), &req); err != nil {
			t.Fatal(err)
		}
		if req.Type != socketmode.RequestTypeEventsAPI || req.EnvelopeID != "c67a03d0-4094-4744-90ca-d286e00a3ab1" || req.RetryAttempt != 0 {
			t.Fatalf("envelope: got type %q id %q retry %d", req.Type, req.EnvelopeID, req.RetryAttempt)
		}
		cb, err := parseEventCallback(req.Payload)
		if err != nil || cb.Type != "event_callback" || cb.EventID != "Ev01JZ2T7S3U" || cb.Event.Type != "app_mention" {
			t.Fatalf("payload: got %+v, %v", cb, err)
		}
		if e, ok := translateEvent(cb, self, at); ok {
			t.Errorf("app_mention became %+v; paperboy does not act on mentions", e)
		}
	})
	t.Run("socket mode hello and disconnect", func(t *testing.T) {
		var hello, bye socketmode.Request
		if err := json.Unmarshal(readReal(t, covered[1]), &hello); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(readReal(t, covered[2]), &bye); err != nil {
			t.Fatal(err)
		}
		if hello.Type != socketmode.RequestTypeHello || hello.NumConnections != 4 || hello.ConnectionInfo.AppID != "A01K58AR4RF" {
			t.Errorf("hello: got %+v", hello)
		}
		if bye.Type != socketmode.RequestTypeDisconnect || bye.Reason != "warning" {
			t.Errorf("disconnect: got %+v", bye)
		}
	})

	// The schemas as they are (every key, empty values) must give nothing to act on.
	t.Run("schemas with empty values", func(t *testing.T) {
		if in, err := parseInteraction(readReal(t, covered[3])); err != nil || in.Type != "block_actions" || len(in.Actions) == 0 {
			t.Errorf("block_actions: got %+v, %v", in, err)
		} else if ev := translateInteraction(in, at); len(ev) != 0 {
			t.Errorf("block_actions without user or channel became %+v", ev)
		}
		if sc, err := parseSlashJSON(readReal(t, covered[4])); err == nil {
			t.Errorf("slash command without command, user and channel accepted: %+v", sc)
		}
		cb, err := parseEventCallback(readReal(t, covered[5]))
		if err != nil || cb.Type != "event_callback" || cb.Event.Type != "reaction_added" || cb.EventTime != 12345 {
			t.Fatalf("reaction_added: got %+v, %v", cb, err)
		}
		if e, ok := translateEvent(cb, self, at); ok {
			t.Errorf("reaction_added without user or reaction became %+v", e)
		}
	})

	// With values where Slack puts them, each becomes the bot event it stands for.
	t.Run("block_actions filled", func(t *testing.T) {
		b := filled(t, covered[3], map[string]any{"user": "U1", "channel": "C1", "ts": "1700000000.000100", "action": "vote:up", "value": "2401.01234", "action_ts": "1700000001.000200"},
			map[string][]any{"user": {"user", "id"}, "channel": {"container", "channel_id"}, "ts": {"container", "message_ts"},
				"action": {"actions", 0, "action_id"}, "value": {"actions", 0, "value"}, "action_ts": {"actions", 0, "action_ts"}})
		in, err := parseInteraction(b)
		if err != nil {
			t.Fatal(err)
		}
		want := []bot.Event{{ID: "action:U1:vote:up:1700000001.000200", Kind: bot.EventButton, Platform: "slack", Channel: "C1",
			MessageID: "1700000000.000100", User: "U1", Action: "vote", Value: "2401.01234", At: at}}
		if got := translateInteraction(in, at); !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
	})
	t.Run("slash command filled, as JSON and as the form Slack posts", func(t *testing.T) {
		vals := map[string]any{"command": "/papers", "text": "search diffusion", "user_id": "U1", "channel_id": "C1"}
		paths := map[string][]any{}
		for k := range vals {
			paths[k] = []any{k}
		}
		b := filled(t, covered[4], vals, paths)
		js, err := parseSlashJSON(b)
		if err != nil || js.Command != "/papers" || js.Text != "search diffusion" || js.UserID != "U1" || js.ChannelID != "C1" {
			t.Fatalf("JSON: got %+v, %v", js, err)
		}
		var doc map[string]any
		json.Unmarshal(b, &doc)
		form := url.Values{}
		for k, v := range doc {
			if s, ok := v.(string); ok {
				form.Set(k, s)
			}
		}
		fs, err := parseSlashForm([]byte(form.Encode()))
		if err != nil || fs != js {
			t.Errorf("form: got %+v, %v; want %+v", fs, err, js)
		}
	})
	t.Run("reaction_added filled", func(t *testing.T) {
		b := filled(t, covered[5], map[string]any{"id": "Ev1", "user": "U1", "channel": "C1", "reaction": "+1::skin-tone-2"},
			map[string][]any{"id": {"event_id"}, "user": {"event", "user"}, "channel": {"event", "item", "channel"}, "reaction": {"event", "reaction"}})
		cb, err := parseEventCallback(b)
		if err != nil {
			t.Fatal(err)
		}
		want := bot.Event{ID: "Ev1", Kind: bot.EventReactionAdded, Platform: "slack", Channel: "C1", MessageID: "0000000000.000000", User: "U1", Reaction: "+1", At: at}
		if got, ok := translateEvent(cb, self, at); !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v (ok=%v), want %+v", got, ok, want)
		}
	})
}
