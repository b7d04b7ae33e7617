package discord

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/paperboy-bot/paperboy/bot"
)

var (
	_ bot.Editor        = (*Adapter)(nil)
	_ bot.MessageFinder = (*Adapter)(nil)
	_ bot.RateLimiter   = (*Adapter)(nil)
)

// outbound is the state of the outbound half (posts, thread replies, edits, lookups).
type outbound struct {
	api   restAPI // nil: the session
	mu    sync.Mutex
	chans map[string]channelEntry // channel id -> what GET /channels/{id} said
}

// restAPI is the part of discordgo the outbound half uses: one JSON request through
// discordgo's per-route rate-limit buckets. *discordgo.Session implements it.
type restAPI interface {
	RequestWithBucketID(method, urlStr string, data interface{}, bucketID string, options ...discordgo.RequestOption) ([]byte, error)
}

// Lookup bounds: like Slack's 4000 messages, then the key is not found.
const (
	lookupPages        = 40  // pages of 100 messages of a channel or thread
	lookupThreadPages  = 10  // pages of 100 archived forum posts
	lookupStarters     = 200 // forum posts whose first message is read
	channelInfoTTL     = 10 * time.Minute
	discordEpochMillis = 1420070400000
)

// Channel types (GET /channels/{id} "type").
const (
	chanText               = 0
	chanAnnouncement       = 5
	chanAnnouncementThread = 10
	chanPublicThread       = 11
	chanPrivateThread      = 12
	chanForum              = 15
	chanMedia              = 16
)

// channelInfo is the part of a Discord channel object the adapter needs.
type channelInfo struct {
	ID            string `json:"id"`
	Type          int    `json:"type"`
	GuildID       string `json:"guild_id"`
	ParentID      string `json:"parent_id"`
	Name          string `json:"name"`
	AvailableTags []struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		Moderated bool   `json:"moderated"`
	} `json:"available_tags"`
}

// isForum: posts become forum posts (a thread per paper).
func (c channelInfo) isForum() bool { return c.Type == chanForum || c.Type == chanMedia }

// isThread: a thread of a text channel, or a forum post.
func (c channelInfo) isThread() bool {
	return c.Type == chanAnnouncementThread || c.Type == chanPublicThread || c.Type == chanPrivateThread
}

// threadable: posts get a thread started from the message.
func (c channelInfo) threadable() bool { return c.Type == chanText || c.Type == chanAnnouncement }

type channelEntry struct {
	info channelInfo
	at   time.Time
}

// wireMessage is the part of a Discord message object the lookups read.
type wireMessage struct {
	ID        string `json:"id"`
	ChannelID string `json:"channel_id"`
	Content   string `json:"content"`
	Author    struct {
		ID  string `json:"id"`
		Bot bool   `json:"bot"`
	} `json:"author"`
	Embeds []struct {
		Title  string `json:"title"`
		Footer *struct {
			Text string `json:"text"`
		} `json:"footer"`
	} `json:"embeds"`
	Thread *struct {
		ID string `json:"id"`
	} `json:"thread"`
}

// key returns the delivery key the message carries ("" when none): the end of a post's
// embed footer, or the subtext last line of a text message. Only bot messages count.
func (m wireMessage) key() string {
	if !m.Author.Bot {
		return ""
	}
	for _, e := range m.Embeds {
		if e.Footer != nil {
			if k := footerKey(e.Footer.Text); k != "" {
				return k
			}
		}
	}
	return contentKey(m.Content)
}

func (a *Adapter) rest() restAPI {
	if a.out.api != nil {
		return a.out.api
	}
	return a.session
}

// call makes one REST request and decodes the answer into out. discordgo's per-route
// buckets still pace requests from the X-RateLimit-* headers, but discordgo does not
// retry on its own here: a 429 comes back at once as a temporary error carrying
// retry_after and a 502 is not sent again, because the dispatcher retries, per channel,
// after looking the message up by its key (a blind resend of a post that went through
// would double it; a sleeping retry would hold a worker and ignore shutdown).
func (a *Adapter) call(ctx context.Context, method, endpoint string, body, out any) error {
	bucket, _, _ := strings.Cut(endpoint, "?")
	b, err := a.rest().RequestWithBucketID(method, endpoint, body, bucket,
		discordgo.WithContext(ctx), discordgo.WithRetryOnRatelimit(false), discordgo.WithRestRetries(0))
	if err != nil {
		return classifyREST(err)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return bot.Temporary("bad answer", 0, fmt.Errorf("decode %s answer: %w", method, err))
		}
	}
	return nil
}

