// Package slackfake is a loopback fake of the parts of Slack that paperboy uses: the Web
// API methods (auth.test, chat.postMessage, chat.update, conversations.history,
// conversations.replies, conversations.info, users.info, apps.connections.open), a Socket Mode websocket, and response_url
// endpoints. It speaks the real wire formats so that tests exercise slack-go unchanged,
// captures what the bot sends, and injects failures (429 with Retry-After, error codes).
// It is for tests only and imports no Slack SDK.
package slackfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Identity the fake reports from auth.test.
const (
	BotUserID = "UPAPERBOY"
	BotID     = "BPAPERBOY"
	TeamID    = "TFAKE"
)

// Message is a message the bot posted (chat.postMessage) or its latest edit.
type Message struct {
	Channel  string
	TS       string
	ThreadTS string
	Text     string
	Blocks   json.RawMessage // as sent, "" when none
	Metadata json.RawMessage // as sent, "" when none
}

// Response is a payload the bot posted to a response_url.
type Response struct {
	ID           string          // the response_url's id (see ResponseURL)
	ResponseType string          `json:"response_type"`
	Text         string          `json:"text"`
	Blocks       json.RawMessage `json:"blocks"`
	// ReplaceOriginal is replace_original as sent (nil when absent): false adds a message,
	// true replaces the one that carried the button.
	ReplaceOriginal *bool `json:"replace_original"`
}

// Server is the fake. Create it with New; it stops when the test ends.
type Server struct {
	URL      string // Web API base URL ending with "/" (slack.api_url)
	BotToken string // the xoxb- token it accepts
	AppToken string // the xapp- token it accepts on apps.connections.open
	// Now is the clock message timestamps (ts) follow (default time.Now); set it before use.
	Now func() time.Time
	// Scopes are the bot token's scopes, sent in auth.test's X-OAuth-Scopes header as
	// Slack does (default: those of slack/manifest.yaml). conversations.info answers
	// missing_scope without channels:read, as Slack does. Set before use.
	Scopes []string

	srv *httptest.Server

	mu        sync.Mutex
	posts     []Message
	updates   []Message
	responses []Response
	attempts  map[string]int    // Web API method → calls, including failed ones
	chanErr   map[string]string // channel → error code for chat.postMessage
	admins    map[string]bool   // user id → is_admin
	limiter   func(call int) (retryAfter int, limited bool)
	openErr   string // apps.connections.open error code ("" = answer with a URL)
	openFails int    // how many more calls fail with openErr (<0: all)
	lastTS    int64
	changed   chan struct{} // closed and replaced on every capture

	ws       *websocket.Conn
	wsMu     sync.Mutex // serializes websocket writes
	wsClosed bool       // Close was called: no new websocket is kept
	wsReady  chan struct{}
	opens    int
	dials    int // websocket upgrade requests received (counted before the 101 answer)
	acks     map[string]chan json.RawMessage
	envSeq   int
}

// New starts a fake on a loopback port.
func New(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{
		BotToken: "xoxb-fake-bot-token",
		Scopes:   []string{"chat:write", "commands", "reactions:read", "channels:history", "groups:history", "users:read"},
		AppToken: "xapp-fake-app-token",
		attempts: map[string]int{},
		chanErr:  map[string]string{},
		admins:   map[string]bool{},
		changed:  make(chan struct{}),
		wsReady:  make(chan struct{}),
		acks:     map[string]chan json.RawMessage{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/auth.test", s.authTest)
	mux.HandleFunc("POST /api/chat.postMessage", s.postMessage)
	mux.HandleFunc("POST /api/chat.update", s.update)
	mux.HandleFunc("POST /api/conversations.history", s.history)
	mux.HandleFunc("POST /api/conversations.replies", s.replies)
	mux.HandleFunc("POST /api/users.info", s.usersInfo)
	mux.HandleFunc("POST /api/conversations.info", s.conversationsInfo)
	mux.HandleFunc("POST /api/apps.connections.open", s.connectionsOpen)
	mux.HandleFunc("GET /socket", s.socket)
	mux.HandleFunc("POST /response/{id}", s.response)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"ok": false, "error": "unknown_method"})
	})
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL + "/api/"
	tb.Cleanup(s.Close)
	return s
}

