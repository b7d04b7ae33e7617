package slack

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/paperboy-bot/paperboy/bot"
)

// maxAckPayload keeps Socket Mode acknowledgements under Slack's 20 KB limit; bigger
// answers go through response_url instead.
const maxAckPayload = 18 * 1024

// runSocket connects with Socket Mode (apps.connections.open, then a websocket) and
// acknowledges every envelope promptly. slack-go retries a failed connection with an
// exponential backoff (100 ms doubling to 5 minutes, or Slack's Retry-After); an error
// that retrying cannot fix (a wrong or wrong-kind app token, a missing scope) ends Run
// with the fix instead.
func (a *Adapter) runSocket(ctx context.Context, h bot.Handler) error {
	api := slackapi.New(a.opts.BotToken,
		slackapi.OptionAPIURL(a.opts.APIURL),
		slackapi.OptionHTTPClient(a.client),
		slackapi.OptionAppLevelToken(a.opts.AppToken),
	)
	sm := socketmode.New(api, socketmode.OptionLog(slogWriter{a.log}), socketmode.OptionReadLimit(int64(a.opts.MaxBody)))

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	q := newEvents(a, h)
	var wg sync.WaitGroup
	wg.Go(func() { q.run(ctx) })
	wg.Go(func() { a.socketLoop(ctx, sm, h, q, cancel) })

	err := sm.RunContext(ctx)
	cause := context.Cause(ctx)
	cancel(nil)
	wg.Wait()
	var fatal *connectError
	if errors.As(cause, &fatal) {
		return fatal
	}
	if ctx.Err() != nil && (err == nil || errors.Is(err, context.Canceled)) {
		return nil
	}
	if err == nil {
		return nil
	}
	return newConnectError(err)
}

// connectError is a Socket Mode connection failure with the likely fix.
type connectError struct {
	reason string // Slack's error code, "http 404", "network" ...
	hint   string // what to do about it
	fatal  bool   // retrying cannot help
	err    error
}

func (e *connectError) Error() string {
	return "slack: socket mode: apps.connections.open failed (" + e.reason + "): " + e.hint
}

func (e *connectError) Unwrap() error { return e.err }

// Hints for apps.connections.open failures, by reason (README: Troubleshooting).
const (
	hintAppToken     = "slack.app_token is wrong, revoked or expired; generate a new app-level token (Basic Information → App-Level Tokens) with the scope connections:write"
	hintTokenType    = "slack.app_token is not an app-level token; use the xapp- token from Basic Information → App-Level Tokens, not the bot (xoxb-) or a user (xoxp-) token"
	hintScope        = "the app-level token lacks the scope connections:write; generate a new app-level token with that scope (Basic Information → App-Level Tokens)"
	hintAPIURL       = "nothing answers apps.connections.open at slack.api_url; leave it unset unless you use GovSlack"
	hintRateLimited  = "Slack is rate limiting connection attempts (often several paperboy processes share one app); waiting as Slack asked"
	hintNetwork      = "cannot reach Slack; check DNS, the network and any proxy: paperboy needs outbound HTTPS to slack.com and a websocket to wss-primary.slack.com"
	hintSlackTrouble = "Slack answered with a server error; retrying (see https://slack-status.com)"
	hintUnknown      = "check that Socket Mode is enabled (Settings → Socket Mode) and that slack.app_token is this app's app-level token"
)

// newConnectError classifies an apps.connections.open or websocket dial error.
func newConnectError(err error) *connectError {
	se := classify(err)
	ce := &connectError{reason: se.Reason, err: err}
	switch se.Reason {
	case "invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive":
		ce.hint, ce.fatal = hintAppToken, true
	case "not_allowed_token_type":
		ce.hint, ce.fatal = hintTokenType, true
	case "missing_scope":
		ce.hint, ce.fatal = hintScope, true
	case "http 404":
		ce.hint, ce.fatal = hintAPIURL, true
	case "rate limited":
		ce.hint = hintRateLimited
	case "network", "timeout":
		ce.hint = hintNetwork
	case "internal_error", "fatal_error", "service_unavailable", "request_timeout":
		ce.hint = hintSlackTrouble
	default:
		if strings.HasPrefix(se.Reason, "http 5") {
			ce.hint = hintSlackTrouble
		} else {
			ce.hint = hintUnknown
		}
	}
	return ce
}

