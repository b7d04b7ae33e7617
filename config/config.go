// Package config is paperboy's configuration: one Config struct with defaults, loaded from
// a TOML file and then from environment variables, and checked by Validate with errors
// that name the field. Only cmd/paperboy imports it.
package config

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Config is the whole configuration. TOML keys are the snake_case `toml` tags.
type Config struct {
	DB       string `toml:"db"`        // SQLite file; default paperboy.db in the working directory
	TimeZone string `toml:"time_zone"` // default IANA zone for digests
	LogLevel string `toml:"log_level"` // debug | info | warn | error
	// LogFormat is text (logfmt-style key=value lines) or json (one object a line).
	LogFormat string `toml:"log_format"`

	Bot       Bot       `toml:"bot"`
	Slack     Slack     `toml:"slack"`
	Discord   Discord   `toml:"discord"`
	Summarize Summarize `toml:"summarize"`
	// Embeddings configures dense paper vectors for recommendations (off by default).
	Embeddings Embeddings `toml:"embeddings"`
	Ingest     Ingest     `toml:"ingest"`
	Ops        Ops        `toml:"ops"`
	Sources    []Source   `toml:"sources"`
	Test       Test       `toml:"test"`

	// SourcesDefault is set by Load when the configuration has no sources key: Sources
	// is then DefaultSources(). `sources = []` turns ingestion off.
	SourcesDefault bool `toml:"-"`
}

// DefaultSources is what `paperboy run` ingests when the configuration says nothing about
// sources: Hugging Face Daily Papers (the trending list) every 3 hours, which catches a
// day's list as it fills without asking more than eight times a day.
func DefaultSources() []Source {
	return []Source{{Kind: "hf", Every: Duration{3 * time.Hour}}}
}

// Bot configures the platform-neutral bot.
type Bot struct {
	Admins          []string `toml:"admins"`           // user ids allowed to change subscriptions under "admins"
	SubscribePolicy string   `toml:"subscribe_policy"` // everyone | admins
	Backfill        int      `toml:"backfill"`         // recent papers queued for a new subscription
	DailyCap        int      `toml:"daily_cap"`        // default per-subscription daily cap (0 = none)
	Channel         string   `toml:"channel"`          // terminal adapter's channel name
}

// Slack configures the Slack adapter; it is used when BotToken is set.
type Slack struct {
	BotToken      string `toml:"bot_token"`      // xoxb-...
	AppToken      string `toml:"app_token"`      // xapp-... (Socket Mode)
	SigningSecret string `toml:"signing_secret"` // HTTP mode
	Mode          string `toml:"mode"`           // socket | http
	Listen        string `toml:"listen"`         // HTTP mode listen address
	APIURL        string `toml:"api_url"`        // default https://slack.com/api/
}

// Discord configures the Discord adapter; it is used when Token is set.
type Discord struct {
	Token          string `toml:"token"`           // bot token (Developer Portal → Bot), without "Bot "
	ApplicationID  string `toml:"application_id"`  // numeric application id (General Information)
	PublicKey      string `toml:"public_key"`      // hex Ed25519 key; verifies the HTTP interactions endpoint
	APIURL         string `toml:"api_url"`         // REST base URL; default https://discord.com/api/v9
	Listen         string `toml:"listen"`          // HTTP interactions endpoint address ("" = Gateway only)
	MessageContent bool   `toml:"message_content"` // privileged intent: count "+1" replies in threads
	Guild          string `toml:"guild"`           // register /papers in this guild only (appears at once)
}

// Summarize configures LLM summaries; with no model, the extractive summarizer is used.
type Summarize struct {
	BaseURL       string   `toml:"base_url"` // OpenAI-compatible /v1 base URL
	Model         string   `toml:"model"`
	APIKey        string   `toml:"api_key"`
	Style         string   `toml:"style"`    // tldr | bullets
	Language      string   `toml:"language"` // e.g. en
	Timeout       Duration `toml:"timeout"`
	MaxConcurrent int      `toml:"max_concurrent"`
	Organization  string   `toml:"organization"`      // OpenAI-Organization header (optional)
	Azure         bool     `toml:"azure"`             // Azure OpenAI: base_url is the resource endpoint, model the deployment
	AzureVersion  string   `toml:"azure_api_version"` // Azure api-version ("" = the client's default)
	// Prices in USD per million tokens, for cost estimates.
	PriceInput  float64 `toml:"price_input"`
	PriceOutput float64 `toml:"price_output"`
}