// channel returns what Discord says about a channel (type, guild, forum tags), cached
// for 10 minutes.
func (a *Adapter) channel(ctx context.Context, id string) (channelInfo, error) {
	now := a.now()
	a.out.mu.Lock()
	e, ok := a.out.chans[id]
	a.out.mu.Unlock()
	if ok && now.Sub(e.at) < channelInfoTTL {
		return e.info, nil
	}
	var info channelInfo
	if err := a.call(ctx, "GET", discordgo.EndpointChannel(id), nil, &info); err != nil {
		return channelInfo{}, err
	}
	a.out.mu.Lock()
	if a.out.chans == nil || len(a.out.chans) >= 10000 {
		// Events name every thread they arrive in: the cache stays bounded, and a
		// dropped entry costs one more lookup.
		a.out.chans = map[string]channelEntry{}
	}
	a.out.chans[id] = channelEntry{info: info, at: now}
	a.out.mu.Unlock()
	return info, nil
}

// PostInterval implements bot.RateLimiter: Discord allows 5 messages per 5 seconds per
// channel, so one a second keeps a channel's bucket from ever running dry. Thread
// replies go to the thread, which has a bucket of its own.
func (a *Adapter) PostInterval() time.Duration { return time.Second }

// Post implements bot.Adapter. In a text or announcement channel: the embed with its
// buttons (nonce = the key), then a thread started from it, named after the paper (the
// thread's id is the message's). In a forum or media channel: a forum post per paper,
// tagged with the forum's tags that match the paper's categories or the subscription.
// Elsewhere (a thread, a DM): the message alone.
func (a *Adapter) Post(ctx context.Context, channel string, p bot.Post) (bot.PostRef, error) {
	info, err := a.channel(ctx, channel)
	if err != nil {
		return bot.PostRef{}, a.outErr("get channel", channel, err)
	}
	msg := renderPost(p)
	name := "Paper"
	if p.Paper != nil {
		name = threadName(p.Paper.Title)
	}
	if info.isForum() {
		var tags []string
		if p.Paper != nil {
			tags = matchTags(info, p.Paper.Categories, p.Reason)
		}
		id, err := a.forumPost(ctx, channel, name, tags, msg)
		if err != nil {
			return bot.PostRef{}, a.outErr("create forum post", channel, err)
		}
		return bot.PostRef{MessageID: id, ThreadID: id}, nil
	}
	msg.Nonce, msg.EnforceNonce = nonceOf(p.Key), p.Key != ""
	var m wireMessage
	if err := a.call(ctx, "POST", discordgo.EndpointChannelMessages(channel), msg, &m); err != nil {
		return bot.PostRef{}, a.outErr("create message", channel, err)
	}
	if !info.threadable() {
		return bot.PostRef{MessageID: m.ID}, nil
	}
	thread, err := a.startThread(ctx, channel, m.ID, name)
	if err != nil {
		// The message stands; the retry finds it by its key and starts the thread.
		return bot.PostRef{}, a.outErr("start thread", channel, err)
	}
	return bot.PostRef{MessageID: m.ID, ThreadID: thread}, nil
}

// startThread opens the thread of a posted message and returns its id (the message's).
// A thread that exists already is fine. Without the permission to create threads the
// post stands without one ("" : replies then go to the channel), logged with the fix.
func (a *Adapter) startThread(ctx context.Context, channel, msgID, name string) (string, error) {
	var th channelInfo
	err := a.call(ctx, "POST", discordgo.EndpointChannelMessageThread(channel, msgID), map[string]any{"name": name}, &th)
	if err == nil {
		return th.ID, nil
	}
	if apiCode(err) == codeThreadExists {
		return msgID, nil
	}
	if se := bot.ClassifySend(err); se.Permanent {
		a.log.Warn("discord: post without a thread; replies go to the channel", slog.String("channel", channel),
			slog.String("reason", se.Reason))
		return "", nil
	}
	return "", err
}

