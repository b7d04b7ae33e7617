package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/paperboy-bot/paperboy/internal/replay"
)

// PathInteractions is the HTTP interactions endpoint's path: the Interactions Endpoint
// URL in the Developer Portal is https://<your host>/discord/interactions.
const PathInteractions = "/discord/interactions"

// maxBody caps an interaction request body (Discord's are a few KB).
const maxBody = 1 << 20

// signatureWindow is how far a request's X-Signature-Timestamp may be from paperboy's clock.
const signatureWindow = 5 * time.Minute

// replayMax bounds the replay guard: at most this many signed requests in 5 minutes.
const replayMax = 1 << 16

// serveHTTP serves the interactions endpoint on the listener bound by New until ctx ends.
func (a *Adapter) serveHTTP(ctx context.Context, r *runner) error {
	srv := &http.Server{
		Handler:           a.httpHandler(r),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(a.in.ln) }()
	a.log.Info("discord interactions endpoint listening", slog.String("addr", a.Addr()), slog.String("path", PathInteractions))
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return errors.New("discord: interactions endpoint: " + err.Error())
	}
	return nil
}

func (a *Adapter) httpHandler(r *runner) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+PathInteractions, func(w http.ResponseWriter, req *http.Request) {
		body, ok := a.verified(w, req)
		if !ok {
			return
		}
		var in interaction
		if err := json.Unmarshal(body, &in); err != nil || in.Type == 0 {
			http.Error(w, "bad interaction payload", http.StatusBadRequest)
			return
		}
		// The initial response is this request's answer; send is called once, in time.
		var once sync.Once
		answered := false
		err := r.interaction(in, func(resp *discordgo.InteractionResponse) error {
			err := errors.New("discord: interaction answered twice")
			once.Do(func() {
				answered = true
				w.Header().Set("Content-Type", "application/json")
				if err = json.NewEncoder(w).Encode(resp); err == nil {
					// Out now: follow-ups may only come after Discord has the response.
					_ = http.NewResponseController(w).Flush()
				}
			})
			return err
		})
		if errors.Is(err, errDuplicate) {
			http.Error(w, "interaction already received", http.StatusConflict)
			return
		}
		if !answered {
			http.Error(w, "interaction not answered", http.StatusBadRequest)
		}
		if err != nil {
			a.log.Warn("discord interaction answer failed", slog.String("interaction_id", in.ID), slog.String("error", err.Error()))
		}
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	return mux
}

// verified reads the body (413 over 1 MiB), checks the Ed25519 signature of timestamp +
// body with the application's public key and the 5-minute timestamp window (401
// otherwise), and refuses replays of an accepted request (401; 503 when the guard is
// full). Discord itself checks that a bad signature gets 401 before it saves the URL.
func (a *Adapter) verified(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return nil, false
		}
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return nil, false
	}
	sig, signedAt, reason := a.verify(r.Header, body)
	if reason != "" {
		a.reject(r, reason)
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return nil, false
	}
	switch err := a.in.replays.Admit(sig, signedAt); {
	case err == nil:
		return body, true
	case errors.Is(err, replay.ErrFull):
		a.log.Warn("discord request refused: too many requests in the last 5 minutes to guard against replays",
			slog.Int("limit", replayMax))
		w.Header().Set("Retry-After", "60")
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return nil, false
	default: // a replay (an interaction is answered once), or stale
		a.reject(r, err.Error())
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return nil, false
	}
}

func (a *Adapter) reject(r *http.Request, reason string) {
	a.log.Warn("discord request rejected", slog.String("path", r.URL.Path), slog.String("reason", reason),
		slog.String("remote", r.RemoteAddr))
}

// verify returns the signature and its time when the request is signed with the
// application's key within the window; otherwise reason says why not.
func (a *Adapter) verify(h http.Header, body []byte) (sig []byte, signedAt time.Time, reason string) {
	tsText := h.Get("X-Signature-Timestamp")
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return nil, time.Time{}, "missing or bad X-Signature-Timestamp"
	}
	signedAt = time.Unix(ts, 0)
	if d := a.now().Sub(signedAt); d > signatureWindow || d < -signatureWindow {
		return nil, time.Time{}, "timestamp outside the 5 minute window (check the clock)"
	}
	sig, err = hex.DecodeString(h.Get("X-Signature-Ed25519"))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, time.Time{}, "missing or bad X-Signature-Ed25519"
	}
	msg := make([]byte, 0, len(tsText)+len(body))
	msg = append(append(msg, tsText...), body...)
	if !ed25519.Verify(a.in.key, msg, sig) {
		return nil, time.Time{}, "signature mismatch (is discord.public_key this application's?)"
	}
	return sig, signedAt, ""
}