// Embeddings configures dense vectors of papers from an OpenAI-compatible /v1/embeddings
// endpoint; with no model (the default) recommendations use the sparse vectors alone.
type Embeddings struct {
	BaseURL   string `toml:"base_url"` // OpenAI-compatible /v1 base URL ("" = api.openai.com)
	Model     string `toml:"model"`    // e.g. text-embedding-3-small
	APIKey    string `toml:"api_key"`
	BatchSize int    `toml:"batch_size"` // texts per request (default 64)
	// Dimensions asks for shorter vectors (text-embedding-3 models: e.g. 256 instead of
	// 1,536; six times less to compare, little quality lost per OpenAI); 0 = the model's.
	Dimensions int      `toml:"dimensions"`
	Timeout    Duration `toml:"timeout"` // per request (default 60s)
	// PriceInput is USD per million tokens, for cost estimates (default: OpenAI's list
	// price for its embedding models, unknown for others).
	PriceInput float64 `toml:"price_input"`
}

// Enabled reports whether a model is configured.
func (e Embeddings) Enabled() bool { return strings.TrimSpace(e.Model) != "" }

// Ingest holds source base URLs (mirrors, proxies, tests).
type Ingest struct {
	ArxivAPIURL     string `toml:"arxiv_api_url"`
	ArxivListingURL string `toml:"arxiv_listing_url"`
	HFURL           string `toml:"hf_url"`
}

// Ops configures the ops listener of `paperboy run`: /healthz, /readyz and /metrics.
type Ops struct {
	// Listen is the listener's address ("" = off, the default). 127.0.0.1:9090 keeps it
	// on this machine; another address is the user's choice to expose it.
	Listen string `toml:"listen"`
	// StuckAfter is how old the oldest due delivery of a platform may be before /readyz
	// calls its dispatcher stuck (default 15m).
	StuckAfter Duration `toml:"stuck_after"`
}

// Source is one scheduled ingestion inside `paperboy run`.
type Source struct {
	Kind     string   `toml:"kind"`     // arxiv | arxiv-listing | hf | rss
	Category string   `toml:"category"` // arxiv, arxiv-listing
	URL      string   `toml:"url"`      // rss
	Every    Duration `toml:"every"`    // interval
}

// Test configures the fake chat platform of binaries built with tag paperboytest.
type Test struct {
	ChatURL string `toml:"chat_url"`
}

// Duration is a time.Duration written as "90s", "1h" in TOML.
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration string; "1d" is accepted as 24h.
func (d *Duration) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if strings.HasSuffix(s, "d") {
		n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
		if err != nil {
			return fmt.Errorf("%q is not a duration (try 30m, 6h, 1d)", s)
		}
		d.Duration = time.Duration(n) * 24 * time.Hour
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration (try 30m, 6h, 1d)", s)
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration back.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.Duration.String()), nil }

// Default returns the configuration used with no file and no environment.
func Default() Config {
	return Config{
		DB:        "paperboy.db",
		TimeZone:  "UTC",
		LogLevel:  "info",
		LogFormat: "text",
		Bot: Bot{
			SubscribePolicy: "everyone",
			Backfill:        5,
			DailyCap:        25,
			Channel:         "terminal",
		},
		Slack: Slack{Mode: "socket", Listen: ":3000", APIURL: "https://slack.com/api/"},
		Summarize: Summarize{
			Style:         "tldr",
			Language:      "en",
			Timeout:       Duration{30 * time.Second},
			MaxConcurrent: 4,
		},
		Ops: Ops{StuckAfter: Duration{15 * time.Minute}},
		Ingest: Ingest{
			ArxivAPIURL:     "https://export.arxiv.org/api/query",
			ArxivListingURL: "https://rss.arxiv.org",
			HFURL:           "https://huggingface.co",
		},
	}
}

