package paperboy

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// This file turns text into the terms of the full-text index. The FTS5 table uses
// tokenize='ascii' and is fed IndexText/NameText output, so tokenizing, folding and
// stemming run in Go (in parallel with the single SQLite writer) instead of inside
// SQLite's "porter unicode61 remove_diacritics 2" tokenizer, whose behaviour this
// reproduces. Queries go through the same functions, so both sides always agree.
//
// Folding follows unicode61 remove_diacritics 2 (SQLite's own table, ported below) with a
// few additions for Latin letters that Unicode does not decompose and unicode61 therefore
// keeps: ß->ss, æ->ae, œ->oe, ø->o, ł->l, đ->d, ð->d, þ->th, ı->i, ħ->h, ŧ->t, ſ->s, and
// the Latin ligatures ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ that PDF-extracted abstracts carry. They make "Straße"
// findable as "strasse", "Søren" as "soren" and "ﬁne-tuning" as "fine tuning". Combining diacritical marks
// (U+0300..U+036F) after a letter belong to the word and are dropped, as unicode61 does,
// so decomposed (NFD) text folds like composed text.

// stopWordList is the fixed list of English function words left out of the index.
const stopWordList = `a an and are as at be been being but by can could did do does for from had has have
he her his how i if in into is it its may might of on or our she should so such than that the their them
then there these they this those to was we were what when where which while who whose why will with would
you your also both each either more most other over under only very via within without between through
across whether`

// maxStopWord is the length of the longest stop word: longer words skip the lookup.
const maxStopWord = 7

// stopWordTable holds the stop words by length and first letter, so that a lookup is an
// index and at most a few short compares (a map lookup was a fifth of IndexText's time).
var stopWordTable = func() (t [maxStopWord + 1]['z' - 'a' + 1][]string) {
	for _, w := range strings.Fields(stopWordList) {
		if len(w) > maxStopWord || w[0] < 'a' || w[0] > 'z' {
			panic("paperboy: bad stop word " + w)
		}
		t[len(w)][w[0]-'a'] = append(t[len(w)][w[0]-'a'], w)
	}
	return t
}()

// IsStopWord reports whether w (lower case) is one of the English function words left out
// of the title/abstract index and dropped from queries the same way.
func IsStopWord(w string) bool { return isStopWord(w) }

func isStopWord[T string | []byte](w T) bool {
	if len(w) == 0 || len(w) > maxStopWord || w[0] < 'a' || w[0] > 'z' {
		return false
	}
	for _, sw := range stopWordTable[len(w)][w[0]-'a'] {
		if sw == string(w) { // no allocation
			return true
		}
	}
	return false
}

// Porter stemmer limits, as in SQLite's FTS5 porter tokenizer: tokens outside them are
// passed through unchanged.
const (
	porterMinToken = 3
	porterMaxToken = 64
)

// PorterStem returns the Porter (1980) stem of a lower-case word exactly as SQLite FTS5's
// porter tokenizer computes it: words shorter than 3 or longer than 64 bytes come back
// unchanged, and the algorithm works on bytes, so digits and non-ASCII bytes count as
// consonants (as in SQLite).
func PorterStem(w string) string {
	if len(w) < porterMinToken || len(w) > porterMaxToken {
		return w
	}
	var buf [porterMaxToken]byte
	b := buf[:len(w)]
	copy(b, w)
	n := porterStem(b)
	if string(b[:n]) == w[:n] { // no allocation; the common case (suffix only removed)
		return w[:n]
	}
	return string(b[:n])
}

// AppendIndexTerms appends the index terms of text s to dst: words split as Words does
// (runs of Unicode letters and digits; everything else separates, except that combining
// diacritical marks inside a word are dropped), lower case, diacritics removed as described
// at the top of this file, stop words dropped, each word reduced by PorterStem.
func AppendIndexTerms(dst []string, s string) []string {
	bp := getBuf()
	b := appendTerms((*bp)[:0], s, true)
	if len(b) > 0 {
		// One allocation for all terms; each term is a substring of it.
		all := string(b)
		for len(all) > 0 {
			i := strings.IndexByte(all, ' ')
			if i < 0 {
				dst = append(dst, all)
				break
			}
			dst = append(dst, all[:i])
			all = all[i+1:]
		}
	}
	putBuf(bp, b)
	return dst
}

