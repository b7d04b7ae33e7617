package discordfake

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// ixState holds what the inbound REST endpoints record: application commands,
// interactions the fake dispatched, their callbacks and follow-ups.
type ixState struct {
	mu        sync.Mutex
	commands  map[string][]json.RawMessage // "" = global, else guild id
	puts      int
	gets      int
	nextID    int64
	tokens    map[string]*ixRecord // interaction token → record
	ids       map[string]*ixRecord // interaction id → record
	callbacks []Callback
	webhooks  []Webhook
	changed   chan struct{}
}

type ixRecord struct {
	id, token string
	acked     bool
	channel   string
}

// Callback is an initial interaction response (POST /interactions/{id}/{token}/callback).
type Callback struct {
	InteractionID string
	Type          int             `json:"type"`
	Data          json.RawMessage `json:"data"`
}

// Webhook is a follow-up (POST /webhooks/{app}/{token}) or an edit of the original
// response (PATCH /webhooks/{app}/{token}/messages/@original) as the fake received it.
type Webhook struct {
	Method        string // POST or PATCH
	InteractionID string
	Body          json.RawMessage
}

func (s *Server) routesInteractions(mux *http.ServeMux) {
	s.ix.commands = map[string][]json.RawMessage{}
	s.ix.tokens = map[string]*ixRecord{}
	s.ix.ids = map[string]*ixRecord{}
	s.ix.changed = make(chan struct{})
	s.ix.nextID = 1200000000000000000
	// GET /gateway needs no token (as on Discord); /gateway/bot does.
	mux.HandleFunc("GET "+APIPath+"/gateway", func(w http.ResponseWriter, r *http.Request) {
		if s.gatewayFails.Add(-1) >= 0 {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"message": "upstream connect error", "code": 0})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"url": s.GatewayURL()})
	})
	mux.HandleFunc("GET "+APIPath+"/gateway/bot", s.authed(func(w http.ResponseWriter, r *http.Request) {
		if s.gatewayFails.Add(-1) >= 0 {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"message": "upstream connect error", "code": 0})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"url": s.GatewayURL(), "shards": 1,
			"session_start_limit": map[string]int{"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}})
	}))
	mux.HandleFunc("GET "+APIPath+"/users/@me", s.authed(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"id": BotUserID, "username": BotUsername, "discriminator": "0", "bot": true, "avatar": nil})
	}))
	mux.HandleFunc("GET "+APIPath+"/applications/{app}/commands", s.authed(s.getCommands))
	mux.HandleFunc("PUT "+APIPath+"/applications/{app}/commands", s.authed(s.putCommands))
	mux.HandleFunc("GET "+APIPath+"/applications/{app}/guilds/{guild}/commands", s.authed(s.getCommands))
	mux.HandleFunc("PUT "+APIPath+"/applications/{app}/guilds/{guild}/commands", s.authed(s.putCommands))
	mux.HandleFunc("POST "+APIPath+"/interactions/{id}/{token}/callback", s.callback)
	mux.HandleFunc("POST "+APIPath+"/webhooks/{app}/{token}", s.webhook)
	mux.HandleFunc("PATCH "+APIPath+"/webhooks/{app}/{token}/messages/@original", s.webhook)
}

// FailGateway makes the next n GET /gateway or /gateway/bot (where discordgo finds the
// websocket URL) answer 503, as during an outage.
func (s *Server) FailGateway(n int) { s.gatewayFails.Store(int32(n)) }

// authed checks the bot token: 401 as Discord answers it otherwise.
func (s *Server) authed(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bot "+Token {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "401: Unauthorized", "code": 0})
			return
		}
		next(w, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func discordError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"message": msg, "code": code})
}

func (s *Server) getCommands(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("app") != ApplicationID {
		discordError(w, http.StatusForbidden, 50001, "Missing Access")
		return
	}
	s.ix.mu.Lock()
	defer s.ix.mu.Unlock()
	s.ix.gets++
	list := s.ix.commands[r.PathValue("guild")]
	if list == nil {
		list = []json.RawMessage{}
	}
	writeJSON(w, http.StatusOK, list)
}

// putCommands is the bulk overwrite: the list replaces the scope's commands; Discord
// assigns ids and versions and answers the stored list.
func (s *Server) putCommands(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("app") != ApplicationID {
		discordError(w, http.StatusForbidden, 50001, "Missing Access")
		return
	}
	var in []map[string]any
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
		discordError(w, http.StatusBadRequest, 50109, "The request body contains invalid JSON.")
		return
	}
	s.ix.mu.Lock()
	defer s.ix.mu.Unlock()
	s.ix.puts++
	guild := r.PathValue("guild")
	out := make([]json.RawMessage, 0, len(in))
	for _, c := range in {
		s.ix.nextID++
		c["id"] = strconv.FormatInt(s.ix.nextID, 10)
		c["application_id"] = ApplicationID
		c["version"] = strconv.FormatInt(s.ix.nextID, 10)
		if guild != "" {
			c["guild_id"] = guild
			delete(c, "dm_permission") // guild commands have no DM setting
		} else if _, ok := c["dm_permission"]; !ok {
			c["dm_permission"] = true
		}
		c["nsfw"] = false
		out = append(out, mustJSON(c))
	}
	s.ix.commands[guild] = out
	writeJSON(w, http.StatusOK, out)
}

// CommandWrites is how many bulk overwrites (PUT) of application commands the fake
// received, and CommandReads how many GETs.
func (s *Server) CommandWrites() int {
	s.ix.mu.Lock()
	defer s.ix.mu.Unlock()
	return s.ix.puts
}

// CommandReads is how many GETs of application commands the fake answered.
func (s *Server) CommandReads() int {
	s.ix.mu.Lock()
	defer s.ix.mu.Unlock()
	return s.ix.gets
}

// Commands returns the registered commands of a scope ("" = global) as stored.
func (s *Server) Commands(guild string) []json.RawMessage {
	s.ix.mu.Lock()
	defer s.ix.mu.Unlock()
	return append([]json.RawMessage(nil), s.ix.commands[guild]...)
}

// callback records an initial response: 404 Unknown interaction (10062) for one the fake
// did not dispatch, 400 (40060) when it was already acknowledged.
func (s *Server) callback(w http.ResponseWriter, r *http.Request) {
	var cb Callback
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&cb); err != nil {
		discordError(w, http.StatusBadRequest, 50109, "The request body contains invalid JSON.")
		return
	}
	s.ix.mu.Lock()
	defer s.ix.mu.Unlock()
	rec := s.ix.tokens[r.PathValue("token")]
	if rec == nil || rec.id != r.PathValue("id") {
		discordError(w, http.StatusNotFound, 10062, "Unknown interaction")
		return
	}
	if rec.acked {
		discordError(w, http.StatusBadRequest, 40060, "Interaction has already been acknowledged.")
		return
	}
	rec.acked = true
	cb.InteractionID = rec.id
	s.ix.callbacks = append(s.ix.callbacks, cb)
	s.notifyLocked()
	w.WriteHeader(http.StatusNoContent)
}

// webhook records a follow-up or an edit of @original; 404 Unknown Webhook (10015) for
// an interaction that was never acknowledged.
func (s *Server) webhook(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || !json.Valid(body) {
		discordError(w, http.StatusBadRequest, 50109, "The request body contains invalid JSON.")
		return
	}
	s.ix.mu.Lock()
	defer s.ix.mu.Unlock()
	rec := s.ix.tokens[r.PathValue("token")]
	if r.PathValue("app") != ApplicationID || rec == nil || !rec.acked {
		discordError(w, http.StatusNotFound, 10015, "Unknown Webhook")
		return
	}
	s.ix.webhooks = append(s.ix.webhooks, Webhook{Method: r.Method, InteractionID: rec.id, Body: body})
	s.notifyLocked()
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	s.ix.nextID++
	m["id"] = strconv.FormatInt(s.ix.nextID, 10)
	m["channel_id"] = rec.channel
	m["type"] = 20
	m["author"] = map[string]any{"id": BotUserID, "username": BotUsername, "bot": true}
	m["timestamp"] = time.Now().UTC().Format(time.RFC3339)
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) notifyLocked() {
	close(s.ix.changed)
	s.ix.changed = make(chan struct{})
}

