// Package slack connects paperboy's bot to Slack: slash commands, Block Kit paper posts
// with threads, and votes by reaction, button and thread reply, over Socket Mode or over
// HTTP (Events API, slash commands and interactivity endpoints). It is the only package
// that imports slack-go, and it only translates between Slack and package bot.
package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/internal/dedupe"
	"github.com/paperboy-bot/paperboy/internal/replay"
)

// Connection modes.
const (
	ModeSocket = "socket"
	ModeHTTP   = "http"
)

// DefaultAPIURL is Slack's Web API base URL.
const DefaultAPIURL = "https://slack.com/api/"

// HTTP mode request paths (configure them as Request URLs in the Slack app).
const (
	PathCommands      = "/slack/commands"
	PathEvents        = "/slack/events"
	PathInteractivity = "/slack/interactivity"
)

// Options configures an Adapter.
type Options struct {
	BotToken      string // xoxb-...: Web API calls
	AppToken      string // xapp-... with connections:write: Socket Mode
	SigningSecret string // HTTP mode request verification
	Mode          string // "socket" (default) or "http"
	Listen        string // HTTP mode listen address, e.g. ":3000" or "127.0.0.1:0"
	APIURL        string // Web API base URL ending with "/"; default DefaultAPIURL
	Log           *slog.Logger
	Now           func() time.Time
	MaxBody       int64         // HTTP mode request body limit; default 1 MiB
	HTTPClient    *http.Client  // Web API and response_url client; default with a 20 s timeout
	AckTimeout    time.Duration // slash command answer budget; default 2.5 s (Slack allows 3 s)
}

// Adapter is the Slack implementation of bot.Adapter and its optional capabilities.
type Adapter struct {
	api     webAPI
	opts    Options
	log     *slog.Logger
	now     func() time.Time
	client  *http.Client
	ln      net.Listener // HTTP mode, bound by New
	seen    *dedupe.Set
	replays *replay.Guard // HTTP mode: signed requests of the last 5 minutes
	admins  *adminCache
	botUser string // bot user id from auth.test
	botID   string // bot id (B...) from auth.test
	mu      sync.Mutex
	// authRetry is the first wait after an auth.test failure that can pass (1 s).
	authRetry time.Duration
	// link is the connection's state for Connected: "" while up, else why not (unset:
	// not connected yet).
	link atomic.Value
}

var (
	_ bot.Adapter       = (*Adapter)(nil)
	_ bot.Editor        = (*Adapter)(nil)
	_ bot.MessageFinder = (*Adapter)(nil)
	_ bot.Connector     = (*Adapter)(nil)
	_ bot.RateLimiter   = (*Adapter)(nil)
)

// webAPI is the part of slack-go's Web API client the adapter uses.
type webAPI interface {
	AuthTestContext(ctx context.Context) (*slackapi.AuthTestResponse, error)
	PostMessageContext(ctx context.Context, channelID string, options ...slackapi.MsgOption) (string, string, error)
	UpdateMessageContext(ctx context.Context, channelID, timestamp string, options ...slackapi.MsgOption) (string, string, string, error)
	GetConversationHistoryContext(ctx context.Context, params *slackapi.GetConversationHistoryParameters) (*slackapi.GetConversationHistoryResponse, error)
	GetConversationRepliesContext(ctx context.Context, params *slackapi.GetConversationRepliesParameters) (msgs []slackapi.Message, hasMore bool, nextCursor string, err error)
	GetUserInfoContext(ctx context.Context, user string, options ...slackapi.GetUserInfoOption) (*slackapi.User, error)
}

