package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/paperboy-bot/paperboy/bot"
)

// eventCallback is the outer Events API document: the HTTP request body, or the payload of
// a Socket Mode events_api envelope.
type eventCallback struct {
	Type      string     `json:"type"` // url_verification | event_callback | app_rate_limited
	Challenge string     `json:"challenge"`
	TeamID    string     `json:"team_id"`
	EventID   string     `json:"event_id"`
	EventTime int64      `json:"event_time"`
	Event     innerEvent `json:"event"`
}

// innerEvent holds the fields of the events paperboy subscribes to: reaction_added,
// reaction_removed and message (message.channels, message.groups).
type innerEvent struct {
	Type     string `json:"type"`
	User     string `json:"user"`
	Reaction string `json:"reaction"`
	Item     struct {
		Type    string `json:"type"`
		Channel string `json:"channel"`
		TS      string `json:"ts"`
	} `json:"item"`
	Channel  string `json:"channel"`
	TS       string `json:"ts"`
	ThreadTS string `json:"thread_ts"`
	Text     string `json:"text"`
	Subtype  string `json:"subtype"`
	BotID    string `json:"bot_id"`
	EventTS  string `json:"event_ts"`
}

// parseEventCallback decodes an Events API document.
func parseEventCallback(body []byte) (eventCallback, error) {
	var cb eventCallback
	if err := json.Unmarshal(body, &cb); err != nil {
		return eventCallback{}, fmt.Errorf("slack: parse event: %w", err)
	}
	if cb.Type == "" {
		return eventCallback{}, fmt.Errorf("slack: parse event: no type")
	}
	return cb, nil
}

// selfIDs identifies the bot, so it can ignore its own messages and reactions.
type selfIDs struct{ user, bot string }

// translateEvent maps an event_callback to a bot event; ok is false for events paperboy
// does not act on (other types, the bot's own activity, edits, top-level messages).
func translateEvent(cb eventCallback, self selfIDs, at time.Time) (bot.Event, bool) {
	if cb.Type != "event_callback" {
		return bot.Event{}, false
	}
	ev := cb.Event
	e := bot.Event{ID: cb.EventID, Platform: "slack", User: ev.User, At: at}
	switch ev.Type {
	case "reaction_added", "reaction_removed":
		if ev.Item.Type != "" && ev.Item.Type != "message" {
			return bot.Event{}, false
		}
		if ev.User == "" || ev.Item.Channel == "" || ev.Item.TS == "" || ev.Reaction == "" {
			return bot.Event{}, false
		}
		if ev.User == self.user {
			return bot.Event{}, false
		}
		e.Kind = bot.EventReactionAdded
		if ev.Type == "reaction_removed" {
			e.Kind = bot.EventReactionRemoved
		}
		e.Channel, e.MessageID = ev.Item.Channel, ev.Item.TS
		e.Reaction = baseReaction(ev.Reaction)
		return e, true
	case "message":
		if ev.ThreadTS == "" || ev.ThreadTS == ev.TS || ev.Channel == "" || ev.TS == "" || ev.User == "" {
			return bot.Event{}, false // not a reply: top-level messages and thread parents
		}
		if ev.Subtype != "" && ev.Subtype != "thread_broadcast" {
			return bot.Event{}, false // edits, deletions, joins, bot messages
		}
		if ev.BotID != "" || ev.User == self.user {
			return bot.Event{}, false
		}
		e.Kind = bot.EventThreadReply
		e.Channel, e.MessageID, e.ThreadID = ev.Channel, ev.TS, ev.ThreadTS
		e.Text = unescapeText(ev.Text)
		return e, true
	}
	return bot.Event{}, false
}

// baseReaction drops the skin-tone suffix: "+1::skin-tone-2" → "+1".
func baseReaction(name string) string {
	if i := strings.Index(name, "::"); i > 0 {
		return name[:i]
	}
	return name
}

// unescapeText reverses Slack's escaping of &, < and > in message text.
func unescapeText(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// interaction is the block_actions payload (HTTP form field "payload", or a Socket Mode
// interactive envelope's payload).
type interaction struct {
	Type      string `json:"type"`
	TriggerID string `json:"trigger_id"`
	User      struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	} `json:"user"`
	Channel struct {
		ID string `json:"id"`
	} `json:"channel"`
	Container struct {
		Type        string `json:"type"`
		MessageTS   string `json:"message_ts"`
		ChannelID   string `json:"channel_id"`
		IsEphemeral bool   `json:"is_ephemeral"`
	} `json:"container"`
	ResponseURL string `json:"response_url"`
	Actions     []struct {
		Type     string `json:"type"`
		ActionID string `json:"action_id"`
		BlockID  string `json:"block_id"`
		Value    string `json:"value"`
		ActionTS string `json:"action_ts"`
	} `json:"actions"`
}

