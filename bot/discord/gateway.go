package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/internal/dedupe"
	"github.com/paperboy-bot/paperboy/internal/replay"
)

// inbound is the state of the inbound half (Gateway session, interactions, HTTP endpoint).
type inbound struct {
	mu      sync.Mutex
	self    string  // the bot's user id, from READY: its own reactions and messages are ignored
	session string  // the Gateway session id, from READY (with the sequence number, the id of a reaction)
	run     *runner // the running Run, nil outside it
	seen    *dedupe.Set
	// ackBudget is how long a command may run before it is answered "thinking…"
	// (defaultAckBudget; tests shorten it).
	ackBudget time.Duration

	ln      net.Listener      // HTTP interactions endpoint (Options.Listen), bound by New
	key     ed25519.PublicKey // Options.PublicKey
	replays *replay.Guard
}

// Gateway intents paperboy asks for: guilds (channels and threads, to map a thread to its
// channel), guild messages (thread replies) and guild message reactions (votes). Message
// Content (privileged) only when Options.MessageContent: without it replies arrive with
// empty content and count as discussion, not as +1 / -1 votes.
const baseIntents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsGuildMessageReactions

// intents returns the Gateway intents the adapter identifies with.
func (a *Adapter) intents() discordgo.Intent {
	if a.opts.MessageContent {
		return baseIntents | discordgo.IntentsMessageContent
	}
	return baseIntents
}

// initInbound prepares the inbound half; New calls it. It binds the HTTP interactions
// endpoint when Options.Listen is set (see Addr; Run serves it, Close releases it).
func (a *Adapter) initInbound() error {
	a.in.seen = dedupe.New(20000, time.Hour)
	a.in.ackBudget = defaultAckBudget
	if k := strings.TrimSpace(a.opts.PublicKey); k != "" {
		b, err := hex.DecodeString(k)
		if err != nil || len(b) != ed25519.PublicKeySize {
			return paperboy.Errorf(paperboy.EINVALID, "discord: the public key must be the 64 hex digits shown under Developer Portal → General Information → Public Key")
		}
		a.in.key = ed25519.PublicKey(b)
	}
	s := a.session
	s.Identify.Intents = a.intents()
	s.SyncEvents = true // events reach the handler in Gateway order (votes: add before remove)
	s.ShouldReconnectOnError = true
	s.StateEnabled = true // channels and threads, to find a thread's channel
	st := s.State
	st.TrackMembers, st.TrackPresences, st.TrackVoice, st.TrackEmojis, st.TrackRoles, st.TrackThreadMembers = false, false, false, false, false, false
	s.AddHandler(a.onGatewayEvent)
	if a.opts.Listen != "" {
		if a.in.key == nil {
			return paperboy.Errorf(paperboy.EINVALID, "discord: the HTTP interactions endpoint (discord.listen) needs discord.public_key (Developer Portal → General Information → Public Key)")
		}
		ln, err := net.Listen("tcp", a.opts.Listen)
		if err != nil {
			return fmt.Errorf("discord: listen on %s: %w", a.opts.Listen, err)
		}
		a.in.ln = ln
		a.in.replays = replay.New(signatureWindow, replayMax, a.now)
	}
	return nil
}

// Addr is the HTTP interactions endpoint's bound address ("" without Options.Listen).
func (a *Adapter) Addr() string {
	if a.in.ln == nil {
		return ""
	}
	return a.in.ln.Addr().String()
}

// Close releases the HTTP listener when Run was never called; Run closes it itself.
func (a *Adapter) Close() error {
	if a.in.ln == nil {
		return nil
	}
	if err := a.in.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}