// forumPost creates a forum post (a thread whose first message is msg) and returns its
// id, which is also its first message's. Forum posts take no nonce: a retry after a lost
// answer is settled by the lookup among the forum's threads.
func (a *Adapter) forumPost(ctx context.Context, channel, name string, tags []string, msg postMessage) (string, error) {
	body := map[string]any{"name": name, "message": msg}
	if len(tags) > 0 {
		body["applied_tags"] = tags
	}
	var th channelInfo
	if err := a.call(ctx, "POST", discordgo.EndpointChannelThreads(channel), body, &th); err != nil {
		return "", err
	}
	return th.ID, nil
}

// matchTags picks the forum's tags (at most 5, moderated ones left out: they need
// Manage Threads) whose names match a category of the paper ("cs.LG") or a word or
// phrase of the subscription's reason ("mixture of experts"), case-insensitively,
// categories first.
func matchTags(info channelInfo, categories []string, reason string) []string {
	norm := func(s string) string {
		return strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "#")))
	}
	words := " " + strings.Join(strings.FieldsFunc(strings.ToLower(reason), func(r rune) bool {
		return !(r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r > 127)
	}), " ") + " "
	var out []string
	taken := map[string]bool{}
	add := func(id string) {
		if !taken[id] && len(out) < maxAppliedTags {
			taken[id] = true
			out = append(out, id)
		}
	}
	for _, c := range categories {
		for _, t := range info.AvailableTags {
			if !t.Moderated && norm(t.Name) != "" && norm(t.Name) == norm(c) {
				add(t.ID)
			}
		}
	}
	for _, t := range info.AvailableTags {
		if n := norm(t.Name); !t.Moderated && n != "" && strings.Contains(words, " "+strings.Join(strings.Fields(n), " ")+" ") {
			add(t.ID)
		}
	}
	return out
}

// Send implements bot.Adapter: the text as content (cut at a word to fit 2000
// characters, the key on a last subtext line), in the thread when m.ThreadID is set
// (threads are channels). In a forum, where messages need a post, a message without a
// thread (a digest, a notice) becomes a forum post of its own named after its first line.
// In a text channel a digest (key "pb-g…") gets a thread ("Digest · 2026-12-04") for the
// discussion, as a post does; the core never replies in it, so Send returns the message.
func (a *Adapter) Send(ctx context.Context, channel string, m bot.Message) (string, error) {
	if strings.TrimSpace(m.Text) == "" {
		return "", bot.Permanent("empty message", errors.New("discord: send: empty message"))
	}
	msg := renderText(m.Text, m.Key)
	target := channel
	var info channelInfo
	if m.ThreadID != "" {
		target = m.ThreadID
	} else {
		var err error
		if info, err = a.channel(ctx, channel); err != nil {
			return "", a.outErr("get channel", channel, err)
		}
		if info.isForum() {
			id, err := a.forumPost(ctx, channel, threadName(m.Text), nil, msg)
			if err != nil {
				return "", a.outErr("create forum post", channel, err)
			}
			return id, nil
		}
	}
	msg.Nonce, msg.EnforceNonce = nonceOf(m.Key), m.Key != ""
	var out wireMessage
	if err := a.call(ctx, "POST", discordgo.EndpointChannelMessages(target), msg, &out); err != nil {
		return "", a.outErr("create message", target, err)
	}
	if m.ThreadID == "" && isDigestKey(m.Key) && info.threadable() {
		if _, err := a.startThread(ctx, channel, out.ID, digestThreadName(out.ID)); err != nil {
			// The digest stands; the retry finds it by its key and starts the thread.
			return "", a.outErr("start digest thread", channel, err)
		}
	}
	return out.ID, nil
}

// isDigestKey tells a digest's key ("pb-g12") from the keys of other messages.
func isDigestKey(key string) bool {
	id, ok := strings.CutPrefix(key, "pb-g")
	_, err := strconv.ParseUint(id, 10, 64)
	return ok && err == nil
}

// digestThreadName names the thread of a digest message after the message's own date
// (its snowflake, UTC), so the send and a later lookup that starts the thread agree.
func digestThreadName(msgID string) string {
	n, err := strconv.ParseUint(msgID, 10, 64)
	if err != nil {
		return "Digest"
	}
	at := time.UnixMilli(int64(n>>22) + discordEpochMillis).UTC()
	return "Digest · " + at.Format("2006-01-02")
}

