package discordfake

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// Channel types.
const (
	TypeText   = 0
	TypeThread = 11 // public thread
	TypeForum  = 15
)

// Channel is a channel, forum or thread of the fake.
type Channel struct {
	ID, GuildID, ParentID, Name string
	Type                        int
	Tags                        []Tag // forums: available_tags
	RequireTag                  bool  // forums: a post needs a tag (flag 1<<4)
	AppliedTags                 []string
	Archived, Locked            bool
	ArchivedAt                  time.Time
}

// Tag is a forum tag.
type Tag struct {
	ID, Name  string
	Moderated bool
}

// Message is a message as the fake stores it (its latest edit).
type Message struct {
	ID, ChannelID, AuthorID string
	Bot                     bool
	Content                 string
	Embeds, Components      json.RawMessage // as sent ("" when none)
	Nonce                   string
	ThreadID                string // the thread started from it
	Edits                   int
	At                      time.Time
}

// Call is a REST request the fault hook sees.
type Call struct {
	Method, Route string // Route is the pattern: "POST /channels/{id}/messages"
	Channel       string // the {id} of channel routes
	N             int    // calls of this route so far, this one included
}

// Fault is what the fault hook makes a call do; the zero Fault lets it through.
type Fault struct {
	// Status with Code and Message answers {"message": Message, "code": Code}. 429 answers
	// with retry_after (RetryAfter seconds) and the X-RateLimit-* headers (Global adds
	// X-RateLimit-Global).
	Status     int
	Code       int
	Message    string
	RetryAfter float64
	Global     bool
	// Lose processes the call (the message is stored) and drops the answer: the client
	// sees the connection closed, as after a timeout.
	Lose bool
}

// restState is the REST half's state: channels, messages, threads.
type restState struct {
	now         func() time.Time
	token       string
	lastID      uint64
	channels    map[string]*Channel
	messages    map[string][]*Message // channel id -> messages, in id order
	nonces      map[string]*Message
	nonceWindow time.Duration
	calls       map[string]int
	faults      func(Call) Fault
	bucketN     int
	bucketWin   time.Duration
	sent        map[string][]time.Time // channel -> message creates in the bucket window (wall clock)
}

func (s *Server) restInit() { // under s.mu
	if s.rest.channels != nil {
		return
	}
	s.rest.channels = map[string]*Channel{}
	s.rest.messages = map[string][]*Message{}
	s.rest.nonces = map[string]*Message{}
	s.rest.calls = map[string]int{}
	s.rest.sent = map[string][]time.Time{}
	s.rest.nonceWindow = 5 * time.Minute
}

func (s *Server) routesREST(mux *http.ServeMux) {
	s.mu.Lock()
	s.restInit()
	s.mu.Unlock()
	for _, r := range []struct {
		route string
		h     func(w http.ResponseWriter, r *http.Request) answer
	}{
		{"GET /channels/{id}", s.getChannel},
		{"POST /channels/{id}/messages", s.createMessage},
		{"GET /channels/{id}/messages", s.listMessages},
		{"GET /channels/{id}/messages/{mid}", s.getMessage},
		{"PATCH /channels/{id}/messages/{mid}", s.editMessage},
		{"POST /channels/{id}/messages/{mid}/threads", s.startThread},
		{"POST /channels/{id}/threads", s.forumPost},
		{"GET /channels/{id}/threads/archived/public", s.archivedThreads},
		{"GET /guilds/{id}/threads/active", s.activeThreads},
	} {
		method, path, _ := strings.Cut(r.route, " ")
		mux.HandleFunc(method+" "+APIPath+path, s.serve(r.route, r.h))
	}
}

// answer is a REST answer before it is written.
type answer struct {
	status int
	body   any
	header http.Header
}

func errAnswer(status, code int, msg string) answer {
	return answer{status: status, body: map[string]any{"message": msg, "code": code}}
}

