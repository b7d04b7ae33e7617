package slack

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/internal/replay"
)

// runHTTP serves the three Slack endpoints on the listener bound by New.
func (a *Adapter) runHTTP(ctx context.Context, h bot.Handler) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	q := newEvents(a, h)
	done := make(chan struct{})
	go func() { q.run(ctx); close(done) }()

	srv := &http.Server{
		Handler:           a.httpHandler(ctx, h, q),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		BaseContext:       nil,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(a.ln) }()
	a.log.Info("slack http endpoints listening", slog.String("addr", a.Addr()),
		slog.String("commands", PathCommands), slog.String("events", PathEvents), slog.String("interactivity", PathInteractivity))
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer scancel()
	_ = srv.Shutdown(sctx)
	cancel()
	<-done
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return errors.New("slack: http server: " + err.Error())
	}
	return nil
}

// httpHandler routes the Slack endpoints behind size limits and signature checks.
func (a *Adapter) httpHandler(ctx context.Context, h bot.Handler, q *events) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+PathEvents, a.verified(func(w http.ResponseWriter, r *http.Request, body []byte) {
		cb, err := parseEventCallback(body)
		if err != nil {
			http.Error(w, "bad event payload", http.StatusBadRequest)
			return
		}
		if cb.Type == "url_verification" {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]string{"challenge": cb.Challenge})
			return
		}
		retry, _ := strconv.Atoi(r.Header.Get("X-Slack-Retry-Num"))
		q.eventCallback(ctx, cb, retry)
		w.WriteHeader(http.StatusOK)
	}))
	mux.HandleFunc("POST "+PathInteractivity, a.verified(func(w http.ResponseWriter, r *http.Request, body []byte) {
		v, err := url.ParseQuery(string(body))
		if err != nil || v.Get("payload") == "" {
			http.Error(w, "bad interactivity payload", http.StatusBadRequest)
			return
		}
		in, err := parseInteraction([]byte(v.Get("payload")))
		if err != nil {
			http.Error(w, "bad interactivity payload", http.StatusBadRequest)
			return
		}
		q.interaction(ctx, in)
		w.WriteHeader(http.StatusOK)
	}))
	mux.HandleFunc("POST "+PathCommands, a.verified(func(w http.ResponseWriter, r *http.Request, body []byte) {
		sc, err := parseSlashForm(body)
		if err != nil {
			http.Error(w, "bad slash command", http.StatusBadRequest)
			return
		}
		m := a.command(ctx, h, sc)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(m)
	}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	return mux
}

// verified reads the body (413 over MaxBody), checks Slack's v0 signature and the
// 5-minute timestamp window (401 otherwise) and refuses replays (see admit) before
// calling next.
func (a *Adapter) verified(next func(http.ResponseWriter, *http.Request, []byte)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.opts.MaxBody))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "cannot read body", http.StatusBadRequest)
			return
		}
		sig, signedAt, reason := a.verify(r.Header, body)
		if reason != "" {
			a.reject(r, reason)
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		if a.admit(w, r, sig, signedAt) {
			next(w, r, body)
		}
	}
}

func (a *Adapter) reject(r *http.Request, reason string) {
	a.log.Warn("slack request rejected", slog.String("path", r.URL.Path), slog.String("reason", reason),
		slog.String("remote", r.RemoteAddr))
}

// admit records a verified request in the replay guard and reports whether to process it;
// when not, it has answered the request.
//
// A replay is answered 200 and not processed: if it is a copy an attacker captured, they
// learn nothing and nothing happens; if a proxy or Slack itself sent the same request
// twice, the first copy was received and 200 stops further retries. Slack's own Events API
// retries (X-Slack-Retry-Num) are signed afresh, so they pass here and are counted once by
// event_id. A slash command replay gets a short ephemeral note instead of a second run.
func (a *Adapter) admit(w http.ResponseWriter, r *http.Request, sig []byte, signedAt time.Time) bool {
	err := a.replays.Admit(sig, signedAt)
	switch {
	case err == nil:
		return true
	case errors.Is(err, replay.ErrReplay):
		a.log.Warn("slack request replayed; not processed", slog.String("path", r.URL.Path),
			slog.String("remote", r.RemoteAddr), slog.String("retry_num", r.Header.Get("X-Slack-Retry-Num")))
		if r.URL.Path == PathCommands {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(message{ResponseType: "ephemeral", Text: replayText})
			return false
		}
		w.WriteHeader(http.StatusOK)
		return false
	case errors.Is(err, replay.ErrFull):
		// More than replayMax signed requests in 5 minutes: refuse new ones until old ones
		// expire rather than forget a request that could then be replayed.
		a.log.Warn("slack request refused: too many requests in the last 5 minutes to guard against replays",
			slog.String("path", r.URL.Path), slog.Int("limit", replayMax))
		w.Header().Set("Retry-After", "60")
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return false
	}
	a.reject(r, err.Error()) // ErrStale: verify checked the same window
	http.Error(w, "invalid signature", http.StatusUnauthorized)
	return false
}

// replayText answers a replayed slash command.
const replayText = "This request was already received, so it was not run again."

// replayMax bounds the replay guard: at most this many signed requests in 5 minutes (about
// 218 a second, far above one workspace's traffic), about 7 MB when full.
const replayMax = 1 << 16

// signatureWindow is how far a request's timestamp may be from paperboy's clock.
const signatureWindow = 5 * time.Minute

// verify returns the decoded signature and its time when the request is signed with the
// signing secret within the timestamp window (checked against the injected clock and, by
// slack-go, the wall clock); otherwise reason says why not.
func (a *Adapter) verify(h http.Header, body []byte) (sig []byte, signedAt time.Time, reason string) {
	ts, err := strconv.ParseInt(h.Get("X-Slack-Request-Timestamp"), 10, 64)
	if err != nil {
		return nil, time.Time{}, "missing or bad timestamp"
	}
	signedAt = time.Unix(ts, 0)
	if d := a.now().Sub(signedAt); d > signatureWindow || d < -signatureWindow {
		return nil, time.Time{}, "timestamp outside the 5 minute window (check the clock)"
	}
	sv, err := slackapi.NewSecretsVerifier(h, a.opts.SigningSecret)
	if err != nil {
		return nil, time.Time{}, "bad signature headers: " + err.Error()
	}
	if _, err := sv.Write(body); err != nil {
		return nil, time.Time{}, "hash: " + err.Error()
	}
	if err := sv.Ensure(); err != nil {
		return nil, time.Time{}, "signature mismatch"
	}
	// The replay key is the decoded MAC: "v0=AB.." and "v0=ab.." verify alike.
	sig, err = hex.DecodeString(strings.TrimPrefix(h.Get("X-Slack-Signature"), "v0="))
	if err != nil {
		return nil, time.Time{}, "bad signature headers: " + err.Error()
	}
	return sig, signedAt, ""
}