// Edit implements bot.Editor: the post's embed and buttons re-rendered (vote counts, a
// summary that came later). A forum post's first message lives in its thread.
func (a *Adapter) Edit(ctx context.Context, channel string, ref bot.PostRef, p bot.Post) error {
	if ref.MessageID == "" {
		return bot.Permanent("unknown message", errors.New("discord: edit: no message id"))
	}
	info, err := a.channel(ctx, channel)
	if err != nil {
		return a.outErr("get channel", channel, err)
	}
	target := channel
	if info.isForum() && ref.ThreadID != "" {
		target = ref.ThreadID
	}
	msg := renderPost(p)
	body := map[string]any{"embeds": msg.Embeds, "components": msg.Components}
	if err := a.call(ctx, "PATCH", discordgo.EndpointChannelMessage(target, ref.MessageID), body, nil); err != nil {
		return a.outErr("edit message", target, err)
	}
	return nil
}

// FindMessage implements bot.MessageFinder. With threadID it reads the thread's messages
// since the given time; else, in a forum, the first messages of the forum's posts created
// since then (active ones from the guild's active threads, then the forum's archived
// public posts, newest archived first); else the channel's messages since then. It reads
// at most 4000 messages of a channel or thread (40 pages of 100), 1000 archived forum
// posts and 200 first messages: a message beyond that is not found. A post found in a
// text channel without its thread (the call that starts it failed) gets it now.
func (a *Adapter) FindMessage(ctx context.Context, channel, threadID, key string, since time.Time) (bot.PostRef, bool, error) {
	if key == "" {
		return bot.PostRef{}, false, nil
	}
	if threadID != "" {
		m, found, err := a.scan(ctx, threadID, key, since)
		if err != nil || !found {
			return bot.PostRef{}, false, a.outErr("read thread", threadID, err)
		}
		return bot.PostRef{MessageID: m.ID, ThreadID: threadID}, true, nil
	}
	info, err := a.channel(ctx, channel)
	if err != nil {
		return bot.PostRef{}, false, a.outErr("get channel", channel, err)
	}
	if info.isForum() {
		id, found, err := a.findForumPost(ctx, info, key, since)
		if err != nil || !found {
			return bot.PostRef{}, false, a.outErr("read forum", channel, err)
		}
		return bot.PostRef{MessageID: id, ThreadID: id}, true, nil
	}
	m, found, err := a.scan(ctx, channel, key, since)
	if err != nil || !found {
		return bot.PostRef{}, false, a.outErr("read channel", channel, err)
	}
	ref := bot.PostRef{MessageID: m.ID}
	switch {
	case m.Thread != nil:
		ref.ThreadID = m.Thread.ID
	case (isPostKey(key) || isDigestKey(key)) && info.threadable():
		// A post or digest whose thread was never started (the call failed): start it now.
		name := threadNameOf(m)
		if isDigestKey(key) {
			name = digestThreadName(m.ID)
		}
		th, err := a.startThread(ctx, channel, m.ID, name)
		if err != nil {
			return bot.PostRef{}, false, a.outErr("start thread", channel, err)
		}
		ref.ThreadID = th
	}
	return ref, true, nil
}

// isPostKey tells a post's key ("pb-d12") from the keys of other messages.
func isPostKey(key string) bool {
	id, ok := strings.CutPrefix(key, "pb-d")
	_, err := strconv.ParseUint(id, 10, 64)
	return ok && err == nil
}

// threadNameOf names a thread after a post found by its key (its embed title).
func threadNameOf(m wireMessage) string {
	if len(m.Embeds) > 0 {
		return threadName(m.Embeds[0].Title)
	}
	return "Paper"
}

// scan pages through a channel's (or thread's) messages after since, oldest pages first.
func (a *Adapter) scan(ctx context.Context, channel, key string, since time.Time) (wireMessage, bool, error) {
	after := snowflakeAt(since)
	for page := 0; page < lookupPages; page++ {
		var msgs []wireMessage
		q := url.Values{"limit": {"100"}, "after": {after}}
		if err := a.call(ctx, "GET", discordgo.EndpointChannelMessages(channel)+"?"+q.Encode(), nil, &msgs); err != nil {
			return wireMessage{}, false, err
		}
		for _, m := range msgs {
			if m.key() == key {
				return m, true, nil
			}
			if snowflakeLess(after, m.ID) {
				after = m.ID
			}
		}
		if len(msgs) < 100 {
			break
		}
	}
	return wireMessage{}, false, nil
}

// threadList is the answer of the thread listings.
type threadList struct {
	Threads []struct {
		ID             string `json:"id"`
		ParentID       string `json:"parent_id"`
		ThreadMetadata struct {
			ArchiveTimestamp string `json:"archive_timestamp"`
		} `json:"thread_metadata"`
	} `json:"threads"`
	HasMore bool `json:"has_more"`
}

