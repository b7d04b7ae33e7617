package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
// acknowledges every envelope promptly.
func (a *Adapter) runSocket(ctx context.Context, h bot.Handler) error {
	api := slackapi.New(a.opts.BotToken,
		slackapi.OptionAPIURL(a.opts.APIURL),
		slackapi.OptionHTTPClient(a.client),
		slackapi.OptionAppLevelToken(a.opts.AppToken),
	)
	sm := socketmode.New(api, socketmode.OptionLog(slogWriter{a.log}), socketmode.OptionReadLimit(int64(a.opts.MaxBody)))

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	q := newEvents(a, h)
	var wg sync.WaitGroup
	wg.Go(func() { q.run(ctx) })
	wg.Go(func() { a.socketLoop(ctx, sm, h, q) })

	err := sm.RunContext(ctx)
	cancel()
	wg.Wait()
	if ctx.Err() != nil && (err == nil || errors.Is(err, context.Canceled)) {
		return nil
	}
	if err == nil {
		return nil
	}
	return fmt.Errorf("slack: socket mode (check slack.app_token and that Socket Mode is enabled): %s: %w", classify(err).Reason, err)
}

// socketLoop reads the socketmode client's events until ctx ends.
func (a *Adapter) socketLoop(ctx context.Context, sm *socketmode.Client, h bot.Handler, q *events) {
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
			a.log.Debug("slack socket mode connecting")
		case socketmode.EventTypeConnected:
			a.log.Info("slack socket mode connected")
		case socketmode.EventTypeConnectionError:
			if ce, ok := evt.Data.(*slackapi.ConnectionErrorEvent); ok {
				a.log.Warn("slack socket mode connection error", slog.String("reason", classify(ce.ErrorObj).Reason), slog.Duration("backoff", ce.Backoff))
			}
		case socketmode.EventTypeInvalidAuth:
			a.log.Error("slack socket mode: invalid app-level token")
		case socketmode.EventTypeHello:
			a.log.Debug("slack socket mode hello")
		case socketmode.EventTypeDisconnect:
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
