package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
)

func TestClientRetryAfterSeconds(t *testing.T) {
	clock := newFakeClock()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "7")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()
	c := newTestClient(clock, ClientOptions{})
	body, err := c.Get(context.Background(), Request{Source: "test", URL: srv.URL})
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if string(body) != "ok" {
		t.Errorf("body: got %q, want %q", body, "ok")
	}
	if got := clock.Sleeps(); len(got) != 1 || got[0] != 7*time.Second {
		t.Errorf("sleeps: got %v, want [7s]", got)
	}
	if got := calls.Load(); got != 2 {
		t.Errorf("calls: got %d, want 2", got)
	}
}

func TestClientRetryAfterDate(t *testing.T) {
	clock := newFakeClock()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", clock.Now().Add(90*time.Second).Format(http.TimeFormat))
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()
	c := newTestClient(clock, ClientOptions{})
	if _, err := c.Get(context.Background(), Request{Source: "test", URL: srv.URL}); err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got := clock.Sleeps(); len(got) != 1 || got[0] != 90*time.Second {
		t.Errorf("sleeps: got %v, want [1m30s]", got)
	}
}

func TestClient503ThenSuccess(t *testing.T) {
	clock := newFakeClock()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "third time lucky")
	}))
	defer srv.Close()
	// Retries are logged below warnings: the terminal chat shows warnings, and a source
	// that keeps failing is reported once by the scheduler, not at every attempt.
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newTestClient(clock, ClientOptions{BaseDelay: time.Second, Logger: logger})
	body, err := c.Get(context.Background(), Request{Source: "test", URL: srv.URL})
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if n := strings.Count(logs.String(), "level=INFO msg=\"ingest: retrying\""); n != 2 || strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("retry log lines: got %d at INFO, want 2 and no warning:\n%s", n, logs.String())
	}
	if string(body) != "third time lucky" {
		t.Errorf("body: got %q", body)
	}
	// No Retry-After: exponential backoff, jitter 0 gives half of 1s, 2s.
	want := []time.Duration{500 * time.Millisecond, time.Second}
	if got := clock.Sleeps(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("sleeps: got %v, want %v", got, want)
	}
}

func TestClientAlwaysFails(t *testing.T) {
	clock := newFakeClock()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	c := newTestClient(clock, ClientOptions{MaxAttempts: 3})
	_, err := c.Get(context.Background(), Request{Source: "arxiv", URL: srv.URL + "/api/query?token=s3cret&q=x"})
	if err == nil {
		t.Fatal("Get: got nil error, want one")
	}
	if got := calls.Load(); got != 3 {
		t.Errorf("calls: got %d, want 3", got)
	}
	var he *HTTPError
	if !errors.As(err, &he) {
		t.Fatalf("error %T is not *HTTPError", err)
	}
	if he.Status != 502 || he.Attempts != 3 {
		t.Errorf("status, attempts: got %d, %d, want 502, 3", he.Status, he.Attempts)
	}
	if code := paperboy.ErrorCode(err); code != paperboy.EUNAVAILABLE {
		t.Errorf("code: got %q, want %q", code, paperboy.EUNAVAILABLE)
	}
	msg := err.Error()
	for _, want := range []string{"arxiv", "502", "after 3 attempts", "/api/query"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if strings.Contains(msg, "s3cret") {
		t.Errorf("error %q leaks the token", msg)
	}
	// Backoff doubles: 1s, 2s (half of 2s, 4s with zero jitter).
	want := []time.Duration{time.Second, 2 * time.Second}
	if got := clock.Sleeps(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("sleeps: got %v, want %v", got, want)
	}
}

func TestClientNoRetry(t *testing.T) {
	tests := []struct {
		name   string
		status int
		code   string
	}{
		{"not found", http.StatusNotFound, paperboy.ENOTFOUND},
		{"gone", http.StatusGone, paperboy.ENOTFOUND},
		{"bad request", http.StatusBadRequest, paperboy.EINVALID},
		{"forbidden", http.StatusForbidden, paperboy.EUNAVAILABLE},
		{"not implemented", http.StatusNotImplemented, paperboy.EUNAVAILABLE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.WriteHeader(tt.status)
			}))
			defer srv.Close()
			_, err := newTestClient(clock, ClientOptions{}).Get(context.Background(), Request{Source: "test", URL: srv.URL})
			if code := paperboy.ErrorCode(err); code != tt.code {
				t.Errorf("code: got %q, want %q (err %v)", code, tt.code, err)
			}
			if got := calls.Load(); got != 1 {
				t.Errorf("calls: got %d, want 1", got)
			}
		})
	}
}

