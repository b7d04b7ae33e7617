package recommend

import (
	"context"
	"math"
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
	z    []float64 // standardized dense score (0 for a candidate without an embedding)
	like []int     // index in t.examples of the liked paper closest in meaning (-1: none)
}

// dense computes the dense part for keys, or nil when dense vectors are off or the votes
// have none (then the ranking is the sparse one).
func (s *Service) dense(ctx context.Context, t taste, keys []string) (*denseScores, error) {
	if s.Dense == nil || s.DenseModel == "" {
		return nil, nil
	}
	ids := make([]string, 0, len(t.examples)+len(keys))
	for _, e := range t.examples {
		ids = append(ids, e.Key)
	}
	ids = append(ids, keys...)
	emb, err := s.Dense.Embeddings(ctx, s.DenseModel, ids)
	if err != nil {
		return nil, err
	}
	var posW, negW float64
	for _, e := range t.examples {
		if v, ok := emb[e.Key]; ok && len(v) > 0 {
			if e.Label > 0 {
				posW += e.Weight
			} else {
				negW += e.Weight
			}
		}
	}
	if posW == 0 {
		return nil, nil // no liked paper is embedded: nothing to compare with
	}
	d := &denseScores{z: make([]float64, len(keys)), like: make([]int, len(keys))}
	raw := make([]float64, 0, len(keys))
	has := make([]bool, len(keys))
	for i, k := range keys {
		d.like[i] = -1
		c, ok := emb[k]
		if !ok {
			continue
		}
		var sc, best float64
		for j, e := range t.examples {
			v, ok := emb[e.Key]
			if !ok || len(v) != len(c) {
				continue
			}
			cos := cosine(c, v)
			if e.Label > 0 {
				sc += e.Weight * cos / posW
				if d.like[i] < 0 || cos > best {
					d.like[i], best = j, cos
				}
			} else {
				sc -= negSimWeight * e.Weight * cos / negW
			}
		}
		d.z[i] = sc
		has[i] = true
		raw = append(raw, sc)
	}
	if len(raw) == 0 {
		return nil, nil
	}
	mean, std := meanStd(raw)
	for i := range d.z {
		if has[i] {
			d.z[i] = (d.z[i] - mean) / std
		}
	}
	return d, nil
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
	if d == nil || d.like[i] < 0 {
		return false
	}
	dp := denseWeight * d.z[i]
	return dp > 0 && dp > (1-denseWeight)*sparse[i]
}

func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		dot += x * y
		na += x * x
		nb += y * y
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}
