package bottest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paperboy-bot/paperboy/bot"
)

// Server is a fake chat platform over HTTP for end-to-end and crash tests:
//
//	POST /post  {"channel","key","paper_id","title","url","summary","reason"} -> {"ok","message_id","thread_id"}
//	POST /send  {"channel","thread_id","text","key"} -> {"ok","message_id"}
//	POST /edit  {"channel","message_id","summary"} -> {"ok"}
//	GET  /find?channel=C&key=K[&thread_id=T] -> {"ok","found","message_id","thread_id"}
//	GET  /messages -> {"posts":[...],"sends":[...]}
//
// Errors are {"ok":false,"error":"channel_not_found"} with 404, 429 with a Retry-After
// header, or 500. It records every accepted post, duplicates included, so a test can
// check that each (paper, channel) was posted exactly once, and each keyed message sent once.
type Server struct {
	// FaultRate is the fraction of POST requests rejected (half 429 with Retry-After,
	// half 500) before they take effect.
	FaultRate float64
	// LostRate is the fraction of accepted posts and sends answered with a 500 anyway (the
	// response is lost: the client cannot tell, and must look the message up).
	LostRate float64
	// RetryAfter is the Retry-After of 429 answers (whole seconds; default 1).
	RetryAfter int
	// Channels, when set, lists the only channels that exist.
	Channels []string

	mu    sync.Mutex
	r     *rand.Rand
	n     int
	posts []Message
	sends []Message
}

// NewServer returns a Server whose fault draws come from seed.
func NewServer(seed uint64) *Server {
	return &Server{r: rand.New(rand.NewPCG(seed, seed+1))}
}

type wireMessage struct {
	Channel   string `json:"channel"`
	Key       string `json:"key,omitempty"`
	PaperID   string `json:"paper_id,omitempty"`
	Title     string `json:"title,omitempty"`
	URL       string `json:"url,omitempty"`
	Summary   string `json:"summary,omitempty"`
	Reason    string `json:"reason,omitempty"`
	ThreadID  string `json:"thread_id,omitempty"`
	Text      string `json:"text,omitempty"`
	MessageID string `json:"message_id,omitempty"`
}

