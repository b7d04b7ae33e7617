package discord

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/discord/discordfake"
)

// msgKey returns the delivery key a fake message carries (embed footer or key line).
func msgKey(m discordfake.Message) string {
	var embeds []struct {
		Footer *struct {
			Text string `json:"text"`
		} `json:"footer"`
	}
	_ = json.Unmarshal(m.Embeds, &embeds)
	for _, e := range embeds {
		if e.Footer != nil {
			if k := footerKey(e.Footer.Text); k != "" {
				return k
			}
		}
	}
	return contentKey(m.Content)
}

// keyKind names the kind of a keyed message from its key (see bot.DeliveryKey & co).
func keyKind(key string) string {
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

// shown counts what users see in a channel and its threads (forum posts included), by kind.
func shownIn(f *discordfake.Server, channel string) map[string]int {
	n := map[string]int{}
	msgs := f.Messages(channel)
	for _, th := range f.Threads(channel) {
		msgs = append(msgs, f.Messages(th.ID)...)
	}
	for _, m := range msgs {
		if k := keyKind(msgKey(m)); k != "" {
			n[k]++
		}
	}
	return n
}

// outCrashAfter wraps the adapter: the first message of one kind goes through on Discord,
// and then the process "dies" before anything is recorded.
type outCrashAfter struct {
	*Adapter
	kind  string
	crash context.CancelFunc
	mu    sync.Mutex
	fired bool
}

func (c *outCrashAfter) hit(ctx context.Context, key string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fired || keyKind(key) != c.kind {
		return nil
	}
	c.fired = true
	c.crash()
	return ctx.Err()
}

func (c *outCrashAfter) Post(ctx context.Context, channel string, p bot.Post) (bot.PostRef, error) {
	ref, err := c.Adapter.Post(ctx, channel, p)
	if err == nil {
		if err := c.hit(ctx, p.Key); err != nil {
			return bot.PostRef{}, err
		}
	}
	return ref, err
}

func (c *outCrashAfter) Send(ctx context.Context, channel string, m bot.Message) (string, error) {
	id, err := c.Adapter.Send(ctx, channel, m)
	if err == nil {
		if err := c.hit(ctx, m.Key); err != nil {
			return "", err
		}
	}
	return id, err
}

// TestCrashWindowEveryMessageOnce kills the dispatcher right after Discord accepted a
// message of each kind (post, thread reply, LLM summary, digest), in a text channel and in
// a forum, before the outbox recorded it; a new process (new adapter, new dispatcher)
// finds it by its key and users see every message exactly once.
func TestCrashWindowEveryMessageOnce(t *testing.T) {
	for _, ch := range []string{outTextID, outForumID} {
		for _, kind := range []string{"post", "reply", "summary", "digest"} {
			t.Run(ch+"/"+kind, func(t *testing.T) {
				h := newOutHarness(t)
				f := newOutFake(t)
				f.SetNow(h.clock.Now)
				key := "discord:" + ch
				want := map[string]int{"post": 2, "reply": 2, "summary": 2}
				if kind == "digest" {
					h.subscribe(key, "experts", paperboy.Digest{Every: paperboy.DigestDaily, Hour: 13})
					want = map[string]int{"digest": 1}
				} else {
					h.subscribe(key, "experts", paperboy.Digest{})
				}
				h.addPapers(2, "Experts")
				cfg := bot.DispatcherConfig{Quick: outLLM{"extractive"}, Summarizer: outLLM{"gpt-test"}}

				ctx, crash := context.WithCancel(h.ctx)
				d1 := h.dispatcher(&outCrashAfter{Adapter: newOutAdapter(t, f, h.clock.Now), kind: kind, crash: crash}, cfg)
				for i := 0; ctx.Err() == nil; i++ {
					if i == 500 {
						t.Fatalf("no %s was sent in 500 steps", kind)
					}
					d1.Step(ctx)
					d1.WaitAsync()
					h.clock.Advance(15 * time.Second)
				}
				if got := shownIn(f, ch)[kind]; got != 1 {
					t.Fatalf("got %d %s messages at the crash, want the 1 accepted", got, kind)
				}
				h.clock.Advance(10 * time.Minute) // past Discord's nonce window: only the lookup can tell
				d2 := h.dispatcher(newOutAdapter(t, f, h.clock.Now), cfg)
				h.drain(d2, time.Second, 300)
				if got := shownIn(f, ch); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("got messages %v, want %v (each exactly once)", got, want)
				}
			})
		}
	}
}

// TestStormEveryPaperOnceInOrder delivers papers to two text channels and two forums
// while 30% of Discord's answers are 429s (and 5% of creates lose their answer): every
// paper is posted exactly once per channel, in order, each with exactly one abstract in
// its thread.
func TestStormEveryPaperOnceInOrder(t *testing.T) {
	h := newOutHarness(t)
	f := newOutFake(t)
	f.SetNow(h.clock.Now)
	rng := rand.New(rand.NewPCG(1, 2))
	var mu sync.Mutex
	limited, lost := 0, 0
	f.SetFaults(func(c discordfake.Call) discordfake.Fault {
		mu.Lock()
		defer mu.Unlock()
		switch r := rng.Float64(); {
		case r < 0.30:
			limited++
			return discordfake.Fault{Status: 429, RetryAfter: 0.002}
		case r < 0.35 && c.Method == "POST":
			lost++
			return discordfake.Fault{Lose: true}
		}
		return discordfake.Fault{}
	})
	chans := []string{outTextID, outText2ID, outForumID, outForum2ID}
	for _, ch := range chans {
		h.subscribe("discord:"+ch, "experts", paperboy.Digest{})
	}
	papers := h.addPapers(12, "Sparse experts")
	d := h.dispatcher(newOutAdapter(t, f, h.clock.Now), bot.DispatcherConfig{Workers: 4})
	h.drain(d, time.Second, 2000)

	var want []string
	for _, p := range papers {
		want = append(want, p.Title)
	}
	for _, ch := range chans {
		var got []string
		threads := map[string]string{} // thread id -> post title
		if ch == outTextID || ch == outText2ID {
			for _, m := range f.Messages(ch) {
				title := embedTitle(m)
				got = append(got, title)
				threads[m.ThreadID] = title
			}
		} else {
			for _, th := range f.Threads(ch) {
				got = append(got, th.Name)
				threads[th.ID] = th.Name
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: posts %q, want %q (each once, in order)", ch, got, want)
		}
		for th, title := range threads {
			if n := shownIn(f, th)["reply"]; n != 1 {
				t.Errorf("%s: %d abstracts in the thread of %q, want 1", ch, n, title)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if limited < 50 || lost < 3 {
		t.Errorf("only %d 429s and %d lost answers: the storm did not happen", limited, lost)
	}
	if st, _ := h.db.DeliveryStatus(h.ctx, ""); st.Failed > 0 {
		t.Errorf("%d deliveries failed; 429s and lost answers are temporary", st.Failed)
	}
}

func embedTitle(m discordfake.Message) string {
	var embeds []struct {
		Title string `json:"title"`
	}
	_ = json.Unmarshal(m.Embeds, &embeds)
	if len(embeds) == 0 {
		return "(no embed) " + m.Content
	}
	return embeds[0].Title
}
