package analysis

import (
	"math"
	"strings"

	"github.com/paperboy-bot/paperboy"
)

// IDF holds document frequencies over a pool of papers (the papers being ranked and the
// ones voted on), from which tf-idf weights follow. Frequencies come from the pool rather
// than a corpus-wide table so that ingest writes nothing but each paper's own vector.
// Features are numbered densely in the order first seen (Index), and each one's weight is
// computed once.
type IDF struct {
	N      int
	index  map[uint32]int32
	df     []int32
	weight []float64
}

// NewIDF counts document frequencies over vs.
func NewIDF(vs ...[]Vector) *IDF {
	f := &IDF{index: make(map[uint32]int32, 1<<14)}
	for _, list := range vs {
		for _, v := range list {
			f.N++
			for _, id := range v.IDs {
				l, ok := f.index[id]
				if !ok {
					l = int32(len(f.df))
					f.index[id] = l
					f.df = append(f.df, 0)
				}
				f.df[l]++
			}
		}
	}
	f.weight = make([]float64, len(f.df))
	for l, df := range f.df {
		f.weight[l] = f.weightOf(df)
	}
	return f
}

// Len is the number of distinct features counted.
func (f *IDF) Len() int { return len(f.df) }

// Index is the dense number of feature id (0 <= Index < Len), if it was counted.
func (f *IDF) Index(id uint32) (int32, bool) {
	l, ok := f.index[id]
	return l, ok
}

// commonFraction and commonMinPool: in a pool of at least commonMinPool papers, a feature
// found in more than commonFraction of them ("model", "language", "results") weighs
// nothing: it says what nearly every paper is, not what a channel likes. Few votes cannot
// outweigh such words otherwise (arxiv-sanity-lite drops them with max_df 0.1 too).
const (
	commonFraction = 0.1
	commonMinPool  = 100
)

// Weight is the inverse document frequency of feature id (smoothed as in scikit-learn:
// ln((1+N)/(1+df)) + 1, so an unseen feature weighs the most), or 0 for a common feature.
func (f *IDF) Weight(id uint32) float64 {
	if l, ok := f.index[id]; ok {
		return f.weight[l]
	}
	return f.weightOf(0)
}

func (f *IDF) weightOf(df int32) float64 {
	if f.N >= commonMinPool && float64(df) > commonFraction*float64(f.N) {
		return 0
	}
	return math.Log(float64(1+f.N)/float64(1+df)) + 1
}

// Sparse is a weighted, L2-normalized vector: ids ascending.
type Sparse struct {
	IDs []uint32
	W   []float32
}

// Weigh returns v's tf-idf vector with sublinear term frequency (1 + ln count), L2
// normalized. Features seen in a single document of a large pool carry little evidence for
// similarity, but they are kept: they still identify a near duplicate.
func (f *IDF) Weigh(v Vector) Sparse {
	s := Sparse{IDs: v.IDs, W: make([]float32, len(v.IDs))}
	var norm float64
	for i, id := range v.IDs {
		w := (1 + logCount[v.Counts[i]]) * f.Weight(id)
		s.W[i] = float32(w)
		norm += w * w
	}
	if norm > 0 {
		inv := float32(1 / math.Sqrt(norm))
		for i := range s.W {
			s.W[i] *= inv
		}
	}
	return s
}

// logCount[c] is ln(c) for the byte-sized counts of a Vector.
var logCount = func() (t [256]float64) {
	for c := 1; c < 256; c++ {
		t[c] = math.Log(float64(c))
	}
	return t
}()

// Dot is the dot product of two sparse vectors (their cosine, when both are normalized).
func Dot(a, b Sparse) float64 {
	var s float64
	i, j := 0, 0
	for i < len(a.IDs) && j < len(b.IDs) {
		switch {
		case a.IDs[i] < b.IDs[j]:
			i++
		case a.IDs[i] > b.IDs[j]:
			j++
		default:
			s += float64(a.W[i]) * float64(b.W[j])
			i++
			j++
		}
	}
	return s
}

// Names maps the feature ids of a paper to words a reader recognizes: the first surface form
// in the paper of each stem ("decoding" for decod), pairs as two words, authors by name and
// categories as written. Reasons use it; it runs only for the few papers shown.
func Names(p *paperboy.Paper) map[uint32]Name {
	names := map[uint32]Name{}
	for _, text := range []string{p.Title, p.Abstract} {
		prevStem, prevWord := "", ""
		for _, w := range paperboy.Words(text) {
			terms := paperboy.AppendIndexTerms(nil, w)
			if len(terms) != 1 {
				// A pair across a stop word is a feature, but not a phrase to show a
				// reader ("manipulation grasping" from "manipulation and grasping").
				prevStem = ""
				continue
			}
			stem := terms[0]
			if isNumber(stem) {
				prevStem = ""
				continue
			}
			if id := FeatureID(KindWord, stem); names[id].Text == "" {
				names[id] = Name{w, KindWord}
			}
			if prevStem != "" {
				if id := FeatureID(KindBigram, prevStem+" "+stem); names[id].Text == "" {
					names[id] = Name{prevWord + " " + w, KindBigram}
				}
			}
			prevStem, prevWord = stem, w
		}
	}
	for _, a := range p.Authors {
		if n := paperboy.NameText(a); n != "" {
			names[FeatureID(KindAuthor, n)] = Name{a, KindAuthor}
		}
	}
	for _, c := range p.Categories {
		names[FeatureID(KindCategory, strings.ToLower(strings.TrimSpace(c)))] = Name{c, KindCategory}
	}
	return names
}

// Name is a feature as a reader sees it.
type Name struct {
	Text string
	Kind byte // KindWord, KindBigram, KindAuthor or KindCategory
}