func parseInteraction(payload []byte) (interaction, error) {
	var in interaction
	if err := json.Unmarshal(payload, &in); err != nil {
		return interaction{}, fmt.Errorf("slack: parse interaction: %w", err)
	}
	if in.Type == "" {
		return interaction{}, fmt.Errorf("slack: parse interaction: no type")
	}
	return in, nil
}

// translateInteraction maps button clicks to bot events (one per action).
func translateInteraction(in interaction, at time.Time) []bot.Event {
	if in.Type != "block_actions" || in.User.ID == "" {
		return nil
	}
	channel := in.Container.ChannelID
	if channel == "" {
		channel = in.Channel.ID
	}
	if channel == "" {
		return nil
	}
	var out []bot.Event
	for _, act := range in.Actions {
		if act.ActionID == "" {
			continue
		}
		action, _, _ := strings.Cut(act.ActionID, ":") // "share:3" → "share"
		id := ""
		if act.ActionTS != "" {
			id = "action:" + in.User.ID + ":" + act.ActionID + ":" + act.ActionTS
		}
		out = append(out, bot.Event{
			ID: id, Kind: bot.EventButton, Platform: "slack",
			Channel: channel, MessageID: in.Container.MessageTS, User: in.User.ID,
			Action: action, Value: act.Value, At: at,
		})
	}
	return out
}

// slashCommand holds the slash command fields paperboy uses. HTTP mode gets them as a
// form, Socket Mode as a JSON object with the same names.
type slashCommand struct {
	Command     string `json:"command"`
	Text        string `json:"text"`
	UserID      string `json:"user_id"`
	UserName    string `json:"user_name"`
	ChannelID   string `json:"channel_id"`
	TeamID      string `json:"team_id"`
	ResponseURL string `json:"response_url"`
	TriggerID   string `json:"trigger_id"`
}

func parseSlashForm(body []byte) (slashCommand, error) {
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return slashCommand{}, fmt.Errorf("slack: parse slash command: %w", err)
	}
	sc := slashCommand{
		Command: v.Get("command"), Text: v.Get("text"), UserID: v.Get("user_id"),
		UserName: v.Get("user_name"), ChannelID: v.Get("channel_id"), TeamID: v.Get("team_id"),
		ResponseURL: v.Get("response_url"), TriggerID: v.Get("trigger_id"),
	}
	return sc, sc.check()
}

func parseSlashJSON(payload []byte) (slashCommand, error) {
	var sc slashCommand
	if err := json.Unmarshal(payload, &sc); err != nil {
		return slashCommand{}, fmt.Errorf("slack: parse slash command: %w", err)
	}
	return sc, sc.check()
}

func (sc slashCommand) check() error {
	if sc.Command == "" || sc.UserID == "" || sc.ChannelID == "" {
		return fmt.Errorf("slack: parse slash command: command, user_id and channel_id are required")
	}
	return nil
}

// adminCache answers "is this user a workspace admin or owner" from users.info, cached.
type adminCache struct {
	api webAPI
	now func() time.Time
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]adminEntry
}

type adminEntry struct {
	admin bool
	at    time.Time
}

func newAdminCache(api webAPI, now func() time.Time, ttl time.Duration) *adminCache {
	return &adminCache{api: api, now: now, ttl: ttl, m: make(map[string]adminEntry)}
}

// IsAdmin is false when users.info fails (e.g. without the users:read scope); the
// failure is cached like an answer so a missing scope costs one call per ttl.
func (c *adminCache) IsAdmin(ctx context.Context, log *slog.Logger, user string) bool {
	now := c.now()
	c.mu.Lock()
	e, ok := c.m[user]
	c.mu.Unlock()
	if ok && now.Sub(e.at) < c.ttl {
		return e.admin
	}
	u, err := c.api.GetUserInfoContext(ctx, user)
	admin := false
	if err != nil {
		log.Info("slack users.info failed; treating user as non-admin", slog.String("user", user), slog.String("reason", classify(err).Reason))
	} else {
		admin = u.IsAdmin || u.IsOwner || u.IsPrimaryOwner
	}
	c.mu.Lock()
	c.m[user] = adminEntry{admin: admin, at: now}
	c.mu.Unlock()
	return admin
}
