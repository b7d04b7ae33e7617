// Package bottest provides fakes for testing the bot end to end: Adapter, an in-process
// chat platform with fault injection, and Server with HTTPAdapter, the same over HTTP so
// that a separate `paperboy run` process can post to a platform the test inspects.
package bottest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/paperboy-bot/paperboy/bot"
)

// Call describes one platform call, for fault hooks.
type Call struct {
	Op       string // "post", "send", "edit", "find"
	Channel  string
	ThreadID string
	Key      string // Post.Key or Message.Key (posts, edits, sends, finds)
	N        int    // 1-based number of this call among all calls of the adapter
}

// Message is one message the platform accepted.
type Message struct {
	Channel   string
	MessageID string
	ThreadID  string // for posts: the thread opened; for sends: the thread written in
	Key       string // Post.Key or Message.Key
	PaperID   string // posts only
	Text      string // sends: the text; posts: the paper title
	Summary   string // posts: the summary shown (updated by edits)
	Reason    string
	Edits     int
	At        time.Time
}

// Adapter is an in-process bot.Adapter that records what it is asked to post and fails
// on demand. It implements bot.MessageFinder, bot.Editor and bot.RateLimiter, and is safe
// for concurrent use.
type Adapter struct {
	// Name is the platform name (default "test").
	Name string
	// Interval is returned by PostInterval.
	Interval time.Duration
	// Latency is added to every call (honouring ctx).
	Latency time.Duration
	// Before is called before a call takes effect; an error fails the call with nothing
	// recorded (a rejected request).
	Before func(c Call) error
	// After is called after a call took effect; an error makes the call fail although the
	// message exists (a lost response, or a crash right after the platform accepted it).
	After func(c Call) error
	// Now stamps messages (default time.Now).
	Now func() time.Time

	mu       sync.Mutex
	n        int
	posts    []Message
	sends    []Message
	handler  bot.Handler
	channels map[string]bool // when non-nil, only these channels exist
}

var (
	_ bot.Adapter       = (*Adapter)(nil)
	_ bot.MessageFinder = (*Adapter)(nil)
	_ bot.Editor        = (*Adapter)(nil)
	_ bot.RateLimiter   = (*Adapter)(nil)
)

// Platform returns Name or "test".
func (a *Adapter) Platform() string {
	if a.Name == "" {
		return "test"
	}
	return a.Name
}

// Run keeps h for Handler and blocks until ctx ends.
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
	a.mu.Lock()
	a.handler = h
	a.mu.Unlock()
	<-ctx.Done()
	return nil
}

// Handler returns the handler Run was given (nil before Run).
func (a *Adapter) Handler() bot.Handler {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.handler
}

// OnlyChannels makes every other channel fail permanently with channel_not_found.
func (a *Adapter) OnlyChannels(ids ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.channels = map[string]bool{}
	for _, id := range ids {
		a.channels[id] = true
	}
}

// PostInterval implements bot.RateLimiter.
func (a *Adapter) PostInterval() time.Duration { return a.Interval }

