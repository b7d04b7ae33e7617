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
	"hash/fnv"
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

// FeatureID is the id of a feature of the given kind and text.
func FeatureID(kind byte, text string) uint32 {
	h := fnv.New32a()
	h.Write([]byte{kind})
	h.Write([]byte(text))
	return h.Sum32()
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

// Build makes the vector of analysed texts: stems and adjacent stem pairs of the title
// (counted titleWeight times) and the abstract, the authors' folded names and the
// categories.
func Build(t Terms) Vector {
	counts := make(map[uint32]int, 256)
	addText(counts, t.Title, titleWeight)
	addText(counts, t.Abstract, 1)
	for _, a := range t.Authors {
		if n := paperboy.NameText(a); n != "" {
			counts[FeatureID(KindAuthor, n)]++
		}
	}
	for _, c := range t.Categories {
		if c = strings.ToLower(strings.TrimSpace(c)); c != "" {
			counts[FeatureID(KindCategory, c)]++
		}
	}
	v := Vector{IDs: make([]uint32, 0, len(counts)), Counts: make([]uint8, len(counts))}
	for id := range counts {
		v.IDs = append(v.IDs, id)
	}
	slices.Sort(v.IDs)
	for i, id := range v.IDs {
		v.Counts[i] = uint8(min(counts[id], maxCount))
	}
	return v
}

// eachTerm calls fn for every term of space-separated index text, and for every pair of
// adjacent terms with both.
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

func addText(counts map[uint32]int, text string, weight int) {
	eachTerm(text, func(w, prev string) {
		if isNumber(w) {
			return // numbers are not topics; the pair after one is skipped too
		}
		counts[FeatureID(KindWord, w)] += weight
		if prev != "" && !isNumber(prev) {
			counts[FeatureID(KindBigram, prev+" "+w)] += weight
		}
	})
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
