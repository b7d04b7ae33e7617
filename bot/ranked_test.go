package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/bottest"
	"github.com/paperboy-bot/paperboy/recommend"
)

// TestForYouDigestHoldsTopN: a for-you digest with top:2 lists the two papers most like
// the channel's likes among the five due, and records the other three as skipped; the
// default daily cap (here 2 a day) does not cut the five before they are ranked, so the
// liked kind wins even when it arrives last. A plain digest of the same filter in another
// channel lists all five.
func TestForYouDigestHoldsTopN(t *testing.T) {
	ad := &bottest.Adapter{}
	h := newHarness(t, ad, bot.WatcherConfig{DailyCap: 2}, bot.DispatcherConfig{})
	h.d = h.newDispatcher(ad, bot.DispatcherConfig{Ranker: &recommend.Service{Store: h.db, Now: h.clock.Now}})
	liked := h.addPapers(2, "Speculative decoding with a small draft model", start.Add(-48*time.Hour))
	h.poll()
	for _, id := range liked {
		if _, err := h.db.CastVote(h.ctx, paperboy.Vote{PaperID: id, Channel: "test:a", User: "u1", Value: 1}); err != nil {
			t.Fatal(err)
		}
	}
	daily := paperboy.Digest{Every: paperboy.DigestDaily, Hour: 13}
	q, err := paperboy.ParseQuery("decoding", start)
	if err != nil {
		t.Fatal(err)
	}
	s := paperboy.Subscription{Channel: "test:a", Filter: q.String(), Query: q, Digest: daily, ForYou: true, Top: 2}
	if err := h.db.CreateSubscription(h.ctx, &s); err != nil {
		t.Fatal(err)
	}
	h.subscribe("test:b", "decoding", daily, paperboy.NoDailyCap)
	greedy := h.addPapers(3, "Greedy decoding for machine translation", start)
	spec := h.addPapers(2, "Speculative decoding: a faster draft model", start)
	h.poll()
	h.clock.Advance(time.Hour)
	h.drain(h.d, 5*time.Second, 200)
	var a, b string
	for _, s := range ad.Sends() {
		switch s.Channel {
		case "a":
			a += s.Text
		case "b":
			b += s.Text
		}
	}
	for _, id := range spec {
		if !strings.Contains(a, "arxiv.org/abs/"+id) {
			t.Errorf("channel a's for-you digest lacks liked-like paper %s:\n%s", id, a)
		}
	}
	for _, id := range greedy {
		if strings.Contains(a, "arxiv.org/abs/"+id) {
			t.Errorf("channel a's top:2 digest lists %s, below the top 2:\n%s", id, a)
		}
		if !strings.Contains(b, "arxiv.org/abs/"+id) {
			t.Errorf("channel b's plain digest lacks %s:\n%s", id, b)
		}
	}
	st, err := h.db.DeliveryStatus(h.ctx, "test:a")
	if err != nil {
		t.Fatal(err)
	}
	if st.Sent != 2 || st.Skipped != 3 || st.Pending != 0 {
		t.Errorf("channel a: got %+v, want 2 sent and 3 skipped", st.DeliveryCounts)
	}
}

// TestForYouImmediateThreshold: an immediate for-you subscription posts the papers the
// channel's model scores at least its min:, not the others its filter matches; in a
// channel without votes it posts nothing.
func TestForYouImmediateThreshold(t *testing.T) {
	ad := &bottest.Adapter{}
	rec := &recommend.Service{Now: nil}
	h := newHarness(t, ad, bot.WatcherConfig{Ranker: rec}, bot.DispatcherConfig{})
	rec.Store, rec.Now = h.db, h.clock.Now
	liked := h.addPapers(2, "Speculative decoding with a small draft model", start.Add(-48*time.Hour))
	h.addPapers(20, "Graph neural networks for molecules", start.Add(-48*time.Hour)) // the average recent paper
	h.poll()
	for _, id := range liked {
		if _, err := h.db.CastVote(h.ctx, paperboy.Vote{PaperID: id, Channel: "test:a", User: "u1", Value: 1}); err != nil {
			t.Fatal(err)
		}
	}
	for _, ch := range []string{"test:a", "test:c"} {
		s := paperboy.Subscription{Channel: ch, ForYou: true, MinScore: 0.5}
		if err := h.db.CreateSubscription(h.ctx, &s); err != nil {
			t.Fatal(err)
		}
	}
	other := h.addPapers(3, "Protein folding with diffusion", start)
	spec := h.addPapers(2, "Speculative decoding: a faster draft model", start)
	h.poll()
	h.drain(h.d, 5*time.Second, 200)
	var a, c string
	for _, s := range ad.Sends() {
		switch s.Channel {
		case "a":
			a += s.Text + "\n"
		case "c":
			c += s.Text + "\n"
		}
	}
	for _, id := range spec {
		if !strings.Contains(a, id) {
			t.Errorf("channel a did not get %s, like its likes:\n%s", id, a)
		}
	}
	for _, id := range other {
		if strings.Contains(a, id) {
			t.Errorf("channel a got %s, below its threshold:\n%s", id, a)
		}
	}
	if c != "" {
		t.Errorf("channel c has no votes, so its for-you subscription should post nothing; got:\n%s", c)
	}
}
