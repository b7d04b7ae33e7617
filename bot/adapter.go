package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// Adapter connects the bot to one chat platform. Implementations: bot/shell (terminal),
// bot/slack, and the fault-injecting test adapter. Messages use a small neutral markup
// (CommonMark subset: **bold**, _italic_, `code`, ``` blocks (CodeBlock), [text](url),
// "- " bullets); each adapter converts it (Slack mrkdwn, Discord markdown, plain text).
//
// Errors returned by Post, Reply and the optional capabilities are classified with
// Temporary (retry, optionally after a platform-given delay) and Permanent (never retry:
// unknown channel, not a member, message too large after truncation ...). Unclassified
// errors are treated as temporary.
type Adapter interface {
	// Platform is the platform name used in channel keys: "shell", "slack", "discord".
	Platform() string
	// Run connects and delivers incoming commands and events to h until ctx ends. It
	// returns nil when ctx is cancelled and an error when the connection cannot be made.
	// It retries failures that can pass (the network, the platform's server errors and
	// rate limits) itself: one `paperboy run` serves several platforms, and an error Run
	// returns (a rejected token, a listen address in use) stops all of them.
	Run(ctx context.Context, h Handler) error
	// Post publishes a paper announcement in a channel (platform channel id, not the key)
	// and opens a thread on it. It returns the ids needed to reply in the thread and to
	// attribute votes.
	Post(ctx context.Context, channel string, p Post) (PostRef, error)
	// Send writes a plain message in a channel, or in a thread when m.ThreadID is set
	// (thread replies: abstract, summary; digests; notices).
	Send(ctx context.Context, channel string, m Message) (messageID string, err error)
}

// Message is a plain message the bot sends.
type Message struct {
	ThreadID string // "" = in the channel
	Text     string
	// Key identifies the message for exactly-once delivery ("pb-d12-abstract"; "" for
	// notices). Adapters that are MessageFinders store it with the message (Slack
	// metadata, the terminal's post log) so FindMessage can find it after a crash.
	Key string
}

// Post is a paper announcement as the bot wants it shown; adapters render it (Block Kit,
// embeds, text) within their platform's limits, truncating rather than failing.
type Post struct {
	Paper   *paperboy.Paper
	Summary string // short summary or abstract snippet ("" = none yet)
	Reason  string // why it was posted: "cs.LG · mixture of experts" (subscription filter)
	Tally   paperboy.Tally
	// Key identifies the delivery ("pb-d123"); adapters that are MessageFinders store it
	// with the message (Slack metadata, the terminal's post log) so FindMessage can find it
	// after a crash.
	Key string
}

// PostRef identifies a posted message and its thread.
type PostRef struct {
	MessageID string
	ThreadID  string // "" when the platform has no threads; replies then go to the channel
}

// Connector is an optional capability of adapters that hold a connection to their
// platform (a websocket, a listener): Connected returns nil while it is up, else why
// not. The ops listener's readiness check asks it; it must be cheap (no platform call
// beyond a loopback ping).
type Connector interface {
	Connected(ctx context.Context) error
}

// Handler receives what users do. The bot implements it.
type Handler interface {
	// HandleCommand answers a slash command. It returns within the platform's
	// acknowledgement window (about 2.5 s; ctx carries the deadline): slow work returns
	// a Reply with Deferred set and later calls c.Respond.
	HandleCommand(ctx context.Context, c Command) Reply
	// HandleEvent records a reaction, button click or thread reply. Events carry an ID
	// for dedupe; redelivered events count once.
	HandleEvent(ctx context.Context, e Event)
}

// Command is a slash command ("/papers search ...": Text is "search ...").
type Command struct {
	Platform string
	Channel  string // platform channel id
	User     string // platform user id
	UserName string
	Text     string
	IsAdmin  bool // the adapter's knowledge of the user's role (workspace admin/owner)
	// Respond sends a later reply (Slack response_url, Discord follow-up). Nil when the
	// platform has no such channel; the bot then uses Adapter.Send.
	Respond func(ctx context.Context, r Reply) error
}