// serve wraps a route: authorization, call counting, faults, then the handler, under s.mu.
func (s *Server) serve(route string, h func(http.ResponseWriter, *http.Request) answer) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.rest.calls[route]++
		call := Call{Method: r.Method, Route: route, Channel: r.PathValue("id"), N: s.rest.calls[route]}
		var f Fault
		if s.rest.faults != nil {
			f = s.rest.faults(call)
		}
		var a answer
		auth := r.Header.Get("Authorization")
		switch {
		case !strings.HasPrefix(auth, "Bot ") || (s.rest.token != "" && auth != "Bot "+s.rest.token):
			a = errAnswer(401, 0, "401: Unauthorized")
		case f.Status == 429:
			a = rateLimited(f.RetryAfter, f.Global)
		case f.Status != 0:
			a = errAnswer(f.Status, f.Code, f.Message)
		default:
			a = h(w, r)
		}
		s.mu.Unlock()
		if f.Lose {
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					_ = conn.Close()
					return
				}
			}
		}
		for k, vs := range a.header {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		_ = json.NewEncoder(w).Encode(a.body)
	}
}

// rateLimited is a 429 as Discord sends it.
func rateLimited(retryAfter float64, global bool) answer {
	h := http.Header{}
	ra := strconv.FormatFloat(retryAfter, 'f', 3, 64)
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(retryAfter))))
	h.Set("X-RateLimit-Limit", "5")
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(time.Now().UnixMilli())/1000+retryAfter, 'f', 3, 64))
	h.Set("X-RateLimit-Reset-After", ra)
	h.Set("X-RateLimit-Bucket", "fakebucket0messages")
	scope := "user"
	if global {
		h.Set("X-RateLimit-Global", "true")
		scope = "global"
	}
	h.Set("X-RateLimit-Scope", scope)
	return answer{status: 429, header: h, body: map[string]any{
		"message": "You are being rate limited.", "retry_after": retryAfter, "global": global, "code": 0}}
}

// --- test controls ---

// SetNow sets the clock of message ids, timestamps and the nonce window (default time.Now).
func (s *Server) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rest.now = now
}

// SetToken makes the fake accept only "Bot <token>" (default: any bot token).
func (s *Server) SetToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rest.token = token
}

// SetNonceWindow sets how long a nonce with enforce_nonce returns its message (default 5 min).
func (s *Server) SetNonceWindow(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rest.nonceWindow = d
}

// SetFaults installs a hook that decides, call by call, whether a REST call fails.
func (s *Server) SetFaults(f func(Call) Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rest.faults = f
}

// SetMessageBucket enforces Discord's per-channel message bucket: at most n message
// creates per window per channel (wall clock), with X-RateLimit-* headers on every
// create and a 429 beyond (0 = no limit, the default).
func (s *Server) SetMessageBucket(n int, window time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rest.bucketN, s.rest.bucketWin = n, window
}

// AddChannel adds a channel, forum or thread (GuildID defaults to the fake's guild). The
// Gateway announces it: in GUILD_CREATE after READY, or at once as CHANNEL_CREATE /
// THREAD_CREATE when a session is open.
func (s *Server) AddChannel(c Channel) {
	if c.GuildID == "" {
		c.GuildID = GuildID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cc := c
	s.rest.channels[c.ID] = &cc
	s.announceChannel(c)
}

// AddUserMessage stores a message by a user (a thread reply) and returns it.
func (s *Server) AddUserMessage(channel, user, content string) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := &Message{ID: s.nextID(), ChannelID: channel, AuthorID: user, Content: content, At: s.clock()}
	s.rest.messages[channel] = append(s.rest.messages[channel], m)
	return *m
}

// ArchiveThread archives a thread (as Discord does after its inactivity period).
func (s *Server) ArchiveThread(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.rest.channels[id]; c != nil {
		c.Archived, c.ArchivedAt = true, s.clock()
	}
}

// Messages returns the messages of a channel or thread in order (latest edits).
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.rest.messages[channel] {
		out = append(out, *m)
	}
	return out
}

