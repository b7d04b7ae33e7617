package recommend

import (
	"math"
	"sort"

	"github.com/paperboy-bot/paperboy/analysis"
)

// Pool is a set of candidate papers prepared once and ranked for any number of channels:
// their tf-idf vectors over the idf's dense numbering of features, so that scoring a paper
// for a channel is one pass over its features.
type Pool struct {
	IDF  *analysis.IDF
	Keys []string
	x    []analysis.Sparse
	lids [][]int32
}

// NewPool prepares candidates (keys[i] is vecs[i]'s paper id). The idf counts the candidates
// and also extra, the papers voted on, so that their words weigh the same in both.
func NewPool(keys []string, vecs []analysis.Vector, extra []analysis.Vector) *Pool {
	p := &Pool{IDF: analysis.NewIDF(vecs, extra), Keys: keys, x: make([]analysis.Sparse, len(vecs)), lids: make([][]int32, len(vecs))}
	for i, v := range vecs {
		p.x[i] = p.IDF.Weigh(v)
		ids := make([]int32, len(v.IDs))
		for j, id := range v.IDs {
			ids[j], _ = p.IDF.Index(id)
		}
		p.lids[i] = ids
	}
	return p
}

// local is the dense number of feature id in the pool, if any paper of it has the feature.
func (p *Pool) local(id uint32) (int32, bool) { return p.IDF.Index(id) }

// vocab is the size of the pool's dense feature numbering.
func (p *Pool) vocab() int { return p.IDF.Len() }

// Len is the number of candidates.
func (p *Pool) Len() int { return len(p.x) }

// Vector is candidate i's weighted vector.
func (p *Pool) Vector(i int) analysis.Sparse { return p.x[i] }

// dense spreads a model's weights over the pool's vocabulary (features no candidate has
// cannot change a score and are left out).
func (p *Pool) dense(w map[uint32]float64) []float32 {
	d := make([]float32, p.vocab())
	for id, v := range w {
		if l, ok := p.local(id); ok {
			d[l] = float32(v)
		}
	}
	return d
}

// parts holds the standardization of a model's two parts over a pool.
type parts struct {
	sim, lin        []float32 // dense weights
	simMean, simStd float64
	linMean, linStd float64
	lambda, linBias float64
}

func (p *Pool) parts(m *Model) (*parts, []float64, []float64) {
	if m.parts != nil {
		return m.parts, m.sims, m.lins
	}
	pt := &parts{sim: p.dense(m.centroid), lambda: m.lambda, linBias: m.linBias}
	defer func() { m.parts = pt }()
	if m.lambda > 0 {
		pt.lin = m.lin
	}
	sims := make([]float64, len(p.x))
	var lins []float64
	if pt.lin != nil {
		lins = make([]float64, len(p.x))
	}
	for i, x := range p.x {
		var s, l float64
		for j, id := range p.lids[i] {
			w := float64(x.W[j])
			s += w * float64(pt.sim[id])
			if pt.lin != nil {
				l += w * float64(pt.lin[id])
			}
		}
		sims[i] = s
		if lins != nil {
			lins[i] = l + m.linBias
		}
	}
	pt.simMean, pt.simStd = meanStd(sims)
	if lins != nil {
		pt.linMean, pt.linStd = meanStd(lins)
	}
	m.sims, m.lins = sims, lins
	return pt, sims, lins
}

func meanStd(xs []float64) (mean, std float64) {
	if len(xs) == 0 {
		return 0, 1
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		std += (x - mean) * (x - mean)
	}
	std = math.Sqrt(std / float64(len(xs)))
	if std == 0 {
		std = 1
	}
	return mean, std
}

// Scores returns every candidate's score for model m: the standardized similarity part and
// linear part blended by the model's share of the linear part, then pseudo-relevance
// feedback: the similarity to the centroid of the feedbackDocs best candidates (not voted
// on), standardized, is added with weight feedbackWeight. With three liked papers, the words
// they share with the papers most like them are a better picture of the topic than the
// three alone.
func (p *Pool) Scores(m *Model) []float64 {
	out := p.blend(m)
	if feedbackWeight == 0 || !m.HasLikes() {
		return out
	}
	voted := m.keys()
	// The feedback papers must be a small part of the pool: the centroid of most of it is
	// the average paper, and standardizing similarity to that would amplify noise.
	n := min(feedbackDocs, (len(out)-len(voted))/feedbackPoolShare)
	if n <= 0 {
		return out
	}
	top := topK(out, n, func(i int) bool { return voted[p.Keys[i]] })
	c := make([]float32, p.vocab())
	for _, i := range top {
		for j, l := range p.lids[i] {
			c[l] += p.x[i].W[j] / float32(len(top))
		}
	}
	fb := make([]float64, len(out))
	for i := range fb {
		fb[i] = p.dotDense(i, c)
	}
	mean, std := meanStd(fb)
	for i := range out {
		out[i] += feedbackWeight * (fb[i] - mean) / std
	}
	return out
}

// feedbackDocs and feedbackWeight set the pseudo-relevance feedback of Scores; it uses at
// most one candidate in feedbackPoolShare (none in a pool of fewer than that).
const (
	feedbackDocs      = 20
	feedbackWeight    = 1.0
	feedbackPoolShare = 40
)

func (p *Pool) dotDense(i int, d []float32) float64 {
	var s float64
	for j, l := range p.lids[i] {
		s += float64(p.x[i].W[j]) * float64(d[l])
	}
	return s
}

func (p *Pool) blend(m *Model) []float64 {
	pt, sims, lins := p.parts(m)
	out := make([]float64, len(sims))
	for i := range sims {
		s := (1 - pt.lambda) * (sims[i] - pt.simMean) / pt.simStd
		if lins != nil {
			s += pt.lambda * (lins[i] - pt.linMean) / pt.linStd
		}
		out[i] = s
	}
	return out
}

// Pick is one ranked candidate.
type Pick struct {
	Index int // in the pool
	Score float64
}

// Rank returns the best limit candidates for m, best first, skipping those skip says to
// (papers the channel voted on). Ties go to the earlier candidate.
func (p *Pool) Rank(m *Model, limit int, skip func(key string) bool) []Pick {
	scores := p.Scores(m)
	if limit < 0 {
		limit = len(scores)
	}
	var skipIdx func(int) bool
	if skip != nil {
		skipIdx = func(i int) bool { return skip(p.Keys[i]) }
	}
	top := topK(scores, limit, skipIdx)
	picks := make([]Pick, len(top))
	for j, i := range top {
		picks[j] = Pick{i, scores[i]}
	}
	return picks
}

// topK returns the indices of the k highest scores, best first, ties to the lower index,
// leaving out those skip reports (skip may be nil). It keeps a sorted list of k: linear
// in the number of scores for the small k a ranking shows.
func topK(scores []float64, k int, skip func(int) bool) []int {
	if k <= 0 {
		return nil
	}
	top := make([]int, 0, k+1)
	better := func(a, b int) bool { return scores[a] > scores[b] || (scores[a] == scores[b] && a < b) }
	for i := range scores {
		if len(top) == k && !better(i, top[k-1]) {
			continue
		}
		if skip != nil && skip(i) {
			continue
		}
		j := sort.Search(len(top), func(j int) bool { return better(i, top[j]) })
		top = append(top, 0)
		copy(top[j+1:], top[j:])
		top[j] = i
		if len(top) > k {
			top = top[:k]
		}
	}
	return top
}
