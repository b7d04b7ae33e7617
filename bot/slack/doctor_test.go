package slack

import (
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/slack/slackfake"
)

func checkLines(cs []bot.Check) string {
	var b strings.Builder
	for _, c := range cs {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
		}
		b.WriteString(mark + " " + c.Name + ": " + c.Detail)
		if c.Fix != "" {
			b.WriteString(" => " + c.Fix)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestDoctor(t *testing.T) {
	ctx := context.Background()
	tests := map[string]struct {
		setup    func(f *slackfake.Server, o *Options)
		channels []string
		want     []string // "ok  name" or "FAIL name", in order
		fix      string   // a fix that must appear
	}{
		"all good (history fallback)": {
			channels: []string{"C1"},
			want:     []string{"ok   slack bot token: team Fake Team as @paperboy", "ok   slack scopes", "ok   slack socket mode", "ok   slack channel C1: the bot is a member"},
		},
		"not a member, conversations.info": {
			setup: func(f *slackfake.Server, o *Options) {
				f.Scopes = append(f.Scopes, "channels:read")
				f.SetChannelError("C2", "not_in_channel")
			},
			channels: []string{"C1", "C2"},
			want:     []string{"ok   slack bot token", "ok   slack scopes", "ok   slack socket mode", "ok   slack channel C1: #c1: the bot is a member", "FAIL slack channel C2: #c2: the bot is not a member"},
			fix:      "/invite @paperboy",
		},
		"not a member, history": {
			setup:    func(f *slackfake.Server, o *Options) { f.SetChannelError("C2", "not_in_channel") },
			channels: []string{"C2"},
			want:     []string{"ok   slack bot token", "ok   slack scopes", "ok   slack socket mode", "FAIL slack channel C2: the bot is not a member"},
			fix:      "/invite @paperboy",
		},
		"channel gone": {
			setup:    func(f *slackfake.Server, o *Options) { f.SetChannelError("C3", "channel_not_found") },
			channels: []string{"C3"},
			want:     []string{"ok   slack bot token", "ok   slack scopes", "ok   slack socket mode", "FAIL slack channel C3: Slack answered channel_not_found"},
			fix:      "/papers unsubscribe",
		},
		"missing scopes": {
			setup: func(f *slackfake.Server, o *Options) { f.Scopes = []string{"chat:write", "commands"} },
			want:  []string{"ok   slack bot token", "FAIL slack scopes: missing reactions:read, channels:history, groups:history, users:read", "ok   slack socket mode"},
			fix:   "reinstall the app",
		},
		"revoked bot token": {
			setup: func(f *slackfake.Server, o *Options) { o.BotToken = "xoxb-revoked" },
			want:  []string{"FAIL slack bot token: Slack answered invalid_auth"},
			fix:   "Bot User OAuth Token",
		},
		"bot token as app token": {
			setup: func(f *slackfake.Server, o *Options) { o.AppToken = "xapp-wrong" },
			want:  []string{"ok   slack bot token", "ok   slack scopes", "FAIL slack socket mode: Slack answered invalid_auth"},
			fix:   "connections:write",
		},
		"http mode": {
			setup: func(f *slackfake.Server, o *Options) {
				o.Mode, o.AppToken, o.SigningSecret, o.Listen = ModeHTTP, "", "s3cret", ":3000"
			},
			want: []string{"ok   slack bot token", "ok   slack scopes", "ok   slack http mode"},
		},
		"unreachable": {
			setup: func(f *slackfake.Server, o *Options) { f.Close() },
			want:  []string{"FAIL slack bot token: auth.test: "},
			fix:   "check the network",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := slackfake.New(t)
			o := Options{BotToken: f.BotToken, AppToken: f.AppToken, APIURL: f.URL}
			if tc.setup != nil {
				tc.setup(f, &o)
			}
			cs := Doctor(ctx, o, tc.channels)
			got := checkLines(cs)
			lines := strings.Split(strings.TrimSpace(got), "\n")
			if len(lines) != len(tc.want) {
				t.Fatalf("got %d checks, want %d:\n%s", len(lines), len(tc.want), got)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("check %d: got %q, want it to start with %q", i, lines[i], w)
				}
			}
			if tc.fix != "" && !strings.Contains(got, tc.fix) {
				t.Errorf("no fix mentioning %q in\n%s", tc.fix, got)
			}
			for _, secret := range []string{f.BotToken, f.AppToken, o.BotToken, o.AppToken, "s3cret"} {
				if secret != "" && strings.Contains(got, secret) {
					t.Errorf("a token is in the output:\n%s", got)
				}
			}
		})
	}
}

// TestNeededScopesMatchManifest keeps NeededScopes in step with the manifest users
// install the app from.
func TestNeededScopesMatchManifest(t *testing.T) {
	b, err := os.ReadFile("../../slack/manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(b), "    bot:\n")
	rest, _, _ = strings.Cut(rest, "settings:")
	var got []string
	for _, m := range regexp.MustCompile(`(?m)^      - ([a-z:.]+)`).FindAllStringSubmatch(rest, -1) {
		got = append(got, m[1])
	}
	if !slices.Equal(got, NeededScopes) {
		t.Errorf("manifest bot scopes %v, NeededScopes %v", got, NeededScopes)
	}
}