// Threads returns the threads (and forum posts) whose parent is channel, in id order.
func (s *Server) Threads(parent string) []Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Channel
	for _, c := range s.rest.channels {
		if c.ParentID == parent {
			out = append(out, *c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return idLess(out[i].ID, out[j].ID) })
	return out
}

// Calls returns how many calls a route got, failed ones included ("POST
// /channels/{id}/messages"; "" = all routes).
func (s *Server) Calls(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if route != "" {
		return s.rest.calls[route]
	}
	n := 0
	for _, c := range s.rest.calls {
		n += c
	}
	return n
}

// --- internals (under s.mu) ---

func (s *Server) clock() time.Time {
	if s.rest.now != nil {
		return s.rest.now()
	}
	return time.Now()
}

const discordEpoch = 1420070400000

// nextID returns a new snowflake at the fake's clock, greater than every earlier one.
func (s *Server) nextID() string {
	ms := s.clock().UnixMilli() - discordEpoch
	id := uint64(max(ms, 1)) << 22
	if id <= s.rest.lastID {
		id = s.rest.lastID + 1
	}
	s.rest.lastID = id
	return strconv.FormatUint(id, 10)
}

func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func (s *Server) channelWire(c *Channel) map[string]any {
	out := map[string]any{"id": c.ID, "type": c.Type, "name": c.Name, "guild_id": c.GuildID, "flags": 0}
	if c.ParentID != "" {
		out["parent_id"] = c.ParentID
	}
	if c.Type == TypeForum || c.Type == 16 {
		tags := []map[string]any{}
		for _, t := range c.Tags {
			tags = append(tags, map[string]any{"id": t.ID, "name": t.Name, "moderated": t.Moderated, "emoji_id": nil, "emoji_name": nil})
		}
		out["available_tags"] = tags
		if c.RequireTag {
			out["flags"] = 1 << 4
		}
	}
	if c.Type == TypeThread {
		meta := map[string]any{"archived": c.Archived, "locked": c.Locked, "auto_archive_duration": 1440,
			"archive_timestamp": c.ArchivedAt.UTC().Format("2006-01-02T15:04:05.000000+00:00")}
		if c.ArchivedAt.IsZero() {
			meta["archive_timestamp"] = s.idTime(c.ID).UTC().Format("2006-01-02T15:04:05.000000+00:00")
		}
		out["thread_metadata"] = meta
		out["owner_id"] = BotUserID
		out["applied_tags"] = append([]string{}, c.AppliedTags...)
		out["message_count"] = len(s.rest.messages[c.ID])
	}
	return out
}

func (s *Server) idTime(id string) time.Time {
	n, _ := strconv.ParseUint(id, 10, 64)
	return time.UnixMilli(int64(n>>22) + discordEpoch)
}

func (s *Server) messageWire(m *Message, withNonce bool) map[string]any {
	out := map[string]any{"id": m.ID, "type": 0, "channel_id": m.ChannelID, "content": m.Content,
		"author":    map[string]any{"id": m.AuthorID, "username": "user", "discriminator": "0", "avatar": nil, "bot": m.Bot},
		"timestamp": m.At.UTC().Format("2006-01-02T15:04:05.000000+00:00"), "edited_timestamp": nil,
		"tts": false, "mention_everyone": false, "mentions": []any{}, "mention_roles": []any{}, "attachments": []any{},
		"pinned": false, "flags": 0, "referenced_message": nil, "embeds": json.RawMessage("[]"), "components": json.RawMessage("[]")}
	if m.Bot {
		out["author"] = map[string]any{"id": BotUserID, "username": "paperboy", "discriminator": "0", "avatar": nil, "bot": true}
	}
	if len(m.Embeds) > 0 {
		out["embeds"] = m.Embeds
	}
	if len(m.Components) > 0 {
		out["components"] = m.Components
	}
	if m.Edits > 0 {
		out["edited_timestamp"] = m.At.UTC().Format("2006-01-02T15:04:05.000000+00:00")
	}
	if withNonce && m.Nonce != "" {
		out["nonce"] = m.Nonce // Discord returns the nonce on create only
	}
	if m.ThreadID != "" {
		if th := s.rest.channels[m.ThreadID]; th != nil {
			out["thread"] = s.channelWire(th)
		}
	}
	return out
}

