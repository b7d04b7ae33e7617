package discordfake

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Identity of the fake application, its bot user and its guild.
const (
	Token         = "fake-bot-token" // the bot token the fake accepts (Options.Token)
	ApplicationID = "1100000000000000001"
	BotUserID     = "1100000000000000002"
	BotUsername   = "paperboy"
	GuildID       = "1100000000000000003"
)

// Gateway close codes the fake sends (Discord's values).
const (
	CloseAuthenticationFailed = 4004
	CloseDisallowedIntents    = 4014
)

// Identify is an op 2 Identify as the fake received it.
type Identify struct {
	Token   string `json:"token"`
	Intents int    `json:"intents"`
}

// gatewayState is the Gateway half's state: sessions, sequence numbers, sent events. It
// has its own lock so a slow websocket write never holds up the REST half.
type gatewayState struct {
	mu         sync.Mutex
	heartbeat  int // ms, op 10 Hello's heartbeat_interval
	disallowed int // intents refused with close 4014 (privileged intents not enabled)
	channels   []Channel
	sessions   map[string]*gwSession
	cur        *gwSession // the session events are dispatched to
	conn       *gwConn    // the open, identified connection (nil when none)
	identifies []Identify
	resumes    int
	heartbeats int
	nsessions  int
	ready      chan struct{} // closed and replaced on every READY / RESUMED
}

// gwSession is a Gateway session: its events by sequence, kept for resumes.
type gwSession struct {
	id  string
	seq int64
	log []frame // dispatches, in order
}

// gwConn is one websocket connection.
type gwConn struct {
	ws      *websocket.Conn
	wmu     sync.Mutex
	session *gwSession
}

func (c *gwConn) write(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteJSON(v)
}

// frame is a Gateway payload: {"op", "d", "s", "t"}; s and t are null except in dispatches.
type frame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
	S  *int64          `json:"s"`
	T  *string         `json:"t"`
}

func (s *Server) routesGateway(mux *http.ServeMux) {
	s.gw.heartbeat = 41250
	s.gw.sessions = map[string]*gwSession{}
	s.gw.ready = make(chan struct{})
	mux.HandleFunc("GET /ws/", s.serveGateway) // discordgo dials GatewayURL + "/?v=10&encoding=json"
}

// GatewayURL is the websocket URL GET /gateway and /gateway/bot answer.
func (s *Server) GatewayURL() string { return "ws" + strings.TrimPrefix(s.URL, "http") + "/ws" }

// SetHeartbeatInterval sets op 10 Hello's heartbeat_interval (ms) for later connections.
func (s *Server) SetHeartbeatInterval(ms int) {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	s.gw.heartbeat = ms
}

// DisallowIntents makes Identify with any of these intent bits fail with close 4014, as
// Discord does for a privileged intent (Message Content 1<<15) not enabled in the portal.
func (s *Server) DisallowIntents(bits int) {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	s.gw.disallowed = bits
}

// announceChannel records a channel for GUILD_CREATE and, when a session is open, sends
// CHANNEL_CREATE or THREAD_CREATE. The REST half calls it with s.mu held: the Gateway
// half never takes s.mu, so the lock order is s.mu, then gw.mu.
func (s *Server) announceChannel(c Channel) {
	s.gw.mu.Lock()
	s.gw.channels = append(s.gw.channels, c)
	open := s.gw.cur != nil
	s.gw.mu.Unlock()
	if !open {
		return
	}
	t := "CHANNEL_CREATE"
	if c.Type >= 10 && c.Type <= 12 {
		t = "THREAD_CREATE"
	}
	s.Dispatch(t, channelObject(c))
}

// Identifies returns the op 2 Identify payloads received, in order.
func (s *Server) Identifies() []Identify {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	return append([]Identify(nil), s.gw.identifies...)
}

// Resumes is how many op 6 Resume the fake accepted.
func (s *Server) Resumes() int {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	return s.gw.resumes
}

// Heartbeats is how many op 1 Heartbeat the fake received (and acknowledged with op 11).
func (s *Server) Heartbeats() int {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	return s.gw.heartbeats
}

