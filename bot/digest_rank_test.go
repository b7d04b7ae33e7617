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

// TestDigestOrderedByVotes: once a channel has liked papers, its digest lists the papers
// most like them first; another channel's digest of the same papers, without votes, keeps
// the order of arrival.
func TestDigestOrderedByVotes(t *testing.T) {
	ad := &bottest.Adapter{}
	h := newHarness(t, ad, bot.WatcherConfig{}, bot.DispatcherConfig{})
	h.d = h.newDispatcher(ad, bot.DispatcherConfig{Ranker: &recommend.Service{Store: h.db, Now: h.clock.Now}})
	liked := h.addPapers(2, "Speculative decoding with a small draft model", start.Add(-48*time.Hour))
	h.poll() // no subscription yet: nothing to deliver
	for _, id := range liked {
		if _, err := h.db.CastVote(h.ctx, paperboy.Vote{PaperID: id, Channel: "test:a", User: "u1", Value: 1}); err != nil {
			t.Fatal(err)
		}
	}
	h.subscribe("test:a", "decoding", paperboy.Digest{Every: paperboy.DigestDaily, Hour: 13}, 0)
	h.subscribe("test:b", "decoding", paperboy.Digest{Every: paperboy.DigestDaily, Hour: 13}, 0)
	greedy := h.addPapers(2, "Greedy decoding for machine translation", start)
	spec := h.addPapers(1, "Speculative decoding: a faster draft model", start)
	h.poll()
	h.clock.Advance(time.Hour)
	h.drain(h.d, 5*time.Second, 200)
	var a, b string
	for _, s := range ad.Sends() {
		switch s.Channel {
		case "a":
			a = s.Text
		case "b":
			b = s.Text
		}
	}
	pos := func(text, id string) int { return strings.Index(text, "arxiv.org/abs/"+id) }
	if a == "" || b == "" {
		t.Fatalf("digests: a %q, b %q", a, b)
	}
	if !strings.Contains(firstLine(a), "from this channel's votes") || pos(a, spec[0]) < 0 || pos(a, spec[0]) > pos(a, greedy[0]) || pos(a, spec[0]) > pos(a, greedy[1]) {
		t.Errorf("channel a's digest does not list the paper like its likes first:\n%s", a)
	}
	if strings.Contains(b, "votes") || !(pos(b, greedy[0]) < pos(b, greedy[1]) && pos(b, greedy[1]) < pos(b, spec[0])) {
		t.Errorf("channel b (no votes) should keep the order of arrival:\n%s", b)
	}
}