// New checks the options and returns an Adapter. In HTTP mode it binds the listen address
// (see Addr); Run serves it and Close releases it if Run is never called. Errors never
// contain tokens or secrets.
func New(o Options) (*Adapter, error) {
	if o.Mode == "" {
		o.Mode = ModeSocket
	}
	if o.APIURL == "" {
		o.APIURL = DefaultAPIURL
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxBody <= 0 {
		o.MaxBody = 1 << 20
	}
	if o.AckTimeout <= 0 {
		o.AckTimeout = 2500 * time.Millisecond
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 20 * time.Second}
	}
	if !strings.HasPrefix(o.BotToken, "xoxb-") {
		return nil, paperboy.Errorf(paperboy.EINVALID, "slack: the bot token must start with xoxb- (OAuth & Permissions → Bot User OAuth Token)")
	}
	if !strings.HasSuffix(o.APIURL, "/") || !(strings.HasPrefix(o.APIURL, "https://") || strings.HasPrefix(o.APIURL, "http://")) {
		return nil, paperboy.Errorf(paperboy.EINVALID, "slack: api url %q must be an http(s) URL ending with /", o.APIURL)
	}
	switch o.Mode {
	case ModeSocket:
		if !strings.HasPrefix(o.AppToken, "xapp-") {
			return nil, paperboy.Errorf(paperboy.EINVALID, "slack: Socket Mode needs an app-level token starting with xapp- (Basic Information → App-Level Tokens, scope connections:write)")
		}
	case ModeHTTP:
		if o.SigningSecret == "" {
			return nil, paperboy.Errorf(paperboy.EINVALID, "slack: HTTP mode needs the signing secret (Basic Information → App Credentials)")
		}
		if o.Listen == "" {
			return nil, paperboy.Errorf(paperboy.EINVALID, "slack: HTTP mode needs a listen address such as :3000")
		}
	default:
		return nil, paperboy.Errorf(paperboy.EINVALID, "slack: mode %q must be %q or %q", o.Mode, ModeSocket, ModeHTTP)
	}
	a := &Adapter{
		authRetry: time.Second,
		opts:      o,
		log:       o.Log.With(slog.String("platform", "slack")),
		now:       o.Now,
		client:    o.HTTPClient,
		seen:      dedupe.New(20000, time.Hour),
		replays:   replay.New(signatureWindow, replayMax, o.Now),
	}
	a.api = slackapi.New(o.BotToken,
		slackapi.OptionAPIURL(o.APIURL),
		slackapi.OptionHTTPClient(o.HTTPClient),
		slackapi.OptionAppLevelToken(o.AppToken),
	)
	a.admins = newAdminCache(a.api, o.Now, 10*time.Minute)
	if o.Mode == ModeHTTP {
		ln, err := net.Listen("tcp", o.Listen)
		if err != nil {
			return nil, fmt.Errorf("slack: listen on %s: %w", o.Listen, err)
		}
		a.ln = ln
	}
	return a, nil
}

// Platform implements bot.Adapter.
func (a *Adapter) Platform() string { return "slack" }

// Addr is the HTTP mode listener's bound address ("" in Socket Mode).
func (a *Adapter) Addr() string {
	if a.ln == nil {
		return ""
	}
	return a.ln.Addr().String()
}

// Close releases the HTTP listener when Run was never called. Run closes it itself.
func (a *Adapter) Close() error {
	if a.ln == nil {
		return nil
	}
	err := a.ln.Close()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// PostInterval implements bot.RateLimiter: Slack allows about one message per second
// per channel.
func (a *Adapter) PostInterval() time.Duration { return time.Second }

// Run implements bot.Adapter: it learns the bot's own user id (auth.test), then serves
// Socket Mode or HTTP until ctx ends.
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
	if h == nil {
		return errors.New("slack: run: nil handler")
	}
	if err := a.checkToken(ctx); err != nil {
		_ = a.Close()
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	defer a.setLink("stopped")
	if a.opts.Mode == ModeHTTP {
		a.setLink("") // the listener is bound (New) and the token accepted
		return a.runHTTP(ctx, h)
	}
	return a.runSocket(ctx, h)
}

// setLink records the connection's state: "" up, else why not.
func (a *Adapter) setLink(why string) { a.link.Store(why) }

// Connected implements bot.Connector: nil while Socket Mode's websocket is open (or, in
// HTTP mode, while the listener serves), else why not.
func (a *Adapter) Connected(context.Context) error {
	why, _ := a.link.Load().(string)
	if a.link.Load() == nil {
		why = "not connected yet"
	}
	if why != "" {
		return errors.New("slack: " + why)
	}
	return nil
}

// checkToken calls auth.test until it answers. Failures that can pass (the network,
// Slack's server errors, rate limits) are retried with a growing wait (authRetry
// doubling to 5 minutes, or Slack's Retry-After), so that a Slack outage at start does
// not stop the other platforms `paperboy run` serves; a rejected token or a wrong
// api_url is returned at once. It returns ctx's error when ctx ends first.
func (a *Adapter) checkToken(ctx context.Context) error {
	wait := a.authRetry
	for {
		err := a.authTest(ctx)
		if err == nil || ctx.Err() != nil {
			return err
		}
		se := classify(err)
		if se.Permanent {
			return err
		}
		d := max(wait, se.RetryAfter)
		a.log.Warn("slack auth.test failed; retrying", slog.String("reason", se.Reason), slog.Duration("retry_in", d))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
		}
		wait = min(2*wait, 5*time.Minute)
	}
}

