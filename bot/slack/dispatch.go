package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/internal/httpwait"
)

// events delivers bot events to the handler one at a time, in arrival order, after the
// transport has acknowledged them (Slack wants the ack within 3 s whatever we do).
type events struct {
	a  *Adapter
	h  bot.Handler
	ch chan bot.Event
}

func newEvents(a *Adapter, h bot.Handler) *events {
	return &events{a: a, h: h, ch: make(chan bot.Event, 1024)}
}

// run delivers events until ctx ends, then delivers what is queued (with a short grace).
func (q *events) run(ctx context.Context) {
	for {
		select {
		case e := <-q.ch:
			q.deliver(ctx, e)
		case <-ctx.Done():
			grace, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			defer cancel()
			for {
				select {
				case e := <-q.ch:
					q.deliver(grace, e)
				default:
					return
				}
			}
		}
	}
}

func (q *events) deliver(ctx context.Context, e bot.Event) {
	defer func() {
		if r := recover(); r != nil {
			q.a.log.Error("slack event handler panicked", slog.String("kind", e.Kind), slog.Any("panic", r))
		}
	}()
	q.h.HandleEvent(ctx, e)
}

// push queues e unless it was already seen (event id; channel+ts for thread replies).
func (q *events) push(ctx context.Context, e bot.Event) {
	now := q.a.now()
	if e.ID != "" && q.a.seen.Seen("event:"+e.ID, now) {
		q.a.log.Debug("slack duplicate event dropped", slog.String("event_id", e.ID))
		return
	}
	if e.Kind == bot.EventThreadReply && q.a.seen.Seen("msg:"+e.Channel+":"+e.MessageID, now) {
		q.a.log.Debug("slack duplicate message dropped", slog.String("channel", e.Channel), slog.String("ts", e.MessageID))
		return
	}
	select {
	case q.ch <- e:
	case <-ctx.Done():
	}
}

// eventCallback handles one Events API document (already acknowledged).
func (q *events) eventCallback(ctx context.Context, cb eventCallback, retry int) {
	if cb.Type == "app_rate_limited" {
		q.a.log.Warn("slack is dropping events for this app (app_rate_limited)")
		return
	}
	user, botID := q.a.self()
	e, ok := translateEvent(cb, selfIDs{user: user, bot: botID}, q.a.now())
	if !ok {
		return
	}
	if retry > 0 {
		q.a.log.Debug("slack event redelivered", slog.String("event_id", cb.EventID), slog.Int("retry", retry))
	}
	q.push(ctx, e)
}

// interaction handles a block_actions payload (already acknowledged). The bot answers a
// click through the payload's response_url, as a new message only the clicker sees.
func (q *events) interaction(ctx context.Context, in interaction) {
	for _, e := range translateInteraction(in, q.a.now()) {
		if url := in.ResponseURL; url != "" {
			e.Respond = func(ctx context.Context, r bot.Reply) error {
				r.InChannel = false
				return q.a.postResponse(ctx, url, clickAnswer{message: renderReply(r)})
			}
		}
		q.push(ctx, e)
	}
}

// clickAnswer is a response_url message answering a click: replace_original false keeps
// the post (with its buttons) and adds the ephemeral answer below it.
type clickAnswer struct {
	message
	ReplaceOriginal bool `json:"replace_original"`
}

// command runs a slash command and returns the answer to send within Slack's 3 seconds.
// A handler that overruns the budget gets a "working on it" acknowledgement; its answer
// follows through response_url when it arrives.
func (a *Adapter) command(ctx context.Context, h bot.Handler, sc slashCommand) message {
	c := bot.Command{
		Platform: "slack", Channel: sc.ChannelID, User: sc.UserID, UserName: sc.UserName, Text: sc.Text,
	}
	if sc.ResponseURL != "" {
		url := sc.ResponseURL
		c.Respond = func(ctx context.Context, r bot.Reply) error { return a.respond(ctx, url, r) }
	}
	hctx, cancel := context.WithTimeout(ctx, a.opts.AckTimeout)
	done := make(chan bot.Reply, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				a.log.Error("slack command handler panicked", slog.Any("panic", r))
				done <- bot.Reply{Text: "Something went wrong on our side; it has been logged."}
			}
		}()
		actx, acancel := context.WithTimeout(hctx, 700*time.Millisecond)
		c.IsAdmin = a.admins.IsAdmin(actx, a.log, sc.UserID)
		acancel()
		done <- h.HandleCommand(hctx, c)
	}()
	timer := time.NewTimer(a.opts.AckTimeout + 150*time.Millisecond)
	defer timer.Stop()
	select {
	case r := <-done:
		cancel()
		return renderReply(r)
	case <-timer.C:
		a.log.Warn("slack command overran the acknowledgement budget; answering through response_url",
			slog.String("command", sc.Command), slog.Duration("budget", a.opts.AckTimeout))
		go func() {
			r := <-done
			cancel()
			if r.Deferred || c.Respond == nil {
				return
			}
			rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer rcancel()
			if err := c.Respond(rctx, r); err != nil {
				a.log.Warn("slack late command answer failed", slog.String("reason", bot.ClassifySend(err).Reason))
			}
		}()
		return renderReply(bot.Reply{Deferred: true})
	}
}

// respond posts a reply to a response_url (valid for 30 minutes, a few uses).
func (a *Adapter) respond(ctx context.Context, url string, r bot.Reply) error {
	return a.postResponse(ctx, url, renderReply(r))
}

// postResponse posts a message to a response_url.
func (a *Adapter) postResponse(ctx context.Context, url string, m any) error {
	body, err := json.Marshal(m)
	if err != nil {
		return bot.Permanent("invalid_blocks", fmt.Errorf("slack: response_url: %w", err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return bot.Permanent("invalid_response_url", fmt.Errorf("slack: response_url: %w", err))
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	res, err := a.client.Do(req)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return bot.Temporary("timeout", 0, fmt.Errorf("slack: response_url: %w", err))
		}
		return bot.Temporary("network", 0, fmt.Errorf("slack: response_url: %w", err))
	}
	defer res.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	switch {
	case res.StatusCode == http.StatusOK:
		return nil
	case res.StatusCode == http.StatusTooManyRequests:
		return bot.Temporary("rate limited", retryAfterHeader(res.Header.Get("Retry-After")), fmt.Errorf("slack: response_url: %s", res.Status))
	case res.StatusCode >= 500:
		return bot.Temporary(res.Status, 0, fmt.Errorf("slack: response_url: %s", res.Status))
	}
	// 404 used_url / expired_url, 400 invalid payloads: retrying cannot help.
	reason := string(bytes.TrimSpace(msg))
	if reason == "" || len(reason) > 64 {
		reason = res.Status
	}
	return bot.Permanent(reason, fmt.Errorf("slack: response_url: %s", res.Status))
}

// retryAfterHeader is a Retry-After value as a delay (0 when absent or malformed).
func retryAfterHeader(h string) time.Duration {
	d, _ := httpwait.RetryAfter(h, time.Now())
	return d
}
