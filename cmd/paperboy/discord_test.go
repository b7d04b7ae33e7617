package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/bottest"
)

// fakeRegistrar is a chat adapter with Discord's command registration.
type fakeRegistrar struct {
	bottest.Adapter
	changed bool
	err     error
	guilds  []string
}

func (f *fakeRegistrar) Register(_ context.Context, guild string) (bool, error) {
	f.guilds = append(f.guilds, guild)
	return f.changed, f.err
}

// TestRegisterCommands: `paperboy discord register` says whether anything changed and
// when the command appears (guild: at once; global: up to an hour); a rejected token
// says which setting to fix.
func TestRegisterCommands(t *testing.T) {
	tests := map[string]struct {
		r     *fakeRegistrar
		guild string
		want  string // in the output, or in the error when err
		err   bool
	}{
		"guild changed":    {&fakeRegistrar{changed: true}, "42", "Registered /papers in server 42. Guild commands appear at once.\n", false},
		"global unchanged": {&fakeRegistrar{}, "", "/papers is already up to date globally; nothing changed. Global commands can take up to an hour", false},
		"token rejected":   {&fakeRegistrar{err: bot.Permanent(bot.ReasonUnauthorized, errors.New("HTTP 401"))}, "", "Discord rejected discord.token", true},
		"discord is down":  {&fakeRegistrar{err: bot.Temporary("http 502", 0, errors.New("HTTP 502"))}, "7", "registering /papers: ", true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			err := registerCommands(context.Background(), &out, tc.r, tc.guild)
			got := out.String()
			if tc.err {
				if err == nil {
					t.Fatalf("got no error (output %q), want one containing %q", got, tc.want)
				}
				got = err.Error()
			} else if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("got %q, want it to contain %q", got, tc.want)
			}
			if len(tc.r.guilds) != 1 || tc.r.guilds[0] != tc.guild {
				t.Errorf("Register called with %q, want once with %q", tc.r.guilds, tc.guild)
			}
		})
	}
}

// TestRegisterAtStart: `run` registers /papers when the adapter can; a failure is logged
// and run goes on, except a rejected token, which stops it.
func TestRegisterAtStart(t *testing.T) {
	ctx := context.Background()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	ok := &fakeRegistrar{changed: true}
	if err := registerAtStart(ctx, ok, "42", log); err != nil || len(ok.guilds) != 1 || ok.guilds[0] != "42" {
		t.Errorf("registration that works: got %v, calls %q; want nil and one call for guild 42", err, ok.guilds)
	}
	down := &fakeRegistrar{err: bot.Temporary("http 502", 0, errors.New("HTTP 502"))}
	if err := registerAtStart(ctx, down, "", log); err != nil {
		t.Errorf("registration while Discord is down: got %v, want nil (logged, run goes on)", err)
	}
	if !strings.Contains(logs.String(), "registering the /papers command failed") {
		t.Errorf("log lacks the failed registration:\n%s", logs.String())
	}
	rejected := &fakeRegistrar{err: bot.Permanent(bot.ReasonUnauthorized, errors.New("HTTP 401"))}
	if err := registerAtStart(ctx, rejected, "", log); err == nil {
		t.Error("registration with a rejected token: got nil, want an error that stops run")
	}
	if err := registerAtStart(ctx, &bottest.Adapter{}, "", log); err != nil {
		t.Errorf("adapter without Register: got %v, want nil", err)
	}
}

// TestDiscordRegisterChecksItsSettings: `paperboy discord register` needs the token and
// checks discord.* (a --guild that is no id), without reading chat settings it does not use.
func TestDiscordRegisterChecksItsSettings(t *testing.T) {
	env := map[string]string{"SLACK_BOT_TOKEN": "xoxp-not-a-bot-token"} // wrong for run, unused here
	run := func(args ...string) error {
		m := &Main{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Getenv: func(k string) string { return env[k] }}
		return m.Run(context.Background(), args)
	}
	if err := run("discord", "register"); err == nil || !strings.Contains(err.Error(), "discord.token is not set") {
		t.Errorf("no token: got %v, want an error naming discord.token", err)
	}
	env["DISCORD_TOKEN"] = "MTA1.SECRET.xyz"
	err := run("discord", "register", "--guild", "my server")
	if err == nil || !strings.Contains(err.Error(), "discord.guild:") || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("bad --guild: got %v, want an error naming discord.guild without the token", err)
	}
	if err := run("discord"); !errors.Is(err, errUsage) {
		t.Errorf("discord without a subcommand: got %v, want usage", err)
	}
}
