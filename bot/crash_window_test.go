package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/bottest"
	"github.com/paperboy-bot/paperboy/bot/shell"
	"github.com/paperboy-bot/paperboy/bot/slack"
	"github.com/paperboy-bot/paperboy/bot/slack/slackfake"
)

// crashAfter wraps a real adapter: the first message of one kind goes through on the
// platform, and then the process "dies" before anything is recorded (ctx is cancelled
// and the call reports it, as a SIGKILL right after the platform's answer would).
type crashAfter struct {
	bot.Adapter
	kind  string // "post", "reply", "summary", "digest"
	crash context.CancelFunc
	mu    sync.Mutex
	fired bool
}

// kindOf names the kind of a keyed message from its key (see bot.DeliveryKey & co).
func kindOf(key string) string {
	switch {
	case strings.HasPrefix(key, "pb-g"):
		return "digest"
	case strings.HasSuffix(key, "-abstract"):
		return "reply"
	case strings.HasSuffix(key, "-summary"):
		return "summary"
	case strings.HasPrefix(key, "pb-d"):
		return "post"
	}
	return ""
}

func (c *crashAfter) hit(ctx context.Context, key string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fired || kindOf(key) != c.kind {
		return nil
	}
	c.fired = true
	c.crash()
	return ctx.Err()
}

func (c *crashAfter) Post(ctx context.Context, channel string, p bot.Post) (bot.PostRef, error) {
	ref, err := c.Adapter.Post(ctx, channel, p)
	if err == nil {
		if err := c.hit(ctx, p.Key); err != nil {
			return bot.PostRef{}, err
		}
	}
	return ref, err
}

func (c *crashAfter) Send(ctx context.Context, channel string, m bot.Message) (string, error) {
	id, err := c.Adapter.Send(ctx, channel, m)
	if err == nil {
		if err := c.hit(ctx, m.Key); err != nil {
			return "", err
		}
	}
	return id, err
}

func (c *crashAfter) FindMessage(ctx context.Context, channel, threadID, key string, since time.Time) (bot.PostRef, bool, error) {
	return c.Adapter.(bot.MessageFinder).FindMessage(ctx, channel, threadID, key, since)
}

func (c *crashAfter) Edit(ctx context.Context, channel string, ref bot.PostRef, p bot.Post) error {
	return c.Adapter.(bot.Editor).Edit(ctx, channel, ref, p)
}

// platform is a real adapter on a platform that outlives the process: open starts the
// adapter of a new process; shown counts the messages users see, by kind.
type platform struct {
	channel string // channel key
	open    func() bot.Adapter
	shown   func() map[string]int
}

func shellPlatform(t *testing.T, _ func() time.Time) platform {
	out := &bottest.Buffer{}
	log := filepath.Join(t.TempDir(), "posts.log")
	return platform{
		channel: "shell:terminal",
		open: func() bot.Adapter {
			return shell.New(strings.NewReader(""), out, shell.Options{User: "ann", PostLog: log})
		},
		shown: func() map[string]int {
			n := map[string]int{}
			for _, line := range strings.Split(out.String(), "\n") {
				switch {
				case strings.HasPrefix(line, "[post #") && !strings.Contains(line, "updated]"):
					n["post"]++
				case strings.Contains(line, "└ Abstract."):
					n["reply"]++
				case strings.Contains(line, "└ Summary (gpt-test)"):
					n["summary"]++
				case strings.HasPrefix(line, "bot> Digest:"):
					n["digest"]++
				}
			}
			return n
		},
	}
}

func slackPlatform(t *testing.T, now func() time.Time) platform {
	fake := slackfake.New(t)
	fake.Now = now // message ts on the test's clock, which the lookups use
	return platform{
		channel: "slack:C1",
		open: func() bot.Adapter {
			a, err := slack.New(slack.Options{BotToken: fake.BotToken, AppToken: fake.AppToken, APIURL: fake.URL})
			if err != nil {
				t.Fatal(err)
			}
			return a
		},
		shown: func() map[string]int {
			n := map[string]int{}
			for _, m := range fake.Posts() {
				var meta struct {
					EventType string `json:"event_type"`
				}
				_ = json.Unmarshal(m.Metadata, &meta)
				switch {
				case meta.EventType == "paperboy_post":
					n["post"]++
				case strings.Contains(m.Text, "Abstract."):
					n["reply"]++
				case strings.Contains(m.Text, "Summary* (gpt-test)"):
					n["summary"]++
				case strings.Contains(m.Text, "Digest:"):
					n["digest"]++
				}
			}
			return n
		},
	}
}

// TestCrashWindowEveryMessageOnce kills the dispatcher right after the platform accepted
// a message of each kind (post, thread reply, LLM summary, digest) and before the outbox
// recorded it, restarts it with a new adapter on the same platform, and checks that users
// see every message exactly once, on the terminal (post log) and on Slack (metadata,
// conversations.history and conversations.replies).
func TestCrashWindowEveryMessageOnce(t *testing.T) {
	for _, p := range []struct {
		name string
		open func(*testing.T, func() time.Time) platform
	}{{"shell", shellPlatform}, {"slack", slackPlatform}} {
		// "llm": the process dies while the LLM writes the summary (nothing sent yet).
		for _, kind := range []string{"post", "reply", "summary", "digest", "llm"} {
			t.Run(p.name+"/"+kind, func(t *testing.T) {
				h := newHarness(t, &bottest.Adapter{}, bot.WatcherConfig{}, bot.DispatcherConfig{})
				plat := p.open(t, h.clock.Now)
				cfg := bot.DispatcherConfig{Quick: fakeLLM{"extractive"}, Summarizer: fakeLLM{"gpt-test"}}
				want := map[string]int{"post": 2, "reply": 2, "summary": 2}
				if kind == "digest" {
					h.subscribe(plat.channel, "experts", paperboy.Digest{Every: paperboy.DigestDaily, Hour: 13}, 0)
					want = map[string]int{"digest": 1}
				} else {
					h.subscribe(plat.channel, "experts", paperboy.Digest{}, 0)
				}
				h.addPapers(2, "Experts", start)
				h.poll()

				ctx, crash := context.WithCancel(h.ctx)
				cfg1 := cfg
				if kind == "llm" {
					cfg1.Summarizer = crashingLLM{crash}
				}
				d1 := h.newDispatcher(&crashAfter{Adapter: plat.open(), kind: kind, crash: crash}, cfg1)
				for i := 0; ctx.Err() == nil; i++ {
					if i == 500 {
						t.Fatalf("no %s was sent in 500 steps", kind)
					}
					d1.Step(ctx)
					d1.WaitAsync()
					h.clock.Advance(15 * time.Second)
				}
				if got := plat.shown()[kind]; got != 1 && kind != "llm" {
					t.Fatalf("got %d %s messages at the crash, want the 1 accepted", got, kind)
				}

				// The restarted process: a new adapter on the same platform, a new dispatcher.
				d2 := h.newDispatcher(plat.open(), cfg)
				h.drain(d2, time.Second, 200)
				if got := plat.shown(); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("got messages %v, want %v (each exactly once)", got, want)
				}
			})
		}
	}
}

// crashingLLM is a summarizer during which the process dies.
type crashingLLM struct{ crash context.CancelFunc }

func (c crashingLLM) Summarize(ctx context.Context, p *paperboy.Paper) (paperboy.Summary, error) {
	c.crash()
	<-ctx.Done()
	return paperboy.Summary{}, ctx.Err()
}
