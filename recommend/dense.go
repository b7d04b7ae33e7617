package recommend

import (
	"context"
	"math"
	"sync"
)

// Dense vectors (optional): with an embedding model configured and papers embedded
// (`paperboy embed`), the score of a paper blends its sparse score with its similarity in
// meaning to the channel's votes. Embeddings are only read from the store here: a ranking
// never waits for an embeddings endpoint, and papers without an embedding (or a channel
// whose voted papers have none) are ranked as without embeddings.

// DenseStore reads stored embeddings (store.DB).
type DenseStore interface {
	// Embeddings returns the embeddings under model of the papers with these ids, by id;
	// papers without one are left out.
	Embeddings(ctx context.Context, model string, ids []string) (map[string][]float32, error)
}

// denseWeight is the dense part's share of the blended score: (1-denseWeight) × sparse +
// denseWeight × dense, both standardized over the papers being ranked. Equal shares because
// neither is known to be better on this project's data: the sparse model's quality is
// measured offline (BENCHMARKS.md) but a dense model's needs a real embedding model, which
// the offline evaluation does not have (see eval_test.go, PAPERBOY_EVAL_EMBEDDINGS_URL). An
// equal blend of standardized scores is the neutral hybrid; a candidate without an
// embedding gets the average dense score (0), so missing embeddings neither help nor hurt.
const denseWeight = 0.5

// denseScores is the dense part over a pool's candidates.
type denseScores struct {
	z     []float64   // standardized dense score (0 for a candidate without an embedding)
	vecs  [][]float32 // candidates' embeddings, unit length (nil: none)
	liked []int       // t.examples indices of the embedded liked papers
	unit  [][]float32 // their embeddings, unit length
}

// dense computes the dense part for keys, or nil when dense vectors are off or the votes
// have none (then the ranking is the sparse one). A candidate's dense score is the
// weighted mean of its cosines to the liked papers minus negSimWeight times that to the
// disliked ones, as the sparse similarity part; being linear in the candidate's unit
// vector, it is one dot product with the same combination of the voted papers' unit
// vectors (the profile), whatever the number of votes. The cache holds papers' embeddings
// only, nothing of a channel.
func (s *Service) dense(ctx context.Context, t taste, keys []string) (*denseScores, error) {
	if s.Dense == nil || s.DenseModel == "" {
		return nil, nil
	}
	ids := make([]string, 0, len(t.examples)+len(keys))
	for _, e := range t.examples {
		ids = append(ids, e.Key)
	}
	ids = append(ids, keys...)
	emb, err := s.embeddings(ctx, ids)
	if err != nil {
		return nil, err
	}
	var posW, negW float64
	dim := 0
	for _, e := range t.examples {
		if v, ok := emb[e.Key]; ok && len(v) > 0 && e.Label > 0 {
			posW += e.Weight
			dim = len(v)
		}
	}
	if posW == 0 {
		return nil, nil // no liked paper is embedded: nothing to compare with
	}
	for _, e := range t.examples {
		if v, ok := emb[e.Key]; ok && len(v) == dim && e.Label < 0 {
			negW += e.Weight
		}
	}
	d := &denseScores{z: make([]float64, len(keys)), vecs: make([][]float32, len(keys))}
	profile := make([]float64, dim) // liked mean minus negSimWeight × disliked mean
	for j, e := range t.examples {
		v, ok := emb[e.Key]
		if !ok || len(v) != dim {
			continue
		}
		u := v
		w := e.Weight / posW
		if e.Label > 0 {
			d.liked, d.unit = append(d.liked, j), append(d.unit, u)
		} else {
			w = -negSimWeight * e.Weight / negW
		}
		for i, x := range u {
			profile[i] += w * float64(x)
		}
	}
	if len(d.liked) == 0 {
		return nil, nil
	}
	p32 := make([]float32, dim)
	for i, x := range profile {
		p32[i] = float32(x)
	}
	raw := make([]float64, 0, len(keys))
	for i, k := range keys {
		v, ok := emb[k]
		if !ok || len(v) != dim {
			continue
		}
		sc := dot32(v, p32)
		d.z[i], d.vecs[i] = sc, v
		raw = append(raw, sc)
	}
	if len(raw) == 0 {
		return nil, nil
	}
	mean, std := meanStd(raw)
	for i := range d.z {
		if d.vecs[i] != nil {
			d.z[i] = (d.z[i] - mean) / std
		}
	}
	return d, nil
}

// closestLiked is the t.examples index of the liked paper closest in meaning to candidate i.
func (d *denseScores) closestLiked(i int) int {
	best, bestCos := -1, 0.0
	for j, u := range d.unit {
		c := dot32(u, d.vecs[i])
		if best < 0 || c > bestCos {
			best, bestCos = d.liked[j], c
		}
	}
	return best
}

// maxDenseCache bounds the embeddings a Service keeps decoded (at 1,536 dimensions, 10,000
// take 60 MB); past it the cache starts over.
const maxDenseCache = 10_000

// denseCache keeps the unit-length embeddings of DenseModel by paper id: a paper's
// embedding under a model does not change, and a digest run ranks the same papers for
// every channel, so each is read from the store and decoded once rather than per ranking.
type denseCache struct {
	mu    sync.Mutex
	model string
	vecs  map[string][]float32
}

// embeddings returns the unit-length embeddings of ids under DenseModel, from the cache or
// the store; papers without one (or with a zero vector) are left out and asked again next
// time (they may have been embedded since).
func (s *Service) embeddings(ctx context.Context, ids []string) (map[string][]float32, error) {
	c := &s.cache
	out := make(map[string][]float32, len(ids))
	var missing []string
	c.mu.Lock()
	if c.model != s.DenseModel {
		c.model, c.vecs = s.DenseModel, nil
	}
	for _, id := range ids {
		if v, ok := c.vecs[id]; ok {
			out[id] = v
		} else {
			missing = append(missing, id)
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	got, err := s.Dense.Embeddings(ctx, s.DenseModel, missing)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.vecs == nil || len(c.vecs)+len(got) > maxDenseCache {
		c.vecs = make(map[string][]float32, len(got))
	}
	for id, v := range got {
		if u := unit(v); u != nil {
			out[id] = u
			if c.model == s.DenseModel {
				c.vecs[id] = u
			}
		}
	}
	return out, nil
}

// dot32 is the dot product of two vectors of one length, in float32 with four running sums
// (the dense part's inner loop: 1,536 dimensions per candidate and channel).
func dot32(a, b []float32) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return float64(s0 + s1 + s2 + s3)
}

// unit is v scaled to length 1 (nil for a zero vector).
func unit(v []float32) []float32 {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	if n == 0 {
		return nil
	}
	n = math.Sqrt(n)
	u := make([]float32, len(v))
	for i, x := range v {
		u[i] = float32(float64(x) / n)
	}
	return u
}

// blend combines sparse scores with the dense part (nil: sparse alone).
func blendDense(sparse []float64, d *denseScores) []float64 {
	if d == nil {
		return sparse
	}
	out := make([]float64, len(sparse))
	for i, s := range sparse {
		out[i] = (1-denseWeight)*s + denseWeight*d.z[i]
	}
	return out
}

// denseDriven reports whether candidate i's blended score owes more to its meaning than to
// its words: the dense part is positive and larger than the sparse part.
func denseDriven(d *denseScores, sparse []float64, i int) bool {
	if d == nil || d.vecs[i] == nil {
		return false
	}
	dp := denseWeight * d.z[i]
	return dp > 0 && dp > (1-denseWeight)*sparse[i]
}