// outgoing is a message body as clients send it.
type outgoing struct {
	Content      string          `json:"content"`
	Embeds       json.RawMessage `json:"embeds"`
	Components   json.RawMessage `json:"components"`
	Nonce        any             `json:"nonce"`
	EnforceNonce bool            `json:"enforce_nonce"`
}

func u16(s string) int { return len(utf16.Encode([]rune(s))) }

// validate checks a message body against Discord's limits, as Discord does (400, 50035).
func validate(o outgoing) (answer, bool) {
	bad := func(what string) (answer, bool) {
		return errAnswer(400, 50035, "Invalid Form Body: "+what), false
	}
	if u16(o.Content) > 2000 {
		return bad("content: Must be 2000 or fewer in length.")
	}
	var embeds []struct {
		Title, Description string
		Fields             []struct{ Name, Value string }
		Footer             *struct{ Text string }
		Author             *struct{ Name string }
	}
	if len(o.Embeds) > 0 && string(o.Embeds) != "null" {
		if err := json.Unmarshal(o.Embeds, &embeds); err != nil {
			return bad("embeds: " + err.Error())
		}
	}
	if strings.TrimSpace(o.Content) == "" && len(embeds) == 0 {
		return errAnswer(400, 50006, "Cannot send an empty message"), false
	}
	if len(embeds) > 10 {
		return bad("embeds: Must be 10 or fewer in length.")
	}
	total := 0
	for _, e := range embeds {
		if u16(e.Title) > 256 || u16(e.Description) > 4096 || len(e.Fields) > 25 {
			return bad("embeds.0: title, description or fields too long")
		}
		total += u16(e.Title) + u16(e.Description)
		for _, f := range e.Fields {
			if u16(f.Name) > 256 || u16(f.Value) > 1024 || strings.TrimSpace(f.Name) == "" || strings.TrimSpace(f.Value) == "" {
				return bad("embeds.0.fields: name 1-256, value 1-1024")
			}
			total += u16(f.Name) + u16(f.Value)
		}
		if e.Footer != nil {
			if u16(e.Footer.Text) > 2048 {
				return bad("embeds.0.footer.text: Must be 2048 or fewer in length.")
			}
			total += u16(e.Footer.Text)
		}
		if e.Author != nil {
			total += u16(e.Author.Name)
		}
	}
	if total > 6000 {
		return bad("embeds: Embed size exceeds maximum size of 6000")
	}
	var rows []struct {
		Type       int
		Components []struct {
			Type     int
			Label    string
			CustomID string `json:"custom_id"`
		}
	}
	if len(o.Components) > 0 && string(o.Components) != "null" {
		if err := json.Unmarshal(o.Components, &rows); err != nil {
			return bad("components: " + err.Error())
		}
	}
	if len(rows) > 5 {
		return bad("components: Must be 5 or fewer in length.")
	}
	for _, r := range rows {
		if r.Type != 1 || len(r.Components) > 5 || len(r.Components) == 0 {
			return bad("components.0: an action row holds 1-5 buttons")
		}
		for _, b := range r.Components {
			if u16(b.Label) > 80 || u16(b.CustomID) > 100 || b.CustomID == "" {
				return bad("components.0.components: label <= 80, custom_id 1-100")
			}
		}
	}
	if n, ok := o.Nonce.(string); ok && len(n) > 25 {
		return bad("nonce: Must be 25 or fewer in length.")
	}
	return answer{}, true
}

func validName(name string) bool {
	n := u16(name)
	return n >= 1 && n <= 100 && !strings.Contains(name, "\n")
}

