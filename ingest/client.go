package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/internal/httpwait"
)

// DefaultUserAgent is sent with every request unless ClientOptions.UserAgent is set.
const DefaultUserAgent = "paperboy/0.1 (+https://github.com/paperboy-bot/paperboy)"

// Client defaults.
const (
	DefaultTimeout       = 30 * time.Second
	DefaultMaxBodyBytes  = 32 << 20
	DefaultMaxAttempts   = 4
	DefaultBaseDelay     = 2 * time.Second
	DefaultMaxDelay      = time.Minute
	DefaultMaxRetryAfter = 5 * time.Minute
)

// ClientOptions configures a Client. The zero value gives the defaults above.
type ClientOptions struct {
	HTTPClient   *http.Client  // transport; default a new http.Client (timeouts come from Timeout)
	UserAgent    string        // default DefaultUserAgent
	Timeout      time.Duration // per attempt, including reading the body
	MaxBodyBytes int64         // larger responses fail with a clear error
	MaxAttempts  int           // attempts per request, first one included
	BaseDelay    time.Duration // backoff before the second attempt; doubles each time
	MaxDelay     time.Duration // cap of the computed backoff
	// MaxRetryAfter is the longest Retry-After the client waits for; a server asking for
	// more makes the request fail at once (the scheduler will come back later).
	MaxRetryAfter time.Duration
	// Now and Sleep are the clock; tests inject a fake one. Sleep must return ctx.Err()
	// when ctx ends first.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a number in [0, 1); default math/rand/v2.Float64.
	Jitter func() float64
	Logger *slog.Logger
}

// Client fetches source payloads over HTTP. It is safe for concurrent use; share one
// Client between sources so that per-source spacing holds across them.
type Client struct {
	opts ClientOptions
	mu   sync.Mutex
	next map[string]time.Time // earliest start of the next request, per source
}

// NewClient returns a Client with opts' zero fields set to the defaults.
func NewClient(opts ClientOptions) *Client {
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{}
	}
	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.BaseDelay <= 0 {
		opts.BaseDelay = DefaultBaseDelay
	}
	if opts.MaxDelay <= 0 {
		opts.MaxDelay = DefaultMaxDelay
	}
	if opts.MaxRetryAfter <= 0 {
		opts.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = httpwait.Sleep
	}
	if opts.Jitter == nil {
		opts.Jitter = rand.Float64
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Client{opts: opts, next: make(map[string]time.Time)}
}

// Now returns the client's clock reading.
func (c *Client) Now() time.Time { return c.opts.Now() }

// Request is one GET.
type Request struct {
	Source string // names the source in errors and logs, and keys MinInterval
	URL    string
	Accept string // Accept header; "" sends */*
	// MinInterval is the least time between the starts of two requests to Source
	// (retries included). arXiv asks for 3 s.
	MinInterval time.Duration
}

// HTTPError is a request that failed for good. It carries a *paperboy.Error in its chain
// (EUNAVAILABLE for rate limits, 5xx and network failures; ENOTFOUND for 404 and 410;
// EINVALID for other 4xx), so paperboy.ErrorCode and ErrorMessage work on it.
type HTTPError struct {
	Source   string
	URL      string // with credentials and secret-looking query values redacted
	Status   int    // last HTTP status; 0 when no response arrived
	Attempts int
	Err      error  // the transport error, if any
	Reason   string // what went wrong, without secrets
	// Body is the start (at most 4 KiB) of a 4xx response's body: some APIs explain
	// themselves there (arXiv's error feed).
	Body []byte
	code string
}