func TestClientRetryAfterTooLong(t *testing.T) {
	clock := newFakeClock()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	_, err := newTestClient(clock, ClientOptions{}).Get(context.Background(), Request{Source: "hf", URL: srv.URL})
	if err == nil || !strings.Contains(err.Error(), "retry after 1h0m0s") {
		t.Errorf("got %v, want an error naming the 1h Retry-After", err)
	}
	if got := clock.Sleeps(); len(got) != 0 {
		t.Errorf("sleeps: got %v, want none", got)
	}
}

func TestClientBodyTooLarge(t *testing.T) {
	tests := []struct {
		name    string
		chunked bool
	}{{"content-length", false}, {"chunked", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body := strings.Repeat("x", 2<<20+1)
				if !tt.chunked {
					w.Header().Set("Content-Length", fmt.Sprint(len(body)))
				}
				w.Write([]byte(body[:1000]))
				if tt.chunked {
					w.(http.Flusher).Flush()
				}
				w.Write([]byte(body[1000:]))
			}))
			defer srv.Close()
			_, err := newTestClient(newFakeClock(), ClientOptions{MaxBodyBytes: 2 << 20}).Get(context.Background(), Request{Source: "rss", URL: srv.URL})
			if err == nil || !strings.Contains(err.Error(), "larger than 2 MiB") {
				t.Errorf("got %v, want a 'larger than 2 MiB' error", err)
			}
		})
	}
}

// truncatingServer announces a longer body than it sends, then drops the connection,
// for the first fail requests.
func truncatingServer(t *testing.T, fail int32) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) > fail {
			fmt.Fprint(w, "<feed/>")
			return
		}
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nContent-Type: application/xml\r\n\r\n<feed><entry>")
		buf.Flush()
		conn.Close()
	}))
	return srv, &calls
}

func TestClientTruncatedBody(t *testing.T) {
	t.Run("retried", func(t *testing.T) {
		srv, calls := truncatingServer(t, 1)
		defer srv.Close()
		body, err := newTestClient(newFakeClock(), ClientOptions{}).Get(context.Background(), Request{Source: "rss", URL: srv.URL})
		if err != nil || string(body) != "<feed/>" {
			t.Errorf("got %q, %v, want the full body", body, err)
		}
		if got := calls.Load(); got != 2 {
			t.Errorf("calls: got %d, want 2", got)
		}
	})
	t.Run("always", func(t *testing.T) {
		srv, _ := truncatingServer(t, 100)
		defer srv.Close()
		_, err := newTestClient(newFakeClock(), ClientOptions{MaxAttempts: 2}).Get(context.Background(), Request{Source: "rss", URL: srv.URL})
		if err == nil || !strings.Contains(err.Error(), "truncated") {
			t.Errorf("got %v, want a truncated-body error", err)
		}
		if code := paperboy.ErrorCode(err); code != paperboy.EUNAVAILABLE {
			t.Errorf("code: got %q, want %q", code, paperboy.EUNAVAILABLE)
		}
	})
}

func TestClientConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	clock := newFakeClock()
	_, err = newTestClient(clock, ClientOptions{MaxAttempts: 2}).Get(context.Background(), Request{Source: "hf", URL: "http://" + addr + "/api"})
	if code := paperboy.ErrorCode(err); code != paperboy.EUNAVAILABLE {
		t.Errorf("code: got %q, want %q (err %v)", code, paperboy.EUNAVAILABLE, err)
	}
	if got := len(clock.Sleeps()); got != 1 {
		t.Errorf("sleeps: got %d, want 1 (one retry)", got)
	}
}

func TestClientHeadersAndTimeout(t *testing.T) {
	var ua, accept string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua, accept = r.UserAgent(), r.Header.Get("Accept")
		if r.URL.Path == "/slow" {
			<-r.Context().Done()
			return
		}
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()
	c := newTestClient(newFakeClock(), ClientOptions{Timeout: 50 * time.Millisecond, MaxAttempts: 1})
	if _, err := c.Get(context.Background(), Request{Source: "test", URL: srv.URL, Accept: "application/json"}); err != nil {
		t.Fatal(err)
	}
	if ua != DefaultUserAgent {
		t.Errorf("User-Agent: got %q, want %q", ua, DefaultUserAgent)
	}
	if accept != "application/json" {
		t.Errorf("Accept: got %q, want application/json", accept)
	}
	_, err := c.Get(context.Background(), Request{Source: "test", URL: srv.URL + "/slow"})
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("got %v, want a timeout error", err)
	}
}

func TestClientSpacing(t *testing.T) {
	clock := newFakeClock()
	var times []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		times = append(times, clock.Now())
	}))
	defer srv.Close()
	c := newTestClient(clock, ClientOptions{})
	for range 3 {
		if _, err := c.Get(context.Background(), Request{Source: "arxiv", URL: srv.URL, MinInterval: 3 * time.Second}); err != nil {
			t.Fatal(err)
		}
	}
	// Another source is not held back by arxiv's spacing.
	if _, err := c.Get(context.Background(), Request{Source: "hf", URL: srv.URL, MinInterval: 3 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if len(times) != 4 {
		t.Fatalf("requests: got %d, want 4", len(times))
	}
	for i := 1; i < 3; i++ {
		if gap := times[i].Sub(times[i-1]); gap != 3*time.Second {
			t.Errorf("gap %d: got %v, want 3s", i, gap)
		}
	}
	if gap := times[3].Sub(times[2]); gap != 0 {
		t.Errorf("hf after arxiv: got gap %v, want 0", gap)
	}
}

func TestClientContextCanceled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	clock := newFakeClock()
	c := newTestClient(clock, ClientOptions{})
	c.opts.Sleep = func(ctx context.Context, d time.Duration) error { cancel(); return ctx.Err() }
	_, err := c.Get(ctx, Request{Source: "test", URL: srv.URL})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://export.arxiv.org/api/query?id_list=2401.01234", "https://export.arxiv.org/api/query?id_list=2401.01234"},
		{"https://user:pw@example.org/feed.xml", "https://example.org/feed.xml"},
		{"https://example.org/feed?api_key=abc&x=1", "https://example.org/feed?api_key=REDACTED&x=1"},
		{"https://example.org/feed?Token=abc", "https://example.org/feed?Token=REDACTED"},
		{"://bad", "(unparsable URL)"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := RedactURL(tt.in); got != tt.want {
				t.Errorf("RedactURL(%q): got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestBackoffBounds(t *testing.T) {
	c := NewClient(ClientOptions{BaseDelay: time.Second, MaxDelay: 10 * time.Second})
	for attempt := 1; attempt <= 8; attempt++ {
		full := min(time.Second<<(attempt-1), 10*time.Second)
		for _, j := range []float64{0, 0.5, 0.999} {
			c.opts.Jitter = func() float64 { return j }
			d := c.backoff(attempt)
			if d < full/2 || d > full {
				t.Errorf("backoff(%d) with jitter %v: got %v, want in [%v, %v]", attempt, j, d, full/2, full)
			}
		}
	}
}