// store adds a bot message to a channel (under s.mu).
func (s *Server) store(channel string, id string, o outgoing) *Message {
	m := &Message{ID: id, ChannelID: channel, AuthorID: BotUserID, Bot: true, Content: o.Content, At: s.clock()}
	if len(o.Embeds) > 0 && string(o.Embeds) != "null" && string(o.Embeds) != "[]" {
		m.Embeds = o.Embeds
	}
	if len(o.Components) > 0 && string(o.Components) != "null" && string(o.Components) != "[]" {
		m.Components = o.Components
	}
	if n, ok := o.Nonce.(string); ok {
		m.Nonce = n
	}
	s.rest.messages[channel] = append(s.rest.messages[channel], m)
	return m
}

func decode(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func unknownChannel() answer { return errAnswer(404, 10003, "Unknown Channel") }

func (s *Server) getChannel(w http.ResponseWriter, r *http.Request) answer {
	c := s.rest.channels[r.PathValue("id")]
	if c == nil {
		return unknownChannel()
	}
	return answer{status: 200, body: s.channelWire(c)}
}

// bucket applies the per-channel message bucket and returns its headers, or a 429.
func (s *Server) bucket(channel string) (http.Header, *answer) {
	if s.rest.bucketN <= 0 {
		return nil, nil
	}
	now := time.Now()
	var keep []time.Time
	for _, t := range s.rest.sent[channel] {
		if now.Sub(t) < s.rest.bucketWin {
			keep = append(keep, t)
		}
	}
	resetAfter := s.rest.bucketWin.Seconds()
	if len(keep) > 0 {
		resetAfter = (s.rest.bucketWin - now.Sub(keep[0])).Seconds()
	}
	if len(keep) >= s.rest.bucketN {
		s.rest.sent[channel] = keep
		a := rateLimited(resetAfter, false)
		return nil, &a
	}
	keep = append(keep, now)
	s.rest.sent[channel] = keep
	h := http.Header{}
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.rest.bucketN))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(s.rest.bucketN-len(keep)))
	h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(resetAfter, 'f', 3, 64))
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(now.UnixMilli())/1000+resetAfter, 'f', 3, 64))
	h.Set("X-RateLimit-Bucket", "fakebucket0messages")
	return h, nil
}

func (s *Server) createMessage(w http.ResponseWriter, r *http.Request) answer {
	id := r.PathValue("id")
	c := s.rest.channels[id]
	if c == nil {
		return unknownChannel()
	}
	if c.Type == TypeForum || c.Type == 16 {
		return errAnswer(400, 50008, "Cannot send messages in a non-text channel")
	}
	var o outgoing
	if err := decode(r, &o); err != nil {
		return errAnswer(400, 50109, "The request body contains invalid JSON.")
	}
	if a, ok := validate(o); !ok {
		return a
	}
	n, _ := o.Nonce.(string)
	if o.EnforceNonce && n != "" {
		if m := s.rest.nonces[n]; m != nil && s.clock().Sub(m.At) < s.rest.nonceWindow {
			return answer{status: 200, body: s.messageWire(m, true)}
		}
	}
	h, limited := s.bucket(id)
	if limited != nil {
		return *limited
	}
	if c.Type == TypeThread && c.Archived {
		if c.Locked {
			return errAnswer(400, 160005, "Thread is locked")
		}
		c.Archived, c.ArchivedAt = false, time.Time{} // a message unarchives a thread
	}
	m := s.store(id, s.nextID(), o)
	if n != "" {
		s.rest.nonces[n] = m
	}
	return answer{status: 200, body: s.messageWire(m, true), header: h}
}

