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
		{"platforms", strings.Join(cfg.Platforms(), ","), "slack"},
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
	if got := strings.Join(cfg.Platforms(), ","); got != "shell" {
		t.Errorf("platforms: got %q, want shell", got)
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
		"log format":     {func(c *Config) { c.LogFormat = "xml" }, "log_format:"},
		"ops listen":     {func(c *Config) { c.Ops.Listen = "9090" }, "ops.listen:"},
		"stuck after":    {func(c *Config) { c.Ops.StuckAfter.Duration = 0 }, "ops.stuck_after:"},
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

const (
	discordTokenSecret = "MTA1.Gx-discord-SECRET.xyz"
	discordAppID       = "1234567890123456789"
	discordPublicKey   = "e7a1d3c0f5b24d6a8c9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e"
)

// TestDiscordFileAndEnv: [discord] keys load from the file and from the environment
// (PAPERBOY_DISCORD_* over the DISCORD_* aliases, as for Slack), and select the platform
// beside Slack.
func TestDiscordFileAndEnv(t *testing.T) {
	path := writeFile(t, `
[slack]
bot_token = "xoxb-1"
app_token = "xapp-1"
[discord]
application_id = "`+discordAppID+`"
listen = "127.0.0.1:8080"
guild = "42"
message_content = true
`)
	env := map[string]string{
		"DISCORD_TOKEN":               discordTokenSecret,
		"PAPERBOY_DISCORD_PUBLIC_KEY": discordPublicKey,
		"DISCORD_PUBLIC_KEY":          "ignored",
		"PAPERBOY_DISCORD_API_URL":    "http://127.0.0.1:9/api/v9",
	}
	cfg, err := Load(path, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	d := cfg.Discord
	checks := []struct{ name, got, want string }{
		{"token from the DISCORD_TOKEN alias", d.Token, discordTokenSecret},
		{"PAPERBOY_ wins over alias", d.PublicKey, discordPublicKey},
		{"api url from env", d.APIURL, "http://127.0.0.1:9/api/v9"},
		{"application id from file", d.ApplicationID, discordAppID},
		{"listen", d.Listen, "127.0.0.1:8080"},
		{"guild", d.Guild, "42"},
		{"platforms", strings.Join(cfg.Platforms(), ","), "slack,discord"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	if !d.MessageContent {
		t.Error("message_content: got false, want true")
	}
	env = map[string]string{"PAPERBOY_DISCORD_TOKEN": "t", "PAPERBOY_DISCORD_MESSAGE_CONTENT": "false"}
	cfg, err = Load(path, func(k string) string { return env[k] })
	if err != nil || cfg.Discord.MessageContent {
		t.Errorf("PAPERBOY_DISCORD_MESSAGE_CONTENT=false: got %v, %v; want false over the file's true", cfg.Discord.MessageContent, err)
	}
	env["PAPERBOY_DISCORD_MESSAGE_CONTENT"] = "maybe"
	if _, err := Load(path, func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "discord.message_content") {
		t.Errorf("PAPERBOY_DISCORD_MESSAGE_CONTENT=maybe: got %v, want an error naming discord.message_content", err)
	}
}

// TestValidateDiscord: each discord.* problem names its field; the token never shows.
func TestValidateDiscord(t *testing.T) {
	valid := func(c *Config) {
		c.Discord = Discord{Token: discordTokenSecret, ApplicationID: discordAppID, PublicKey: discordPublicKey, Listen: ":8080"}
	}
	tests := map[string]struct {
		mutate func(*Config)
		field  string // "" = valid
	}{
		"valid with endpoint":    {func(c *Config) {}, ""},
		"gateway only":           {func(c *Config) { c.Discord = Discord{Token: discordTokenSecret} }, ""},
		"no token, bad rest":     {func(c *Config) { c.Discord = Discord{ApplicationID: "app", PublicKey: "xyz"} }, ""},
		"token with space":       {func(c *Config) { c.Discord.Token = discordTokenSecret + " extra" }, "discord.token:"},
		"application id letters": {func(c *Config) { c.Discord.ApplicationID = "my-app" }, "discord.application_id:"},
		"application id missing": {func(c *Config) { c.Discord.ApplicationID = "" }, "discord.application_id:"},
		"public key short":       {func(c *Config) { c.Discord.PublicKey = discordPublicKey[:62] }, "discord.public_key:"},
		"public key not hex":     {func(c *Config) { c.Discord.PublicKey = strings.Repeat("zz", 32) }, "discord.public_key:"},
		"public key missing":     {func(c *Config) { c.Discord.PublicKey = "" }, "discord.public_key:"},
		"listen":                 {func(c *Config) { c.Discord.Listen = "8080" }, "discord.listen:"},
		"guild":                  {func(c *Config) { c.Discord.Guild = "lab server" }, "discord.guild:"},
		"api url":                {func(c *Config) { c.Discord.APIURL = "discord.com/api" }, "discord.api_url:"},
		"listen shared with slack": {func(c *Config) {
			c.Slack = Slack{BotToken: "xoxb-1", Mode: "http", SigningSecret: "s", Listen: ":8080", APIURL: "https://slack.com/api/"}
		}, "discord.listen:"},
		"api url password": {func(c *Config) { c.Discord.APIURL = "ftp://u:" + discordTokenSecret + "@proxy/api" }, "discord.api_url:"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			cfg := Default()
			valid(&cfg)
			tc.mutate(&cfg)
			for _, err := range []error{cfg.Validate(), cfg.ValidateParts(DiscordApp)} {
				if tc.field == "" {
					if err != nil {
						t.Fatalf("got %v, want no error", err)
					}
					continue
				}
				if err == nil || !strings.Contains(err.Error(), tc.field) {
					t.Fatalf("got %v, want an error naming %q", err, tc.field)
				}
				if strings.Contains(err.Error(), "SECRET") {
					t.Fatalf("error leaks the token: %v", err)
				}
			}
		})
	}
	// Tools that do not talk to Discord do not check it.
	cfg := Default()
	cfg.Discord = Discord{Token: discordTokenSecret, Guild: "lab"}
	if err := cfg.ValidateParts(Fetching, Summaries); err != nil {
		t.Errorf("ValidateParts without Chat or DiscordApp: got %v, want no error", err)
	}
}

// TestSourcesAbsentOrEmpty: no sources key means the default source (Hugging Face Daily
// Papers), `sources = []` means none, and any [[sources]] replaces the default.
func TestSourcesAbsentOrEmpty(t *testing.T) {
	dir := t.TempDir()
	for name, tc := range map[string]struct {
		file        string // "" = no config file
		wantKinds   string
		wantDefault bool
	}{
		"no file":       {"", "hf", true},
		"no sources":    {"log_level = \"info\"\n", "hf", true},
		"empty sources": {"sources = []\n", "", false},
		"own sources":   {"[[sources]]\nkind = \"rss\"\nurl = \"https://example.org/feed.xml\"\nevery = \"1h\"\n", "rss", false},
	} {
		t.Run(name, func(t *testing.T) {
			path := ""
			if tc.file != "" {
				path = filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".toml")
				if err := os.WriteFile(path, []byte(tc.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			cfg, err := Load(path, func(string) string { return "" })
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, s := range cfg.Sources {
				kinds = append(kinds, s.Kind)
			}
			if got := strings.Join(kinds, ","); got != tc.wantKinds || cfg.SourcesDefault != tc.wantDefault {
				t.Fatalf("got sources %q (default %v), want %q (default %v)", got, cfg.SourcesDefault, tc.wantKinds, tc.wantDefault)
			}
			if err := cfg.Validate(); err != nil {
				t.Fatalf("validate: %v", err)
			}
		})
	}
}