// Load returns Default() overlaid with the TOML file at path (skipped when path is "")
// and then the environment (getenv; nil means os.Getenv). Unknown keys in the file are
// errors, so a typo does not silently fall back to a default.
func Load(path string, getenv func(string) string) (Config, error) {
	cfg := Default()
	if getenv == nil {
		getenv = os.Getenv
	}
	sourcesSet := false
	if path != "" {
		md, err := toml.DecodeFile(path, &cfg)
		if err != nil {
			var perr toml.ParseError
			if errors.As(err, &perr) {
				return cfg, fmt.Errorf("config %s: line %d: %s", filepath.Base(path), perr.Position.Line, perr.Message)
			}
			return cfg, fmt.Errorf("config %s: %w", filepath.Base(path), err)
		}
		if und := md.Undecoded(); len(und) > 0 {
			keys := make([]string, len(und))
			for i, k := range und {
				keys[i] = k.String()
			}
			sort.Strings(keys)
			return cfg, fmt.Errorf("config %s: unknown key(s): %s", filepath.Base(path), strings.Join(keys, ", "))
		}
		sourcesSet = md.IsDefined("sources")
	}
	if !sourcesSet {
		cfg.Sources, cfg.SourcesDefault = DefaultSources(), true
	}
	return cfg, cfg.applyEnv(getenv)
}

// Env lists the environment variables Load reads, with the field each sets.
var Env = []struct{ Name, Field string }{
	{"PAPERBOY_DB", "db"},
	{"PAPERBOY_TIME_ZONE", "time_zone"},
	{"PAPERBOY_LOG_LEVEL", "log_level"},
	{"PAPERBOY_LOG_FORMAT", "log_format"},
	{"PAPERBOY_SLACK_BOT_TOKEN", "slack.bot_token"},
	{"SLACK_BOT_TOKEN", "slack.bot_token"},
	{"PAPERBOY_SLACK_APP_TOKEN", "slack.app_token"},
	{"SLACK_APP_TOKEN", "slack.app_token"},
	{"PAPERBOY_SLACK_SIGNING_SECRET", "slack.signing_secret"},
	{"SLACK_SIGNING_SECRET", "slack.signing_secret"},
	{"PAPERBOY_SLACK_MODE", "slack.mode"},
	{"PAPERBOY_SLACK_LISTEN", "slack.listen"},
	{"PAPERBOY_SLACK_API_URL", "slack.api_url"},
	{"PAPERBOY_DISCORD_TOKEN", "discord.token"},
	{"DISCORD_TOKEN", "discord.token"},
	{"PAPERBOY_DISCORD_APPLICATION_ID", "discord.application_id"},
	{"DISCORD_APPLICATION_ID", "discord.application_id"},
	{"PAPERBOY_DISCORD_PUBLIC_KEY", "discord.public_key"},
	{"DISCORD_PUBLIC_KEY", "discord.public_key"},
	{"PAPERBOY_DISCORD_API_URL", "discord.api_url"},
	{"PAPERBOY_DISCORD_LISTEN", "discord.listen"},
	{"PAPERBOY_DISCORD_MESSAGE_CONTENT", "discord.message_content"},
	{"PAPERBOY_DISCORD_GUILD", "discord.guild"},
	{"PAPERBOY_SUMMARIZE_BASE_URL", "summarize.base_url"},
	{"PAPERBOY_SUMMARIZE_MODEL", "summarize.model"},
	{"PAPERBOY_SUMMARIZE_API_KEY", "summarize.api_key"},
	{"OPENAI_API_KEY", "summarize.api_key"},
	{"PAPERBOY_EMBEDDINGS_BASE_URL", "embeddings.base_url"},
	{"PAPERBOY_EMBEDDINGS_MODEL", "embeddings.model"},
	{"PAPERBOY_EMBEDDINGS_API_KEY", "embeddings.api_key"},
	{"OPENAI_API_KEY", "embeddings.api_key"},
	{"PAPERBOY_TEST_CHAT_URL", "test.chat_url"},
	{"PAPERBOY_OPS_LISTEN", "ops.listen"},
}