// Run implements bot.Adapter: it opens the Gateway session (and serves the HTTP
// interactions endpoint when configured) and delivers commands and events to h until ctx
// ends. discordgo reconnects and resumes on its own; resumed events are replayed by
// Discord and counted once. Run returns nil when ctx ends and an error naming the fix
// when Discord refuses the session (bad token, Message Content intent not enabled).
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
	if h == nil {
		return errors.New("discord: run: nil handler")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := &runner{a: a, h: h, ctx: ctx, events: make(chan bot.Event, 1024)}
	a.in.mu.Lock()
	if a.in.run != nil {
		a.in.mu.Unlock()
		return errors.New("discord: run: already running")
	}
	a.in.run = r
	a.in.mu.Unlock()
	defer func() {
		a.in.mu.Lock()
		a.in.run = nil
		a.in.mu.Unlock()
	}()
	delivered := make(chan struct{})
	go func() { r.deliver(); close(delivered) }()
	var httpDone chan error // nil (never ready) without the HTTP endpoint
	if a.in.ln != nil {
		httpDone = make(chan error, 1)
		go func() { httpDone <- a.serveHTTP(ctx, r) }()
	}
	finish := func(err error, httpEnded bool) error {
		cancel()
		if httpDone != nil && !httpEnded {
			if herr := <-httpDone; err == nil {
				err = herr
			}
		}
		<-delivered
		r.mu.Lock()
		r.closed = true
		r.mu.Unlock()
		r.wg.Wait()
		return err
	}
	// A refusal (bad token, intents) ends Run; trouble that can pass (network, 5xx, a
	// rate limit on /gateway/bot) is retried with a growing wait, so one platform's outage
	// does not stop the others (the bot.Adapter.Run contract).
	for wait := time.Second; ; wait = min(2*wait, 5*time.Minute) {
		err := a.session.Open()
		if err == nil {
			break
		}
		if gatewayRefused(err) {
			return finish(gatewayError(err), false)
		}
		a.log.Warn("discord gateway connection failed; retrying", slog.String("error", gatewayError(err).Error()), slog.Duration("backoff", wait))
		select {
		case <-ctx.Done():
			return finish(nil, false)
		case <-time.After(wait):
		}
	}
	a.log.Info("discord gateway connected", slog.Int("intents", int(a.intents())), slog.Bool("message_content", a.opts.MessageContent))
	var err error
	httpEnded := false
	select {
	case <-ctx.Done():
	case err = <-httpDone:
		httpEnded = true
	}
	_ = a.session.Close()
	return finish(err, httpEnded)
}

// gatewayRefused reports whether opening the Gateway failed for a reason that trying
// again cannot fix: a close code for a bad token, shard or intents (4004, 4010-4014), or a
// permanent REST answer (401, 403, 404) to GET /gateway/bot.
func gatewayRefused(err error) bool {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code == 4004 || (ce.Code >= 4010 && ce.Code <= 4014)
	}
	var re *discordgo.RESTError
	return errors.As(err, &re) && classifyREST(err).Permanent
}

// gatewayError turns the Gateway's refusals into errors that say what to change.
func gatewayError(err error) error {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		switch ce.Code {
		case 4004:
			return errors.New("discord: the Gateway refused the bot token (close 4004 authentication failed): " +
				"put the current token in discord.token (Developer Portal → your application → Bot → Reset Token)")
		case 4014:
			return errors.New("discord: the Gateway refused the intents (close 4014 disallowed intents): discord.message_content " +
				"asks for the Message Content intent, which is not enabled for this bot; enable it under Developer Portal → Bot → " +
				"Privileged Gateway Intents, or set discord.message_content = false (reactions and buttons still count votes)")
		case 4013:
			return errors.New("discord: the Gateway refused the intents (close 4013 invalid intents); this is a bug in paperboy")
		}
		return fmt.Errorf("discord: the Gateway closed the connection (close %d %s)", ce.Code, ce.Text)
	}
	if se := classifyREST(err); se.Reason == bot.ReasonUnauthorized {
		return errors.New("discord: Discord refused the bot token (401): put the current token in discord.token " +
			"(Developer Portal → your application → Bot → Reset Token)")
	}
	return fmt.Errorf("discord: open the Gateway (check discord.api_url and the network): %w", err)
}

// runner is one Run: the handler and the ordered queue of events for it.
type runner struct {
	a      *Adapter
	h      bot.Handler
	ctx    context.Context
	events chan bot.Event
	wg     sync.WaitGroup // interactions and follow-ups in flight

	mu     sync.Mutex
	closed bool // Run is ending: no new interaction goroutines
}

// spawn runs f on its own goroutine, tracked by wg, unless Run is ending.
func (r *runner) spawn(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		f()
	}()
}

func (a *Adapter) runner() *runner {
	a.in.mu.Lock()
	defer a.in.mu.Unlock()
	return a.in.run
}

