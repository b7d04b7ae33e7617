// Package summarize writes short TL;DRs of papers for posts, threads and `/papers
// summary`. Extractive picks the abstract's contribution sentences with no network and is
// always available; OpenAI talks to any OpenAI-compatible chat-completions server (OpenAI,
// Azure OpenAI, Ollama, vLLM, llama.cpp) through go-openai with bounded concurrency,
// per-request timeouts, retries honouring Retry-After, a circuit breaker and validation of
// the model's answer. WithFallback puts Extractive behind a model, Cached puts a
// paperboy.SummaryStore in front, and Bulk fills the cache for many papers. New builds
// the stack from a Config: no model configured means the extractive summarizer, not a
// disabled feature.
package summarize

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// Styles of summary a model writes.
const (
	StyleTLDR    = "tldr"    // one or two sentences: the idea and the main result
	StyleBullets = "bullets" // problem / method / result lines
)

// Config configures the model summarizer. The zero Config (no Model, no BaseURL) means
// the extractive summarizer.
type Config struct {
	// BaseURL of the OpenAI-compatible API, including /v1 ("https://api.openai.com/v1",
	// "http://localhost:11434/v1" for Ollama). Empty with a Model set means OpenAI's.
	BaseURL string
	// Model name ("gpt-4o-mini", "llama3.1:8b"); for Azure the deployment's model name.
	Model string
	// APIKey is sent as a bearer token (Azure: api-key header). Local servers need none.
	APIKey string
	// Organization is OpenAI's optional OpenAI-Organization header.
	Organization string
	// Azure selects Azure OpenAI: BaseURL is the resource endpoint
	// (https://NAME.openai.azure.com) and Model the deployment name.
	Azure bool
	// AzureAPIVersion is Azure's api-version; "" means go-openai's default.
	AzureAPIVersion string
	// Style is StyleTLDR (default) or StyleBullets.
	Style string
	// Language of the summary as an ISO 639-1 code ("en" default, "de", "fr", ...).
	Language string
	// Timeout bounds one request; 0 means 30s.
	Timeout time.Duration
	// MaxConcurrent bounds requests in flight; 0 means 4.
	MaxConcurrent int
	// MaxRetries is how many times a request is retried on 429, 5xx, timeouts and
	// connection errors; 0 means 2, negative means none.
	MaxRetries int
	// MaxChars rejects longer answers as runaway; 0 means 400 (tldr) or 700 (bullets).
	MaxChars int
	// BreakerThreshold consecutive failed requests open the circuit; 0 means 5.
	BreakerThreshold int
	// BreakerCooldown is how long the circuit stays open; 0 means 1 minute.
	BreakerCooldown time.Duration
}

// Enabled reports whether a model is configured (else the extractive summarizer is used).
func (c Config) Enabled() bool { return c.Model != "" || c.BaseURL != "" }

// Validate checks the configuration. Errors: EINVALID saying which field is wrong.
func (c Config) Validate() error {
	if !c.Enabled() {
		return nil
	}
	if c.Model == "" {
		return paperboy.Errorf(paperboy.EINVALID, "summarize: a model is required when a base URL is set")
	}
	switch c.Style {
	case "", StyleTLDR, StyleBullets:
	default:
		return paperboy.Errorf(paperboy.EINVALID, "summarize: style %q is not %q or %q", c.Style, StyleTLDR, StyleBullets)
	}
	if c.Language != "" && !validLanguageCode(c.Language) {
		return paperboy.Errorf(paperboy.EINVALID, "summarize: language %q is not a two-letter code such as en or de", c.Language)
	}
	if c.Azure && c.BaseURL == "" {
		return paperboy.Errorf(paperboy.EINVALID, "summarize: Azure needs the resource endpoint as base URL")
	}
	if c.Timeout < 0 || c.MaxConcurrent < 0 || c.MaxChars < 0 || c.BreakerThreshold < 0 || c.BreakerCooldown < 0 {
		return paperboy.Errorf(paperboy.EINVALID, "summarize: timeout, concurrency, length and breaker settings must not be negative")
	}
	return nil
}

// withDefaults fills zero fields.
func (c Config) withDefaults() Config {
	if c.Style == "" {
		c.Style = StyleTLDR
	}
	if c.Language == "" {
		c.Language = "en"
	}
	if c.Timeout == 0 {
		c.Timeout = 30 * time.Second
	}
	if c.MaxConcurrent == 0 {
		c.MaxConcurrent = 4
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = 2
	} else if c.MaxRetries < 0 {
		c.MaxRetries = 0
	}
	if c.MaxChars == 0 {
		c.MaxChars = 400
		if c.Style == StyleBullets {
			c.MaxChars = 700
		}
	}
	if c.BreakerThreshold == 0 {
		c.BreakerThreshold = 5
	}
	if c.BreakerCooldown == 0 {
		c.BreakerCooldown = time.Minute
	}
	return c
}

// PromptVersion is bumped whenever the prompt or the validation of answers changes, so
// cached summaries made with an older prompt are not reused: Cached and the bulk command
// look summaries up by model and this version, so after a bump every paper is summarized
// anew. oa-2: tldr asks for the idea and the main result in one or two sentences,
// bullets for labelled problem / method / result lines, and an answer that only restates
// the title is rejected; an oa-1 summary may be exactly such an answer.
const PromptVersion = "oa-2"

// Key returns the model and prompt version under which summaries made with cfg are
// cached (what the bulk command passes to store.PapersWithoutSummary).
func Key(cfg Config) (model, promptVersion string) {
	if !cfg.Enabled() {
		return ExtractiveModel, ExtractivePromptVersion
	}
	c := cfg.withDefaults()
	return c.Model, fmt.Sprintf("%s-%s-%s", PromptVersion, c.Style, c.Language)
}

// Keyer is implemented by summarizers that know their cache key before summarizing.
type Keyer interface {
	Key() (model, promptVersion string)
}

// New builds the summarizer the bot and the bulk command use: with a model configured,
// the OpenAI-compatible summarizer falling back to Extractive, else Extractive; in both
// cases behind a cache in st (nil st: no cache). An invalid cfg is logged and gives the
// extractive summarizer; call cfg.Validate first to report it to the user.
func New(cfg Config, st paperboy.SummaryStore, log *slog.Logger) paperboy.Summarizer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ext := &Extractive{}
	var s paperboy.Summarizer = ext
	if cfg.Enabled() {
		oa, err := NewOpenAI(cfg, log)
		if err != nil {
			log.Error("summarize: model disabled, using extractive summaries", slog.String("error", err.Error()))
		} else {
			s = &Fallback{Primary: oa, Secondary: ext, Log: log}
		}
	}
	if st == nil {
		return s
	}
	return &Cached{Summarizer: s, Store: st, Log: log}
}

// keyOf returns s's cache key, or ok false when s does not know it in advance.
func keyOf(s paperboy.Summarizer) (model, promptVersion string, ok bool) {
	k, isKeyer := s.(Keyer)
	if !isKeyer {
		return "", "", false
	}
	model, promptVersion = k.Key()
	return model, promptVersion, true
}
