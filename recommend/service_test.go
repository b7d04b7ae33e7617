package recommend

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/analysis"
)

// fakeStore is an in-memory Store: papers in order of storage, votes per channel.
type fakeStore struct {
	papers []*paperboy.Paper
	votes  map[string]map[string]int // channel -> paper -> net
}

func (f *fakeStore) RecentVectors(_ context.Context, since time.Time, limit int) ([]analysis.Doc, error) {
	var out []analysis.Doc
	for i := len(f.papers) - 1; i >= 0 && (limit <= 0 || len(out) < limit); i-- {
		if p := f.papers[i]; !p.CreatedAt.Before(since) {
			out = append(out, analysis.Doc{ID: p.ID, Seq: int64(i + 1), Vec: analysis.PaperVector(p)})
		}
	}
	return out, nil
}

func (f *fakeStore) PaperVectors(_ context.Context, ids []string) ([]analysis.Doc, error) {
	var out []analysis.Doc
	for i, p := range f.papers {
		if slices.Contains(ids, p.ID) {
			out = append(out, analysis.Doc{ID: p.ID, Seq: int64(i + 1), Vec: analysis.PaperVector(p)})
		}
	}
	return out, nil
}

func (f *fakeStore) ChannelInterest(_ context.Context, channel string) ([]paperboy.Interest, error) {
	var out []paperboy.Interest
	for id, net := range f.votes[channel] {
		out = append(out, paperboy.Interest{PaperID: id, Net: net, Votes: 1})
	}
	slices.SortFunc(out, func(a, b paperboy.Interest) int { return strings.Compare(a.PaperID, b.PaperID) })
	return out, nil
}

func (f *fakeStore) FindPaper(_ context.Context, ref string) (*paperboy.Paper, error) {
	for _, p := range f.papers {
		if p.ID == ref {
			return p, nil
		}
	}
	return nil, paperboy.Errorf(paperboy.ENOTFOUND, "no %s", ref)
}

func (f *fakeStore) SimilarPapers(_ context.Context, id string, limit int) ([]paperboy.SearchHit, error) {
	return nil, nil // Similar also draws candidates from RecentVectors
}

func (f *fakeStore) vote(channel, id string, v int) {
	if f.votes == nil {
		f.votes = map[string]map[string]int{}
	}
	if f.votes[channel] == nil {
		f.votes[channel] = map[string]int{}
	}
	if v == 0 {
		delete(f.votes[channel], id)
		return
	}
	f.votes[channel][id] = v
}

var testTopics = map[string][]string{
	"spec":  {"speculative decoding", "draft model", "token acceptance", "inference latency", "verification step"},
	"diff":  {"diffusion model", "image generation", "denoising steps", "classifier-free guidance", "latent space"},
	"robot": {"robot manipulation", "grasping policy", "embodied agent", "sim-to-real transfer", "tactile sensing"},
	"graph": {"graph neural network", "message passing", "node classification", "molecular graphs", "over-smoothing"},
}

// newFakeStore makes n papers per topic, each using three of its topic's phrases and two
// filler sentences; ids are topic-i.
func newFakeStore(n int) *fakeStore {
	f := &fakeStore{}
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	fillers := []string{"We evaluate on standard benchmarks.", "Experiments show consistent gains.", "Code is released.", "We study scaling behaviour."}
	for _, topic := range []string{"spec", "diff", "robot", "graph"} {
		ph := testTopics[topic]
		for i := 0; i < n; i++ {
			a, b, c := ph[i%5], ph[(i+1)%5], ph[(i+3)%5]
			f.papers = append(f.papers, &paperboy.Paper{
				ID:        fmt.Sprintf("%s-%d", topic, i),
				Title:     fmt.Sprintf("On %s and %s, part %d", a, b, i),
				Abstract:  fmt.Sprintf("This work studies %s with %s. %s %s", b, c, fillers[i%4], fillers[(i+1)%4]),
				CreatedAt: t0.Add(time.Duration(len(f.papers)) * time.Minute),
			})
		}
	}
	return f
}

func ids(recs []paperboy.Recommendation) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.Paper.ID)
	}
	return out
}

func topicShare(recs []paperboy.Recommendation, topic string, k int) int {
	n := 0
	for i, r := range recs {
		if i < k && strings.HasPrefix(r.Paper.ID, topic+"-") {
			n++
		}
	}
	return n
}

