package bot_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/bottest"
)

// TestDispatcherRetryAfterIsNotBackoff fails the first calls of one kind in channel a
// four times in a row, with a 429 naming its wait or with a 503 naming none, and reads
// on the injected clock when the dispatcher tried again. Channel b shares the dispatcher
// and must not wait for a.
func TestDispatcherRetryAfterIsNotBackoff(t *testing.T) {
	const step = 100 * time.Millisecond
	for _, tc := range []struct {
		name       string
		op         string        // the failing call: "post" or "send" (the thread reply)
		retryAfter time.Duration // 0: a 503 without a stated wait
		// minGap, maxGap bound every gap between attempts; growing asks each gap to be
		// well above the one before (exponential backoff).
		minGap, maxGap time.Duration
		growing        bool
	}{
		// A thread reply's wait is held in memory: Retry-After plus at most a tenth.
		{"thread reply 429 Retry-After 1s", "send", time.Second, time.Second, 1100*time.Millisecond + step, false},
		// A post's next attempt is stored in the outbox to the second (rounded up).
		{"post 429 Retry-After 1s", "post", time.Second, time.Second, 2*time.Second + step, false},
		{"thread reply 503", "send", 0, time.Second, time.Hour, true},
		{"post 503", "post", 0, time.Second, time.Hour, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ad := &bottest.Adapter{Interval: time.Second}
			h := newHarness(t, ad, bot.WatcherConfig{}, bot.DispatcherConfig{BaseBackoff: 2 * time.Second})
			var mu sync.Mutex
			var tries []time.Time // attempts of the failing kind in channel a
			var bDone time.Time   // when channel b's last message went out
			ad.Before = func(c bottest.Call) error {
				mu.Lock()
				defer mu.Unlock()
				if c.Channel == "a" && c.Op == tc.op {
					tries = append(tries, h.clock.Now())
					if len(tries) <= 4 {
						if tc.retryAfter > 0 {
							return bot.Temporary("rate_limited", tc.retryAfter, errors.New("HTTP 429"))
						}
						return bot.Temporary("server_error", 0, errors.New("HTTP 503"))
					}
				}
				if c.Channel == "b" && c.Op != "find" {
					bDone = h.clock.Now()
				}
				return nil
			}
			h.subscribe("test:a", "experts", paperboy.Digest{}, 0)
			h.subscribe("test:b", "experts", paperboy.Digest{}, 0)
			h.addPapers(3, "Experts", start)
			h.poll()
			for i := 0; !h.drained(); i++ {
				if i == 20000 {
					t.Fatal("outbox not drained")
				}
				h.d.Step(h.ctx)
				h.clock.Advance(step)
			}

			mu.Lock()
			defer mu.Unlock()
			if len(tries) < 5 {
				t.Fatalf("got %d attempts in channel a, want 4 failures and a success", len(tries))
			}
			for i := 1; i < 5; i++ {
				gap := tries[i].Sub(tries[i-1])
				if gap < tc.minGap || gap > tc.maxGap {
					t.Errorf("retry %d came %v after the failure, want between %v and %v", i, gap, tc.minGap, tc.maxGap)
				}
				if tc.growing && i > 1 {
					if prev := tries[i-1].Sub(tries[i-2]); gap < prev*3/2 {
						t.Errorf("retry %d came %v after the failure, want well above the previous %v (exponential backoff)", i, gap, prev)
					}
				}
			}
			// Channel b: 3 posts and 3 replies at its 1 s interval, whatever a goes through.
			if got, limit := bDone.Sub(start), 6*time.Second; got > limit {
				t.Errorf("channel b finished %v after the start, want within %v (not held up by channel a)", got, limit)
			}
			if n := len(postsBy(ad.Posts())["b"]); n != 3 {
				t.Errorf("got %d posts in b, want 3", n)
			}
		})
	}
}