func (a *Adapter) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// begin numbers the call, waits the latency and runs Before.
func (a *Adapter) begin(ctx context.Context, c *Call) error {
	a.mu.Lock()
	a.n++
	c.N = a.n
	known := a.channels == nil || a.channels[c.Channel]
	a.mu.Unlock()
	if a.Latency > 0 {
		t := time.NewTimer(a.Latency)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	if !known {
		return bot.Permanent("channel_not_found", fmt.Errorf("bottest: no channel %q", c.Channel))
	}
	if a.Before != nil {
		return a.Before(*c)
	}
	return nil
}

func (a *Adapter) after(c Call) error {
	if a.After != nil {
		return a.After(c)
	}
	return nil
}

// Post records the announcement and opens a thread on it.
func (a *Adapter) Post(ctx context.Context, channel string, p bot.Post) (bot.PostRef, error) {
	c := Call{Op: "post", Channel: channel, Key: p.Key}
	if err := a.begin(ctx, &c); err != nil {
		return bot.PostRef{}, err
	}
	if p.Paper == nil {
		return bot.PostRef{}, bot.Permanent("invalid", errors.New("bottest: post without a paper"))
	}
	a.mu.Lock()
	id := fmt.Sprintf("m%d", c.N)
	m := Message{Channel: channel, MessageID: id, ThreadID: "t" + id, Key: p.Key, PaperID: p.Paper.ID,
		Text: p.Paper.Title, Summary: p.Summary, Reason: p.Reason, At: a.now()}
	a.posts = append(a.posts, m)
	a.mu.Unlock()
	if err := a.after(c); err != nil {
		return bot.PostRef{}, err
	}
	return bot.PostRef{MessageID: m.MessageID, ThreadID: m.ThreadID}, nil
}

// Send records a message in a channel or thread.
func (a *Adapter) Send(ctx context.Context, channel string, msg bot.Message) (string, error) {
	c := Call{Op: "send", Channel: channel, ThreadID: msg.ThreadID, Key: msg.Key}
	if err := a.begin(ctx, &c); err != nil {
		return "", err
	}
	a.mu.Lock()
	id := fmt.Sprintf("m%d", c.N)
	a.sends = append(a.sends, Message{Channel: channel, MessageID: id, ThreadID: msg.ThreadID, Key: msg.Key, Text: msg.Text, At: a.now()})
	a.mu.Unlock()
	if err := a.after(c); err != nil {
		return "", err
	}
	return id, nil
}

// Edit updates a recorded post's summary.
func (a *Adapter) Edit(ctx context.Context, channel string, ref bot.PostRef, p bot.Post) error {
	c := Call{Op: "edit", Channel: channel, Key: p.Key}
	if err := a.begin(ctx, &c); err != nil {
		return err
	}
	a.mu.Lock()
	found := false
	for i := range a.posts {
		if a.posts[i].Channel == channel && a.posts[i].MessageID == ref.MessageID {
			a.posts[i].Summary = p.Summary
			a.posts[i].Edits++
			found = true
		}
	}
	a.mu.Unlock()
	if !found {
		return bot.Permanent("message_not_found", fmt.Errorf("bottest: no message %s in %s", ref.MessageID, channel))
	}
	return a.after(c)
}

// FindMessage looks a message up by its key: a post or a channel message when threadID
// is "", else a reply in that thread.
func (a *Adapter) FindMessage(ctx context.Context, channel, threadID, key string, since time.Time) (bot.PostRef, bool, error) {
	c := Call{Op: "find", Channel: channel, ThreadID: threadID, Key: key}
	if err := a.begin(ctx, &c); err != nil {
		return bot.PostRef{}, false, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if threadID == "" {
		for _, m := range a.posts {
			if m.Channel == channel && m.Key == key && !m.At.Before(since) {
				return bot.PostRef{MessageID: m.MessageID, ThreadID: m.ThreadID}, true, nil
			}
		}
	}
	for _, m := range a.sends {
		if m.Channel == channel && m.ThreadID == threadID && m.Key == key && !m.At.Before(since) {
			return bot.PostRef{MessageID: m.MessageID, ThreadID: m.ThreadID}, true, nil
		}
	}
	return bot.PostRef{}, false, nil
}

// Posts returns the recorded posts in order.
func (a *Adapter) Posts() []Message {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Message(nil), a.posts...)
}

// Sends returns the recorded plain messages in order.
func (a *Adapter) Sends() []Message {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Message(nil), a.sends...)
}

// Calls returns how many calls were made.
func (a *Adapter) Calls() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.n
}

// Storm returns a Before hook failing about rate of the calls of the given ops (all
// when none given) with a 429 (bot.Temporary with retryAfter) or a 5xx, half each,
// drawn from a seeded source so that a failing test can be replayed.
func Storm(rate float64, retryAfter time.Duration, seed uint64, ops ...string) func(Call) error {
	var mu sync.Mutex
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return func(c Call) error {
		if len(ops) > 0 && !contains(ops, c.Op) {
			return nil
		}
		mu.Lock()
		x, y := r.Float64(), r.Float64()
		mu.Unlock()
		if x >= rate {
			return nil
		}
		if y < 0.5 {
			return bot.Temporary("rate_limited", retryAfter, fmt.Errorf("bottest: HTTP %d", http.StatusTooManyRequests))
		}
		return bot.Temporary("server_error", 0, fmt.Errorf("bottest: HTTP %d", http.StatusServiceUnavailable))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