func TestRecommendLearnsFromVotes(t *testing.T) {
	ctx := context.Background()
	f := newFakeStore(12)
	s := &Service{Store: f}
	_, err := s.Recommend(ctx, "shell:a", time.Time{}, 10)
	if paperboy.ErrorCode(err) != paperboy.ENOTFOUND || !strings.Contains(paperboy.ErrorMessage(err), "votes import") {
		t.Fatalf("no votes: got %v, want ENOTFOUND saying how to start", err)
	}
	f.vote("shell:a", "diff-0", -1)
	if _, err := s.Recommend(ctx, "shell:a", time.Time{}, 10); paperboy.ErrorCode(err) != paperboy.ENOTFOUND {
		t.Fatalf("only a dislike: got %v, want ENOTFOUND", err)
	}
	f.vote("shell:a", "spec-0", 1)
	f.vote("shell:a", "spec-1", 1)
	recs, err := s.Recommend(ctx, "shell:a", time.Time{}, 8)
	if err != nil {
		t.Fatal(err)
	}
	if got := topicShare(recs, "spec", 8); got != 8 {
		t.Errorf("two likes of speculative decoding: %d of the top 8 about it, want 8: %v", got, ids(recs))
	}
	for _, r := range recs {
		if r.Paper.ID == "spec-0" || r.Paper.ID == "spec-1" || r.Paper.ID == "diff-0" {
			t.Errorf("voted paper %s recommended", r.Paper.ID)
		}
		if r.Reason == "" {
			t.Errorf("%s has no reason", r.Paper.ID)
		}
	}
	for i := 1; i < len(recs); i++ {
		if recs[i].Score > recs[i-1].Score {
			t.Errorf("not best first at %d", i)
		}
	}
}

// TestRecommendChannelIsolation: votes in another channel change nothing here, and a
// removed vote leaves the ranking as if it had never been cast (requirement 4).
func TestRecommendChannelIsolation(t *testing.T) {
	ctx := context.Background()
	f := newFakeStore(10)
	s := &Service{Store: f}
	f.vote("slack:A", "spec-0", 1)
	f.vote("slack:A", "robot-2", 1)
	f.vote("slack:A", "graph-1", -1)
	before, err := s.Recommend(ctx, "slack:A", time.Time{}, 20)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"diff-0", "diff-1", "diff-2", "spec-3"} {
		f.vote("slack:B", id, 1)
	}
	f.vote("slack:B", "robot-4", -1)
	after, err := s.Recommend(ctx, "slack:A", time.Time{}, 20)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(before), ids(after)) {
		t.Errorf("channel B's votes changed channel A's ranking:\n%v\n%v", ids(before), ids(after))
	}
	b, _ := s.Recommend(ctx, "slack:B", time.Time{}, 5)
	if got := topicShare(b, "diff", 5); got < 4 {
		t.Errorf("channel B: %d of its top 5 about diffusion, want at least 4: %v", got, ids(b))
	}
	for _, r := range b {
		if strings.Contains(r.Reason, "part 0") && strings.Contains(r.Reason, "speculative") {
			t.Errorf("channel B's reason names channel A's paper: %s", r.Reason)
		}
	}

	f.vote("slack:A", "diff-5", 1)
	with, _ := s.Recommend(ctx, "slack:A", time.Time{}, 20)
	if slices.Equal(ids(with), ids(before)) {
		t.Fatalf("a new like changed nothing")
	}
	f.vote("slack:A", "diff-5", 0)
	removed, _ := s.Recommend(ctx, "slack:A", time.Time{}, 20)
	if !slices.Equal(ids(removed), ids(before)) {
		t.Errorf("after removing the vote:\n%v\nwant\n%v", ids(removed), ids(before))
	}
}