// onGatewayEvent receives every Gateway dispatch in order (SyncEvents): it must not block
// for long, so events are queued and interactions answered on their own goroutines.
func (a *Adapter) onGatewayEvent(_ *discordgo.Session, e *discordgo.Event) {
	if e.Operation != 0 {
		return
	}
	if rd, ok := e.Struct.(*discordgo.Ready); ok && e.Type == "READY" {
		a.in.mu.Lock()
		a.in.session = rd.SessionID
		if rd.User != nil {
			a.in.self = rd.User.ID
		}
		a.in.mu.Unlock()
		return
	}
	r := a.runner()
	if r == nil {
		return
	}
	a.in.mu.Lock()
	self, session := a.in.self, a.in.session
	a.in.mu.Unlock()
	switch e.Type {
	case "MESSAGE_REACTION_ADD", "MESSAGE_REACTION_REMOVE":
		ev, ok := translateReaction(e.Type, e.RawData, self)
		if !ok {
			return
		}
		// A reaction has no id of its own: the session and sequence number identify it,
		// and a resumed session replays missed events with their original numbers.
		ev.ID = fmt.Sprintf("rx:%s:%d", session, e.Sequence)
		ev.At = a.now()
		r.push(ev)
	case "MESSAGE_CREATE":
		ev, ok := translateMessage(e.RawData, self)
		if !ok {
			return
		}
		ev.At = a.now()
		r.push(ev)
	case "INTERACTION_CREATE":
		var in interaction
		if err := json.Unmarshal(e.RawData, &in); err != nil {
			a.log.Warn("discord interaction not understood", slog.String("error", err.Error()))
			return
		}
		r.spawn(func() {
			err := r.interaction(in, func(resp *discordgo.InteractionResponse) error {
				ctx, cancel := context.WithTimeout(r.ctx, 3*time.Second)
				defer cancel()
				return a.session.InteractionRespond(&discordgo.Interaction{ID: in.ID, AppID: in.ApplicationID, Token: in.Token},
					resp, discordgo.WithContext(ctx))
			})
			if err != nil && !errors.Is(err, errDuplicate) {
				a.log.Warn("discord interaction answer failed", slog.String("interaction_id", in.ID), slog.String("reason", classifyREST(err).Reason))
			}
		})
	}
}

// push queues e for the handler unless its id was seen (a replayed or redelivered event).
func (r *runner) push(e bot.Event) {
	if e.ID != "" && r.a.in.seen.Seen(e.ID, r.a.now()) {
		r.a.log.Debug("discord duplicate event dropped", slog.String("event_id", e.ID))
		return
	}
	select {
	case r.events <- e:
	case <-r.ctx.Done():
	}
}

// deliver hands queued events to the handler one at a time, in Gateway order, after
// mapping threads to their channel; at the end it delivers what is queued (2 s grace).
func (r *runner) deliver() {
	for {
		select {
		case e := <-r.events:
			r.deliverOne(r.ctx, e)
		case <-r.ctx.Done():
			grace, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), 2*time.Second)
			defer cancel()
			for {
				select {
				case e := <-r.events:
					r.deliverOne(grace, e)
				default:
					return
				}
			}
		}
	}
}

func (r *runner) deliverOne(ctx context.Context, e bot.Event) {
	defer func() {
		if p := recover(); p != nil {
			r.a.log.Error("discord event handler panicked", slog.String("kind", e.Kind), slog.Any("panic", p))
		}
	}()
	if !r.a.placeEvent(ctx, &e) {
		return
	}
	r.h.HandleEvent(ctx, e)
}

// placeEvent maps an event in a thread to the channel the post belongs to: a reaction on
// a forum post's starter message, or a click on it, arrives with the thread as channel; a
// reply arrives with the thread as channel and becomes a reply in ThreadID of the parent.
// A message outside a thread is not a reply and is dropped (false).
func (a *Adapter) placeEvent(ctx context.Context, e *bot.Event) bool {
	info, ok := a.threadInfo(ctx, e.Channel)
	if e.Kind == bot.EventThreadReply {
		if !ok || !info.thread {
			return false
		}
		e.ThreadID, e.Channel = e.Channel, info.parent
		return true
	}
	if ok && info.thread && info.parent != "" {
		e.Channel = info.parent
	}
	return true
}

