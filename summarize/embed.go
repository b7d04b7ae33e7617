package summarize

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/internal/httpwait"
)

// This file computes dense embeddings of papers with an OpenAI-compatible /v1/embeddings
// endpoint ([embeddings] in the configuration). It lives beside the summarizer because it
// shares its client setup, error classification and redaction; go-openai stays here.

// EmbedConfig configures an Embedder.
type EmbedConfig struct {
	BaseURL string // OpenAI-compatible /v1 base URL ("" = api.openai.com)
	Model   string
	APIKey  string
	// BatchSize is how many texts one request carries (default 64).
	BatchSize int
	// Timeout bounds one request (default 60s).
	Timeout time.Duration
	// MaxRetries is how often a rate-limited or failed request is retried (default 4).
	MaxRetries int
	// DownFor is how long a dead endpoint is left alone before it is tried again (default 10m).
	DownFor time.Duration
	// Dimensions asks for shorter vectors (text-embedding-3 models; 0 = the model's own).
	Dimensions int
}

// EmbedKey is the name embeddings of cfg are stored under: the model, with the dimensions
// when they are set ("text-embedding-3-small@256"), so that vectors of different sizes are
// never compared.
func EmbedKey(model string, dimensions int) string {
	if dimensions > 0 {
		return fmt.Sprintf("%s@%d", model, dimensions)
	}
	return model
}

// Embedder turns papers into dense vectors. A rate limit (429) is retried after the
// server's Retry-After; an endpoint that keeps failing is marked down for DownFor, with one
// logged error, and every call meanwhile fails at once with EUNAVAILABLE: callers then rank
// with the sparse vectors alone. Nothing a post waits for calls it (embeddings are read from
// the store).
type Embedder struct {
	// Now, Sleep and Jitter are the clock, the wait between retries and the backoff jitter
	// in [0, 1); tests replace them.
	Now    func() time.Time
	Sleep  func(ctx context.Context, d time.Duration) error
	Jitter func() float64
	// MaxRetryAfter is the longest Retry-After honoured (default 60s).
	MaxRetryAfter time.Duration

	cfg    EmbedConfig
	client *openai.Client
	errs   *OpenAI // classify and redact, as for summaries
	log    *slog.Logger

	mu        sync.Mutex
	downUntil time.Time
	logged    bool // the endpoint's being down was logged (once per outage)
}

// NewEmbedder returns an embedder for cfg. Errors: EINVALID (no model, a base URL that is
// not http(s)).
func NewEmbedder(cfg EmbedConfig, log *slog.Logger) (*Embedder, error) {
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, paperboy.Errorf(paperboy.EINVALID, "embeddings: no model configured")
	}
	if cfg.BaseURL != "" && !strings.HasPrefix(cfg.BaseURL, "http://") && !strings.HasPrefix(cfg.BaseURL, "https://") {
		return nil, paperboy.Errorf(paperboy.EINVALID, "embeddings: base_url must be an http(s) URL")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 64
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = time.Minute
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = 4
	}
	if cfg.DownFor <= 0 {
		cfg.DownFor = 10 * time.Minute
	}
	cc := openai.DefaultConfig(cfg.APIKey)
	if cfg.BaseURL != "" {
		cc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	}
	cc.HTTPClient = &http.Client{Transport: &headerTransport{base: http.DefaultTransport.(*http.Transport).Clone()}}
	return &Embedder{
		Now:    time.Now,
		Sleep:  httpwait.Sleep,
		Jitter: rand.Float64,
		cfg:    cfg,
		client: openai.NewClientWithConfig(cc),
		errs:   &OpenAI{cfg: Config{APIKey: cfg.APIKey, Timeout: cfg.Timeout}},
		log:    log,
	}, nil
}

// Model is the name the embeddings are stored under (EmbedKey).
func (e *Embedder) Model() string { return EmbedKey(e.cfg.Model, e.cfg.Dimensions) }