func (a *Adapter) authTest(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	res, err := a.api.AuthTestContext(ctx)
	if err != nil {
		se := classify(err)
		return fmt.Errorf("slack: auth.test (check slack.bot_token): %s: %w", se.Reason, err)
	}
	a.mu.Lock()
	a.botUser, a.botID = res.UserID, res.BotID
	a.mu.Unlock()
	// Not "connected" yet: Socket Mode logs that when its websocket is open.
	a.log.Info("slack bot token ok", slog.String("team", res.Team), slog.String("bot_user", res.UserID), slog.String("mode", a.opts.Mode))
	return nil
}

func (a *Adapter) self() (user, botID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.botUser, a.botID
}

// Post implements bot.Adapter: a Block Kit message carrying the delivery key in its
// metadata. Its ts is both the message id and the thread id.
func (a *Adapter) Post(ctx context.Context, channel string, p bot.Post) (bot.PostRef, error) {
	blocks, text := renderPost(p)
	opts := []slackapi.MsgOption{
		slackapi.MsgOptionText(text, false),
		slackapi.MsgOptionBlocks(blocks...),
		slackapi.MsgOptionDisableLinkUnfurl(),
	}
	if p.Key != "" {
		payload := map[string]any{"key": p.Key}
		if p.Paper != nil {
			payload["paper_id"] = p.Paper.ID
		}
		opts = append(opts, slackapi.MsgOptionMetadata(slackapi.SlackMetadata{EventType: metadataEventType, EventPayload: payload}))
	}
	_, ts, err := a.api.PostMessageContext(ctx, channel, opts...)
	if err != nil {
		return bot.PostRef{}, a.sendErr("chat.postMessage", channel, err)
	}
	return bot.PostRef{MessageID: ts, ThreadID: ts}, nil
}

// Send implements bot.Adapter: a plain mrkdwn message, in a thread when m.ThreadID is
// set, carrying m.Key in its metadata.
func (a *Adapter) Send(ctx context.Context, channel string, m bot.Message) (string, error) {
	mr := truncate(Mrkdwn(m.Text), maxPlainText)
	if strings.TrimSpace(mr) == "" {
		return "", bot.Permanent("no_text", errors.New("slack: send: empty message"))
	}
	opts := []slackapi.MsgOption{slackapi.MsgOptionText(mr, false), slackapi.MsgOptionDisableLinkUnfurl()}
	if m.ThreadID != "" {
		opts = append(opts, slackapi.MsgOptionTS(m.ThreadID))
	}
	if m.Key != "" {
		opts = append(opts, slackapi.MsgOptionMetadata(slackapi.SlackMetadata{EventType: messageEventType,
			EventPayload: map[string]any{"key": m.Key}}))
	}
	_, ts, err := a.api.PostMessageContext(ctx, channel, opts...)
	if err != nil {
		return "", a.sendErr("chat.postMessage", channel, err)
	}
	return ts, nil
}

// Edit implements bot.Editor with chat.update (vote counts, a later summary).
func (a *Adapter) Edit(ctx context.Context, channel string, ref bot.PostRef, p bot.Post) error {
	if ref.MessageID == "" {
		return bot.Permanent("message_not_found", errors.New("slack: edit: no message id"))
	}
	blocks, text := renderPost(p)
	_, _, _, err := a.api.UpdateMessageContext(ctx, channel, ref.MessageID,
		slackapi.MsgOptionText(text, false), slackapi.MsgOptionBlocks(blocks...))
	if err != nil {
		return a.sendErr("chat.update", channel, err)
	}
	return nil
}