// Callbacks returns the initial interaction responses received, in order, and a channel
// closed at the next callback or webhook call.
func (s *Server) Callbacks() ([]Callback, <-chan struct{}) {
	s.ix.mu.Lock()
	defer s.ix.mu.Unlock()
	return append([]Callback(nil), s.ix.callbacks...), s.ix.changed
}

// Webhooks returns the follow-ups and @original edits received, in order, and a channel
// closed at the next callback or webhook call.
func (s *Server) Webhooks() ([]Webhook, <-chan struct{}) {
	s.ix.mu.Lock()
	defer s.ix.mu.Unlock()
	return append([]Webhook(nil), s.ix.webhooks...), s.ix.changed
}

// User is who acts in an event: a guild member with permissions (a decimal bit string
// as Discord sends it; "" = none) or, with DM set, a user in a direct message.
type User struct {
	ID          string
	Username    string
	Permissions string
	DM          bool
}

func (u User) object() map[string]any {
	return map[string]any{"id": u.ID, "username": u.Username, "discriminator": "0", "global_name": nil, "avatar": nil, "public_flags": 0}
}

func (u User) member() map[string]any {
	m := map[string]any{
		"user": u.object(), "roles": []string{}, "joined_at": "2024-01-01T00:00:00.000000+00:00",
		"deaf": false, "mute": false, "flags": 0, "pending": false, "nick": nil, "premium_since": nil,
		"communication_disabled_until": nil, "avatar": nil,
	}
	if u.Permissions != "" {
		m["permissions"] = u.Permissions
	}
	return m
}

// Option is an application command option as it arrives in an interaction: name, type
// and value (string, integer, or nested options for a subcommand).
type Option struct {
	Name    string
	Type    int // 1 subcommand, 3 string, 4 integer
	Value   any
	Focused bool
	Options []Option
}

func (o Option) object() map[string]any {
	m := map[string]any{"name": o.Name, "type": o.Type}
	if o.Type == 1 || o.Type == 2 {
		opts := []map[string]any{}
		for _, c := range o.Options {
			opts = append(opts, c.object())
		}
		m["options"] = opts
	} else {
		m["value"] = o.Value
	}
	if o.Focused {
		m["focused"] = true
	}
	return m
}

// Interaction dispatches an INTERACTION_CREATE shaped like Discord's: typ 2 (command),
// 3 (button; data {custom_id, component_type 2}, message {id}), 4 (autocomplete). The
// channel's parent is sent in the partial channel object. It returns the interaction id
// and token; the fake accepts one callback and then follow-ups for that token.
func (s *Server) Interaction(typ int, ch Channel, u User, data map[string]any, message map[string]any) (id, token string) {
	d := s.newInteraction(typ, ch, u, data, message)
	s.Dispatch("INTERACTION_CREATE", d)
	return d["id"].(string), d["token"].(string)
}

// NewInteraction builds an interaction payload like Interaction without dispatching it
// (for the HTTP interactions endpoint); the fake still accepts its callbacks.
func (s *Server) NewInteraction(typ int, ch Channel, u User, data map[string]any, message map[string]any) map[string]any {
	return s.newInteraction(typ, ch, u, data, message)
}

