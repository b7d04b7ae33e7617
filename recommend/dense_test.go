package recommend

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// memDense is an in-memory DenseStore: embeddings by model and paper id.
type memDense map[string]map[string][]float32

func (f memDense) Embeddings(_ context.Context, model string, ids []string) (map[string][]float32, error) {
	out := map[string][]float32{}
	for _, id := range ids {
		if v, ok := f[model][id]; ok {
			out[id] = v
		}
	}
	return out, nil
}

// topicEmbeddings gives each paper of newFakeStore a vector along its topic's axis (a
// stand-in for a model that knows what papers are about; this tests the blend, not a model).
func topicEmbeddings(f *fakeStore) map[string][]float32 {
	axis := map[string]int{"spec": 0, "diff": 1, "robot": 2, "graph": 3}
	out := map[string][]float32{}
	for i, p := range f.papers {
		topic, _, _ := strings.Cut(p.ID, "-")
		v := []float32{0.05, 0.05, 0.05, 0.05}
		v[axis[topic]] = 1 + float32(i%3)/10
		out[p.ID] = v
	}
	return out
}

// TestDenseBlendFindsMeaning: a paper about the liked topic in other words (no feature in
// common with the liked papers) is found through its embedding and its reason says so; with
// no embeddings, or embeddings of another model, the ranking is the sparse one, unchanged.
func TestDenseBlendFindsMeaning(t *testing.T) {
	ctx := context.Background()
	f := newFakeStore(12)
	// Stored first, so that it loses every tie of the sparse ranking.
	f.papers = append([]*paperboy.Paper{{ID: "para-0", Title: "Lookahead sampling for quicker text production",
		Abstract:  "Several continuations are guessed cheaply, then checked at once by the large network.",
		CreatedAt: f.papers[0].CreatedAt.Add(-time.Hour)}}, f.papers...)
	f.vote("shell:a", "spec-0", 1)
	f.vote("shell:a", "spec-1", 1)
	f.vote("shell:a", "diff-0", -1)
	emb := topicEmbeddings(f)
	emb["para-0"] = []float32{1.1, 0.05, 0.05, 0.05}

	sparse, err := (&Service{Store: f}).Recommend(ctx, "shell:a", time.Time{}, 20)
	if err != nil {
		t.Fatal(err)
	}
	denseSvc := &Service{Store: f, Dense: memDense{"m": emb}, DenseModel: "m"}
	blended, err := denseSvc.Recommend(ctx, "shell:a", time.Time{}, 20)
	if err != nil {
		t.Fatal(err)
	}
	pos := func(recs []paperboy.Recommendation, id string) int { return slices.Index(ids(recs), id) }
	nonSpec := func(recs []paperboy.Recommendation) string {
		for _, r := range recs {
			if !strings.HasPrefix(r.Paper.ID, "spec-") {
				return r.Paper.ID
			}
		}
		return ""
	}
	if got := nonSpec(sparse); got == "para-0" {
		t.Fatalf("sparse alone already ranks para-0 first after the spec papers: the test shows nothing")
	}
	if got := nonSpec(blended); got != "para-0" {
		t.Errorf("with embeddings, the first paper not about spec is %s (para-0 at %d), want para-0: %v", got, pos(blended, "para-0"), ids(blended))
	}
	if got := topicShare(blended, "spec", 10); got != 10 {
		t.Errorf("with embeddings, %d of the top 10 about spec, want 10: %v", got, ids(blended))
	}
	if i := pos(blended, "para-0"); i >= 0 {
		want := "close in meaning to *On speculative decoding and draft model, part 0* that you upvoted"
		if r := blended[i].Reason; r != want {
			t.Errorf("para-0's reason %q, want %q", r, want)
		}
	}
	for _, r := range blended {
		if strings.HasPrefix(r.Paper.ID, "spec-") && strings.HasPrefix(r.Reason, "close in meaning") {
			// A spec paper shares words with the likes: its sparse part is at least as
			// strong, so its reason may name either; it must name a liked paper then.
			if !strings.Contains(r.Reason, "that you upvoted") {
				t.Errorf("%s: reason %q", r.Paper.ID, r.Reason)
			}
		}
	}

	// Configured but nothing embedded (or another model's vectors, or liked papers' vectors
	// that are zero): the sparse ranking.
	zeroLikes := maps.Clone(emb)
	zeroLikes["spec-0"], zeroLikes["spec-1"] = make([]float32, 4), make([]float32, 4)
	for name, d := range map[string]memDense{"none": {}, "other model": {"other": emb}, "zero likes": {"m": zeroLikes}} {
		got, err := (&Service{Store: f, Dense: d, DenseModel: "m"}).Recommend(ctx, "shell:a", time.Time{}, 20)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(got), ids(sparse)) {
			t.Errorf("%s: ranking %v differs from the sparse %v", name, ids(got), ids(sparse))
		}
		for i := range got {
			if got[i].Score != sparse[i].Score || got[i].Reason != sparse[i].Reason {
				t.Errorf("%s: %s scored %v %q, sparse %v %q", name, got[i].Paper.ID, got[i].Score, got[i].Reason, sparse[i].Score, sparse[i].Reason)
			}
		}
	}

	// Rank (digest order) blends the same way.
	asked := []string{"robot-3", "para-0", "graph-2"}
	ranked, err := denseSvc.Rank(ctx, "shell:a", asked)
	if err != nil {
		t.Fatal(err)
	}
	if len(ranked) != 3 || ranked[0].Paper.ID != "para-0" {
		t.Errorf("Rank with embeddings: %v, want para-0 first", ids(ranked))
	}
}

// countingDense counts the ids asked for.
type countingDense struct {
	memDense
	asked int
}

func (c *countingDense) Embeddings(ctx context.Context, model string, ids []string) (map[string][]float32, error) {
	c.asked += len(ids)
	return c.memDense.Embeddings(ctx, model, ids)
}

// TestDenseCache: a second ranking reads from the store only the papers that had no
// embedding the first time, and ranks the same; a new model starts the cache over.
func TestDenseCache(t *testing.T) {
	ctx := context.Background()
	f := newFakeStore(6)
	f.vote("shell:a", "spec-0", 1)
	emb := topicEmbeddings(f)
	delete(emb, "graph-5")
	cd := &countingDense{memDense: memDense{"m": emb, "m2": emb}}
	s := &Service{Store: f, Dense: cd, DenseModel: "m"}
	first, err := s.Recommend(ctx, "shell:a", time.Time{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if cd.asked != len(f.papers) { // the vote's paper and the other 23
		t.Fatalf("first ranking asked for %d ids, want %d", cd.asked, len(f.papers))
	}
	cd.asked = 0
	second, err := s.Recommend(ctx, "shell:a", time.Time{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if cd.asked != 1 {
		t.Errorf("second ranking asked for %d ids, want 1 (graph-5, not embedded)", cd.asked)
	}
	if !slices.Equal(ids(first), ids(second)) {
		t.Errorf("cached ranking %v differs from %v", ids(second), ids(first))
	}
	cd.asked = 0
	s.DenseModel = "m2"
	if _, err := s.Recommend(ctx, "shell:a", time.Time{}, 10); err != nil {
		t.Fatal(err)
	}
	if cd.asked != len(f.papers) {
		t.Errorf("another model: asked for %d ids, want %d", cd.asked, len(f.papers))
	}
}
