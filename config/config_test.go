package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "paperboy.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadFileAndEnv(t *testing.T) {
	path := writeFile(t, `
db = "/tmp/x.db"
time_zone = "Europe/Berlin"
[bot]
subscribe_policy = "admins"
admins = ["U1", "U2"]
[[sources]]
kind = "arxiv-listing"
category = "cs.LG"
every = "1h"
[[sources]]
kind = "rss"
url = "https://example.org/feed.xml"
every = "1d"
`)
	env := map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "PAPERBOY_SLACK_APP_TOKEN": "xapp-1", "SLACK_APP_TOKEN": "xapp-ignored"}
	cfg, err := Load(path, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	checks := []struct{ name, got, want string }{
		{"db", cfg.DB, "/tmp/x.db"},
		{"time_zone", cfg.TimeZone, "Europe/Berlin"},
		{"policy", cfg.Bot.SubscribePolicy, "admins"},
		{"bot token from env", cfg.Slack.BotToken, "xoxb-1"},
		{"PAPERBOY_ wins over alias", cfg.Slack.AppToken, "xapp-1"},
		{"platform", cfg.Platform(), "slack"},
		{"default mode", cfg.Slack.Mode, "socket"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	if got := cfg.Sources[1].Every.Duration; got != 24*time.Hour {
		t.Errorf("every 1d: got %v, want 24h", got)
	}
}

func TestDefaultIsValidAndShell(t *testing.T) {
	cfg, err := Load("", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("default config invalid: %v", err)
	}
	if got := cfg.Platform(); got != "shell" {
		t.Errorf("platform: got %q, want shell", got)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := map[string]struct{ body, want string }{
		"unknown key":  {"[slack]\nbot_tokn = \"x\"\n", "unknown key(s): slack.bot_tokn"},
		"syntax":       {"db = \n", "line 1"},
		"bad duration": {"[[sources]]\nkind = \"hf\"\nevery = \"soon\"\n", "not a duration"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Load(writeFile(t, tc.body), func(string) string { return "" })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestValidateNamesFields(t *testing.T) {
	tests := map[string]struct {
		mutate func(*Config)
		field  string
	}{
		"time zone":      {func(c *Config) { c.TimeZone = "Mars/Olympus" }, "time_zone:"},
		"policy":         {func(c *Config) { c.Bot.SubscribePolicy = "some" }, "bot.subscribe_policy:"},
		"slack token":    {func(c *Config) { c.Slack.BotToken = "xoxp-user-token-secret" }, "slack.bot_token:"},
		"socket app tok": {func(c *Config) { c.Slack.BotToken = "xoxb-1" }, "slack.app_token:"},
		"http secret":    {func(c *Config) { c.Slack.BotToken = "xoxb-1"; c.Slack.Mode = "http" }, "slack.signing_secret:"},
		"slack api url": {func(c *Config) {
			c.Slack.BotToken = "xoxb-1"
			c.Slack.AppToken = "xapp-1"
			c.Slack.APIURL = "https://slack.com/api"
		}, "slack.api_url:"},
		"source kind":     {func(c *Config) { c.Sources = []Source{{Kind: "ftp", Every: Duration{time.Hour}}} }, "sources[0].kind:"},
		"source category": {func(c *Config) { c.Sources = []Source{{Kind: "arxiv", Every: Duration{time.Hour}}} }, "sources[0].category:"},
		"source every":    {func(c *Config) { c.Sources = []Source{{Kind: "hf", Every: Duration{time.Second}}} }, "sources[0].every:"},
		"model missing":   {func(c *Config) { c.Summarize.BaseURL = "http://localhost:11434/v1" }, "summarize.model:"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			cfg := Default()
			tc.mutate(&cfg)
			err := cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("got %v, want an error naming %q", err, tc.field)
			}
			if strings.Contains(err.Error(), "xoxp-user-token-secret") {
				t.Fatalf("error leaks the token: %v", err)
			}
		})
	}
}

// TestValidateParts: a part's settings are checked only for a command that uses it.
func TestValidateParts(t *testing.T) {
	cfg := Default()
	cfg.Slack.BotToken = "xoxb-1" // Socket Mode (the default) without an app token
	cfg.Summarize.BaseURL = "localhost:11434"
	cfg.Ingest.HFURL = "huggingface.co"
	if err := cfg.ValidateParts(); err != nil {
		t.Fatalf("common settings only: got %v, want no error", err)
	}
	for part, field := range map[Part]string{Chat: "slack.app_token:", Summaries: "summarize.base_url:", Fetching: "ingest.hf_url:"} {
		err := cfg.ValidateParts(part)
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("part %d: got %v, want an error naming %q", part, err, field)
		}
	}
	cfg.TimeZone = "Mars/Olympus"
	if err := cfg.ValidateParts(); err == nil || !strings.Contains(err.Error(), "time_zone:") {
		t.Errorf("common settings: got %v, want an error naming time_zone", err)
	}
}
