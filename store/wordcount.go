package store

import (
	"encoding/binary"
	"hash/maphash"
	"sync"

	"github.com/paperboy-bot/paperboy"
)

// maxWordLen bounds the words kept for spelling correction (longer tokens are noise).
const maxWordLen = 32

// wordCounter counts document frequencies of the words of titles and abstracts for the
// words table: every distinct word of a paper counts once. It is an open-addressing hash
// table of 8-byte slots (32 bits of the word's hash and its entry's number) over a dense
// array of entries (see wordSlot), so counting a word costs one hash, a probe in a table
// small enough for the core's cache (a batch's counter: 64k slots, 512 KB), and one
// entry. A bulk import counts about 200 words per paper, and a Go map of strings (a
// header, a pointer to the key and one to the count per entry) cost about three cache
// misses a word; this was the largest piece of Go work in an import.
type wordCounter struct {
	slots   []uint64   // len is a power of two; 0 empty, else hash>>32<<32 | entry number+1
	ents    []wordSlot // the words, in the order they came
	doc     int32      // number of the paper being counted (countWords)
	tails   []byte     // bytes 8 and on of the words longer than 8 bytes, and terms
	fresh   int32      // entry Word just made, whose term SetTerm may record; -1 none
	touched uint64     // sum of what merge read ahead, kept so the reads are not optimized away
}

// wordSeed is the hash seed of every counter of the process, so that merge reuses the
// hashes a counter stores instead of hashing every word again.
var wordSeed = maphash.MakeSeed()

// wordSlot is one word and its count in 32 bytes, two to a cache line. A word of up to 8
// bytes is held whole in pre (most words: comparing it touches nothing else); a longer
// one keeps its first 8 bytes in pre and the rest in tails. A word counted by Word may
// also have its index term (paperboy.WordSink) in tails, right after its own bytes.
type wordSlot struct {
	hash    uint64
	pre     uint64 // the first 8 bytes, little endian, zero padded
	tail    uint32 // offset in tails of bytes 8..n (and then of the term)
	n       uint8
	termLen uint8 // length of the term, when term is termKept
	term    uint8 // termUnknown, termKept or termDropped
	df      int32
	last    int32 // doc that counted this word last: a word counts once per paper
}

// wordSlot.term
const (
	termUnknown = iota
	termKept    // the term is tails[tail+max(n-8, 0):][:termLen]
	termDropped // a stop word: no term
)

const wordCounterMinSlots = 64

// newWordCounter returns a counter with room for about size words before it grows.
func newWordCounter(size int) wordCounter {
	var c wordCounter
	n := wordCounterMinSlots
	for n*3 < size*5 {
		n <<= 1
	}
	c.slots = make([]uint64, n)
	c.ents = make([]wordSlot, 0, n/2)
	c.fresh = -1
	return c
}

// Len is the number of distinct words counted (with any count, zero included); c may be nil.
func (c *wordCounter) Len() int {
	if c == nil {
		return 0
	}
	return len(c.ents)
}

// countWords adds delta to the document frequency of every distinct word of a paper.
// It splits like paperboy.Words (letters and digits, lower case), keeping words of 2 to
// maxWordLen bytes that are not numbers.
func (c *wordCounter) countWords(title, abstract string, delta int) {
	c.doc++
	var buf [maxWordLen]byte
	for _, text := range [2]string{title, abstract} {
		for i := 0; i < len(text); {
			ch := text[i]
			if ch >= 0x80 {
				// Non-ASCII: let the general splitter handle the rest of this text.
				for _, w := range paperboy.Words(text[i:]) {
					c.countWord(w, delta)
				}
				break
			}
			if !isAlnum(ch) {
				i++
				continue
			}
			j, n, digits := i, 0, true
			for ; j < len(text) && text[j] < 0x80 && isAlnum(text[j]); j++ {
				if n < len(buf) {
					b := text[j]
					if b >= 'A' && b <= 'Z' {
						b += 'a' - 'A'
					}
					buf[n] = b
					digits = digits && b <= '9'
				}
				n++
			}
			if j < len(text) && text[j] >= 0x80 {
				// A word running into non-ASCII letters: split it the general way.
				k := j
				for k < len(text) && !isSpaceByte(text[k]) {
					k++
				}
				for _, w := range paperboy.Words(text[i:k]) {
					c.countWord(w, delta)
				}
				i = k
				continue
			}
			if n >= 2 && n <= maxWordLen && !digits {
				c.add(buf[:n], delta, true)
			}
			i = j
		}
	}
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (c *wordCounter) countWord(w string, delta int) {
	if len(w) >= 2 && len(w) <= maxWordLen && !isNumber(w) {
		c.add([]byte(w), delta, true)
	}
}

// Word counts w (as countWords would) for the paper being counted (doc, which the caller
// advances) and returns its index term when an earlier SetTerm recorded it: the
// paperboy.WordSink of indexAndCount.
func (c *wordCounter) Word(w []byte) ([]byte, bool) {
	c.fresh = -1
	if len(w) < 2 || len(w) > maxWordLen || isNumber(w) {
		return nil, false
	}
	before := len(c.ents)
	s := c.add(w, 1, true)
	switch s.term {
	case termKept:
		off := s.tail + uint32(max(int(s.n)-8, 0))
		return c.tails[off : off+uint32(s.termLen)], true
	case termDropped:
		return nil, true
	}
	if len(c.ents) > before {
		c.fresh = int32(len(c.ents) - 1)
	}
	return nil, false
}

// SetTerm records the term of the word Word has just added. It keeps only terms of
// entries Word made (their bytes end tails, so the term goes right after them).
func (c *wordCounter) SetTerm(term []byte) {
	if c.fresh < 0 {
		return
	}
	s := &c.ents[c.fresh]
	c.fresh = -1
	switch {
	case len(term) == 0:
		s.term = termDropped
	case len(term) <= 255 && int(s.tail)+max(int(s.n)-8, 0) == len(c.tails):
		c.tails = append(c.tails, term...)
		s.term, s.termLen = termKept, uint8(len(term))
	}
}

func isNumber[T string | []byte](w T) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return true
}