func TestReasons(t *testing.T) {
	ctx := context.Background()
	f := newFakeStore(10)
	// A near copy of a liked paper: its reason names that paper.
	twin := *f.papers[0]
	twin.ID, twin.Title = "twin", f.papers[0].Title+" (extended)"
	f.papers = append(f.papers, &twin)
	s := &Service{Store: f}
	f.vote("c", "spec-0", 1)
	f.vote("c", "spec-3", 1)
	f.vote("c", "diff-1", -1)
	recs, err := s.Recommend(ctx, "c", time.Time{}, 5)
	if err != nil {
		t.Fatal(err)
	}
	var twinReason string
	for _, r := range recs {
		if r.Paper.ID == "twin" {
			twinReason = r.Reason
		}
	}
	if want := "like *" + f.papers[0].Title + "* that you upvoted"; twinReason != want {
		t.Errorf("twin's reason = %q, want %q", twinReason, want)
	}
	found := false
	for _, r := range recs {
		if strings.HasPrefix(r.Reason, "mentions ") && strings.HasSuffix(r.Reason, ", which you like") {
			found = true
			words := strings.TrimSuffix(strings.TrimPrefix(r.Reason, "mentions "), ", which you like")
			text := strings.ToLower(r.Paper.Title + " " + r.Paper.Abstract)
			for _, w := range strings.Split(strings.ReplaceAll(words, " and ", ", "), ", ") {
				if !strings.Contains(text, w) {
					t.Errorf("%s: reason %q names %q, which the paper does not contain", r.Paper.ID, r.Reason, w)
				}
			}
		}
	}
	if !found {
		t.Errorf("no reason names features: %+v", recs)
	}
}

func TestSimilar(t *testing.T) {
	f := newFakeStore(8)
	s := &Service{Store: f}
	recs, err := s.Similar(context.Background(), "robot-0", 5)
	if err != nil {
		t.Fatal(err)
	}
	if got := topicShare(recs, "robot", 5); got != 5 {
		t.Errorf("similar to a robotics paper: %d of 5 about robots: %v", got, ids(recs))
	}
	for _, r := range recs {
		if r.Paper.ID == "robot-0" {
			t.Errorf("the paper itself is listed")
		}
		if !strings.HasPrefix(r.Reason, "shares ") {
			t.Errorf("%s: reason %q", r.Paper.ID, r.Reason)
		}
	}
	if _, err := s.Similar(context.Background(), "nope", 5); paperboy.ErrorCode(err) != paperboy.ENOTFOUND {
		t.Errorf("unknown paper: got %v, want ENOTFOUND", err)
	}
}

// TestRecommendSmallPool: in a pool of a few papers, a dislike does not lift unrelated
// papers above the liked topic (pseudo-relevance feedback over most of a small pool did).
func TestRecommendSmallPool(t *testing.T) {
	f := newFakeStore(5)
	s := &Service{Store: f}
	f.vote("c", "spec-0", 1)
	f.vote("c", "spec-1", 1)
	f.vote("c", "diff-0", -1)
	recs, err := s.Recommend(context.Background(), "c", time.Time{}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got := topicShare(recs, "spec", 3); got != 3 {
		t.Errorf("top 3 of a small pool: %d about speculative decoding, want 3: %v", got, ids(recs))
	}
}

func TestTopK(t *testing.T) {
	scores := []float64{0.5, 2, 2, -1, 3, 0.5, 7}
	for name, tc := range map[string]struct {
		k    int
		skip func(int) bool
		want []int
	}{
		"top 3":           {3, nil, []int{6, 4, 1}},
		"ties by index":   {5, nil, []int{6, 4, 1, 2, 0}},
		"skip":            {3, func(i int) bool { return i == 6 || i == 1 }, []int{4, 2, 0}},
		"k beyond length": {10, nil, []int{6, 4, 1, 2, 0, 5, 3}},
		"zero":            {0, nil, nil},
	} {
		t.Run(name, func(t *testing.T) {
			if got := topK(scores, tc.k, tc.skip); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRankGivenPapers(t *testing.T) {
	ctx := context.Background()
	f := newFakeStore(10)
	s := &Service{Store: f, Now: func() time.Time { return time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC) }}
	ask := []string{"diff-2", "spec-5", "robot-1", "nope", "spec-6"}
	if _, err := s.Rank(ctx, "c", ask); paperboy.ErrorCode(err) != paperboy.ENOTFOUND {
		t.Fatalf("no votes: got %v, want ENOTFOUND", err)
	}
	f.vote("c", "spec-0", 1)
	f.vote("c", "spec-1", 1)
	recs, err := s.Rank(ctx, "c", ask)
	if err != nil {
		t.Fatal(err)
	}
	got := ids(recs)
	if len(got) != 4 || !strings.HasPrefix(got[0], "spec-") || !strings.HasPrefix(got[1], "spec-") {
		t.Errorf("Rank = %v, want the 4 known papers, speculative decoding first", got)
	}
	for _, r := range recs {
		if r.Reason == "" {
			t.Errorf("%s has no reason", r.Paper.ID)
		}
	}
}
