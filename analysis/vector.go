// Package analysis turns papers into the sparse tf-idf vectors that recommendations and
// "similar papers" compare. It builds on the root package's text analysis (tokens, stop
// words, diacritic folding and Porter stems: paperboy.IndexText, paperboy.NameText), so the
// search index and the vectors always see the same terms.
//
// The tokenizer and stemmer themselves still live in the root package (index.go), where the
// search index and subscription matching use them; moving them here is a mechanical follow-up
// (STYLE.md rule 16) left out of issue 19 to keep that change small.
package analysis

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strings"

	"github.com/paperboy-bot/paperboy"
)

// Feature kinds: the first byte hashed with a feature's text, so that the word "graph" and
// an author named "Graph" are different features.
const (
	KindWord     = 'w' // a stemmed word of the title or abstract
	KindBigram   = 'b' // two stems adjacent once stop words are dropped
	KindAuthor   = 'a' // an author's folded full name
	KindCategory = 'c' // an arXiv category, lower case
)

// titleWeight is how many times a title term counts: a title says what a paper is about
// more densely than its abstract.
const titleWeight = 2

// maxCount caps a term count so that it fits the byte the encoding keeps.
const maxCount = 255

// Doc is a stored paper's vector: its id (papers.id) and store sequence number.
type Doc struct {
	ID  string
	Seq int64
	Vec Vector
}

// Vector is a paper's raw term counts: feature ids (hashes, ascending) and how often each
// occurs (title occurrences counted titleWeight times). Weighting by tf-idf happens at
// comparison time (IDF.Weigh), because document frequencies change as papers arrive.
type Vector struct {
	IDs    []uint32
	Counts []uint8
}

// Len is the number of distinct features.
func (v Vector) Len() int { return len(v.IDs) }

// FeatureID is the id of a feature of the given kind and text: 32-bit FNV-1a of the kind
// byte and the text (stored vectors depend on it: a change needs a new EncodingVersion).
func FeatureID(kind byte, text string) uint32 {
	h := uint32(2166136261)
	h = (h ^ uint32(kind)) * 16777619
	for i := 0; i < len(text); i++ {
		h = (h ^ uint32(text[i])) * 16777619
	}
	return h
}

// Terms are a paper's analysed texts, as the store's index already has them: the title's and
// the abstract's index terms (paperboy.IndexText, space separated), the authors and the
// categories.
type Terms struct {
	Title, Abstract     string
	Authors, Categories []string
}

// PaperTerms analyses a paper's texts.
func PaperTerms(p *paperboy.Paper) Terms {
	return Terms{Title: paperboy.IndexText(p.Title), Abstract: paperboy.IndexText(p.Abstract), Authors: p.Authors, Categories: p.Categories}
}

// PaperVector is the vector of a paper.
func PaperVector(p *paperboy.Paper) Vector { return Build(PaperTerms(p)) }

// Build makes the vector of analysed texts: the stems of the title (counted titleWeight
// times) and of the abstract, the pairs of adjacent stems of the title, the authors' folded
// names and the categories.
//
// Pairs from abstracts are left out: in the offline evaluation (BENCHMARKS.md) they made
// few-vote rankings worse (NDCG@10 0.79 against 0.84 at 3+3 votes) and doubled the stored
// size (about 1 070 bytes a paper against 490), while title pairs name a paper's topic
// ("speculative decoding") at little cost.
func Build(t Terms) Vector {
	// Collect (id, count) packed in a uint64, sort, and merge runs: cheaper than a map for
	// the few hundred features of a paper, and ingest runs it for every paper.
	raw := make([]uint64, 0, 256)
	add := func(id uint32, n int) { raw = append(raw, uint64(id)<<8|uint64(n)) }
	eachTerm(t.Title, func(w, prev string) {
		if isNumber(w) {
			return // numbers are not topics; the pair after one is skipped too
		}
		add(FeatureID(KindWord, w), titleWeight)
		if prev != "" && !isNumber(prev) {
			add(FeatureID(KindBigram, prev+" "+w), titleWeight)
		}
	})
	eachTerm(t.Abstract, func(w, _ string) {
		if !isNumber(w) {
			add(FeatureID(KindWord, w), 1)
		}
	})
	for _, a := range t.Authors {
		if n := paperboy.NameText(a); n != "" {
			add(FeatureID(KindAuthor, n), 1)
		}
	}
	for _, c := range t.Categories {
		if c = strings.ToLower(strings.TrimSpace(c)); c != "" {
			add(FeatureID(KindCategory, c), 1)
		}
	}
	slices.Sort(raw)
	v := Vector{IDs: make([]uint32, 0, len(raw)), Counts: make([]uint8, 0, len(raw))}
	for i := 0; i < len(raw); {
		id, n := uint32(raw[i]>>8), 0
		for ; i < len(raw) && uint32(raw[i]>>8) == id; i++ {
			n += int(raw[i] & 0xff)
		}
		v.IDs = append(v.IDs, id)
		v.Counts = append(v.Counts, uint8(min(n, maxCount)))
	}
	return v
}

// eachTerm calls fn for every term of space-separated index text, with the term before it
// ("" for the first).
func eachTerm(text string, fn func(term, prev string)) {
	prev := ""
	for len(text) > 0 {
		i := strings.IndexByte(text, ' ')
		var w string
		if i < 0 {
			w, text = text, ""
		} else {
			w, text = text[:i], text[i+1:]
		}
		if w == "" {
			continue
		}
		fn(w, prev)
		prev = w
	}
}

func isNumber(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return true
}

// EncodingVersion is the first byte of an encoded vector; a change of features or layout
// gets a new version, and Decode rejects other versions so that the store recomputes them.
const EncodingVersion = 1

// ErrVersion is returned by Decode for a vector encoded by another version of the code.
var ErrVersion = errors.New("analysis: vector encoded by another version")

// Encode appends the compact form of v to dst: the version byte, the number of features,
// then per feature the gap to the previous id (uvarint) and the count (one byte). A paper
// takes about 3-4 bytes per distinct feature.
func (v Vector) Encode(dst []byte) []byte {
	dst = append(dst, EncodingVersion)
	dst = binary.AppendUvarint(dst, uint64(len(v.IDs)))
	prev := uint32(0)
	for i, id := range v.IDs {
		dst = binary.AppendUvarint(dst, uint64(id-prev))
		dst = append(dst, v.Counts[i])
		prev = id
	}
	return dst
}

// Decode parses what Encode wrote. It never panics on corrupt input.
func Decode(b []byte) (Vector, error) {
	if len(b) == 0 || b[0] != EncodingVersion {
		return Vector{}, ErrVersion
	}
	b = b[1:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return Vector{}, errors.New("analysis: corrupt vector")
	}
	b = b[k:]
	v := Vector{IDs: make([]uint32, n), Counts: make([]uint8, n)}
	prev := uint64(0)
	for i := range v.IDs {
		d, k := binary.Uvarint(b)
		if k <= 0 || len(b) < k+1 || prev+d > math.MaxUint32 || (i > 0 && d == 0) {
			return Vector{}, errors.New("analysis: corrupt vector")
		}
		prev += d
		v.IDs[i], v.Counts[i] = uint32(prev), b[k]
		b = b[k+1:]
	}
	if len(b) != 0 {
		return Vector{}, errors.New("analysis: corrupt vector")
	}
	return v, nil
}