// IndexText is AppendIndexTerms joined by single spaces ("" when there are none): the text
// stored in the title/abstract columns of the FTS5 table (tokenize='ascii').
func IndexText(s string) string {
	return termText(s, true)
}

// NameText is like IndexText for author names and categories: split, lower case, diacritics
// removed, but no stop words dropped and no stemming ("Yann LeCun" -> "yann lecun",
// "cs.LG" -> "cs lg", "Y. An" -> "y an").
func NameText(s string) string {
	return termText(s, false)
}

// A WordSink receives the words of IndexTextWords and may remember their index terms, so
// that a word met again (in the same text or a later one) is not stemmed again: Porter
// stemming and the stop-word check were about a quarter of a bulk import's Go work, and
// most words of an abstract are words of the papers before it.
type WordSink interface {
	// Word receives a word (lower case; the slice is not kept) and returns its index
	// term as SetTerm recorded it for an earlier occurrence: known, and an empty term
	// for a stop word. The term must not be changed; it is valid until the next call.
	Word(w []byte) (term []byte, known bool)
	// SetTerm records the term of the word last passed to Word, when Word did not know
	// it: empty for a stop word. The slice is not kept.
	SetTerm(term []byte)
}

// IndexTextWords is IndexText for text that is pure ASCII, which also passes each word
// of s to words (lower case, before stop words are dropped and stems taken: the words of
// Words(s), in order). It saves a second pass over an abstract when its words are
// counted too, and takes the terms words knows instead of stemming again. ok is false,
// and words is not called, when s is not pure ASCII: use IndexText and Words then.
func IndexTextWords(s string, words WordSink) (terms string, ok bool) {
	if !isASCII(s) {
		return "", false
	}
	bp := getBuf()
	b := (*bp)[:0]
	for i := 0; i < len(s); {
		if !asciiWord[s[i]] {
			i++
			continue
		}
		j := i + 1
		for j < len(s) && asciiWord[s[j]] {
			j++
		}
		start := openWord(&b, 0)
		b = append(b, s[i:j]...)
		for k := start; k < len(b); k++ {
			if c := b[k]; 'A' <= c && c <= 'Z' {
				b[k] = c + 'a' - 'A'
			}
		}
		i = j
		if term, known := words.Word(b[start:]); known {
			if len(term) > 0 {
				b = append(b[:start], term...)
			} else {
				b = dropWord(b, 0, start)
			}
			continue
		}
		b = closeWord(b, 0, start, true)
		if len(b) > start {
			words.SetTerm(b[start:])
		} else {
			words.SetTerm(nil) // dropped
		}
	}
	if len(b) > 0 {
		terms = string(b)
	}
	putBuf(bp, b)
	return terms, true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func termText(s string, index bool) string {
	bp := getBuf()
	b := appendTerms((*bp)[:0], s, index)
	out := ""
	if len(b) > 0 {
		out = string(b)
	}
	putBuf(bp, b)
	return out
}

// bufPool holds scratch buffers for appendTerms so that IndexText allocates only its result.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(bp *[]byte, b []byte) {
	if cap(b) > 1<<16 {
		return // don't keep huge buffers alive
	}
	*bp = b[:0]
	bufPool.Put(bp)
}

// asciiWord marks the ASCII bytes that belong to words (letters and digits); bytes of
// multi-byte UTF-8 sequences are false.
var asciiWord = func() (t [256]bool) {
	for c := 0; c < utf8.RuneSelf; c++ {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
	}
	return t
}()

// appendTerms appends the terms of s to b separated by single spaces. With index set it
// drops stop words and stems (IndexText); otherwise it only folds (NameText). Each word is
// folded straight into b and stemmed in place there, so no per-word allocation is made.
func appendTerms(b []byte, s string, index bool) []byte {
	base := len(b)
	start := -1 // start in b of the word being built, or -1 between words
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if asciiWord[c] {
				// Copy the whole run of ASCII letters and digits, then lower it in place.
				j := i + 1
				for j < len(s) && asciiWord[s[j]] {
					j++
				}
				if start < 0 {
					start = openWord(&b, base)
				}
				k := len(b)
				b = append(b, s[i:j]...)
				for ; k < len(b); k++ {
					if c := b[k]; 'A' <= c && c <= 'Z' {
						b[k] = c + 'a' - 'A'
					}
				}
				i = j
				continue
			}
			i++
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				if start < 0 {
					start = openWord(&b, base)
				}
				b = appendFolded(b, r)
				continue
			}
			if start >= 0 && isCombiningDiacritic(r) {
				continue // part of the word; its mark is removed
			}
		}
		if start >= 0 {
			b = closeWord(b, base, start, index)
			start = -1
		}
	}
	if start >= 0 {
		b = closeWord(b, base, start, index)
	}
	return b
}

// openWord starts a word in *b, after a separating space when terms precede it, and
// returns where the word starts.
func openWord(b *[]byte, base int) int {
	if len(*b) > base {
		*b = append(*b, ' ')
	}
	return len(*b)
}

// closeWord finishes the word b[start:]: for the index it drops stop words and stems the
// rest in place. It returns b with the word kept, reduced or removed (with its space).
func closeWord(b []byte, base, start int, index bool) []byte {
	if !index {
		return b
	}
	w := b[start:]
	if isStopWord(w) {
		return dropWord(b, base, start)
	}
	if len(w) < porterMinToken || len(w) > porterMaxToken {
		return b
	}
	return b[:start+porterStem(w)]
}

// dropWord removes the word b[start:] and the space before it, if any.
func dropWord(b []byte, base, start int) []byte {
	if start > base {
		start-- // the separating space
	}
	return b[:start]
}

func isCombiningDiacritic(r rune) bool { return r >= 0x300 && r <= 0x36f }

// appendFolded appends letter or digit r lower-cased and with its diacritics removed.
func appendFolded(b []byte, r rune) []byte {
	r = unicode.ToLower(r)
	switch r {
	case 'ß':
		return append(b, 's', 's')
	case 'æ':
		return append(b, 'a', 'e')
	case 'œ':
		return append(b, 'o', 'e')
	case 'þ':
		return append(b, 't', 'h')
	case 'ø':
		return append(b, 'o')
	case 'ł':
		return append(b, 'l')
	case 'đ', 'ð':
		return append(b, 'd')
	case 'ı':
		return append(b, 'i')
	case 'ħ':
		return append(b, 'h')
	case 'ŧ':
		return append(b, 't')
	case 'ſ':
		return append(b, 's')
	case 'ﬀ':
		return append(b, 'f', 'f')
	case 'ﬁ':
		return append(b, 'f', 'i')
	case 'ﬂ':
		return append(b, 'f', 'l')
	case 'ﬃ':
		return append(b, 'f', 'f', 'i')
	case 'ﬄ':
		return append(b, 'f', 'f', 'l')
	case 'ﬅ', 'ﬆ':
		return append(b, 's', 't')
	}
	if r < 0x10000 {
		r = removeDiacritic(r)
		if r < utf8.RuneSelf {
			return append(b, byte(r))
		}
	}
	return utf8.AppendRune(b, r)
}

// removeDiacritic is SQLite's fts5_remove_diacritic(c, bComplex=1) (remove_diacritics 2):
// for a lower-case code point that is an ASCII letter with diacritics it returns the ASCII
// letter, otherwise c. The tables are copied from SQLite (generated from the Unicode data).
func removeDiacritic(c rune) rune {
	key := uint32(c)<<3 | 7
	res, lo, hi := 0, 0, len(diaKeys)-1
	for hi >= lo {
		mid := (hi + lo) / 2
		if key >= uint32(diaKeys[mid]) {
			res = mid
			lo = mid + 1
		} else {
			hi = mid - 1
		}
	}
	d := rune(diaKeys[res])
	if c > d>>3+d&7 {
		return c
	}
	return rune(diaChars[res] & 0x7f)
}

