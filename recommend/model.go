// Package recommend learns what a channel wants from that channel's votes and ranks new
// papers with it, each pick with the reason that drove its score. Papers are compared as
// tf-idf vectors (package analysis); the model of a channel is built from that channel's
// votes alone, so one channel's votes never reach another's ranking.
//
// The score of a paper blends two parts. With few votes, similarity to the liked papers
// (minus similarity to the disliked ones) is what the votes can support; as votes accumulate,
// a regularized logistic regression trained on the votes (against a sample of other papers
// as weak negatives) takes a larger share: its weight is n/(n+blendVotes) for n explicit
// votes. Each part is standardized over the papers being ranked before blending, so that
// neither dominates by scale alone.
package recommend

import (
	"math"

	"github.com/paperboy-bot/paperboy/analysis"
)

// Signal weights: explicit votes (👍/👎, buttons, +1/-1, imports) count fully; discussion in
// a post's thread is an implicit, weaker sign of interest.
const (
	WeightExplicit = 1.0
	WeightImplicit = 0.4
)

const (
	// blendVotes is the number of explicit votes at which the trained model and the
	// similarity part weigh the same.
	blendVotes = 12
	// negSimWeight scales the similarity to disliked papers against that to liked ones.
	negSimWeight = 0.5
	// backgroundWeight is the total weight of the background sample (weak negatives) in the
	// logistic regression, relative to one explicit vote.
	backgroundWeight = 2.0
	// maxBackground bounds the background sample.
	maxBackground = 100
	// l2 is the logistic regression's ridge penalty; iterations and step its optimizer's.
	l2         = 0.05
	iterations = 30
	step       = 2.0
)

// Example is one paper a channel reacted to.
type Example struct {
	Key    string // the paper's id: reasons name it
	Vec    analysis.Vector
	Label  int     // +1 liked, -1 disliked
	Weight float64 // WeightExplicit or WeightImplicit
}

// Model is a channel's model over one Pool: it scores only that pool's papers.
type Model struct {
	pool     *Pool
	pos, neg []weighted
	posW     float64
	negW     float64
	centroid map[uint32]float64 // liked centroid minus negSimWeight * disliked centroid
	lin      []float32          // logistic regression weights over the pool's vocabulary
	linBias  float64
	lambda   float64 // share of the linear part
	explicit int

	// The two parts' scores of every pool paper and their standardization, computed once
	// (Pool.parts) for ranking and reused by Explain.
	parts      *parts
	sims, lins []float64
}

type weighted struct {
	key string
	x   analysis.Sparse
	w   float64
	y   int
}

// Votes is the number of explicit votes the model learned from.
func (m *Model) Votes() int { return m.explicit }

// keys is the set of papers the model learned from.
func (m *Model) keys() map[string]bool {
	k := make(map[string]bool, len(m.pos)+len(m.neg))
	for _, x := range m.pos {
		k[x.key] = true
	}
	for _, x := range m.neg {
		k[x.key] = true
	}
	return k
}

// HasLikes reports whether the model has any liked paper: without one it cannot rank.
func (m *Model) HasLikes() bool { return len(m.pos) > 0 }

// linWeight is the linear part's weight of feature id (0 outside the pool's vocabulary).
func (m *Model) linWeight(id uint32) float64 {
	if m.lin == nil {
		return 0
	}
	if l, ok := m.pool.local(id); ok {
		return float64(m.lin[l])
	}
	return 0
}