func (c *Config) applyEnv(getenv func(string) string) error {
	var messageContent string
	set := map[string]*string{
		"db": &c.DB, "time_zone": &c.TimeZone, "log_level": &c.LogLevel, "log_format": &c.LogFormat,
		"slack.bot_token": &c.Slack.BotToken, "slack.app_token": &c.Slack.AppToken,
		"slack.signing_secret": &c.Slack.SigningSecret, "slack.mode": &c.Slack.Mode,
		"slack.listen": &c.Slack.Listen, "slack.api_url": &c.Slack.APIURL,
		"summarize.base_url": &c.Summarize.BaseURL, "summarize.model": &c.Summarize.Model,
		"summarize.api_key": &c.Summarize.APIKey, "test.chat_url": &c.Test.ChatURL,
		"embeddings.base_url": &c.Embeddings.BaseURL, "embeddings.model": &c.Embeddings.Model,
		"embeddings.api_key": &c.Embeddings.APIKey,
		"discord.token":      &c.Discord.Token, "discord.application_id": &c.Discord.ApplicationID,
		"discord.public_key": &c.Discord.PublicKey, "discord.api_url": &c.Discord.APIURL,
		"discord.listen": &c.Discord.Listen, "discord.guild": &c.Discord.Guild,
		"discord.message_content": &messageContent,
		"ops.listen":              &c.Ops.Listen,
	}
	seen := map[string]bool{}
	// Earlier names win over later aliases (PAPERBOY_X over X).
	for _, e := range Env {
		if seen[e.Field] {
			continue
		}
		if v := strings.TrimSpace(getenv(e.Name)); v != "" {
			*set[e.Field] = v
			seen[e.Field] = true
		}
	}
	if messageContent != "" {
		b, err := strconv.ParseBool(messageContent)
		if err != nil {
			return fmt.Errorf("discord.message_content: %q (from PAPERBOY_DISCORD_MESSAGE_CONTENT) must be true or false", messageContent)
		}
		c.Discord.MessageContent = b
	}
	return nil
}

// Platforms lists the chat platforms `paperboy run` serves with this configuration, in
// this order: "slack" when a Slack bot token is set, "discord" when a Discord bot token
// is set, "test" when test.chat_url is set; "shell" (the terminal) alone when none is.
func (c *Config) Platforms() []string {
	var ps []string
	if c.Slack.BotToken != "" {
		ps = append(ps, "slack")
	}
	if c.Discord.Token != "" {
		ps = append(ps, "discord")
	}
	if c.Test.ChatURL != "" {
		ps = append(ps, "test")
	}
	if len(ps) == 0 {
		ps = append(ps, "shell")
	}
	return ps
}

// A Part is a group of settings that only some commands use. ValidateParts checks a part
// only for a command that uses it, so `paperboy import` run from the bot's shell (Slack
// tokens exported for the bot) is not refused over chat settings it never reads.
type Part int

const (
	// Chat is bot.*, slack.*, discord.*, test.*, ops.* and [[sources]]: what `paperboy run` alone
	// uses.
	Chat Part = iota
	// Fetching is ingest.*: the sources' base URLs (`run` and `ingest`).
	Fetching
	// Summaries is summarize.* (`run` and `summarize`).
	Summaries
	// DiscordApp is discord.* alone (`paperboy discord register`); Chat includes it.
	DiscordApp
	// Dense is embeddings.* (`run` and `embed`).
	Dense
)

// Validate checks the whole configuration, as `paperboy run` uses it: ValidateParts with
// every part.
func (c *Config) Validate() error { return c.ValidateParts(Chat, Fetching, Summaries, Dense) }

// ValidateParts checks the settings every command uses (db, time_zone, log_level,
// log_format) and those of the given parts; each problem names its field. Secrets never
// appear in the messages.
func (c *Config) ValidateParts(parts ...Part) error {
	uses := func(p Part) bool {
		for _, q := range parts {
			if q == p {
				return true
			}
		}
		return false
	}
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	if strings.TrimSpace(c.DB) == "" {
		bad("db", "must name a database file")
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "" {
		bad("time_zone", "%q is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)", c.TimeZone)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log_level", "%q must be debug, info, warn or error", c.LogLevel)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		bad("log_format", "%q must be \"text\" or \"json\"", c.LogFormat)
	}
	if uses(Chat) {
		c.validateChat(bad)
		c.validateOps(bad)
	}
	if uses(Summaries) {
		c.validateSummaries(bad)
	}
	if uses(Dense) {
		c.validateEmbeddings(bad)
	}
	if uses(DiscordApp) && !uses(Chat) {
		c.validateDiscord(bad)
	}
	if uses(Fetching) {
		c.validateFetching(bad)
	}
	return errors.Join(errs...)
}