var diaKeys = [...]uint16{
	0, 1797, 1848, 1859, 1891, 1928, 1940, 1995,
	2024, 2040, 2060, 2110, 2168, 2206, 2264, 2286,
	2344, 2383, 2472, 2488, 2516, 2596, 2668, 2732,
	2782, 2842, 2894, 2954, 2984, 3000, 3028, 3336,
	3456, 3696, 3712, 3728, 3744, 3766, 3832, 3896,
	3912, 3928, 3944, 3968, 4008, 4040, 4056, 4106,
	4138, 4170, 4202, 4234, 4266, 4296, 4312, 4344,
	4408, 4424, 4442, 4472, 4488, 4504, 6148, 6198,
	6264, 6280, 6360, 6429, 6505, 6529, 61448, 61468,
	61512, 61534, 61592, 61610, 61642, 61672, 61688, 61704,
	61726, 61784, 61800, 61816, 61836, 61880, 61896, 61914,
	61948, 61998, 62062, 62122, 62154, 62184, 62200, 62218,
	62252, 62302, 62364, 62410, 62442, 62478, 62536, 62554,
	62584, 62604, 62640, 62648, 62656, 62664, 62730, 62766,
	62830, 62890, 62924, 62974, 63032, 63050, 63082, 63118,
	63182, 63242, 63274, 63310, 63368, 63390,
}

// diaComplex marks the diaChars entries that SQLite folds only with remove_diacritics 2.
const diaComplex = 0x80

// diaChars holds the ASCII letter for each diaKeys range.

var diaChars = [...]byte{
	0, 'a', 'c', 'e', 'i', 'n',
	'o', 'u', 'y', 'y', 'a', 'c',
	'd', 'e', 'e', 'g', 'h', 'i',
	'j', 'k', 'l', 'n', 'o', 'r',
	's', 't', 'u', 'u', 'w', 'y',
	'z', 'o', 'u', 'a', 'i', 'o',
	'u', 'u' | diaComplex, 'a' | diaComplex, 'g', 'k', 'o',
	'o' | diaComplex, 'j', 'g', 'n', 'a' | diaComplex, 'a',
	'e', 'i', 'o', 'r', 'u', 's',
	't', 'h', 'a', 'e', 'o' | diaComplex, 'o',
	'o' | diaComplex, 'y', 0, 0, 0, 0,
	0, 0, 0, 0, 'a', 'b',
	'c' | diaComplex, 'd', 'd', 'e' | diaComplex, 'e', 'e' | diaComplex,
	'f', 'g', 'h', 'h', 'i', 'i' | diaComplex,
	'k', 'l', 'l' | diaComplex, 'l', 'm', 'n',
	'o' | diaComplex, 'p', 'r', 'r' | diaComplex, 'r', 's',
	's' | diaComplex, 't', 'u', 'u' | diaComplex, 'v', 'w',
	'w', 'x', 'y', 'z', 'h', 't',
	'w', 'y', 'a', 'a' | diaComplex, 'a' | diaComplex, 'a' | diaComplex,
	'e', 'e' | diaComplex, 'e' | diaComplex, 'i', 'o', 'o' | diaComplex,
	'o' | diaComplex, 'o' | diaComplex, 'u', 'u' | diaComplex, 'u' | diaComplex, 'y',
}

// ---- Porter stemmer: a port of SQLite's fts5PorterCb and helpers (fts5_tokenize.c). ----

func porterIsVowel(c byte, yIsVowel bool) bool {
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || (yIsVowel && c == 'y')
}

// porterGobbleVC skips to the end of the first vowel-consonant sequence of z and returns
// the index just past it, or 0 when there is none.
func porterGobbleVC(z []byte, prevCons bool) int {
	cons := prevCons
	i := 0
	for ; i < len(z); i++ {
		cons = !porterIsVowel(z[i], cons)
		if !cons {
			break
		}
	}
	for i++; i < len(z); i++ {
		cons = !porterIsVowel(z[i], cons)
		if cons {
			return i + 1
		}
	}
	return 0
}

// porterMGt0 is the rule condition m > 0.
func porterMGt0(z []byte) bool { return porterGobbleVC(z, false) != 0 }

// porterMGt1 is the rule condition m > 1.
func porterMGt1(z []byte) bool {
	n := porterGobbleVC(z, false)
	return n != 0 && porterGobbleVC(z[n:], true) != 0
}

// porterMEq1 is the rule condition m = 1.
func porterMEq1(z []byte) bool {
	n := porterGobbleVC(z, false)
	return n != 0 && porterGobbleVC(z[n:], true) == 0
}