// findForumPost looks for the forum post whose first message carries key among the
// forum's posts created since the given time.
func (a *Adapter) findForumPost(ctx context.Context, info channelInfo, key string, since time.Time) (string, bool, error) {
	after := snowflakeAt(since)
	var candidates []string
	seen := map[string]bool{}
	consider := func(id, parent string) {
		if parent == info.ID && !seen[id] && !snowflakeLess(id, after) {
			seen[id] = true
			candidates = append(candidates, id)
		}
	}
	if info.GuildID != "" {
		var active threadList
		if err := a.call(ctx, "GET", discordgo.EndpointGuildActiveThreads(info.GuildID), nil, &active); err != nil {
			return "", false, err
		}
		for _, t := range active.Threads {
			consider(t.ID, t.ParentID)
		}
	}
	before := ""
	for page := 0; page < lookupThreadPages; page++ {
		q := url.Values{"limit": {"100"}}
		if before != "" {
			q.Set("before", before)
		}
		var archived threadList
		if err := a.call(ctx, "GET", discordgo.EndpointChannelPublicArchivedThreads(info.ID)+"?"+q.Encode(), nil, &archived); err != nil {
			return "", false, err
		}
		older := false
		for _, t := range archived.Threads {
			consider(t.ID, info.ID)
			before = t.ThreadMetadata.ArchiveTimestamp
			if at, err := time.Parse(time.RFC3339, before); err == nil && at.Before(since) {
				older = true // archived before since: created before it too
			}
		}
		if !archived.HasMore || older || before == "" {
			break
		}
	}
	sort.Slice(candidates, func(i, j int) bool { return snowflakeLess(candidates[i], candidates[j]) })
	for i, id := range candidates {
		if i == lookupStarters {
			break
		}
		var m wireMessage
		err := a.call(ctx, "GET", discordgo.EndpointChannelMessage(id, id), nil, &m)
		if apiCode(err) == codeUnknownMessage {
			continue // the first message was deleted
		}
		if err != nil {
			return "", false, err
		}
		if m.key() == key {
			return id, true, nil
		}
	}
	return "", false, nil
}

// snowflakeAt is the smallest Discord id of time t ("0" before Discord's epoch).
func snowflakeAt(t time.Time) string {
	ms := t.UnixMilli() - discordEpochMillis
	if t.IsZero() || ms <= 0 {
		return "0"
	}
	return strconv.FormatUint(uint64(ms)<<22, 10)
}