type wireReply struct {
	OK        bool   `json:"ok"`
	Error     string `json:"error,omitempty"`
	MessageID string `json:"message_id,omitempty"`
	ThreadID  string `json:"thread_id,omitempty"`
	Found     bool   `json:"found,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) draw() float64 {
	if s.r == nil {
		s.r = rand.New(rand.NewPCG(1, 2))
	}
	return s.r.Float64()
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/find":
		s.find(w, r)
		return
	case r.Method == http.MethodGet && r.URL.Path == "/messages":
		s.mu.Lock()
		v := map[string][]Message{"posts": append([]Message{}, s.posts...), "sends": append([]Message{}, s.sends...)}
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, v)
		return
	case r.Method != http.MethodPost:
		writeJSON(w, http.StatusMethodNotAllowed, wireReply{Error: "method_not_allowed"})
		return
	}
	var m wireMessage
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&m); err != nil {
		writeJSON(w, http.StatusBadRequest, wireReply{Error: "invalid_json"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.Channels) > 0 && !contains(s.Channels, m.Channel) {
		writeJSON(w, http.StatusNotFound, wireReply{Error: "channel_not_found"})
		return
	}
	if s.FaultRate > 0 && s.draw() < s.FaultRate {
		if s.draw() < 0.5 {
			ra := s.RetryAfter
			if ra <= 0 {
				ra = 1
			}
			w.Header().Set("Retry-After", strconv.Itoa(ra))
			writeJSON(w, http.StatusTooManyRequests, wireReply{Error: "rate_limited"})
		} else {
			writeJSON(w, http.StatusInternalServerError, wireReply{Error: "internal_error"})
		}
		return
	}
	s.n++
	id := fmt.Sprintf("m%d", s.n)
	now := time.Now()
	switch r.URL.Path {
	case "/post":
		s.posts = append(s.posts, Message{Channel: m.Channel, MessageID: id, ThreadID: "t" + id, Key: m.Key,
			PaperID: m.PaperID, Text: m.Title, Summary: m.Summary, Reason: m.Reason, At: now})
		if s.LostRate > 0 && s.draw() < s.LostRate {
			writeJSON(w, http.StatusInternalServerError, wireReply{Error: "internal_error"})
			return
		}
		writeJSON(w, http.StatusOK, wireReply{OK: true, MessageID: id, ThreadID: "t" + id})
	case "/send":
		s.sends = append(s.sends, Message{Channel: m.Channel, MessageID: id, ThreadID: m.ThreadID, Key: m.Key, Text: m.Text, At: now})
		if s.LostRate > 0 && s.draw() < s.LostRate {
			writeJSON(w, http.StatusInternalServerError, wireReply{Error: "internal_error"})
			return
		}
		writeJSON(w, http.StatusOK, wireReply{OK: true, MessageID: id})
	case "/edit":
		for i := range s.posts {
			if s.posts[i].Channel == m.Channel && s.posts[i].MessageID == m.MessageID {
				s.posts[i].Summary = m.Summary
				s.posts[i].Edits++
				writeJSON(w, http.StatusOK, wireReply{OK: true})
				return
			}
		}
		writeJSON(w, http.StatusNotFound, wireReply{Error: "message_not_found"})
	default:
		writeJSON(w, http.StatusNotFound, wireReply{Error: "unknown_method"})
	}
}

func (s *Server) find(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ch, thread, key := q.Get("channel"), q.Get("thread_id"), q.Get("key")
	s.mu.Lock()
	defer s.mu.Unlock()
	if thread == "" {
		for _, m := range s.posts {
			if m.Channel == ch && m.Key == key {
				writeJSON(w, http.StatusOK, wireReply{OK: true, Found: true, MessageID: m.MessageID, ThreadID: m.ThreadID})
				return
			}
		}
	}
	for _, m := range s.sends {
		if m.Channel == ch && m.ThreadID == thread && m.Key == key && key != "" {
			writeJSON(w, http.StatusOK, wireReply{OK: true, Found: true, MessageID: m.MessageID, ThreadID: m.ThreadID})
			return
		}
	}
	writeJSON(w, http.StatusOK, wireReply{OK: true})
}

// Posts returns every accepted post in order (duplicates included).
func (s *Server) Posts() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.posts...)
}

// Sends returns every accepted plain message in order.
func (s *Server) Sends() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.sends...)
}

// HTTPAdapter is a bot.Adapter (with bot.MessageFinder and bot.Editor) speaking to a
// Server. It receives no commands: Run blocks until ctx ends.
type HTTPAdapter struct {
	BaseURL string
	Client  *http.Client // default: 10 s timeout
	// Name is the platform name (default "test").
	Name string
}

var (
	_ bot.Adapter       = (*HTTPAdapter)(nil)
	_ bot.MessageFinder = (*HTTPAdapter)(nil)
	_ bot.Editor        = (*HTTPAdapter)(nil)
	_ bot.Connector     = (*HTTPAdapter)(nil)
)

// Connected implements bot.Connector: the server answers GET /messages.
func (a *HTTPAdapter) Connected(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(a.BaseURL, "/")+"/messages", nil)
	if err != nil {
		return fmt.Errorf("bottest: %w", err)
	}
	resp, err := a.client().Do(req)
	if err != nil {
		return fmt.Errorf("bottest: the chat server cannot be reached: %w", err)
	}
	resp.Body.Close()
	return nil
}

// Platform returns Name or "test".
func (a *HTTPAdapter) Platform() string {
	if a.Name == "" {
		return "test"
	}
	return a.Name
}

// Run blocks until ctx ends.
func (a *HTTPAdapter) Run(ctx context.Context, h bot.Handler) error {
	<-ctx.Done()
	return nil
}

func (a *HTTPAdapter) client() *http.Client {
	if a.Client != nil {
		return a.Client
	}
	return &http.Client{Timeout: 10 * time.Second}
}

// call sends a request and classifies failures the way a real adapter must.
func (a *HTTPAdapter) call(ctx context.Context, method, path string, body any) (wireReply, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return wireReply{}, fmt.Errorf("bottest: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(a.BaseURL, "/")+path, rd)
	if err != nil {
		return wireReply{}, bot.Permanent("bad_request", fmt.Errorf("bottest: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.client().Do(req)
	if err != nil {
		return wireReply{}, bot.Temporary("network", 0, fmt.Errorf("bottest: %s: %w", path, err))
	}
	defer resp.Body.Close()
	var rep wireReply
	_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&rep)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		ra, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return rep, bot.Temporary("rate_limited", time.Duration(ra)*time.Second, fmt.Errorf("bottest: %s: HTTP 429", path))
	case resp.StatusCode >= 500:
		return rep, bot.Temporary("server_error", 0, fmt.Errorf("bottest: %s: HTTP %d", path, resp.StatusCode))
	case resp.StatusCode >= 400:
		reason := rep.Error
		if reason == "" {
			reason = "http_" + strconv.Itoa(resp.StatusCode)
		}
		return rep, bot.Permanent(reason, fmt.Errorf("bottest: %s: HTTP %d %s", path, resp.StatusCode, reason))
	}
	return rep, nil
}

// Post implements bot.Adapter.
func (a *HTTPAdapter) Post(ctx context.Context, channel string, p bot.Post) (bot.PostRef, error) {
	m := wireMessage{Channel: channel, Key: p.Key, Summary: p.Summary, Reason: p.Reason}
	if p.Paper != nil {
		m.PaperID, m.Title, m.URL = p.Paper.ID, p.Paper.Title, p.Paper.URL()
	}
	rep, err := a.call(ctx, http.MethodPost, "/post", m)
	if err != nil {
		return bot.PostRef{}, err
	}
	return bot.PostRef{MessageID: rep.MessageID, ThreadID: rep.ThreadID}, nil
}

// Send implements bot.Adapter.
func (a *HTTPAdapter) Send(ctx context.Context, channel string, m bot.Message) (string, error) {
	rep, err := a.call(ctx, http.MethodPost, "/send", wireMessage{Channel: channel, ThreadID: m.ThreadID, Text: m.Text, Key: m.Key})
	return rep.MessageID, err
}

// Edit implements bot.Editor.
func (a *HTTPAdapter) Edit(ctx context.Context, channel string, ref bot.PostRef, p bot.Post) error {
	_, err := a.call(ctx, http.MethodPost, "/edit", wireMessage{Channel: channel, MessageID: ref.MessageID, Summary: p.Summary})
	return err
}

// FindMessage implements bot.MessageFinder.
func (a *HTTPAdapter) FindMessage(ctx context.Context, channel, threadID, key string, since time.Time) (bot.PostRef, bool, error) {
	q := url.Values{"channel": {channel}, "key": {key}}
	if threadID != "" {
		q.Set("thread_id", threadID)
	}
	rep, err := a.call(ctx, http.MethodGet, "/find?"+q.Encode(), nil)
	if err != nil {
		return bot.PostRef{}, false, err
	}
	return bot.PostRef{MessageID: rep.MessageID, ThreadID: rep.ThreadID}, rep.Found, nil
}