// addCount adds df to word w's count (not once per paper: a merge of counts).
func (c *wordCounter) addCount(w string, df int) {
	if len(w) == 0 || len(w) > maxWordLen {
		return
	}
	c.add([]byte(w), df, false)
}

// add finds or inserts w (at most maxWordLen bytes), adds delta to its count and returns
// its entry; perDoc counts it at most once per paper (doc).
func (c *wordCounter) add(w []byte, delta int, perDoc bool) *wordSlot {
	h := maphash.Bytes(wordSeed, w) | 1 // never 0, the empty mark
	s := c.slot(h, wordPrefix(w), uint8(len(w)), wordTail(w))
	if !perDoc {
		s.df += int32(delta)
	} else if s.last != c.doc {
		s.last = c.doc
		s.df += int32(delta)
	}
	return s
}

// slot finds or inserts the word of hash h, first 8 bytes pre, length n and bytes 8 and on
// tail.
func (c *wordCounter) slot(h, pre uint64, n uint8, tail []byte) *wordSlot {
	if (len(c.ents)+1)*5 > len(c.slots)*3 {
		c.grow()
	}
	i, s := c.find(h, pre, n, tail)
	if s != nil {
		return s
	}
	e := wordSlot{hash: h, pre: pre, n: n, last: -1, tail: uint32(len(c.tails))}
	c.tails = append(c.tails, tail...)
	c.ents = append(c.ents, e)
	c.slots[i] = h>>32<<32 | uint64(len(c.ents))
	return &c.ents[len(c.ents)-1]
}

// find returns the entry of the word (h, pre, n, tail as for slot), or nil and the index
// of the empty slot where it would go. The table must have an empty slot.
func (c *wordCounter) find(h, pre uint64, n uint8, tail []byte) (uint64, *wordSlot) {
	mask := uint64(len(c.slots) - 1)
	tag := h >> 32 << 32
	for i := h & mask; ; i = (i + 1) & mask {
		v := c.slots[i]
		if v == 0 {
			return i, nil
		}
		if v&^0xffffffff != tag {
			continue
		}
		if s := &c.ents[uint32(v)-1]; s.hash == h && s.pre == pre && s.n == n &&
			(len(tail) == 0 || string(c.tails[s.tail:s.tail+uint32(len(tail))]) == string(tail)) {
			return i, s
		}
	}
}

// get returns the count of w (0 when absent); c may be nil.
func (c *wordCounter) get(w string) int {
	if c == nil || len(c.ents) == 0 || len(w) == 0 || len(w) > maxWordLen {
		return 0
	}
	b := []byte(w)
	if _, s := c.find(maphash.Bytes(wordSeed, b)|1, wordPrefix(b), uint8(len(b)), wordTail(b)); s != nil {
		return int(s.df)
	}
	return 0
}

// eachPrefix calls fn with every word that starts with prefix, is minLen to maxLen
// bytes long and has a count other than 0; c may be nil. Other words cost no allocation.
func (c *wordCounter) eachPrefix(prefix string, minLen, maxLen int, fn func(w string, df int)) {
	if c == nil {
		return
	}
	var buf [maxWordLen]byte
	for k := range c.ents {
		s := &c.ents[k]
		if s.df == 0 || int(s.n) < minLen || int(s.n) > maxLen || int(s.n) < len(prefix) {
			continue
		}
		if w := c.word(buf[:0], s); string(w[:len(prefix)]) == prefix {
			fn(string(w), int(s.df))
		}
	}
}

// nonZero reports whether some word has a count other than 0; c may be nil.
func (c *wordCounter) nonZero() bool {
	if c == nil {
		return false
	}
	for k := range c.ents {
		if c.ents[k].df != 0 {
			return true
		}
	}
	return false
}

// wordPrefix packs the first 8 bytes of w, little endian, zero padded.
func wordPrefix(w []byte) uint64 {
	if len(w) >= 8 {
		return binary.LittleEndian.Uint64(w)
	}
	var p uint64
	for i := len(w) - 1; i >= 0; i-- {
		p = p<<8 | uint64(w[i])
	}
	return p
}

// wordTail is w past its first 8 bytes (what tails holds), nil for shorter words.
func wordTail(w []byte) []byte {
	if len(w) > 8 {
		return w[8:]
	}
	return nil
}

// word appends the word of slot s to b.
func (c *wordCounter) word(b []byte, s *wordSlot) []byte {
	pre := s.pre
	for i := 0; i < int(min(s.n, 8)); i++ {
		b = append(b, byte(pre))
		pre >>= 8
	}
	if s.n > 8 {
		b = append(b, c.tails[s.tail:s.tail+uint32(s.n-8)]...)
	}
	return b
}

// grow doubles the table (or makes the first one); the entries stay where they are.
func (c *wordCounter) grow() {
	if c.slots == nil {
		*c = newWordCounter(0)
		return
	}
	c.slots = make([]uint64, 2*len(c.slots))
	mask := uint64(len(c.slots) - 1)
	for k := range c.ents {
		h := c.ents[k].hash
		i := h & mask
		for c.slots[i] != 0 {
			i = (i + 1) & mask
		}
		c.slots[i] = h>>32<<32 | uint64(k+1)
	}
}

// each calls fn with every word counted and its count (zero included); c may be nil.
func (c *wordCounter) each(fn func(w string, df int)) {
	if c == nil {
		return
	}
	var buf [maxWordLen]byte
	for k := range c.ents {
		s := &c.ents[k]
		fn(string(c.word(buf[:0], s)), int(s.df))
	}
}

// merge adds o's counts to c. Both hash with wordSeed, so o's stored hashes and prefixes
// serve as they are: no word is rebuilt or hashed again.
//
// It goes through o's words mergeGroup at a time, and first only reads, for each word of
// the group, its slot in c and then the entry that slot names. Those reads do not depend
// on one another, so the core overlaps their cache misses instead of waiting for each in
// turn (c is a transaction's counter: a few MB, mostly out of cache); the merge proper
// then finds them in cache. BenchmarkMergeCounters measures it.
func (c *wordCounter) merge(o *wordCounter) {
	for from := 0; from < len(o.ents); from += mergeGroup {
		group := o.ents[from:min(from+mergeGroup, len(o.ents))]
		for (len(c.ents)+len(group))*5 > len(c.slots)*3 {
			c.grow() // before the reads, so that the group's slots stay where they were read
		}
		mask := uint64(len(c.slots) - 1)
		var seen uint64
		for k := range group {
			seen += c.slots[group[k].hash&mask]
		}
		for k := range group {
			if v := c.slots[group[k].hash&mask]; v != 0 {
				seen += c.ents[uint32(v)-1].pre
			}
		}
		c.touched += seen
		for k := range group {
			c.mergeWord(o, &group[k])
		}
	}
}

// mergeWord adds the count of o's word s to c.
func (c *wordCounter) mergeWord(o *wordCounter, s *wordSlot) {
	if s.df == 0 {
		return
	}
	var tail []byte
	if s.n > 8 {
		tail = o.tails[s.tail : s.tail+uint32(s.n-8)]
	}
	c.slot(s.hash, s.pre, s.n, tail).df += s.df
}

// mergeGroup is how many words merge reads ahead: about as many cache misses as a core
// keeps in flight.
const mergeGroup = 16

// counterPool recycles emptied counters whose tables have grown, which saves the page
// faults of growing a fresh table again; tables past maxSlots are dropped.
type counterPool struct {
	pool     sync.Pool
	maxSlots int
}

func newCounterPool(size, maxSlots int) *counterPool {
	return &counterPool{
		pool:     sync.Pool{New: func() any { c := newWordCounter(size); return &c }},
		maxSlots: maxSlots,
	}
}

func (p *counterPool) get() *wordCounter { return p.pool.Get().(*wordCounter) }

func (p *counterPool) put(c *wordCounter) {
	if len(c.slots) > p.maxSlots {
		return
	}
	c.reset()
	p.pool.Put(c)
}

// reset empties c, keeping its table.
func (c *wordCounter) reset() {
	clear(c.slots)
	c.ents, c.doc, c.tails, c.fresh = c.ents[:0], 0, c.tails[:0], -1
}

var (
	// wordCounters holds the counters of prepared batches (a few MB each, pointer-free).
	wordCounters = newCounterPool(1<<14, 1<<17)
	// txCounters holds the counters of whole transactions (txWriter.counted): a bulk
	// transaction counts a few hundred thousand distinct words (tables up to 64 MB kept).
	txCounters = newCounterPool(1<<15, 1<<21)
)

func getWordCounter() *wordCounter  { return wordCounters.get() }
func putWordCounter(c *wordCounter) { wordCounters.put(c) }
func getTxCounter() *wordCounter    { return txCounters.get() }
func putTxCounter(c *wordCounter)   { txCounters.put(c) }