// snowflakeLess compares two ids numerically.
func snowflakeLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// nonce is the create nonce of a key: the key itself (Discord takes at most 25
// characters), or a hash of a longer one.
func nonceOf(key string) string {
	if len(key) <= 25 {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return "pb" + hex.EncodeToString(sum[:])[:23]
}

// JSON error codes Discord answers with.
const (
	codeUnknownChannel     = 10003
	codeUnknownMessage     = 10008
	codeMissingAccess      = 50001
	codeCannotSendEmpty    = 50006
	codeMissingPermissions = 50013
	codeInvalidFormBody    = 50035
	codeThreadArchived     = 50083
	codeTagRequired        = 40067
	codeThreadExists       = 160004
	codeThreadLocked       = 160005
)

// reasons are the user-safe reasons of permanent errors, naming the fix; status shows
// them.
var reasons = map[int]string{
	codeUnknownChannel:     "Unknown Channel (10003): the channel was deleted or the id is wrong; unsubscribe it",
	codeUnknownMessage:     "Unknown Message (10008): the message was deleted",
	codeMissingAccess:      "Missing Access (50001): the bot cannot see this channel; add it to the server and give it View Channel here",
	codeMissingPermissions: "Missing Permissions (50013): give the bot Send Messages, Send Messages in Threads, Create Public Threads, Embed Links and Read Message History here",
	codeInvalidFormBody:    "Invalid Form Body (50035): a message Discord rejects; please report it with the paper id",
	codeCannotSendEmpty:    "Cannot send an empty message (50006)",
	codeThreadArchived:     "Thread archived (50083): the thread is archived and the bot may not reopen it",
	codeTagRequired:        "Tag required (40067): this forum requires a tag; name a tag after a category (e.g. cs.LG) or turn off Require Tags",
	codeThreadLocked:       "Thread locked (160005): a moderator locked the paper's thread",
}

// apiCode returns the JSON error code of a failed call (0 when none).
func apiCode(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Message != nil {
		return re.Message.Code
	}
	return 0
}

// classify maps a discordgo error to a bot.SendError: 429 (with its retry_after), 5xx
// and network trouble are temporary; 401, 403, 404 and other 4xx answers are permanent,
// so a channel the bot cannot use is not tried again and again (Discord bans clients
// that make 10,000 invalid requests in 10 minutes).
func classifyREST(err error) *bot.SendError {
	var se *bot.SendError
	if errors.As(err, &se) {
		return se
	}
	var rl *discordgo.RateLimitError
	if errors.As(err, &rl) && rl.RateLimit != nil && rl.TooManyRequests != nil {
		return &bot.SendError{Reason: "rate limited", RetryAfter: rl.RetryAfter, Err: err}
	}
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil {
		status := re.Response.StatusCode
		code := 0
		if re.Message != nil {
			code = re.Message.Code
		}
		switch {
		case status == 429:
			return &bot.SendError{Reason: "rate limited", Err: err}
		case status >= 500, status == 408:
			return &bot.SendError{Reason: "http " + strconv.Itoa(status), Err: err}
		case status == 401:
			// run stops on this reason (bot.ReasonUnauthorized): nothing on Discord can work.
			return &bot.SendError{Permanent: true, Reason: bot.ReasonUnauthorized, Err: err}
		case reasons[code] != "":
			return &bot.SendError{Permanent: true, Reason: reasons[code], Err: err}
		case status == 403:
			return &bot.SendError{Permanent: true, Reason: fmt.Sprintf("Forbidden (403, code %d): check the bot's permissions in this channel", code), Err: err}
		case status == 404:
			return &bot.SendError{Permanent: true, Reason: fmt.Sprintf("Not Found (404, code %d): the channel or message is gone", code), Err: err}
		}
		return &bot.SendError{Permanent: true, Reason: fmt.Sprintf("http %d (code %d)", status, code), Err: err}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &bot.SendError{Reason: "timeout", Err: err}
	}
	// discordgo answers a 502 it may not retry (WithRestRetries(0)) with a plain error.
	if rest, ok := strings.CutPrefix(err.Error(), "Exceeded Max retries HTTP "); ok {
		status, _, _ := strings.Cut(rest, " ")
		return &bot.SendError{Reason: "http " + status, Err: err}
	}
	return &bot.SendError{Reason: "network", Err: err}
}

// sendErr wraps a classified error with what failed and logs it, without secrets
// (discordgo's errors carry the request, whose headers hold the token: only the status,
// the JSON code and the message are kept). It returns nil for nil.
func (a *Adapter) outErr(op, channel string, err error) error {
	if err == nil {
		return nil
	}
	se := classifyREST(err)
	hint := ""
	if se.Reason == bot.ReasonUnauthorized {
		hint = " (the bot token is wrong or was reset: Developer Portal → Bot → Reset Token, then set discord.token)"
	}
	out := &bot.SendError{Permanent: se.Permanent, RetryAfter: se.RetryAfter, Reason: se.Reason,
		Err: fmt.Errorf("discord: %s %s%s: %w", op, channel, hint, safeErr(se.Err))}
	lvl := slog.LevelInfo
	if out.Permanent {
		lvl = slog.LevelWarn
	}
	a.log.Log(context.Background(), lvl, "discord call failed", slog.String("op", op), slog.String("channel", channel),
		slog.String("reason", out.Reason), slog.Bool("permanent", out.Permanent), slog.Duration("retry_after", out.RetryAfter))
	return out
}

// safeErr drops the HTTP request from discordgo's errors (its Authorization header holds
// the bot token) and keeps the status and Discord's JSON message.
func safeErr(err error) error {
	var re *discordgo.RESTError
	if errors.As(err, &re) {
		msg := ""
		if re.Message != nil {
			msg = fmt.Sprintf(": %s (code %d)", re.Message.Message, re.Message.Code)
		}
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		return fmt.Errorf("http %d%s", status, msg)
	}
	var rl *discordgo.RateLimitError
	if errors.As(err, &rl) && rl.RateLimit != nil && rl.TooManyRequests != nil {
		return fmt.Errorf("429 rate limited, retry after %s", rl.RetryAfter)
	}
	return err
}