// threadInfo says whether a channel is a thread and of which channel.
type threadInfo struct {
	thread bool
	parent string
}

// threadInfo looks a channel up in the Gateway state (GUILD_CREATE, THREAD_CREATE ...),
// then through the outbound half's cached REST lookup (channel). ok is false when it
// cannot be found.
func (a *Adapter) threadInfo(ctx context.Context, id string) (threadInfo, bool) {
	if id == "" {
		return threadInfo{}, false
	}
	if ch, err := a.session.State.Channel(id); err == nil {
		return threadInfo{thread: ch.IsThread(), parent: ch.ParentID}, true
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	info, err := a.channel(cctx, id)
	if err != nil {
		a.log.Debug("discord channel lookup failed", slog.String("channel", id), slog.String("reason", classifyREST(err).Reason))
		return threadInfo{}, false
	}
	return threadInfo{thread: info.isThread(), parent: info.ParentID}, true
}

// reactionPayload is MESSAGE_REACTION_ADD / MESSAGE_REACTION_REMOVE's data.
type reactionPayload struct {
	UserID    string `json:"user_id"`
	ChannelID string `json:"channel_id"`
	MessageID string `json:"message_id"`
	GuildID   string `json:"guild_id"`
	Emoji     struct {
		ID   *string `json:"id"`
		Name string  `json:"name"`
	} `json:"emoji"`
	Member *struct {
		User struct {
			Bot bool `json:"bot"`
		} `json:"user"`
	} `json:"member"`
}

// translateReaction maps a reaction dispatch to a bot event on the message (the post, or
// a forum post's starter message); ok is false for the bot's own reactions, other bots'
// and incomplete payloads. Every emoji is passed on; the bot counts 👍/👎 and their
// aliases (a custom emoji named "upvote" too) and ignores the rest.
func translateReaction(t string, raw []byte, self string) (bot.Event, bool) {
	var p reactionPayload
	if json.Unmarshal(raw, &p) != nil {
		return bot.Event{}, false
	}
	if p.UserID == "" || p.ChannelID == "" || p.MessageID == "" || p.Emoji.Name == "" || p.GuildID == "" {
		return bot.Event{}, false
	}
	if p.UserID == self || (p.Member != nil && p.Member.User.Bot) {
		return bot.Event{}, false
	}
	kind := bot.EventReactionAdded
	if t == "MESSAGE_REACTION_REMOVE" {
		kind = bot.EventReactionRemoved
	}
	return bot.Event{Kind: kind, Platform: "discord", Channel: p.ChannelID, MessageID: p.MessageID,
		User: p.UserID, Reaction: p.Emoji.Name}, true
}

// messagePayload is MESSAGE_CREATE's data (the fields paperboy reads).
type messagePayload struct {
	ID        string `json:"id"`
	Type      int    `json:"type"`
	ChannelID string `json:"channel_id"`
	GuildID   string `json:"guild_id"`
	Content   string `json:"content"`
	WebhookID string `json:"webhook_id"`
	Author    struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		Bot      bool   `json:"bot"`
	} `json:"author"`
}

// translateMessage maps a user's message to a thread reply candidate (placeEvent keeps it
// only when its channel is a thread). ok is false for the bot's own messages, other bots',
// webhooks, DMs and system messages (thread created, pins ...): only default (0) and
// reply (19) messages are replies. The message id is the event id: a message counts once
// however often it is delivered.
func translateMessage(raw []byte, self string) (bot.Event, bool) {
	var m messagePayload
	if json.Unmarshal(raw, &m) != nil {
		return bot.Event{}, false
	}
	if m.ID == "" || m.ChannelID == "" || m.GuildID == "" || m.Author.ID == "" {
		return bot.Event{}, false
	}
	if m.Author.ID == self || m.Author.Bot || m.WebhookID != "" || (m.Type != 0 && m.Type != 19) {
		return bot.Event{}, false
	}
	return bot.Event{ID: "msg:" + m.ID, Kind: bot.EventThreadReply, Platform: "discord", Channel: m.ChannelID,
		MessageID: m.ID, User: m.Author.ID, Text: m.Content}, true
}