func (s *Server) newInteraction(typ int, ch Channel, u User, data map[string]any, message map[string]any) map[string]any {
	s.ix.mu.Lock()
	s.ix.nextID++
	id := strconv.FormatInt(s.ix.nextID, 10)
	token := "aW50ZXJhY3Rpb246" + id + "OmZha2V0b2tlbg"
	s.ix.tokens[token] = &ixRecord{id: id, token: token, channel: ch.ID}
	s.ix.ids[id] = s.ix.tokens[token]
	s.ix.mu.Unlock()
	d := map[string]any{
		"id": id, "application_id": ApplicationID, "type": typ, "token": token, "version": 1,
		"channel_id": ch.ID, "locale": "en-US", "app_permissions": "70368744177663",
		"entitlements": []any{}, "authorizing_integration_owners": map[string]string{"0": GuildID},
		"context": 0,
	}
	chObj := map[string]any{"id": ch.ID, "type": ch.Type, "name": ch.Name, "permissions": "70368744177663", "flags": 0}
	if ch.ParentID != "" {
		chObj["parent_id"] = ch.ParentID
	}
	if u.DM {
		d["user"] = u.object()
		d["context"] = 1
		chObj = map[string]any{"id": ch.ID, "type": 1, "flags": 0, "recipients": []any{u.object()}}
		delete(d, "authorizing_integration_owners")
	} else {
		chObj["guild_id"] = GuildID
		d["guild_id"] = GuildID
		d["guild_locale"] = "en-US"
		d["member"] = u.member()
	}
	d["channel"] = chObj
	if data != nil {
		d["data"] = data
	}
	if message != nil {
		d["message"] = message
	}
	return d
}

// CommandData is the data of a /papers chat input command: the subcommand and its options.
func CommandData(command string, sub Option) map[string]any {
	return map[string]any{"id": "1300000000000000001", "name": command, "type": 1, "options": []map[string]any{sub.object()}}
}

// ButtonData is the data of a button click.
func ButtonData(customID string) map[string]any {
	return map[string]any{"custom_id": customID, "component_type": 2}
}

// ReactionAdd dispatches MESSAGE_REACTION_ADD (emoji by unicode name; id null) and
// returns its sequence number.
func (s *Server) ReactionAdd(u User, channelID, messageID, emoji string) int64 {
	return s.Dispatch("MESSAGE_REACTION_ADD", map[string]any{
		"user_id": u.ID, "channel_id": channelID, "message_id": messageID, "guild_id": GuildID,
		"member": u.member(), "emoji": map[string]any{"id": nil, "name": emoji},
		"message_author_id": BotUserID, "burst": false, "burst_colors": []any{}, "type": 0,
	})
}

// ReactionRemove dispatches MESSAGE_REACTION_REMOVE and returns its sequence number.
func (s *Server) ReactionRemove(u User, channelID, messageID, emoji string) int64 {
	return s.Dispatch("MESSAGE_REACTION_REMOVE", map[string]any{
		"user_id": u.ID, "channel_id": channelID, "message_id": messageID, "guild_id": GuildID,
		"emoji": map[string]any{"id": nil, "name": emoji}, "burst": false, "type": 0,
	})
}

// MessageCreate dispatches MESSAGE_CREATE of a user's message (type 0) in a channel or
// thread and returns its sequence number. Pass content "" to model a bot without the
// Message Content intent, which receives messages with empty content.
func (s *Server) MessageCreate(u User, channelID, messageID, content string, bot bool) int64 {
	author := u.object()
	if bot {
		author["bot"] = true
	}
	return s.Dispatch("MESSAGE_CREATE", map[string]any{
		"type": 0, "tts": false, "timestamp": "2026-12-04T12:00:00.000000+00:00", "pinned": false,
		"mentions": []any{}, "mention_roles": []any{}, "mention_everyone": false,
		"member": map[string]any{"roles": []string{}, "joined_at": "2024-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0},
		"id":     messageID, "flags": 0, "embeds": []any{}, "edited_timestamp": nil, "content": content,
		"components": []any{}, "channel_id": channelID, "author": author, "attachments": []any{},
		"guild_id": GuildID, "position": 1,
	})
}