// Connected reports whether a client is identified (or resumed) on an open connection.
// The returned channel is closed at the next READY or RESUMED.
func (s *Server) Connected() (bool, <-chan struct{}) {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	return s.gw.conn != nil, s.gw.ready
}

// Dispatch sends an op 0 event to the current session (the data is marshalled as JSON)
// and returns its sequence number. While no connection is open the event is kept and
// replayed when the client resumes, as Discord does; with no session at all it is lost
// (returns 0).
func (s *Server) Dispatch(t string, d any) int64 {
	raw, err := json.Marshal(d)
	if err != nil {
		panic("discordfake: dispatch " + t + ": " + err.Error())
	}
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	sess := s.gw.cur
	if sess == nil {
		return 0
	}
	f := s.gw.appendLocked(sess, t, raw)
	if c := s.gw.conn; c != nil && c.session == sess {
		_ = c.write(f)
	}
	return *f.S
}

// Redeliver sends the already dispatched event with sequence seq again, unchanged, as a
// gateway that replays too much would: the adapter must count it once.
func (s *Server) Redeliver(seq int64) bool {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	c := s.gw.conn
	if c == nil || c.session == nil {
		return false
	}
	for _, f := range c.session.log {
		if *f.S == seq {
			return c.write(f) == nil
		}
	}
	return false
}

// DropConnection cuts the websocket without a close frame (a network failure): the
// client should reconnect and resume. Events dispatched meanwhile are replayed on resume.
func (s *Server) DropConnection() bool {
	s.gw.mu.Lock()
	c := s.gw.conn
	s.gw.conn = nil
	s.gw.mu.Unlock()
	if c == nil {
		return false
	}
	_ = c.ws.NetConn().Close()
	return true
}

func (g *gatewayState) appendLocked(sess *gwSession, t string, raw json.RawMessage) frame {
	sess.seq++
	seq, name := sess.seq, t
	f := frame{Op: 0, D: raw, S: &seq, T: &name}
	sess.log = append(sess.log, f)
	return f
}

// readyLocked marks c as the identified connection and wakes waiters.
func (g *gatewayState) readyLocked(c *gwConn) {
	g.conn = c
	close(g.ready)
	g.ready = make(chan struct{})
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// serveGateway speaks the Gateway protocol on one websocket: Hello, then Identify (READY,
// GUILD_CREATE) or Resume (missed events, RESUMED), then heartbeats until it closes.
func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer ws.Close()
	c := &gwConn{ws: ws}
	s.gw.mu.Lock()
	hb := s.gw.heartbeat
	s.gw.mu.Unlock()
	if c.write(frame{Op: 10, D: mustJSON(map[string]int{"heartbeat_interval": hb})}) != nil {
		return
	}
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			s.gw.mu.Lock()
			if s.gw.conn == c {
				s.gw.conn = nil
			}
			s.gw.mu.Unlock()
			return
		}
		var in struct {
			Op int             `json:"op"`
			D  json.RawMessage `json:"d"`
		}
		if json.Unmarshal(msg, &in) != nil {
			closeWith(ws, 4002, "Error while decoding payload.")
			return
		}
		switch in.Op {
		case 1:
			s.gw.mu.Lock()
			s.gw.heartbeats++
			s.gw.mu.Unlock()
			if c.write(frame{Op: 11, D: json.RawMessage("null")}) != nil {
				return
			}
		case 2:
			if !s.identify(c, in.D) {
				return
			}
		case 6:
			if !s.resume(c, in.D) {
				return
			}
		}
	}
}