func (c *Config) validateChat(bad func(field, format string, args ...any)) {
	switch c.Bot.SubscribePolicy {
	case "everyone", "admins":
	default:
		bad("bot.subscribe_policy", "%q must be \"everyone\" or \"admins\"", c.Bot.SubscribePolicy)
	}
	if c.Bot.Backfill < 0 || c.Bot.Backfill > 100 {
		bad("bot.backfill", "%d must be between 0 and 100", c.Bot.Backfill)
	}
	if c.Bot.DailyCap < 0 {
		bad("bot.daily_cap", "%d must not be negative", c.Bot.DailyCap)
	}
	if c.Slack.BotToken != "" {
		if !strings.HasPrefix(c.Slack.BotToken, "xoxb-") {
			bad("slack.bot_token", "must be a bot token starting with xoxb-")
		}
		switch c.Slack.Mode {
		case "socket":
			if !strings.HasPrefix(c.Slack.AppToken, "xapp-") {
				bad("slack.app_token", "Socket Mode needs an app-level token starting with xapp- (with the connections:write scope)")
			}
		case "http":
			if c.Slack.SigningSecret == "" {
				bad("slack.signing_secret", "HTTP mode needs the app's signing secret")
			}
			if c.Slack.Listen == "" {
				bad("slack.listen", "HTTP mode needs a listen address such as :3000")
			}
		default:
			bad("slack.mode", "%q must be \"socket\" or \"http\"", c.Slack.Mode)
		}
		if !strings.HasSuffix(c.Slack.APIURL, "/") || !strings.HasPrefix(c.Slack.APIURL, "http") {
			bad("slack.api_url", "%q must be an http(s) URL ending with /", c.Slack.APIURL)
		}
	}
	c.validateDiscord(bad)
	for i, s := range c.Sources {
		f := fmt.Sprintf("sources[%d]", i)
		switch s.Kind {
		case "arxiv", "arxiv-listing":
			if s.Category == "" {
				bad(f+".category", "is required for kind %q (e.g. cs.LG)", s.Kind)
			}
		case "hf":
		case "rss":
			if !strings.HasPrefix(s.URL, "http://") && !strings.HasPrefix(s.URL, "https://") {
				bad(f+".url", "%q must be an http(s) feed URL", s.URL)
			}
		default:
			bad(f+".kind", "%q must be arxiv, arxiv-listing, hf or rss", s.Kind)
		}
		if s.Every.Duration < time.Minute {
			bad(f+".every", "must be at least 1m (got %s)", s.Every.Duration)
		}
	}
}

// validateDiscord checks discord.* when a Discord token is set (else nothing). The token
// never appears in a message.
func (c *Config) validateDiscord(bad func(field, format string, args ...any)) {
	d := c.Discord
	if d.Token == "" {
		return
	}
	if t := strings.TrimPrefix(d.Token, "Bot "); strings.ContainsFunc(t, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		bad("discord.token", "must be the bot token from Developer Portal → your application → Bot, without spaces")
	}
	if d.ApplicationID != "" && !isSnowflake(d.ApplicationID) {
		bad("discord.application_id", "%q must be the numeric application id (Developer Portal → General Information)", d.ApplicationID)
	}
	if d.Guild != "" && !isSnowflake(d.Guild) {
		bad("discord.guild", "%q must be a numeric server (guild) id (Developer Mode → right-click the server → Copy Server ID)", d.Guild)
	}
	if d.Listen != "" {
		if _, port, err := net.SplitHostPort(d.Listen); err != nil || port == "" {
			bad("discord.listen", "%q must be a listen address such as :8080 or 127.0.0.1:8080", d.Listen)
		}
		if d.ApplicationID == "" {
			bad("discord.application_id", "is required with discord.listen (the HTTP interactions endpoint)")
		}
		if c.Slack.BotToken != "" && c.Slack.Mode == "http" && d.Listen == c.Slack.Listen {
			bad("discord.listen", "%q is slack.listen too: Slack and Discord run in one process and need an address each", d.Listen)
		}
		if d.PublicKey == "" {
			bad("discord.public_key", "is required with discord.listen: the application's public key (General Information), 64 hex characters")
		}
	}
	if d.PublicKey != "" {
		if b, err := hex.DecodeString(d.PublicKey); err != nil || len(b) != 32 {
			bad("discord.public_key", "must be 64 hex characters (Developer Portal → General Information → Public Key)")
		}
	}
	if d.APIURL != "" {
		u, err := url.Parse(d.APIURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			shown := "the value"
			if err == nil {
				shown = fmt.Sprintf("%q", u.Redacted()) // a proxy URL may carry a password
			}
			bad("discord.api_url", "%s must be an http(s) URL such as https://discord.com/api/v9", shown)
		}
	}
}