// Reply is the answer to a command.
type Reply struct {
	Text string
	// InChannel makes the reply visible to everyone; otherwise only the asker sees it
	// where the platform can do that (Slack ephemeral, Discord ephemeral flag).
	InChannel bool
	// Deferred means "working on it": the real answer follows through Command.Respond.
	Deferred bool
	// Papers, when set, are the papers the reply lists, in order, so adapters can add
	// per-result controls (Slack "share in channel" buttons).
	Papers []*paperboy.Paper
}

// Event kinds.
const (
	EventReactionAdded   = "reaction_added"
	EventReactionRemoved = "reaction_removed"
	EventButton          = "button"       // Action: "upvote", "downvote", "read_later", "not_relevant", "share"
	EventThreadReply     = "thread_reply" // Text: the reply ("+1", "-1", or discussion)
)

// Event is something a user did on a post or in its thread.
type Event struct {
	ID        string // platform event id for dedupe ("" = use Kind+Channel+MessageID+User+Reaction)
	Kind      string
	Platform  string
	Channel   string // platform channel id
	MessageID string // the post the event is on (reactions, buttons), or the reply's own id
	ThreadID  string // thread the reply is in (thread replies)
	User      string
	Reaction  string // emoji name without colons ("+1", "thumbsup", "arrow_up")
	Action    string // button action
	Value     string // button value (paper id for per-result buttons)
	Text      string // thread reply text
	At        time.Time
	// Respond answers the user who acted, visible to them only (Slack: the interaction's
	// response_url, ephemeral; Discord: an ephemeral interaction reply). Adapters set it
	// for button clicks; nil when the platform has no such answer, and the bot is silent.
	Respond func(ctx context.Context, r Reply) error
}

// Optional capabilities, found by type assertion on the Adapter.

// Editor can change a posted message (vote counts, a summary that arrived later).
type Editor interface {
	Edit(ctx context.Context, channel string, ref PostRef, p Post) error
}

// MessageFinder can look a message up by the key it was sent with (Post.Key,
// Message.Key), so that after a crash or a lost answer the dispatcher can tell "sent but
// not recorded" from "never sent" and send every message once.
type MessageFinder interface {
	// FindMessage looks for the message carrying key in channel: among the replies of
	// thread threadID when it is set, else among the channel's own messages, sent at or
	// after since. It returns found=false when there is none. Errors are classified like
	// Post's.
	FindMessage(ctx context.Context, channel, threadID, key string, since time.Time) (ref PostRef, found bool, err error)
}

// RateLimiter tells the dispatcher the platform's sustained posting rate.
type RateLimiter interface {
	// PostInterval is the minimum gap between posts to one channel (Slack: 1 s).
	PostInterval() time.Duration
}

// SendError classifies a failed platform call.
type SendError struct {
	Permanent  bool
	RetryAfter time.Duration // the platform's Retry-After, when it gave one
	Reason     string        // short, user-safe ("channel_not_found", "rate limited")
	Err        error
}

func (e *SendError) Error() string {
	kind := "temporary"
	if e.Permanent {
		kind = "permanent"
	}
	return fmt.Sprintf("%s send error (%s): %v", kind, e.Reason, e.Err)
}

func (e *SendError) Unwrap() error { return e.Err }

// ReasonUnauthorized is the Reason of a permanent SendError for a token the platform
// rejects (HTTP 401, invalid_auth): `paperboy run` stops on it rather than go on without
// the platform.
const ReasonUnauthorized = "unauthorized"

// Temporary wraps err as retryable, after retryAfter when the platform said so.
func Temporary(reason string, retryAfter time.Duration, err error) error {
	return &SendError{Reason: reason, RetryAfter: retryAfter, Err: err}
}

// Permanent wraps err as never retryable.
func Permanent(reason string, err error) error {
	return &SendError{Permanent: true, Reason: reason, Err: err}
}

// ClassifySend returns the SendError in err's chain, or a temporary one for other errors.
func ClassifySend(err error) *SendError {
	var se *SendError
	if errors.As(err, &se) {
		return se
	}
	return &SendError{Reason: "error", Err: err}
}