// socketLoop reads the socketmode client's events until ctx ends.
// stop ends the connection attempts with the error that makes them pointless.
func (a *Adapter) socketLoop(ctx context.Context, sm *socketmode.Client, h bot.Handler, q *events, stop context.CancelCauseFunc) {
	var cmds sync.WaitGroup
	defer cmds.Wait()
	for {
		var evt socketmode.Event
		select {
		case <-ctx.Done():
			return
		case evt = <-sm.Events:
		}
		switch evt.Type {
		case socketmode.EventTypeConnecting:
			// A (re)connection attempt: not ready until the websocket is open again.
			a.setLink("socket mode connecting")
			if ce, ok := evt.Data.(*slackapi.ConnectingEvent); ok {
				a.log.Debug("slack socket mode connecting", slog.Int("attempt", ce.Attempt))
			}
		case socketmode.EventTypeConnected:
			// The websocket is open: this, not auth.test, is "connected".
			n := 0
			if ce, ok := evt.Data.(*socketmode.ConnectedEvent); ok {
				n = ce.ConnectionCount
			}
			a.setLink("")
			a.log.Info("slack connected", slog.String("mode", ModeSocket), slog.Int("connection", n+1))
		case socketmode.EventTypeConnectionError:
			ev, ok := evt.Data.(*slackapi.ConnectionErrorEvent)
			if !ok {
				continue
			}
			ce := newConnectError(ev.ErrorObj)
			a.setLink("socket mode connection failed: " + ce.reason)
			if ce.fatal {
				a.log.Error("slack socket mode cannot connect", slog.String("reason", ce.reason), slog.String("fix", ce.hint))
				stop(ce)
				continue
			}
			a.log.Warn("slack socket mode connection failed; retrying", slog.String("reason", ce.reason), slog.String("hint", ce.hint),
				slog.Int("attempt", ev.Attempt), slog.Duration("backoff", ev.Backoff))
		case socketmode.EventTypeInvalidAuth:
			// slack-go gives up after this (apps.connections.open answered 404); Run
			// returns the error with its hint.
			a.log.Debug("slack socket mode: invalid auth")
		case socketmode.EventTypeHello:
			a.log.Debug("slack socket mode hello")
		case socketmode.EventTypeDisconnect:
			a.setLink("socket mode reconnecting")
			a.log.Info("slack socket mode: Slack asked to reconnect")
		case socketmode.EventTypeEventsAPI:
			req := evt.Request
			a.ack(ctx, sm, req, nil)
			cb, err := parseEventCallback(req.Payload)
			if err != nil {
				a.log.Warn("slack bad events_api payload", slog.String("error", err.Error()))
				continue
			}
			q.eventCallback(ctx, cb, req.RetryAttempt)
		case socketmode.EventTypeInteractive:
			req := evt.Request
			a.ack(ctx, sm, req, nil)
			in, err := parseInteraction(req.Payload)
			if err != nil {
				a.log.Warn("slack bad interactive payload", slog.String("error", err.Error()))
				continue
			}
			q.interaction(ctx, in)
		case socketmode.EventTypeSlashCommand:
			req := evt.Request
			sc, err := parseSlashJSON(req.Payload)
			if err != nil {
				a.ack(ctx, sm, req, nil)
				a.log.Warn("slack bad slash command payload", slog.String("error", err.Error()))
				continue
			}
			cmds.Go(func() {
				m := a.command(ctx, h, sc)
				if b, err := json.Marshal(m); err == nil && len(b) >= maxAckPayload {
					// Too big for an ack: acknowledge with the text only, send the rest later.
					a.ack(ctx, sm, req, message{ResponseType: m.ResponseType, Text: truncate(m.Text, 3000)})
					return
				}
				a.ack(ctx, sm, req, m)
			})
		case socketmode.EventTypeErrorBadMessage:
			// slack-go could not parse the envelope; acknowledge it anyway so Slack does not
			// redeliver it forever.
			if bm, ok := evt.Data.(*socketmode.ErrorBadMessage); ok {
				var req socketmode.Request
				if json.Unmarshal(bm.Message, &req) == nil && req.EnvelopeID != "" {
					a.ack(ctx, sm, &req, nil)
					// Our own parser only needs the few fields paperboy uses.
					if req.Type == socketmode.RequestTypeEventsAPI {
						if cb, err := parseEventCallback(req.Payload); err == nil {
							q.eventCallback(ctx, cb, req.RetryAttempt)
						}
					}
				}
				a.log.Warn("slack socket mode: slack-go could not parse an envelope", slog.String("type", req.Type), slog.String("error", bm.Cause.Error()))
			}
		case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed:
			a.log.Warn("slack socket mode i/o error", slog.String("event", string(evt.Type)))
		}
	}
}

func (a *Adapter) ack(ctx context.Context, sm *socketmode.Client, req *socketmode.Request, payload any) {
	if req == nil || req.EnvelopeID == "" {
		return
	}
	if err := sm.AckCtx(ctx, req.EnvelopeID, payload); err != nil && ctx.Err() == nil {
		a.log.Warn("slack socket mode ack failed", slog.String("envelope_id", req.EnvelopeID), slog.String("error", err.Error()))
	}
}

// slogWriter lets slack-go's socketmode debug logger write to slog at debug level.
type slogWriter struct{ log *slog.Logger }

func (w slogWriter) Output(_ int, s string) error {
	w.log.Debug("slack socketmode", slog.String("detail", strings.TrimSpace(s)))
	return nil
}