// isSnowflake reports whether s is a Discord id: a decimal unsigned 64-bit number.
func isSnowflake(s string) bool {
	if s == "" || len(s) > 20 || strings.TrimLeft(s, "0123456789") != "" {
		return false
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

func (c *Config) validateOps(bad func(field, format string, args ...any)) {
	if c.Ops.Listen != "" {
		if _, port, err := net.SplitHostPort(c.Ops.Listen); err != nil || port == "" {
			bad("ops.listen", "%q must be a listen address such as 127.0.0.1:9090", c.Ops.Listen)
		}
	}
	if c.Ops.StuckAfter.Duration < time.Second {
		bad("ops.stuck_after", "must be at least 1s (got %s)", c.Ops.StuckAfter.Duration)
	}
}

func (c *Config) validateEmbeddings(bad func(field, format string, args ...any)) {
	e := c.Embeddings
	if e.BaseURL != "" && e.Model == "" {
		bad("embeddings.model", "is required when embeddings.base_url is set")
	}
	if e.BaseURL != "" && !strings.HasPrefix(e.BaseURL, "http://") && !strings.HasPrefix(e.BaseURL, "https://") {
		bad("embeddings.base_url", "%q must be an http(s) URL", e.BaseURL)
	}
	if e.BatchSize < 0 || e.BatchSize > 2048 {
		bad("embeddings.batch_size", "%d must be between 1 and 2048 (0 = 64)", e.BatchSize)
	}
	if e.Timeout.Duration < 0 {
		bad("embeddings.timeout", "must not be negative")
	}
	if e.PriceInput < 0 {
		bad("embeddings.price_input", "must not be negative")
	}
	if e.Dimensions < 0 || e.Dimensions > 65536 {
		bad("embeddings.dimensions", "%d must be between 0 and 65536", e.Dimensions)
	}
}

func (c *Config) validateSummaries(bad func(field, format string, args ...any)) {
	if c.Summarize.Model != "" || c.Summarize.BaseURL != "" {
		if c.Summarize.Model == "" {
			bad("summarize.model", "is required when summarize.base_url is set")
		}
		if c.Summarize.BaseURL != "" && !strings.HasPrefix(c.Summarize.BaseURL, "http") {
			bad("summarize.base_url", "%q must be an http(s) URL", c.Summarize.BaseURL)
		}
	}
	switch c.Summarize.Style {
	case "tldr", "bullets":
	default:
		bad("summarize.style", "%q must be \"tldr\" or \"bullets\"", c.Summarize.Style)
	}
	if c.Summarize.Timeout.Duration <= 0 {
		bad("summarize.timeout", "must be positive")
	}
	if c.Summarize.MaxConcurrent < 1 || c.Summarize.MaxConcurrent > 64 {
		bad("summarize.max_concurrent", "%d must be between 1 and 64", c.Summarize.MaxConcurrent)
	}
}

func (c *Config) validateFetching(bad func(field, format string, args ...any)) {
	for _, u := range []struct{ field, val string }{
		{"ingest.arxiv_api_url", c.Ingest.ArxivAPIURL},
		{"ingest.arxiv_listing_url", c.Ingest.ArxivListingURL},
		{"ingest.hf_url", c.Ingest.HFURL},
	} {
		if !strings.HasPrefix(u.val, "http://") && !strings.HasPrefix(u.val, "https://") {
			bad(u.field, "%q must be an http(s) URL", u.val)
		}
	}
}