// Train builds a channel's model from its examples for ranking pool's papers: weights from
// the pool's idf, and a sample of the pool as the linear part's weak negatives. Examples with
// other labels than ±1 or no weight are ignored.
func Train(examples []Example, pool *Pool) *Model {
	m := &Model{pool: pool, centroid: map[uint32]float64{}}
	for _, e := range examples {
		if e.Weight <= 0 || (e.Label != 1 && e.Label != -1) {
			continue
		}
		x := weighted{key: e.Key, x: pool.IDF.Weigh(e.Vec), w: e.Weight, y: e.Label}
		if e.Label > 0 {
			m.pos = append(m.pos, x)
			m.posW += e.Weight
		} else {
			m.neg = append(m.neg, x)
			m.negW += e.Weight
		}
		if e.Weight >= WeightExplicit {
			m.explicit++
		}
	}
	for _, x := range m.pos {
		addScaled(m.centroid, x.x, x.w/m.posW)
	}
	for _, x := range m.neg {
		addScaled(m.centroid, x.x, -negSimWeight*x.w/m.negW)
	}
	if len(m.pos) == 0 || pool.Len() == 0 {
		return m
	}
	m.trainLinear()
	m.lambda = float64(m.explicit) / float64(m.explicit+blendVotes)
	return m
}

func addScaled(dst map[uint32]float64, x analysis.Sparse, s float64) {
	for i, id := range x.IDs {
		dst[id] += s * float64(x.W[i])
	}
}

// row is a training example over the pool's vocabulary.
type row struct {
	ids []int32
	w   []float32
	c   float64 // class-balanced weight
	y   float64
}

// trainLinear fits an L2-regularized logistic regression by full-batch gradient descent on
// the votes against a sample of the pool (weak negatives), classes balanced by weight, in
// the pool's dense vocabulary: features no pool paper has cannot change a score, so they
// are left out. A few dozen passes over about a hundred short vectors: cheap enough to
// run for every request and every vote.
func (m *Model) trainLinear() {
	p := m.pool
	var rows []row
	local := func(x analysis.Sparse) ([]int32, []float32) {
		var ids []int32
		var ws []float32
		for i, id := range x.IDs {
			if l, ok := p.local(id); ok {
				ids = append(ids, l)
				ws = append(ws, x.W[i])
			}
		}
		return ids, ws
	}
	var wpos, wneg float64
	for _, set := range [][]weighted{m.pos, m.neg} {
		for _, x := range set {
			ids, ws := local(x.x)
			rows = append(rows, row{ids: ids, w: ws, c: x.w, y: float64(x.y)})
			if x.y > 0 {
				wpos += x.w
			} else {
				wneg += x.w
			}
		}
	}
	n := min(p.Len(), maxBackground)
	stride := float64(p.Len()) / float64(n)
	for k := 0; k < n; k++ {
		i := int(float64(k) * stride)
		rows = append(rows, row{ids: p.lids[i], w: p.x[i].W, c: backgroundWeight / float64(n), y: -1})
		wneg += backgroundWeight / float64(n)
	}
	for i := range rows {
		if rows[i].y > 0 {
			rows[i].c /= 2 * wpos
		} else {
			rows[i].c /= 2 * wneg
		}
	}
	// Only features of the rows ever get a gradient; every other weight stays 0.
	w := make([]float64, p.vocab())
	grad := make([]float64, p.vocab())
	var touched []int32
	seen := make([]bool, p.vocab())
	for _, r := range rows {
		for _, l := range r.ids {
			if !seen[l] {
				seen[l] = true
				touched = append(touched, l)
			}
		}
	}
	var bias float64
	for it := 0; it < iterations; it++ {
		for _, l := range touched {
			grad[l] = 0
		}
		var gb float64
		for _, r := range rows {
			z := bias
			for j, l := range r.ids {
				z += w[l] * float64(r.w[j])
			}
			g := -r.y * sigmoid(-r.y*z) * r.c
			gb += g
			for j, l := range r.ids {
				grad[l] += g * float64(r.w[j])
			}
		}
		for _, l := range touched {
			w[l] -= step * (grad[l] + l2*w[l])
		}
		bias -= step * gb
	}
	m.lin = make([]float32, len(w))
	for _, l := range touched {
		m.lin[l] = float32(w[l])
	}
	m.linBias = bias
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }
