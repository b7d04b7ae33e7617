package recommend

import (
	"sort"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/analysis"
)

// Reason is what drove a candidate's score under a model: the liked paper whose similarity
// contributed most, if it carried most of the similarity part, and otherwise the features
// that contributed most (as the paper writes them).
type Reason struct {
	Liked    string // id of the liked paper that drove the score ("" when features did)
	Implicit bool   // Liked was discussed, not upvoted
	Dense    bool   // Liked is the closest in meaning (dense embeddings), not in words
	Features []string
	Kinds    []byte
}

// likedShare is the share of a candidate's positive contributions that one liked paper must
// carry for the reason to name it.
const likedShare = 0.5

// minLikedCosine is how similar a candidate must be to a liked paper for the reason to say
// it is "like" it.
const minLikedCosine = 0.2

// maxReasonFeatures is how many features a reason names.
const maxReasonFeatures = 2

// Explain attributes candidate i's score under m. The similarity part is a sum over liked
// papers (cosine times weight) and, like the linear part, a sum over features; a feature's
// contribution is its weight in the candidate times its standardized weight in the model.
func (m *Model) Explain(pool *Pool, i int, p *paperboy.Paper) Reason {
	return m.explain(pool, i, p, true)
}

// Shared names the features that contribute most to the cosine of candidate i (paper p)
// and the weighted vector t: what "similar" says two papers share.
func (pool *Pool) Shared(i int, t analysis.Sparse, p *paperboy.Paper) []string {
	x := pool.Vector(i)
	contrib := map[uint32]float64{}
	for a, b := 0, 0; a < len(x.IDs) && b < len(t.IDs); {
		switch {
		case x.IDs[a] < t.IDs[b]:
			a++
		case x.IDs[a] > t.IDs[b]:
			b++
		default:
			contrib[x.IDs[a]] = float64(x.W[a]) * float64(t.W[b])
			a++
			b++
		}
	}
	return withFeatures(Reason{}, contrib, analysis.Names(p)).Features
}

func (m *Model) explain(pool *Pool, i int, p *paperboy.Paper, byPaper bool) Reason {
	x := pool.Vector(i)
	pt, _, _ := pool.parts(m)
	contrib := map[uint32]float64{}
	var total float64
	for j, id := range x.IDs {
		c := (1 - pt.lambda) * m.centroid[id] / pt.simStd
		if pt.lin != nil {
			c += pt.lambda * m.linWeight(id) / pt.linStd
		}
		c *= float64(x.W[j])
		contrib[id] = c
		if c > 0 {
			total += c
		}
	}
	var r Reason
	bestLiked, bestC := -1, 0.0
	for j, l := range m.pos {
		if !byPaper {
			break
		}
		c := (1 - pt.lambda) * analysis.Dot(x, l.x) * l.w / m.posW / pt.simStd
		if c > bestC {
			bestLiked, bestC = j, c
		}
	}
	if bestLiked >= 0 && total > 0 && bestC >= likedShare*total && analysis.Dot(x, m.pos[bestLiked].x) >= minLikedCosine {
		r.Liked = m.pos[bestLiked].key
		r.Implicit = m.pos[bestLiked].w < WeightExplicit
		return r
	}
	return withFeatures(r, contrib, analysis.Names(p))
}

// withFeatures names the features with the largest positive contributions. Of a word and a
// pair containing it, one is named: the pair when it contributes too ("speculative
// decoding" rather than "speculative"), since the pair is what the paper and the votes share.
func withFeatures(r Reason, contrib map[uint32]float64, names map[uint32]analysis.Name) Reason {
	type fc struct {
		id uint32
		c  float64
	}
	var list []fc
	for id, c := range contrib {
		if c > 0 && names[id].Text != "" {
			list = append(list, fc{id, c})
		}
	}
	sort.Slice(list, func(a, b int) bool {
		if list[a].c != list[b].c {
			return list[a].c > list[b].c
		}
		return list[a].id < list[b].id
	})
	for k, f := range list {
		if k == 4*maxReasonFeatures {
			break
		}
		n := names[f.id]
		if j := overlapping(n.Text, r.Features); j >= 0 {
			if n.Kind == analysis.KindBigram && r.Kinds[j] == analysis.KindWord {
				r.Features[j], r.Kinds[j] = n.Text, n.Kind
				for k := len(r.Features) - 1; k >= 0; k-- { // the pair may cover another word named
					if k != j && overlapping(r.Features[k], []string{n.Text}) == 0 {
						r.Features = append(r.Features[:k], r.Features[k+1:]...)
						r.Kinds = append(r.Kinds[:k], r.Kinds[k+1:]...)
					}
				}
			}
			continue
		}
		if len(r.Features) == maxReasonFeatures {
			continue // a later pair may still replace a word named
		}
		r.Features = append(r.Features, n.Text)
		r.Kinds = append(r.Kinds, n.Kind)
	}
	return r
}

// overlapping returns the index of a chosen name that shares a word with text, or -1.
func overlapping(text string, chosen []string) int {
	for j, c := range chosen {
		for _, a := range paperboy.Words(text) {
			for _, b := range paperboy.Words(c) {
				if a == b {
					return j
				}
			}
		}
	}
	return -1
}

// Text is the reason's line; likedTitle is the title of r.Liked.
func (r Reason) Text(likedTitle string) string {
	if r.Liked != "" {
		if likedTitle == "" {
			likedTitle = r.Liked
		}
		verb := "you upvoted"
		if r.Implicit {
			verb = "you discussed"
		}
		if r.Dense {
			return "close in meaning to *" + clip(likedTitle, 90) + "* that " + verb
		}
		return "like *" + clip(likedTitle, 90) + "* that " + verb
	}
	if len(r.Features) == 0 {
		return "only a weak match for this channel's votes"
	}
	var words, people, cats []string
	for i, f := range r.Features {
		switch r.Kinds[i] {
		case analysis.KindAuthor:
			people = append(people, f)
		case analysis.KindCategory:
			cats = append(cats, f)
		default:
			words = append(words, f)
		}
	}
	var parts []string
	if len(words) > 0 {
		parts = append(parts, "mentions "+joinNames(words)+", which you like")
	}
	if len(people) > 0 {
		parts = append(parts, "by "+joinNames(people)+", whose papers you like")
	}
	if len(cats) > 0 {
		parts = append(parts, "in "+joinNames(cats)+", which you like")
	}
	return joinParts(parts)
}

func joinParts(parts []string) string {
	s := parts[0]
	for _, p := range parts[1:] {
		s += "; " + p
	}
	return s
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