// porterOstar is the rule condition *o: the stem ends consonant-vowel-consonant and the
// last consonant is not w, x or y.
func porterOstar(z []byte) bool {
	last := z[len(z)-1]
	if last == 'w' || last == 'x' || last == 'y' {
		return false
	}
	mask, cons := 0, false
	for _, c := range z {
		cons = !porterIsVowel(c, cons)
		mask <<= 1
		if cons {
			mask++
		}
		mask &= 7
	}
	return mask == 5
}

// porterMGt1SorT is the rule condition m > 1 and (*S or *T).
func porterMGt1SorT(z []byte) bool {
	last := z[len(z)-1]
	return (last == 's' || last == 't') && porterMGt1(z)
}

// porterVowel is the rule condition *v*: the stem contains a vowel.
func porterVowel(z []byte) bool {
	for i, c := range z {
		if porterIsVowel(c, i > 0) {
			return true
		}
	}
	return false
}

type porterRule struct {
	suffix string
	cond   porterCond
	output string
}

// porterCond names a rule condition. (Not a func value: an indirect call would make the
// stem buffer escape, costing PorterStem an allocation.)
type porterCond uint8

const (
	always porterCond = iota
	mGt0
	mGt1
	mGt1SorT
)

func (c porterCond) holds(stem []byte) bool {
	switch c {
	case mGt0:
		return porterMGt0(stem)
	case mGt1:
		return porterMGt1(stem)
	case mGt1SorT:
		return porterMGt1SorT(stem)
	}
	return true
}

// porterRules indexes a step's rules by the second-to-last byte of the suffix, as SQLite's
// generated switch does. Within one group the first rule whose suffix matches (and is
// shorter than the word) decides, whether or not its condition holds.
type porterRules [256]porterGroup

type porterGroup struct {
	last  uint32 // bit c-'a' set when some suffix of the group ends in byte c
	rules []porterRule
}

func newPorterRules(rules ...porterRule) *porterRules {
	var t porterRules
	for _, r := range rules {
		g := &t[r.suffix[len(r.suffix)-2]]
		g.last |= 1 << (r.suffix[len(r.suffix)-1] - 'a')
		g.rules = append(g.rules, r)
	}
	return &t
}

// apply applies the rules to b[:n] and returns the new length and whether a rule fired.
// Only step 1B2 lengthens (at->ate, bl->ble, iz->ize), and it runs just after ed or ing
// was removed, so the output always fits in b.
func (t *porterRules) apply(b []byte, n int) (int, bool) {
	if n < 2 {
		return n, false // SQLite reads aBuf[-1] here, which matches no rule
	}
	g := &t[b[n-2]]
	if c := b[n-1] - 'a'; c >= 32 || g.last&(1<<c) == 0 {
		return n, false // the common case: no suffix of the step ends this way
	}
	for _, r := range g.rules {
		k := len(r.suffix)
		if n <= k || b[n-1] != r.suffix[k-1] || string(b[n-k:n-1]) != r.suffix[:k-1] {
			continue
		}
		if !r.cond.holds(b[:n-k]) {
			return n, false
		}
		copy(b[n-k:], r.output)
		return n - k + len(r.output), true
	}
	return n, false
}