// identify answers op 2: close 4004 on a wrong token, 4014 on a disallowed intent,
// otherwise a new session with READY and GUILD_CREATE.
func (s *Server) identify(c *gwConn, raw json.RawMessage) bool {
	var id Identify
	_ = json.Unmarshal(raw, &id)
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	s.gw.identifies = append(s.gw.identifies, id)
	if strings.TrimPrefix(id.Token, "Bot ") != Token {
		closeWith(c.ws, CloseAuthenticationFailed, "Authentication failed.")
		return false
	}
	if id.Intents&s.gw.disallowed != 0 {
		closeWith(c.ws, CloseDisallowedIntents, "Disallowed intent(s).")
		return false
	}
	s.gw.nsessions++
	sess := &gwSession{id: "fakesession" + strconv.Itoa(s.gw.nsessions)}
	s.gw.sessions[sess.id] = sess
	s.gw.cur, c.session = sess, sess
	ready := map[string]any{
		"v":                  10,
		"user":               map[string]any{"id": BotUserID, "username": BotUsername, "discriminator": "0", "bot": true, "verified": true, "flags": 0, "avatar": nil},
		"session_id":         sess.id,
		"resume_gateway_url": s.GatewayURL(),
		"guilds":             []map[string]any{{"id": GuildID, "unavailable": true}},
		"private_channels":   []any{},
		"application":        map[string]any{"id": ApplicationID, "flags": 0},
		"shard":              []int{0, 1},
	}
	var chans, threads []map[string]any
	for _, ch := range s.gw.channels {
		if ch.Type >= 10 && ch.Type <= 12 {
			threads = append(threads, channelObject(ch))
		} else {
			chans = append(chans, channelObject(ch))
		}
	}
	guild := map[string]any{
		"id": GuildID, "name": "paperboy fake guild", "owner_id": "1", "unavailable": false,
		"member_count": 2, "large": false, "joined_at": "2024-01-01T00:00:00.000000+00:00",
		"channels": nonNil(chans), "threads": nonNil(threads), "roles": []any{}, "emojis": []any{},
		"members": []any{}, "presences": []any{}, "voice_states": []any{},
	}
	for _, d := range []struct {
		t string
		v any
	}{{"READY", ready}, {"GUILD_CREATE", guild}} {
		if c.write(s.gw.appendLocked(sess, d.t, mustJSON(d.v))) != nil {
			return false
		}
	}
	s.gw.readyLocked(c)
	return true
}

// resume answers op 6: the missed events of the session in order, then RESUMED; op 9
// (not resumable) for an unknown session or a wrong token.
func (s *Server) resume(c *gwConn, raw json.RawMessage) bool {
	var rs struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	_ = json.Unmarshal(raw, &rs)
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	sess := s.gw.sessions[rs.SessionID]
	if sess == nil || strings.TrimPrefix(rs.Token, "Bot ") != Token {
		return c.write(frame{Op: 9, D: json.RawMessage("false")}) == nil
	}
	s.gw.resumes++
	c.session = sess
	s.gw.cur = sess
	for _, f := range sess.log {
		if *f.S > rs.Seq {
			if c.write(f) != nil {
				return false
			}
		}
	}
	if c.write(s.gw.appendLocked(sess, "RESUMED", json.RawMessage("{}"))) != nil {
		return false
	}
	s.gw.readyLocked(c)
	return true
}

func closeWith(ws *websocket.Conn, code int, text string) {
	_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
	// Give the client a moment to read the close frame before the TCP connection goes.
	_ = ws.SetReadDeadline(time.Now().Add(time.Second))
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			return
		}
	}
}

func channelObject(c Channel) map[string]any {
	m := map[string]any{"id": c.ID, "type": c.Type, "name": c.Name, "guild_id": c.GuildID, "position": 0, "permission_overwrites": []any{}}
	if c.ParentID != "" {
		m["parent_id"] = c.ParentID
	}
	if c.Type >= 10 && c.Type <= 12 {
		m["owner_id"] = BotUserID
		m["thread_metadata"] = map[string]any{"archived": false, "auto_archive_duration": 1440, "locked": false,
			"archive_timestamp": "2024-01-01T00:00:00.000000+00:00"}
		m["message_count"] = 0
		m["member_count"] = 1
	}
	return m
}

func nonNil(v []map[string]any) []map[string]any {
	if v == nil {
		return []map[string]any{}
	}
	return v
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("discordfake: " + err.Error())
	}
	return b
}