// Close stops the server and drops the websocket.
func (s *Server) Close() {
	s.wsMu.Lock()
	s.wsClosed = true // a handshake still in flight is closed as soon as it completes
	if s.ws != nil {
		_ = s.ws.Close()
	}
	s.wsMu.Unlock()
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// ResponseURL returns a response_url served by the fake; posts to it are captured with
// the given id.
func (s *Server) ResponseURL(id string) string { return s.srv.URL + "/response/" + url.PathEscape(id) }

// SetChannelError makes chat.postMessage to channel fail with code ("" clears).
func (s *Server) SetChannelError(channel, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == "" {
		delete(s.chanErr, channel)
		return
	}
	s.chanErr[channel] = code
}

// SetAdmin sets users.info's is_admin for a user; unknown users are regular members.
func (s *Server) SetAdmin(user string, admin bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.admins[user] = admin
}

// SetPostLimiter decides, for the n-th chat.postMessage call (1-based, counting
// rejected calls), whether to answer 429 with Retry-After seconds. nil disables it.
func (s *Server) SetPostLimiter(f func(call int) (retryAfter int, limited bool)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limiter = f
}

// FailConnectionsOpen makes the next n apps.connections.open calls (all when n < 0) fail
// with the Slack error code, as Slack answers: HTTP 200 and {"ok":false,"error":code}
// (missing_scope also names the needed scope). "" or n = 0 restores success.
func (s *Server) FailConnectionsOpen(code string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.openErr, s.openFails = code, n
}

// Opens returns how many Socket Mode websocket handshakes the bot has started. It is
// counted when the upgrade request arrives, before the server answers it, so a client
// that has seen its websocket open always finds Opens() > 0.
func (s *Server) Opens() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dials
}

// Calls returns how many times a Web API method was called, failures included.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts[method]
}

// Posts returns the messages posted so far, in order (with later edits applied).
func (s *Server) Posts() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.posts...)
}

// Updates returns the chat.update calls so far, in order.
func (s *Server) Updates() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.updates...)
}

// Responses returns the response_url posts so far, in order.
func (s *Server) Responses() []Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Response(nil), s.responses...)
}

// Wait blocks until cond (called under no lock with the fake's state) is true or the
// timeout passes; it reports whether cond became true.
func (s *Server) Wait(timeout time.Duration, cond func(*Server) bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond(s) {
			return true
		}
		select {
		case <-ch:
		case <-deadline.C:
			return cond(s)
		}
	}
}

// WaitPosts waits until at least n messages were posted and returns them.
func (s *Server) WaitPosts(tb testing.TB, n int, timeout time.Duration) []Message {
	tb.Helper()
	if !s.Wait(timeout, func(s *Server) bool { return len(s.Posts()) >= n }) {
		tb.Fatalf("slackfake: got %d posts after %s, want %d: %s", len(s.Posts()), timeout, n, summarize(s.Posts()))
	}
	return s.Posts()
}

func summarize(ms []Message) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "\n  %s ts=%s thread=%s text=%q", m.Channel, m.TS, m.ThreadTS, m.Text)
	}
	return b.String()
}

func (s *Server) notify() { // under s.mu
	close(s.changed)
	s.changed = make(chan struct{})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

// form parses a Web API call and checks the bot token (form field or bearer header).
func (s *Server) form(w http.ResponseWriter, r *http.Request, method string) (url.Values, bool) {
	s.mu.Lock()
	s.attempts[method]++
	s.mu.Unlock()
	if err := r.ParseForm(); err != nil {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_form_data"})
		return nil, false
	}
	tok := r.PostForm.Get("token")
	if tok == "" {
		tok = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	if tok != s.BotToken {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return nil, false
	}
	return r.PostForm, true
}

func (s *Server) authTest(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.form(w, r, "auth.test"); !ok {
		return
	}
	w.Header().Set("X-OAuth-Scopes", strings.Join(s.Scopes, ","))
	writeJSON(w, map[string]any{"ok": true, "url": "https://fake.slack.com/", "team": "Fake Team", "user": "paperboy",
		"team_id": TeamID, "user_id": BotUserID, "bot_id": BotID})
}

// nextTS returns a unique, increasing Slack timestamp near the clock (Now).
func (s *Server) nextTS() string { // under s.mu
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	us := now().UnixMicro()
	if us <= s.lastTS {
		us = s.lastTS + 1
	}
	s.lastTS = us
	return fmt.Sprintf("%d.%06d", us/1e6, us%1e6)
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request) {
	v, ok := s.form(w, r, "chat.postMessage")
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.limiter != nil {
		if after, limited := s.limiter(s.attempts["chat.postMessage"]); limited {
			w.Header().Set("Retry-After", strconv.Itoa(after))
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"ok":false,"error":"ratelimited"}`)
			return
		}
	}
	ch := v.Get("channel")
	if code := s.chanErr[ch]; code != "" {
		writeJSON(w, map[string]any{"ok": false, "error": code})
		return
	}
	if v.Get("text") == "" && v.Get("blocks") == "" {
		writeJSON(w, map[string]any{"ok": false, "error": "no_text"})
		return
	}
	if blocks := v.Get("blocks"); blocks != "" && !json.Valid([]byte(blocks)) {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_blocks_format"})
		return
	}
	m := Message{Channel: ch, TS: s.nextTS(), ThreadTS: v.Get("thread_ts"), Text: v.Get("text"),
		Blocks: raw(v.Get("blocks")), Metadata: raw(v.Get("metadata"))}
	s.posts = append(s.posts, m)
	s.notify()
	writeJSON(w, map[string]any{"ok": true, "channel": ch, "ts": m.TS,
		"message": map[string]any{"type": "message", "text": m.Text, "ts": m.TS, "thread_ts": m.ThreadTS, "bot_id": BotID, "user": BotUserID}})
}

func raw(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

func (s *Server) update(w http.ResponseWriter, r *http.Request) {
	v, ok := s.form(w, r, "chat.update")
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ts := v.Get("channel"), v.Get("ts")
	for i := range s.posts {
		if s.posts[i].Channel == ch && s.posts[i].TS == ts {
			if t := v.Get("text"); t != "" {
				s.posts[i].Text = t
			}
			if b := v.Get("blocks"); b != "" {
				s.posts[i].Blocks = raw(b)
			}
			s.updates = append(s.updates, Message{Channel: ch, TS: ts, Text: v.Get("text"), Blocks: raw(v.Get("blocks"))})
			s.notify()
			writeJSON(w, map[string]any{"ok": true, "channel": ch, "ts": ts, "text": v.Get("text")})
			return
		}
	}
	writeJSON(w, map[string]any{"ok": false, "error": "message_not_found"})
}

func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	v, ok := s.form(w, r, "conversations.history")
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := v.Get("channel")
	if code := s.chanErr[ch]; code != "" {
		writeJSON(w, map[string]any{"ok": false, "error": code})
		return
	}
	oldest, _ := strconv.ParseFloat(v.Get("oldest"), 64)
	var msgs []map[string]any
	for _, m := range s.posts {
		ts, _ := strconv.ParseFloat(m.TS, 64)
		if m.Channel != ch || m.ThreadTS != "" || ts < oldest {
			continue
		}
		msgs = append(msgs, m.wire(v.Get("include_all_metadata") == "1"))
	}
	sort.SliceStable(msgs, func(i, j int) bool { return msgs[i]["ts"].(string) > msgs[j]["ts"].(string) }) // newest first
	writeJSON(w, map[string]any{"ok": true, "messages": msgs, "has_more": false})
}

// conversationsInfo answers is_member false for a channel whose error (SetChannelError)
// is not_in_channel, the error code for another error code, and is_member true otherwise.
func (s *Server) conversationsInfo(w http.ResponseWriter, r *http.Request) {
	v, ok := s.form(w, r, "conversations.info")
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(s.Scopes, "channels:read") {
		writeJSON(w, map[string]any{"ok": false, "error": "missing_scope", "needed": "channels:read"})
		return
	}
	ch := v.Get("channel")
	code := s.chanErr[ch]
	if code != "" && code != "not_in_channel" {
		writeJSON(w, map[string]any{"ok": false, "error": code})
		return
	}
	writeJSON(w, map[string]any{"ok": true, "channel": map[string]any{"id": ch, "name": strings.ToLower(ch), "is_member": code == ""}})
}

// wire renders a message as conversations.history and conversations.replies return it;
// its metadata only when asked for (include_all_metadata).
func (m Message) wire(metadata bool) map[string]any {
	msg := map[string]any{"type": "message", "ts": m.TS, "text": m.Text, "bot_id": BotID, "user": BotUserID}
	if len(m.Metadata) > 0 && metadata {
		msg["metadata"] = m.Metadata
	}
	return msg
}

// replies serves conversations.replies: the thread's parent message first, then its
// replies at or after oldest, oldest first; metadata only with include_all_metadata.
// A ts that names no message is thread_not_found; a reply's ts names its thread.
func (s *Server) replies(w http.ResponseWriter, r *http.Request) {
	v, ok := s.form(w, r, "conversations.replies")
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ts := v.Get("channel"), v.Get("ts")
	if code := s.chanErr[ch]; code != "" {
		writeJSON(w, map[string]any{"ok": false, "error": code})
		return
	}
	parent := -1
	for i, m := range s.posts {
		if m.Channel == ch && m.TS == ts {
			parent = i
			if m.ThreadTS != "" { // a reply: its thread's parent
				ts = m.ThreadTS
				parent = -1
			}
			break
		}
	}
	for i, m := range s.posts {
		if parent < 0 && m.Channel == ch && m.TS == ts && m.ThreadTS == "" {
			parent = i
		}
	}
	if parent < 0 {
		writeJSON(w, map[string]any{"ok": false, "error": "thread_not_found"})
		return
	}
	oldest, _ := strconv.ParseFloat(v.Get("oldest"), 64)
	meta := v.Get("include_all_metadata") == "1"
	var replies []map[string]any
	count := 0
	for _, m := range s.posts {
		if m.Channel != ch || m.ThreadTS != ts {
			continue
		}
		count++
		if at, _ := strconv.ParseFloat(m.TS, 64); at >= oldest {
			msg := m.wire(meta)
			msg["thread_ts"], msg["parent_user_id"] = ts, BotUserID
			replies = append(replies, msg)
		}
	}
	head := s.posts[parent].wire(meta)
	if count > 0 {
		head["thread_ts"], head["reply_count"] = ts, count
	}
	writeJSON(w, map[string]any{"ok": true, "messages": append([]map[string]any{head}, replies...), "has_more": false,
		"response_metadata": map[string]any{"next_cursor": ""}})
}

func (s *Server) usersInfo(w http.ResponseWriter, r *http.Request) {
	v, ok := s.form(w, r, "users.info")
	if !ok {
		return
	}
	s.mu.Lock()
	admin := s.admins[v.Get("user")]
	s.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "user": map[string]any{"id": v.Get("user"), "name": strings.ToLower(v.Get("user")), "is_admin": admin}})
}

func (s *Server) connectionsOpen(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.attempts["apps.connections.open"]++
	code := ""
	if s.openErr != "" && s.openFails != 0 {
		code = s.openErr
		if s.openFails > 0 {
			s.openFails--
		}
	}
	s.notify()
	s.mu.Unlock()
	switch auth := r.Header.Get("Authorization"); {
	case auth == "Bearer "+s.BotToken:
		writeJSON(w, map[string]any{"ok": false, "error": "not_allowed_token_type"})
		return
	case auth != "Bearer "+s.AppToken:
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	case code == "missing_scope":
		writeJSON(w, map[string]any{"ok": false, "error": code, "needed": "connections:write", "provided": "authorizations:read"})
		return
	case code != "":
		writeJSON(w, map[string]any{"ok": false, "error": code})
		return
	}
	writeJSON(w, map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/socket?ticket=fake"})
}

func (s *Server) response(w http.ResponseWriter, r *http.Request) {
	var resp Response
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&resp); err != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	resp.ID = r.PathValue("id")
	s.mu.Lock()
	s.responses = append(s.responses, resp)
	s.notify()
	s.mu.Unlock()
	_, _ = io.WriteString(w, "ok")
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// socket serves one Socket Mode connection: hello, then envelopes sent with Send, acks
// read back, and a ping every second (slack-go treats a silent connection as dead).
func (s *Server) socket(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.dials++
	s.mu.Unlock()
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	s.wsMu.Lock()
	if s.wsClosed {
		s.wsMu.Unlock()
		_ = conn.Close()
		return
	}
	if s.ws != nil {
		_ = s.ws.Close()
	}
	s.ws = conn
	err = conn.WriteJSON(map[string]any{"type": "hello", "num_connections": 1,
		"connection_info": map[string]any{"app_id": "AFAKE"}, "debug_info": map[string]any{"host": "fake"}})
	s.wsMu.Unlock()
	if err != nil {
		return
	}
	s.mu.Lock()
	s.opens++
	close(s.wsReady)
	s.wsReady = make(chan struct{})
	s.notify()
	s.mu.Unlock()

	stop := make(chan struct{})
	defer close(stop)
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if conn.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(time.Second)) != nil {
					return
				}
			}
		}
	}()
	for {
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if err := conn.ReadJSON(&ack); err != nil {
			return
		}
		s.mu.Lock()
		ch := s.acks[ack.EnvelopeID]
		s.mu.Unlock()
		if ch != nil {
			select {
			case ch <- ack.Payload:
			default:
			}
		}
	}
}

// WaitConnected waits until the bot has opened a Socket Mode connection.
func (s *Server) WaitConnected(tb testing.TB, timeout time.Duration) {
	tb.Helper()
	if !s.Wait(timeout, func(s *Server) bool { s.mu.Lock(); defer s.mu.Unlock(); return s.opens > 0 }) {
		tb.Fatalf("slackfake: no Socket Mode connection after %s", timeout)
	}
}

// Envelope is a Socket Mode request the fake sends.
type Envelope struct {
	ID    string
	acked chan json.RawMessage
}

// Send sends a Socket Mode envelope of the given type ("events_api", "slash_commands",
// "interactive") with payload; retry sets retry_attempt. Use Envelope.Ack to wait for the
// acknowledgement.
func (s *Server) Send(typ string, payload any, retry int) (*Envelope, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.envSeq++
	env := &Envelope{ID: fmt.Sprintf("env-%d-%d", s.envSeq, retry), acked: make(chan json.RawMessage, 1)}
	s.acks[env.ID] = env.acked
	s.mu.Unlock()
	msg := map[string]any{"envelope_id": env.ID, "type": typ, "payload": json.RawMessage(body),
		"accepts_response_payload": typ == "slash_commands", "retry_attempt": retry, "retry_reason": ""}
	if retry > 0 {
		msg["retry_reason"] = "timeout"
	}
	s.wsMu.Lock()
	defer s.wsMu.Unlock()
	if s.ws == nil {
		return nil, errors.New("slackfake: no Socket Mode connection")
	}
	if err := s.ws.WriteJSON(msg); err != nil {
		return nil, fmt.Errorf("slackfake: send envelope: %w", err)
	}
	return env, nil
}

// Ack waits for the envelope's acknowledgement and returns its payload ("null" or empty
// when the ack had none).
func (e *Envelope) Ack(timeout time.Duration) (json.RawMessage, error) {
	select {
	case p := <-e.acked:
		return p, nil
	case <-time.After(timeout):
		return nil, fmt.Errorf("slackfake: envelope %s not acknowledged within %s", e.ID, timeout)
	}
}

// EventCallback builds an Events API event_callback document around event.
func EventCallback(eventID string, event map[string]any) map[string]any {
	return map[string]any{"token": "verification-token-unused", "team_id": TeamID, "api_app_id": "AFAKE",
		"type": "event_callback", "event_id": eventID, "event_time": time.Now().Unix(), "event": event,
		"authorizations": []any{map[string]any{"team_id": TeamID, "user_id": BotUserID, "is_bot": true}}}
}

// Reaction builds a reaction_added / reaction_removed event on a message.
func Reaction(kind, user, channel, ts, name string) map[string]any {
	return map[string]any{"type": kind, "user": user, "reaction": name, "item_user": BotUserID,
		"item": map[string]any{"type": "message", "channel": channel, "ts": ts}, "event_ts": ts}
}

// ThreadReply builds a message event replying in a thread.
func ThreadReply(user, channel, threadTS, ts, text string) map[string]any {
	return map[string]any{"type": "message", "channel": channel, "user": user, "text": text, "ts": ts,
		"thread_ts": threadTS, "event_ts": ts, "channel_type": "channel"}
}

// SlashCommand builds a slash command as a Socket Mode payload; Form gives the HTTP form.
func SlashCommand(user, channel, text, responseURL string) map[string]any {
	return map[string]any{"token": "unused", "team_id": TeamID, "team_domain": "fake", "channel_id": channel,
		"channel_name": "papers", "user_id": user, "user_name": strings.ToLower(user), "command": "/papers",
		"text": text, "api_app_id": "AFAKE", "is_enterprise_install": "false", "response_url": responseURL,
		"trigger_id": "trigger-" + user}
}

// Form renders a SlashCommand payload as the form body Slack posts in HTTP mode.
func Form(cmd map[string]any) string {
	v := url.Values{}
	for k, x := range cmd {
		v.Set(k, fmt.Sprint(x))
	}
	return v.Encode()
}

// BlockAction builds a block_actions payload for a button click on a message.
func BlockAction(user, channel, messageTS, actionID, value, responseURL string) map[string]any {
	return map[string]any{
		"type": "block_actions", "trigger_id": "trigger-" + user + "-" + actionID,
		"user":         map[string]any{"id": user, "username": strings.ToLower(user), "team_id": TeamID},
		"team":         map[string]any{"id": TeamID, "domain": "fake"},
		"api_app_id":   "AFAKE",
		"container":    map[string]any{"type": "message", "message_ts": messageTS, "channel_id": channel, "is_ephemeral": false},
		"channel":      map[string]any{"id": channel, "name": "papers"},
		"message":      map[string]any{"type": "message", "ts": messageTS, "bot_id": BotID},
		"response_url": responseURL,
		"actions": []any{map[string]any{"type": "button", "action_id": actionID, "block_id": "paper_actions",
			"value": value, "action_ts": fmt.Sprintf("%d.%06d", time.Now().Unix(), time.Now().Nanosecond()/1000),
			"text": map[string]any{"type": "plain_text", "text": actionID}}},
	}
}

// Sign returns the headers Slack sends with a signed HTTP request: v0 HMAC-SHA256 of
// "v0:<ts>:<body>" with the signing secret.
func Sign(secret string, ts time.Time, body []byte) http.Header {
	stamp := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:", stamp)
	mac.Write(body)
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", stamp)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return h
}