func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) answer {
	id := r.PathValue("id")
	if s.rest.channels[id] == nil {
		return unknownChannel()
	}
	q := r.URL.Query()
	limit := 50
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 100 {
			return errAnswer(400, 50035, "Invalid Form Body: limit must be 1-100")
		}
		limit = n
	}
	all := s.rest.messages[id]
	var pick []*Message
	switch before, after := q.Get("before"), q.Get("after"); {
	case after != "":
		// The limit messages right after the id, returned newest first.
		for _, m := range all {
			if idLess(after, m.ID) && len(pick) < limit {
				pick = append(pick, m)
			}
		}
	default:
		for i := len(all) - 1; i >= 0 && len(pick) < limit; i-- {
			if before == "" || idLess(all[i].ID, before) {
				pick = append([]*Message{all[i]}, pick...)
			}
		}
	}
	out := []any{}
	for i := len(pick) - 1; i >= 0; i-- {
		out = append(out, s.messageWire(pick[i], false))
	}
	return answer{status: 200, body: out}
}

func (s *Server) findMessage(channel, id string) *Message {
	for _, m := range s.rest.messages[channel] {
		if m.ID == id {
			return m
		}
	}
	return nil
}

func (s *Server) getMessage(w http.ResponseWriter, r *http.Request) answer {
	if s.rest.channels[r.PathValue("id")] == nil {
		return unknownChannel()
	}
	m := s.findMessage(r.PathValue("id"), r.PathValue("mid"))
	if m == nil {
		return errAnswer(404, 10008, "Unknown Message")
	}
	return answer{status: 200, body: s.messageWire(m, false)}
}

func (s *Server) editMessage(w http.ResponseWriter, r *http.Request) answer {
	if s.rest.channels[r.PathValue("id")] == nil {
		return unknownChannel()
	}
	m := s.findMessage(r.PathValue("id"), r.PathValue("mid"))
	if m == nil {
		return errAnswer(404, 10008, "Unknown Message")
	}
	var raw map[string]json.RawMessage
	if err := decode(r, &raw); err != nil {
		return errAnswer(400, 50109, "The request body contains invalid JSON.")
	}
	o := outgoing{Content: m.Content, Embeds: m.Embeds, Components: m.Components}
	if v, ok := raw["content"]; ok {
		_ = json.Unmarshal(v, &o.Content)
	}
	if v, ok := raw["embeds"]; ok {
		o.Embeds = v
	}
	if v, ok := raw["components"]; ok {
		o.Components = v
	}
	if a, ok := validate(o); !ok {
		return a
	}
	m.Content, m.Embeds, m.Components = o.Content, o.Embeds, o.Components
	m.Edits++
	return answer{status: 200, body: s.messageWire(m, false)}
}

func (s *Server) startThread(w http.ResponseWriter, r *http.Request) answer {
	id := r.PathValue("id")
	c := s.rest.channels[id]
	if c == nil {
		return unknownChannel()
	}
	m := s.findMessage(id, r.PathValue("mid"))
	if m == nil {
		return errAnswer(404, 10008, "Unknown Message")
	}
	if c.Type != TypeText && c.Type != 5 {
		return errAnswer(400, 50024, "Cannot execute action on this channel type")
	}
	var body struct {
		Name string `json:"name"`
	}
	if err := decode(r, &body); err != nil || !validName(body.Name) {
		return errAnswer(400, 50035, "Invalid Form Body: name must be 1-100 characters")
	}
	if m.ThreadID != "" {
		return errAnswer(400, 160004, "A thread has already been created for this message")
	}
	th := &Channel{ID: m.ID, GuildID: c.GuildID, ParentID: id, Name: body.Name, Type: TypeThread}
	s.rest.channels[th.ID] = th
	m.ThreadID = th.ID
	s.announceChannel(*th) // THREAD_CREATE, as Discord sends it
	return answer{status: 201, body: s.channelWire(th)}
}