var (
	porterStep1B2 = newPorterRules(
		porterRule{"at", always, "ate"},
		porterRule{"bl", always, "ble"},
		porterRule{"iz", always, "ize"},
	)
	porterStep2 = newPorterRules(
		porterRule{"ational", mGt0, "ate"},
		porterRule{"tional", mGt0, "tion"},
		porterRule{"enci", mGt0, "ence"},
		porterRule{"anci", mGt0, "ance"},
		porterRule{"izer", mGt0, "ize"},
		porterRule{"logi", mGt0, "log"},
		porterRule{"bli", mGt0, "ble"},
		porterRule{"alli", mGt0, "al"},
		porterRule{"entli", mGt0, "ent"},
		porterRule{"eli", mGt0, "e"},
		porterRule{"ousli", mGt0, "ous"},
		porterRule{"ization", mGt0, "ize"},
		porterRule{"ation", mGt0, "ate"},
		porterRule{"ator", mGt0, "ate"},
		porterRule{"alism", mGt0, "al"},
		porterRule{"iveness", mGt0, "ive"},
		porterRule{"fulness", mGt0, "ful"},
		porterRule{"ousness", mGt0, "ous"},
		porterRule{"aliti", mGt0, "al"},
		porterRule{"iviti", mGt0, "ive"},
		porterRule{"biliti", mGt0, "ble"},
	)
	porterStep3 = newPorterRules(
		porterRule{"ical", mGt0, "ic"},
		porterRule{"ness", mGt0, ""},
		porterRule{"icate", mGt0, "ic"},
		porterRule{"iciti", mGt0, "ic"},
		porterRule{"ful", mGt0, ""},
		porterRule{"ative", mGt0, ""},
		porterRule{"alize", mGt0, "al"},
	)
	porterStep4 = newPorterRules(
		porterRule{"al", mGt1, ""},
		porterRule{"ance", mGt1, ""},
		porterRule{"ence", mGt1, ""},
		porterRule{"er", mGt1, ""},
		porterRule{"ic", mGt1, ""},
		porterRule{"able", mGt1, ""},
		porterRule{"ible", mGt1, ""},
		porterRule{"ant", mGt1, ""},
		porterRule{"ement", mGt1, ""},
		porterRule{"ment", mGt1, ""},
		porterRule{"ent", mGt1, ""},
		porterRule{"ion", mGt1SorT, ""},
		porterRule{"ou", mGt1, ""},
		porterRule{"ism", mGt1, ""},
		porterRule{"ate", mGt1, ""},
		porterRule{"iti", mGt1, ""},
		porterRule{"ous", mGt1, ""},
		porterRule{"ive", mGt1, ""},
		porterRule{"ize", mGt1, ""},
	)
)

// porterStep1A removes plural endings: sses->ss, ies->i, ss->ss, s->.
func porterStep1A(b []byte, n int) int {
	if b[n-1] == 's' {
		if b[n-2] == 'e' {
			if n > 4 && b[n-4] == 's' && b[n-3] == 's' || n > 3 && b[n-3] == 'i' {
				return n - 2
			}
			return n - 1
		} else if b[n-2] != 's' {
			return n - 1
		}
	}
	return n
}

// porterStep1B handles eed, ed and ing; it reports whether ed or ing was removed.
func porterStep1B(b []byte, n int) (int, bool) {
	switch b[n-2] {
	case 'e':
		if n > 3 && string(b[n-3:n]) == "eed" {
			if porterMGt0(b[:n-3]) {
				return n - 1, false // eed -> ee
			}
		} else if n > 2 && string(b[n-2:n]) == "ed" {
			if porterVowel(b[:n-2]) {
				return n - 2, true
			}
		}
	case 'n':
		if n > 3 && string(b[n-3:n]) == "ing" {
			if porterVowel(b[:n-3]) {
				return n - 3, true
			}
		}
	}
	return n, false
}

// porterStem stems the lower-case word b (3..64 bytes) in place and returns the length of
// the stem. The stem is never longer than the word.
func porterStem(b []byte) int {
	n := len(b)

	// Step 1.
	n = porterStep1A(b, n)
	var removed bool
	if n, removed = porterStep1B(b, n); removed {
		var fired bool
		if n, fired = porterStep1B2.apply(b, n); !fired {
			c := b[n-1]
			if !porterIsVowel(c, false) && c != 'l' && c != 's' && c != 'z' && n >= 2 && c == b[n-2] {
				n--
			} else if porterMEq1(b[:n]) && porterOstar(b[:n]) {
				b[n] = 'e' // n < len(b): ed or ing was just removed
				n++
			}
		}
	}

	// Step 1C.
	if b[n-1] == 'y' && porterVowel(b[:n-1]) {
		b[n-1] = 'i'
	}

	// Steps 2 through 4.
	n, _ = porterStep2.apply(b, n)
	n, _ = porterStep3.apply(b, n)
	n, _ = porterStep4.apply(b, n)

	// Step 5a.
	if b[n-1] == 'e' {
		if porterMGt1(b[:n-1]) || porterMEq1(b[:n-1]) && !porterOstar(b[:n-1]) {
			n--
		}
	}

	// Step 5b.
	if n > 1 && b[n-1] == 'l' && b[n-2] == 'l' && porterMGt1(b[:n-1]) {
		n--
	}
	return n
}
