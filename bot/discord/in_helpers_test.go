package discord

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/discord/discordfake"
)

// recorder is a bot.Handler (and bot.Completer) that records what the adapter delivers.
type recorder struct {
	mu       sync.Mutex
	events   []bot.Event
	cmds     []bot.Command
	reply    func(context.Context, bot.Command) bot.Reply
	choices  []bot.Choice
	complete []string // "command|typed" per Complete call
	changed  chan struct{}
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{})} }

func (r *recorder) notifyLocked() {
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *recorder) HandleCommand(ctx context.Context, c bot.Command) bot.Reply {
	r.mu.Lock()
	r.cmds = append(r.cmds, c)
	reply := r.reply
	r.notifyLocked()
	r.mu.Unlock()
	if reply != nil {
		return reply(ctx, c)
	}
	return bot.Reply{Text: "you said **" + c.Text + "**"}
}

func (r *recorder) HandleEvent(_ context.Context, e bot.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	r.notifyLocked()
}

func (r *recorder) Complete(_ context.Context, c bot.Command, command, typed string) []bot.Choice {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.complete = append(r.complete, command+"|"+typed+"|"+c.Channel)
	return r.choices
}

func (r *recorder) Events() ([]bot.Event, <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Event(nil), r.events...), r.changed
}

func (r *recorder) Commands() ([]bot.Command, <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Command(nil), r.cmds...), r.changed
}

// waitFor polls cond until it holds; it fails the test after a generous bound (a hang
// guard, not a timing assertion).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// newAdapter returns an adapter talking to fake.
func newAdapter(t *testing.T, fake *discordfake.Server, mutate ...func(*Options)) *Adapter {
	t.Helper()
	o := Options{Token: discordfake.Token, AppID: discordfake.ApplicationID, APIURL: fake.APIURL()}
	for _, m := range mutate {
		m(&o)
	}
	a, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// running is an adapter in Run.
type running struct {
	a      *Adapter
	cancel context.CancelFunc
	done   chan error
}

// start runs a against fake until the test ends and waits for the session to be ready.
func start(t *testing.T, fake *discordfake.Server, h bot.Handler, mutate ...func(*Options)) *running {
	t.Helper()
	a := newAdapter(t, fake, mutate...)
	return startAdapter(t, fake, a, h)
}

func startAdapter(t *testing.T, fake *discordfake.Server, a *Adapter, h bot.Handler) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{a: a, cancel: cancel, done: make(chan error, 1)}
	_, ready := fake.Connected()
	go func() { r.done <- a.Run(ctx, h) }()
	select {
	case <-ready:
	case err := <-r.done:
		t.Fatalf("Run ended before the session was ready: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting for READY")
	}
	// READY is handled on discordgo's goroutine; wait until the adapter knows itself.
	waitFor(t, "the bot's own id", func() bool {
		a.in.mu.Lock()
		defer a.in.mu.Unlock()
		return a.in.self != "" && a.in.run != nil
	})
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop ends Run and checks it returned nil.
func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	select {
	case err, ok := <-r.done:
		if ok && err != nil {
			t.Errorf("Run = %v, want nil at the end of ctx", err)
		}
		close(r.done)
	case <-time.After(15 * time.Second):
		t.Error("Run did not return after ctx ended")
	}
}

// Test channels: a text channel with a post's thread, and a forum with a post.
var (
	textChannel = discordfake.Channel{ID: "2000000000000000001", Type: discordfake.TypeText, Name: "papers"}
	postThread  = discordfake.Channel{ID: "2000000000000000002", Type: discordfake.TypeThread, Name: "A paper", ParentID: textChannel.ID}
	forum       = discordfake.Channel{ID: "2000000000000000003", Type: discordfake.TypeForum, Name: "paper-forum"}
	forumPost   = discordfake.Channel{ID: "2000000000000000004", Type: discordfake.TypeThread, Name: "Forum paper", ParentID: forum.ID}

	alice = discordfake.User{ID: "3000000000000000001", Username: "alice", Permissions: "68608"} // view, send, read history: no admin bits
	admin = discordfake.User{ID: "3000000000000000002", Username: "root", Permissions: "32"}     // Manage Server
)

func addChannels(fake *discordfake.Server) {
	for _, c := range []discordfake.Channel{textChannel, postThread, forum, forumPost} {
		fake.AddChannel(c)
	}
}