func (s *Server) forumPost(w http.ResponseWriter, r *http.Request) answer {
	id := r.PathValue("id")
	c := s.rest.channels[id]
	if c == nil {
		return unknownChannel()
	}
	if c.Type != TypeForum && c.Type != 16 {
		return errAnswer(400, 50024, "Cannot execute action on this channel type")
	}
	var body struct {
		Name        string   `json:"name"`
		AppliedTags []string `json:"applied_tags"`
		Message     outgoing `json:"message"`
	}
	if err := decode(r, &body); err != nil {
		return errAnswer(400, 50109, "The request body contains invalid JSON.")
	}
	if !validName(body.Name) {
		return errAnswer(400, 50035, "Invalid Form Body: name must be 1-100 characters")
	}
	if a, ok := validate(body.Message); !ok {
		return a
	}
	if len(body.AppliedTags) > 5 {
		return errAnswer(400, 50035, "Invalid Form Body: applied_tags must be 5 or fewer")
	}
	for _, t := range body.AppliedTags {
		known := false
		for _, at := range c.Tags {
			known = known || at.ID == t
		}
		if !known {
			return errAnswer(400, 50035, "Invalid Form Body: unknown tag "+t)
		}
	}
	if c.RequireTag && len(body.AppliedTags) == 0 {
		return errAnswer(400, 40067, "A tag is required to create a forum post in this channel")
	}
	tid := s.nextID()
	th := &Channel{ID: tid, GuildID: c.GuildID, ParentID: id, Name: body.Name, Type: TypeThread, AppliedTags: body.AppliedTags}
	s.rest.channels[tid] = th
	s.announceChannel(*th)   // THREAD_CREATE, as Discord sends it
	body.Message.Nonce = nil // forum posts take no nonce
	m := s.store(tid, tid, body.Message)
	out := s.channelWire(th)
	out["message"] = s.messageWire(m, false)
	return answer{status: 201, body: out}
}

func (s *Server) archivedThreads(w http.ResponseWriter, r *http.Request) answer {
	id := r.PathValue("id")
	if s.rest.channels[id] == nil {
		return unknownChannel()
	}
	limit := 50
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 2 || n > 100 {
			return errAnswer(400, 50035, "Invalid Form Body: limit must be 2-100")
		}
		limit = n
	}
	var before time.Time
	if b := r.URL.Query().Get("before"); b != "" {
		t, err := time.Parse(time.RFC3339, b)
		if err != nil {
			return errAnswer(400, 50035, "Invalid Form Body: before must be an ISO8601 timestamp")
		}
		before = t
	}
	var list []*Channel
	for _, c := range s.rest.channels {
		if c.ParentID == id && c.Archived && (before.IsZero() || c.ArchivedAt.Before(before)) {
			list = append(list, c)
		}
	}
	sort.Slice(list, func(i, j int) bool {
		if !list[i].ArchivedAt.Equal(list[j].ArchivedAt) {
			return list[i].ArchivedAt.After(list[j].ArchivedAt)
		}
		return idLess(list[j].ID, list[i].ID)
	})
	more := len(list) > limit
	if more {
		list = list[:limit]
	}
	threads := []any{}
	for _, c := range list {
		threads = append(threads, s.channelWire(c))
	}
	return answer{status: 200, body: map[string]any{"threads": threads, "members": []any{}, "has_more": more}}
}

func (s *Server) activeThreads(w http.ResponseWriter, r *http.Request) answer {
	guild := r.PathValue("id")
	var list []*Channel
	for _, c := range s.rest.channels {
		if c.GuildID == guild && c.Type == TypeThread && !c.Archived {
			list = append(list, c)
		}
	}
	if len(list) == 0 && !s.knownGuild(guild) {
		return errAnswer(404, 10004, "Unknown Guild")
	}
	sort.Slice(list, func(i, j int) bool { return idLess(list[i].ID, list[j].ID) })
	threads := []any{}
	for _, c := range list {
		threads = append(threads, s.channelWire(c))
	}
	return answer{status: 200, body: map[string]any{"threads": threads, "members": []any{}}}
}

func (s *Server) knownGuild(id string) bool {
	for _, c := range s.rest.channels {
		if c.GuildID == id {
			return true
		}
	}
	return false
}

// String describes the fake's messages (test failure output).
func (s *Server) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for ch, ms := range s.rest.messages {
		fmt.Fprintf(&b, "%s: %d messages\n", ch, len(ms))
	}
	return b.String()
}
