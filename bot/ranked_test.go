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

// TestTrendingDigest: a trending digest with top:2 holds, at its slot, the two papers on
// Hugging Face Daily Papers with the most upvotes at that moment: one first stored from
// arXiv and featured on HF later (the watcher saw it once, before it was on HF), whose
// upvotes then grew past the others, and the next; the third HF paper is recorded as
// skipped, and a paper never on HF is not a candidate.
func TestTrendingDigest(t *testing.T) {
	ad := &bottest.Adapter{}
	h := newHarness(t, ad, bot.WatcherConfig{}, bot.DispatcherConfig{})
	upsert := func(p paperboy.Paper) string {
		t.Helper()
		if err := p.Normalize(); err != nil {
			t.Fatal(err)
		}
		if _, err := h.db.UpsertPapers(h.ctx, []paperboy.Paper{p}); err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	paper := func(id, title string, upvotes int, hf bool) paperboy.Paper {
		p := paperboy.Paper{ArxivID: id, Title: title, Abstract: "An abstract about " + title + ".", Categories: []string{"cs.CL"},
			Published: start.Add(-24 * time.Hour), Upvotes: upvotes, Sources: []string{paperboy.SourceArxiv}}
		if hf {
			p.HFURL, p.Sources = "https://huggingface.co/papers/"+id, []string{paperboy.SourceHF}
		}
		return p
	}
	q, err := paperboy.ParseQuery("cat:cs.CL", start)
	if err != nil {
		t.Fatal(err)
	}
	s := paperboy.Subscription{Channel: "test:a", Filter: q.String(), Query: q, Trending: true, Top: 2,
		Digest: paperboy.Digest{Every: paperboy.DigestDaily, Hour: 13}}
	if err := h.db.CreateSubscription(h.ctx, &s); err != nil {
		t.Fatal(err)
	}
	late := upsert(paper("2611.00101", "Language models as judges", 0, false)) // on arXiv only, so far
	second := upsert(paper("2611.00102", "Tokenizers revisited", 10, true))
	third := upsert(paper("2611.00103", "A corpus of dialogues", 5, true))
	never := upsert(paper("2611.00104", "Parsing with grammars", 0, false))
	h.poll()
	upsert(paper("2611.00101", "Language models as judges", 1, true)) // featured on HF
	h.poll()
	upsert(paper("2611.00101", "Language models as judges", 50, true)) // upvotes grow through the day
	if got, err := h.db.FindPaper(h.ctx, late); err != nil || got.Upvotes != 50 {
		t.Fatalf("stored upvotes after a higher count: %v, %v; want 50", got, err)
	}
	h.poll()
	if len(ad.Sends()) != 0 {
		t.Fatalf("sent before the slot: %v", ad.Sends())
	}
	h.clock.Advance(90 * time.Minute) // past 13:00
	h.poll()
	h.drain(h.d, 5*time.Second, 200)
	var a string
	for _, s := range ad.Sends() {
		a += s.Text
	}
	for _, id := range []string{late, second} {
		if !strings.Contains(a, id) {
			t.Errorf("the trending digest lacks %s:\n%s", id, a)
		}
	}
	for _, id := range []string{third, never} {
		if strings.Contains(a, id) {
			t.Errorf("the trending top:2 digest lists %s:\n%s", id, a)
		}
	}
	if i, j := strings.Index(a, late), strings.Index(a, second); i < 0 || j < 0 || i > j {
		t.Errorf("the most upvoted paper %s should come first:\n%s", late, a)
	}
	st, err := h.db.DeliveryStatus(h.ctx, "test:a")
	if err != nil {
		t.Fatal(err)
	}
	if st.Sent != 2 || st.Skipped != 1 || st.Pending != 0 {
		t.Errorf("got %+v, want 2 sent and 1 skipped", st.DeliveryCounts)
	}
	h.clock.Advance(24 * time.Hour) // the next day: nothing new on HF, nothing again
	h.poll()
	h.drain(h.d, 5*time.Second, 200)
	if n := len(ad.Sends()); n != 1 {
		t.Errorf("got %d digests after two days, want 1 (papers are not sent twice)", n)
	}
}

// TestTrendingForYou: a trending for-you digest blends upvotes with the channel's taste:
// a paper like the channel's likes makes its top:2 though three others have more
// upvotes; in a channel without votes the same subscription holds the two most upvoted.
func TestTrendingForYou(t *testing.T) {
	ad := &bottest.Adapter{}
	h := newHarness(t, ad, bot.WatcherConfig{}, bot.DispatcherConfig{})
	h.d = h.newDispatcher(ad, bot.DispatcherConfig{Ranker: &recommend.Service{Store: h.db, Now: h.clock.Now}})
	liked := h.addPapers(2, "Speculative decoding with a small draft model", start.Add(-72*time.Hour))
	h.poll()
	for _, id := range liked {
		if _, err := h.db.CastVote(h.ctx, paperboy.Vote{PaperID: id, Channel: "test:a", User: "u1", Value: 1}); err != nil {
			t.Fatal(err)
		}
	}
	for _, ch := range []string{"test:a", "test:b"} {
		s := paperboy.Subscription{Channel: ch, Trending: true, ForYou: true, Top: 2, Digest: paperboy.Digest{Every: paperboy.DigestDaily, Hour: 13}}
		if err := h.db.CreateSubscription(h.ctx, &s); err != nil {
			t.Fatal(err)
		}
	}
	hf := func(id, title string, upvotes int) string {
		p := paperboy.Paper{ArxivID: id, Title: title, Abstract: "An abstract about " + title + ".", Categories: []string{"cs.LG"},
			Published: start.Add(-24 * time.Hour), Upvotes: upvotes, HFURL: "https://huggingface.co/papers/" + id, Sources: []string{paperboy.SourceHF}}
		if err := p.Normalize(); err != nil {
			t.Fatal(err)
		}
		if _, err := h.db.UpsertPapers(h.ctx, []paperboy.Paper{p}); err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	u1 := hf("2611.00201", "Protein folding with diffusion models", 100)
	u2 := hf("2611.00202", "A benchmark of weather forecasting", 90)
	hf("2611.00203", "Robot grasping from video", 80)
	spec := hf("2611.00204", "Speculative decoding: a faster draft model", 60)
	h.clock.Advance(90 * time.Minute)
	h.poll()
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
	if !strings.Contains(a, spec) || !strings.Contains(a, "blended with this channel's votes") {
		t.Errorf("channel a's trending for-you digest lacks %s, like its likes:\n%s", spec, a)
	}
	if !strings.Contains(b, u1) || !strings.Contains(b, u2) || strings.Contains(b, spec) {
		t.Errorf("channel b (no votes) should get the two most upvoted, %s and %s:\n%s", u1, u2, b)
	}
}

// TestRankedDigestComesLast: a paper matched by a plain digest and by an older for-you
// digest of the same channel goes to the plain one, which lists every match, rather than
// to the for-you digest, which could skip it.
func TestRankedDigestComesLast(t *testing.T) {
	ad := &bottest.Adapter{}
	h := newHarness(t, ad, bot.WatcherConfig{}, bot.DispatcherConfig{})
	daily := paperboy.Digest{Every: paperboy.DigestDaily, Hour: 13}
	s := paperboy.Subscription{Channel: "test:a", ForYou: true, Top: 1, Digest: daily}
	if err := h.db.CreateSubscription(h.ctx, &s); err != nil {
		t.Fatal(err)
	}
	h.subscribe("test:a", "decoding", daily, 0)
	ids := h.addPapers(3, "Greedy decoding for machine translation", start)
	h.poll()
	h.clock.Advance(time.Hour)
	h.drain(h.d, 5*time.Second, 200)
	var a string
	for _, s := range ad.Sends() {
		a += s.Text
	}
	for _, id := range ids {
		if !strings.Contains(a, id) {
			t.Errorf("the keyword digest lacks %s:\n%s", id, a)
		}
	}
}
