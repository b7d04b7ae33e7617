package discord

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/discord/discordfake"
)

func TestDoctor(t *testing.T) {
	ctx := context.Background()
	line := func(cs []bot.Check) string {
		var b strings.Builder
		for _, c := range cs {
			fmt.Fprintf(&b, "%v %s: %s => %s\n", c.OK, c.Name, c.Detail, c.Fix)
		}
		return b.String()
	}
	tests := map[string]struct {
		mutate func(*Options)
		fault  func(discordfake.Call) discordfake.Fault
		want   []string
	}{
		"good": {want: []string{"true discord bot token: logged in as " + discordfake.BotUsername, "true discord channel 10: #general", "false discord channel 99: Discord answered HTTP 404"}},
		"forbidden": {
			fault: func(c discordfake.Call) discordfake.Fault {
				if c.Channel == "10" {
					return discordfake.Fault{Status: 403, Code: 50001, Message: "Missing Access"}
				}
				return discordfake.Fault{}
			},
			want: []string{"true discord bot token", "false discord channel 10: Discord answered HTTP 403: Missing Access => invite the bot", "false discord channel 99"},
		},
		"bad token":   {mutate: func(o *Options) { o.Token = "wrong" }, want: []string{"false discord bot token: Discord answered HTTP 401"}},
		"no token":    {mutate: func(o *Options) { o.Token = "" }, want: []string{"false discord bot token: discord: no bot token"}},
		"no app id":   {mutate: func(o *Options) { o.AppID = "" }, want: []string{"false discord bot token: logged in as " + discordfake.BotUsername + ", but discord.application_id is not set", "true discord channel 10", "false discord channel 99"}},
		"unreachable": {mutate: func(o *Options) { o.APIURL = "http://127.0.0.1:1/api/v10" }, want: []string{"false discord bot token: Discord cannot be reached: "}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			fake := discordfake.New(t)
			fake.AddChannel(discordfake.Channel{ID: "10", Name: "general", Type: discordfake.TypeText})
			if tc.fault != nil {
				fake.SetFaults(tc.fault)
			}
			o := Options{Token: discordfake.Token, AppID: discordfake.ApplicationID, APIURL: fake.APIURL(), Listen: "127.0.0.1:0"}
			if tc.mutate != nil {
				tc.mutate(&o)
			}
			got := line(Doctor(ctx, o, []string{"10", "99"}))
			lines := strings.Split(strings.TrimSpace(got), "\n")
			if len(lines) != len(tc.want) {
				t.Fatalf("got %d checks, want %d:\n%s", len(lines), len(tc.want), got)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("check %d: got %q, want it to start with %q", i, lines[i], w)
				}
			}
			if strings.Contains(got, discordfake.Token) {
				t.Errorf("the token is in the output:\n%s", got)
			}
		})
	}
}