func (e *HTTPError) Error() string {
	s := fmt.Sprintf("ingest: %s: GET %s: %s", e.Source, e.URL, e.Reason)
	if e.Attempts > 1 {
		s += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	return s
}

// Unwrap exposes the user-facing *paperboy.Error and the transport error.
func (e *HTTPError) Unwrap() []error {
	errs := []error{e.userError()}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

func (e *HTTPError) userError() *paperboy.Error {
	switch e.code {
	case paperboy.ENOTFOUND:
		return paperboy.Errorf(e.code, "%s has no such page (HTTP %d)", e.Source, e.Status)
	case paperboy.EINVALID:
		return paperboy.Errorf(e.code, "%s rejected the request: %s", e.Source, e.Reason)
	}
	return paperboy.Errorf(paperboy.EUNAVAILABLE, "%s is unavailable right now (%s); try again later", e.Source, e.Reason)
}

// attemptError is the outcome of one failed attempt.
type attemptError struct {
	status     int
	reason     string
	err        error
	retryable  bool
	retryAfter time.Duration // from the Retry-After header; 0 if absent
	code       string
	body       []byte
}

// Get fetches req.URL and returns the whole body of a 2xx response, retrying transient
// failures. Errors are *HTTPError, or ctx's error when ctx ends.
func (c *Client) Get(ctx context.Context, req Request) ([]byte, error) {
	safeURL := RedactURL(req.URL)
	u, err := url.Parse(req.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &HTTPError{Source: req.Source, URL: safeURL, Reason: "not an http(s) URL", code: paperboy.EINVALID}
	}
	log := c.opts.Logger.With(slog.String("source", req.Source), slog.String("url", safeURL))
	for attempt := 1; ; attempt++ {
		if err := c.wait(ctx, req.Source, req.MinInterval); err != nil {
			return nil, fmt.Errorf("ingest: %s: GET %s: %w", req.Source, safeURL, err)
		}
		body, aerr := c.do(ctx, req)
		if aerr == nil {
			return body, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("ingest: %s: GET %s: %w", req.Source, safeURL, ctx.Err())
		}
		fail := &HTTPError{Source: req.Source, URL: safeURL, Status: aerr.status, Attempts: attempt,
			Err: aerr.err, Reason: aerr.reason, Body: aerr.body, code: aerr.code}
		if !aerr.retryable || attempt >= c.opts.MaxAttempts {
			return nil, fail
		}
		delay := c.backoff(attempt)
		if aerr.retryAfter > 0 {
			if aerr.retryAfter > c.opts.MaxRetryAfter {
				fail.Reason += fmt.Sprintf("; asked to retry after %s", aerr.retryAfter)
				return nil, fail
			}
			delay = aerr.retryAfter
		}
		// Info, not a warning: a failure that outlasts the retries is the caller's to report
		// (the scheduler logs it once); in the terminal chat, warnings reach the screen.
		log.Info("ingest: retrying", slog.Int("attempt", attempt), slog.Int("status", aerr.status),
			slog.String("reason", aerr.reason), slog.Duration("delay", delay))
		if err := c.opts.Sleep(ctx, delay); err != nil {
			return nil, fmt.Errorf("ingest: %s: GET %s: %w", req.Source, safeURL, err)
		}
	}
}

// wait reserves the next slot for source and sleeps until it.
func (c *Client) wait(ctx context.Context, source string, interval time.Duration) error {
	if interval <= 0 {
		return ctx.Err()
	}
	c.mu.Lock()
	now := c.opts.Now()
	start := now
	if t, ok := c.next[source]; ok && t.After(now) {
		start = t
	}
	c.next[source] = start.Add(interval)
	c.mu.Unlock()
	if d := start.Sub(now); d > 0 {
		return c.opts.Sleep(ctx, d)
	}
	return ctx.Err()
}

// backoff is the delay after the attempt-th failure: BaseDelay doubled each time, capped
// at MaxDelay, with "equal jitter" (between half and all of it).
func (c *Client) backoff(attempt int) time.Duration {
	d := c.opts.BaseDelay
	for i := 1; i < attempt && d < c.opts.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, c.opts.MaxDelay)
	j := c.opts.Jitter()
	if j < 0 || j >= 1 {
		j = 0
	}
	return d/2 + time.Duration(j*float64(d/2))
}

func (c *Client) do(ctx context.Context, req Request) ([]byte, *attemptError) {
	actx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(actx, http.MethodGet, req.URL, nil)
	if err != nil {
		return nil, &attemptError{reason: "bad request URL", err: err, code: paperboy.EINVALID}
	}
	hreq.Header.Set("User-Agent", c.opts.UserAgent)
	accept := req.Accept
	if accept == "" {
		accept = "*/*"
	}
	hreq.Header.Set("Accept", accept)
	resp, err := c.opts.HTTPClient.Do(hreq)
	if err != nil {
		return nil, &attemptError{reason: transportReason(err), err: stripURLError(err), retryable: true, code: paperboy.EUNAVAILABLE}
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// Keep the start of the body (APIs explain errors there) and drain a little more
		// so the connection can be reused.
		head, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		ae := &attemptError{status: resp.StatusCode, reason: "HTTP " + resp.Status, code: paperboy.EUNAVAILABLE}
		if resp.StatusCode >= 400 && resp.StatusCode < 500 {
			ae.body = head
		}
		switch s := resp.StatusCode; {
		case s == http.StatusTooManyRequests || (s >= 500 && s != http.StatusNotImplemented):
			ae.retryable = true
			ae.retryAfter, _ = httpwait.RetryAfter(resp.Header.Get("Retry-After"), c.opts.Now())
		case s == http.StatusNotFound || s == http.StatusGone:
			ae.code = paperboy.ENOTFOUND
		case s >= 400 && s < 500 && s != http.StatusUnauthorized && s != http.StatusForbidden:
			ae.code = paperboy.EINVALID
		}
		return nil, ae
	}
	limit := c.opts.MaxBodyBytes
	if resp.ContentLength > limit {
		return nil, &attemptError{status: resp.StatusCode, reason: tooLarge(limit), code: paperboy.EUNAVAILABLE}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, &attemptError{status: resp.StatusCode, reason: "reading body: " + transportReason(err),
			err: stripURLError(err), retryable: true, code: paperboy.EUNAVAILABLE}
	}
	if int64(len(body)) > limit {
		return nil, &attemptError{status: resp.StatusCode, reason: tooLarge(limit), code: paperboy.EUNAVAILABLE}
	}
	return body, nil
}

func tooLarge(limit int64) string {
	if limit%(1<<20) == 0 {
		return fmt.Sprintf("response larger than %d MiB", limit>>20)
	}
	return fmt.Sprintf("response larger than %d bytes", limit)
}

// transportReason describes a transport error without the URL (which may hold secrets).
func transportReason(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed mid-response (truncated body)"
	}
	return stripURLError(err).Error()
}

// stripURLError drops the *url.Error wrapper, whose message repeats the full URL.
func stripURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// secretKeys are query parameter names (or parts of them) whose values are redacted.
var secretKeys = []string{"token", "key", "secret", "sig", "password", "passwd", "auth", "session", "credential"}

// RedactURL returns raw with user info removed and secret-looking query values replaced,
// fit for logs and error messages.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	u.Fragment = ""
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			u.RawQuery = "REDACTED"
		} else {
			changed := false
			for k := range q {
				lk := strings.ToLower(k)
				for _, s := range secretKeys {
					if strings.Contains(lk, s) {
						q[k] = []string{"REDACTED"}
						changed = true
						break
					}
				}
			}
			if changed {
				u.RawQuery = q.Encode()
			}
		}
	}
	return u.String()
}