// FindMessage implements bot.MessageFinder. It matches the key in paperboy's message
// metadata: among the channel's messages since the given time (conversations.history)
// or, with threadID, among that thread's replies (conversations.replies, which returns
// the thread's parent first). Both need the channels:history (groups:history) scope and
// read at most 20 pages of 200 messages.
func (a *Adapter) FindMessage(ctx context.Context, channel, threadID, key string, since time.Time) (bot.PostRef, bool, error) {
	oldest := slackTS(since.Add(-time.Minute))
	cursor := ""
	for page := 0; page < 20; page++ {
		var msgs []slackapi.Message
		var more bool
		var err error
		method := "conversations.history"
		if threadID == "" {
			var res *slackapi.GetConversationHistoryResponse
			res, err = a.api.GetConversationHistoryContext(ctx, &slackapi.GetConversationHistoryParameters{
				ChannelID: channel, Oldest: oldest, Inclusive: true, Limit: 200, IncludeAllMetadata: true, Cursor: cursor})
			if err == nil {
				msgs, more, cursor = res.Messages, res.HasMore, res.ResponseMetaData.NextCursor
			}
		} else {
			method = "conversations.replies"
			msgs, more, cursor, err = a.api.GetConversationRepliesContext(ctx, &slackapi.GetConversationRepliesParameters{
				ChannelID: channel, Timestamp: threadID, Oldest: oldest, Inclusive: true, Limit: 200, IncludeAllMetadata: true, Cursor: cursor})
		}
		if err != nil {
			return bot.PostRef{}, false, a.sendErr(method, channel, err)
		}
		for _, m := range msgs {
			if t := m.Metadata.EventType; t != metadataEventType && t != messageEventType || (threadID != "" && m.Timestamp == threadID) {
				continue // not paperboy's, or the thread's parent
			}
			if k, _ := m.Metadata.EventPayload["key"].(string); k == key {
				if threadID == "" {
					return bot.PostRef{MessageID: m.Timestamp, ThreadID: m.Timestamp}, true, nil
				}
				return bot.PostRef{MessageID: m.Timestamp, ThreadID: threadID}, true, nil
			}
		}
		if !more || cursor == "" {
			break
		}
	}
	return bot.PostRef{}, false, nil
}

// slackTS formats t as a Slack timestamp ("1700000000.000000").
func slackTS(t time.Time) string {
	if t.IsZero() || t.Unix() < 0 {
		return "0"
	}
	return strconv.FormatInt(t.Unix(), 10) + "." + fmt.Sprintf("%06d", t.Nanosecond()/1000)
}

// sendErr classifies err and logs permanent failures once, without secrets.
func (a *Adapter) sendErr(method, channel string, err error) error {
	se := classify(err)
	se.Err = fmt.Errorf("slack: %s %s: %w", method, channel, se.Err)
	lvl := slog.LevelWarn
	if !se.Permanent {
		lvl = slog.LevelInfo
	}
	a.log.Log(context.Background(), lvl, "slack call failed", slog.String("method", method), slog.String("channel", channel),
		slog.String("reason", se.Reason), slog.Bool("permanent", se.Permanent), slog.Duration("retry_after", se.RetryAfter))
	return se
}

// permanentCodes are Slack error codes that retrying cannot fix.
var permanentCodes = map[string]bool{
	"channel_not_found": true, "not_in_channel": true, "is_archived": true,
	"invalid_auth": true, "account_inactive": true, "token_revoked": true, "token_expired": true,
	"not_authed": true, "missing_scope": true, "no_permission": true, "restricted_action": true,
	"msg_too_long": true, "no_text": true, "invalid_blocks": true, "invalid_blocks_format": true,
	"invalid_metadata_format": true, "invalid_metadata_schema": true, "too_many_attachments": true,
	"message_not_found": true, "cant_update_message": true, "edit_window_closed": true,
	"ekm_access_denied": true, "team_access_not_granted": true, "user_not_found": true,
	"invalid_arguments": true, "channel_is_archived": true, "thread_not_found": true,
}

// classify maps a slack-go error to a bot.SendError: rate limits and server or network
// trouble are temporary, configuration and content problems permanent.
func classify(err error) *bot.SendError {
	var se *bot.SendError
	if errors.As(err, &se) {
		return se
	}
	var rl *slackapi.RateLimitedError
	if errors.As(err, &rl) {
		return &bot.SendError{Reason: "rate limited", RetryAfter: rl.RetryAfter, Err: err}
	}
	var resp slackapi.SlackErrorResponse
	if errors.As(err, &resp) {
		code := resp.Err
		if code == "ratelimited" {
			return &bot.SendError{Reason: "rate limited", Err: err}
		}
		return &bot.SendError{Permanent: permanentCodes[code], Reason: code, Err: err}
	}
	var sc slackapi.StatusCodeError
	if errors.As(err, &sc) {
		switch {
		case sc.Code == http.StatusTooManyRequests:
			return &bot.SendError{Reason: "rate limited", Err: err}
		case sc.Code >= 500, sc.Code == http.StatusRequestTimeout:
			return &bot.SendError{Reason: "http " + strconv.Itoa(sc.Code), Err: err}
		case sc.Code == http.StatusNotFound, sc.Code == http.StatusUnauthorized, sc.Code == http.StatusForbidden:
			return &bot.SendError{Permanent: true, Reason: "http " + strconv.Itoa(sc.Code), Err: err}
		}
		return &bot.SendError{Reason: "http " + strconv.Itoa(sc.Code), Err: err}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &bot.SendError{Reason: "timeout", Err: err}
	}
	return &bot.SendError{Reason: "network", Err: err}
}