// EmbedText is the text of p that is embedded: its title and abstract.
func EmbedText(p *paperboy.Paper) string {
	t := paperboy.CollapseSpace(p.Title) + "\n\n" + paperboy.CollapseSpace(p.Abstract)
	if len(t) > 16000 { // about 4,000 tokens, well inside the usual 8,192-token input limit
		t = strings.ToValidUTF8(t[:16000], "")
	}
	return t
}

// EstimateTokens is a paper text's token count as estimated before asking: a byte count
// over 4, OpenAI's rule of thumb for English.
func EstimateTokens(text string) int { return (len(text) + 3) / 4 }

// EmbedPapers embeds ps in batches, returning the vectors by paper id and the tokens the
// endpoint reported (estimated with EstimateTokens for a batch it reported none for). On
// an error the vectors of the batches done so far are returned with it. Errors:
// EUNAVAILABLE (the endpoint is down, rate limited past the retries, or answered badly).
func (e *Embedder) EmbedPapers(ctx context.Context, ps []*paperboy.Paper) (map[string][]float32, int, error) {
	out := make(map[string][]float32, len(ps))
	tokens := 0
	for start := 0; start < len(ps); start += e.cfg.BatchSize {
		batch := ps[start:min(start+e.cfg.BatchSize, len(ps))]
		texts := make([]string, len(batch))
		for i, p := range batch {
			texts[i] = EmbedText(p)
		}
		vecs, n, err := e.Embed(ctx, texts)
		var rej rejectedError
		if errors.As(err, &rej) && len(batch) > 1 {
			// One text spoils the batch: ask for each alone and leave out those refused.
			vecs, n, err = e.embedEach(ctx, batch, texts)
		}
		if err != nil {
			return out, tokens, err
		}
		for i, p := range batch {
			if vecs[i] != nil {
				out[p.ID] = vecs[i]
			}
		}
		tokens += n
	}
	return out, tokens, nil
}

// rejectedError is a request the endpoint refused for its content (HTTP 400 and the like).
type rejectedError struct{ err error }

func (r rejectedError) Error() string { return r.err.Error() }
func (r rejectedError) Unwrap() error { return r.err }

// embedEach embeds texts one by one; a text refused gets no vector (nil) and a warning.
func (e *Embedder) embedEach(ctx context.Context, batch []*paperboy.Paper, texts []string) ([][]float32, int, error) {
	vecs := make([][]float32, len(texts))
	tokens := 0
	for i, t := range texts {
		v, n, err := e.Embed(ctx, []string{t})
		var rej rejectedError
		switch {
		case errors.As(err, &rej):
			e.log.Warn("embeddings: paper refused; left without an embedding", slog.String("paper_id", batch[i].ID), slog.String("reason", paperboy.ErrorMessage(err)))
			continue
		case err != nil:
			return vecs, tokens, err
		}
		vecs[i] = v[0]
		tokens += n
	}
	return vecs, tokens, nil
}

// Embed embeds texts in one request (the caller batches), returning one vector per text
// in order and the tokens used.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, int, error) {
	if len(texts) == 0 {
		return nil, 0, nil
	}
	if until, down := e.isDown(); down {
		return nil, 0, paperboy.Errorf(paperboy.EUNAVAILABLE, "the embeddings endpoint is down until %s", until.UTC().Format("15:04:05"))
	}
	req := openai.EmbeddingRequest{Input: texts, Model: openai.EmbeddingModel(e.cfg.Model), EncodingFormat: openai.EmbeddingEncodingFormatFloat, Dimensions: e.cfg.Dimensions}
	for attempt := 0; ; attempt++ {
		var retryAfter string
		rctx, cancel := context.WithTimeout(context.WithValue(ctx, retryAfterKey{}, &retryAfter), e.cfg.Timeout)
		resp, err := e.client.CreateEmbeddings(rctx, req)
		cancel()
		if err == nil {
			vecs, err := e.accept(resp, len(texts))
			if err != nil {
				return nil, 0, e.fail(err.Error())
			}
			e.up()
			tokens := resp.Usage.PromptTokens
			if tokens <= 0 {
				tokens = resp.Usage.TotalTokens
			}
			if tokens <= 0 {
				for _, t := range texts {
					tokens += EstimateTokens(t)
				}
			}
			return vecs, tokens, nil
		}
		if ctx.Err() != nil {
			return nil, 0, fmt.Errorf("embeddings: %w", ctx.Err())
		}
		f := e.errs.classify(err)
		if !f.retryable {
			if f.countsAsFailure {
				return nil, 0, e.fail(f.desc)
			}
			// A 400 and the like concern these texts (one too long for the model), not the
			// endpoint.
			return nil, 0, rejectedError{paperboy.Errorf(paperboy.EUNAVAILABLE, "the embeddings endpoint refused the request: %s", f.desc)}
		}
		if attempt >= e.cfg.MaxRetries {
			return nil, 0, e.fail(f.desc + fmt.Sprintf(" (after %d retries)", attempt))
		}
		delay := e.backoff(attempt)
		if ra, ok := httpwait.RetryAfter(retryAfter, e.Now()); ok {
			delay = ra
		}
		if max := e.maxRetryAfter(); delay > max {
			return nil, 0, e.fail(fmt.Sprintf("%s; retry after %s is too long", f.desc, delay.Round(time.Second)))
		}
		e.log.Debug("embeddings: retrying", slog.Int("attempt", attempt+1), slog.String("reason", f.desc), slog.Duration("delay", delay))
		if err := e.Sleep(ctx, delay); err != nil {
			return nil, 0, fmt.Errorf("embeddings: %w", err)
		}
	}
}

// accept checks an answer: one vector per input, each index once, all of one nonzero size.
func (e *Embedder) accept(resp openai.EmbeddingResponse, n int) ([][]float32, error) {
	if len(resp.Data) != n {
		return nil, fmt.Errorf("malformed response: %d embeddings for %d inputs", len(resp.Data), n)
	}
	out := make([][]float32, n)
	for _, d := range resp.Data {
		if d.Index < 0 || d.Index >= n || out[d.Index] != nil {
			return nil, fmt.Errorf("malformed response: embedding index %d", d.Index)
		}
		if len(d.Embedding) == 0 {
			return nil, fmt.Errorf("malformed response: an empty embedding")
		}
		out[d.Index] = d.Embedding
	}
	dim := len(out[0])
	for _, v := range out {
		if len(v) != dim {
			return nil, fmt.Errorf("malformed response: embeddings of differing sizes")
		}
	}
	return out, nil
}

func (e *Embedder) isDown() (time.Time, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.downUntil, e.Now().Before(e.downUntil)
}

// fail marks the endpoint down for DownFor, logging the first failure of an outage only.
func (e *Embedder) fail(desc string) error {
	e.mu.Lock()
	e.downUntil = e.Now().Add(e.cfg.DownFor)
	first := !e.logged
	e.logged = true
	e.mu.Unlock()
	if first {
		e.log.Error("embeddings: endpoint failed; ranking with sparse vectors only until it answers again",
			slog.String("model", e.cfg.Model), slog.String("reason", desc), slog.Duration("retry_in", e.cfg.DownFor))
	}
	return paperboy.Errorf(paperboy.EUNAVAILABLE, "the embeddings endpoint failed: %s", desc)
}

func (e *Embedder) up() {
	e.mu.Lock()
	if e.logged {
		e.log.Info("embeddings: endpoint answers again", slog.String("model", e.cfg.Model))
	}
	e.downUntil, e.logged = time.Time{}, false
	e.mu.Unlock()
}

func (e *Embedder) maxRetryAfter() time.Duration {
	if e.MaxRetryAfter > 0 {
		return e.MaxRetryAfter
	}
	return time.Minute
}

// backoff is the summarizer's: exponential from 1s, capped at 30s, jittered.
func (e *Embedder) backoff(attempt int) time.Duration {
	return (&OpenAI{Jitter: e.Jitter}).backoff(attempt)
}

// EmbedPrices are USD per million input tokens of well-known embedding models (OpenAI's
// list prices); a configured price overrides them. Other models have no known price.
var EmbedPrices = map[string]float64{
	"text-embedding-3-small": 0.02,
	"text-embedding-3-large": 0.13,
	"text-embedding-ada-002": 0.10,
}

// EmbedBulkOptions configures EmbedBulk.
type EmbedBulkOptions struct {
	Embedder *Embedder
	// List returns up to n papers still without an embedding of the model, newest first.
	List func(ctx context.Context, n int) ([]*paperboy.Paper, error)
	// Save stores vectors by paper id.
	Save  func(ctx context.Context, vecs map[string][]float32) error
	Limit int // at most this many papers (0 = all)
	// Progress receives a line per batch and a summary; nil discards them.
	Progress io.Writer
	// PricePerMTok is USD per million input tokens (0 = EmbedPrices for the model, if any).
	PricePerMTok float64
}

// EmbedBulkResult is what EmbedBulk did.
type EmbedBulkResult struct {
	Embedded, Tokens int
	Cost             float64 // USD; 0 when the price is unknown
	PriceKnown       bool
}

// EmbedBulk fills embeddings batch by batch until List has no more papers or Limit is
// reached, printing progress and the cost: tokens × the model's price, the tokens as the
// endpoint counted them. Each batch is saved before the next is asked for, so a run that
// stops resumes where it stopped.
func EmbedBulk(ctx context.Context, o EmbedBulkOptions) (EmbedBulkResult, error) {
	w := o.Progress
	if w == nil {
		w = io.Discard
	}
	price := o.PricePerMTok
	if price <= 0 {
		price = EmbedPrices[o.Embedder.cfg.Model]
	}
	res := EmbedBulkResult{PriceKnown: price > 0}
	todo, err := o.List(ctx, o.Limit)
	if err != nil {
		return res, err
	}
	total := len(todo)
	est := 0
	for _, p := range todo {
		est += EstimateTokens(EmbedText(p))
	}
	if total == 0 {
		fmt.Fprintln(w, "embed: every paper already has an embedding of "+o.Embedder.Model())
		return res, nil
	}
	fmt.Fprintf(w, "embed: %d papers with %s, about %d tokens (bytes/4)%s\n", total, o.Embedder.Model(), est, costText(est, price, "estimated"))
	bs := o.Embedder.cfg.BatchSize
	for start := 0; start < total; start += bs {
		batch := todo[start:min(start+bs, total)]
		vecs, n, err := o.Embedder.EmbedPapers(ctx, batch)
		res.Tokens += n
		if len(vecs) > 0 {
			if serr := o.Save(ctx, vecs); serr != nil {
				return res, serr
			}
			res.Embedded += len(vecs)
		}
		res.Cost = float64(res.Tokens) * price / 1e6
		if err != nil {
			fmt.Fprintf(w, "embed: stopped after %d/%d: %s\n", res.Embedded, total, paperboy.ErrorMessage(err))
			return res, err
		}
		fmt.Fprintf(w, "embed: %d/%d papers, %d tokens%s\n", res.Embedded, total, res.Tokens, costText(res.Tokens, price, "so far"))
	}
	fmt.Fprintf(w, "embed: done: %d papers, %d tokens as the endpoint counted them%s\n", res.Embedded, res.Tokens, costText(res.Tokens, price, "cost"))
	return res, nil
}

func costText(tokens int, price float64, what string) string {
	if price <= 0 {
		return "; cost unknown (set embeddings.price_input, USD per million tokens)"
	}
	cost := float64(tokens) * price / 1e6
	format := "; %s $%.4f at $%.3g per million tokens"
	if cost < 0.01 {
		format = "; %s $%.6f at $%.3g per million tokens"
	}
	return fmt.Sprintf(format, what, cost, price)
}
