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
	maxBackground = 300
	// l2 is the logistic regression's ridge penalty; iterations and step its optimizer's.
	l2         = 0.05
	iterations = 60
	step       = 1.0
)

// Example is one paper a channel reacted to.
type Example struct {
	Key    string // the paper's id: reasons name it
	Vec    analysis.Vector
	Label  int     // +1 liked, -1 disliked
	Weight float64 // WeightExplicit or WeightImplicit
}

// Model is a channel's trained model over one pool's idf.
type Model struct {
	idf      *analysis.IDF
	pos, neg []weighted
	posW     float64
	negW     float64
	centroid map[uint32]float64 // liked centroid minus negSimWeight * disliked centroid
	lin      map[uint32]float64 // logistic regression weights (bias in linBias)
	linBias  float64
	lambda   float64 // share of the linear part
	explicit int
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

// Train builds a model from examples; idf holds the document frequencies of the pool being
// ranked (it should include the examples), background a sample of that pool used as weak
// negatives by the linear part. Examples with other labels than ±1 or no weight are ignored.
func Train(examples []Example, idf *analysis.IDF, background []analysis.Vector) *Model {
	m := &Model{idf: idf, centroid: map[uint32]float64{}, lin: map[uint32]float64{}}
	var data []weighted
	for _, e := range examples {
		if e.Weight <= 0 || (e.Label != 1 && e.Label != -1) {
			continue
		}
		x := weighted{key: e.Key, x: idf.Weigh(e.Vec), w: e.Weight, y: e.Label}
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
		data = append(data, x)
	}
	for _, x := range m.pos {
		addScaled(m.centroid, x.x, x.w/m.posW)
	}
	for _, x := range m.neg {
		addScaled(m.centroid, x.x, -negSimWeight*x.w/m.negW)
	}
	if len(m.pos) == 0 {
		return m
	}
	if len(background) > maxBackground {
		stride := float64(len(background)) / maxBackground
		sample := make([]analysis.Vector, 0, maxBackground)
		for i := 0; i < maxBackground; i++ {
			sample = append(sample, background[int(float64(i)*stride)])
		}
		background = sample
	}
	for _, v := range background {
		data = append(data, weighted{x: idf.Weigh(v), w: backgroundWeight / float64(len(background)), y: -1})
	}
	m.trainLinear(data)
	m.lambda = float64(m.explicit) / float64(m.explicit+blendVotes)
	return m
}

func addScaled(dst map[uint32]float64, x analysis.Sparse, s float64) {
	for i, id := range x.IDs {
		dst[id] += s * float64(x.W[i])
	}
}

// trainLinear fits an L2-regularized logistic regression by full-batch gradient descent,
// classes balanced by weight. A few dozen passes over at most a few hundred short sparse
// vectors: cheap enough to run on every vote.
func (m *Model) trainLinear(data []weighted) {
	var wpos, wneg float64
	for _, d := range data {
		if d.y > 0 {
			wpos += d.w
		} else {
			wneg += d.w
		}
	}
	if wpos == 0 || wneg == 0 {
		return
	}
	scale := func(d weighted) float64 {
		if d.y > 0 {
			return d.w / (2 * wpos)
		}
		return d.w / (2 * wneg)
	}
	grad := map[uint32]float64{}
	for it := 0; it < iterations; it++ {
		clear(grad)
		var gb float64
		for _, d := range data {
			z := m.linBias + dotMap(m.lin, d.x)
			y := float64(d.y)
			g := -y * sigmoid(-y*z) * scale(d)
			gb += g
			for i, id := range d.x.IDs {
				grad[id] += g * float64(d.x.W[i])
			}
		}
		for id, w := range m.lin {
			grad[id] += l2 * w
		}
		for id, g := range grad {
			m.lin[id] -= step * g
		}
		m.linBias -= step * gb
	}
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

func dotMap(w map[uint32]float64, x analysis.Sparse) float64 {
	var s float64
	for i, id := range x.IDs {
		s += w[id] * float64(x.W[i])
	}
	return s
}
