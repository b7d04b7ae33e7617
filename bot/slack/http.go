package slack

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/paperboy-bot/paperboy/bot"
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

// verified reads the body (413 over MaxBody) and checks Slack's v0 signature and the
// 5-minute timestamp window (401 otherwise) before calling next.
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
		if reason := a.verify(r.Header, body); reason != "" {
			a.log.Warn("slack request rejected", slog.String("path", r.URL.Path), slog.String("reason", reason),
				slog.String("remote", r.RemoteAddr))
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		next(w, r, body)
	}
}

// verify returns "" when the request is signed with the signing secret within the
// timestamp window (checked against the injected clock and, by slack-go, the wall clock).
func (a *Adapter) verify(h http.Header, body []byte) string {
	ts, err := strconv.ParseInt(h.Get("X-Slack-Request-Timestamp"), 10, 64)
	if err != nil {
		return "missing or bad timestamp"
	}
	if d := a.now().Sub(time.Unix(ts, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return "timestamp outside the 5 minute window (check the clock)"
	}
	sv, err := slackapi.NewSecretsVerifier(h, a.opts.SigningSecret)
	if err != nil {
		return "bad signature headers: " + err.Error()
	}
	if _, err := sv.Write(body); err != nil {
		return "hash: " + err.Error()
	}
	if err := sv.Ensure(); err != nil {
		return "signature mismatch"
	}
	return ""
}
