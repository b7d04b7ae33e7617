package store

import (
	"hash/maphash"
	"sync"

	"github.com/paperboy-bot/paperboy"
)

// maxWordLen bounds the words kept for spelling correction (longer tokens are noise).
const maxWordLen = 32

// wordCounter counts document frequencies of the words of titles and abstracts for the
// words table: every distinct word of a paper counts once. It is an open-addressing hash
// table with the words stored in their slots, so counting a word costs one hash and
// usually one cache line. A bulk import counts about 200 words per paper, and a Go map
// of strings (a header, a pointer to the key and one to the count per entry) cost about
// three cache misses a word; this was the largest piece of Go work in an import.
type wordCounter struct {
	slots []wordSlot // len is a power of two; nil until the first word
	n     int        // words held
	doc   int32      // number of the paper being counted (countWords)
	seed  maphash.Seed
}

// wordSlot is one word and its count. hash 0 marks an empty slot.
type wordSlot struct {
	hash uint64
	df   int32
	last int32 // doc that counted this word last: a word counts once per paper
	n    uint8
	w    [maxWordLen]byte
}

const wordCounterMinSlots = 64

// newWordCounter returns a counter with room for about size words before it grows.
func newWordCounter(size int) wordCounter {
	c := wordCounter{seed: maphash.MakeSeed()}
	n := wordCounterMinSlots
	for n*3 < size*5 {
		n <<= 1
	}
	c.slots = make([]wordSlot, n)
	return c
}

// Len is the number of distinct words counted (with any count, zero included); c may be nil.
func (c *wordCounter) Len() int {
	if c == nil {
		return 0
	}
	return c.n
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

func isNumber(w string) bool {
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

// add finds or inserts w (at most maxWordLen bytes) and adds delta to its count; perDoc
// counts it at most once per countWords call.
func (c *wordCounter) add(w []byte, delta int, perDoc bool) {
	if (c.n+1)*5 > len(c.slots)*3 {
		c.grow()
	}
	h := maphash.Bytes(c.seed, w) | 1 // never 0, the empty mark
	mask := uint64(len(c.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &c.slots[i]
		if s.hash == 0 {
			s.hash, s.n, s.last = h, uint8(len(w)), -1
			copy(s.w[:], w)
			c.n++
		} else if s.hash != h || int(s.n) != len(w) || string(s.w[:s.n]) != string(w) {
			continue
		}
		if !perDoc {
			s.df += int32(delta)
		} else if s.last != c.doc {
			s.last = c.doc
			s.df += int32(delta)
		}
		return
	}
}

// grow doubles the table (or makes the first one).
func (c *wordCounter) grow() {
	if c.slots == nil {
		*c = newWordCounter(0)
		return
	}
	old := c.slots
	c.slots = make([]wordSlot, 2*len(old))
	mask := uint64(len(c.slots) - 1)
	for k := range old {
		s := &old[k]
		if s.hash == 0 {
			continue
		}
		i := s.hash & mask
		for c.slots[i].hash != 0 {
			i = (i + 1) & mask
		}
		c.slots[i] = *s
	}
}

// each calls fn with every word counted and its count (zero included); c may be nil.
func (c *wordCounter) each(fn func(w string, df int)) {
	if c == nil {
		return
	}
	for k := range c.slots {
		if s := &c.slots[k]; s.hash != 0 {
			fn(string(s.w[:s.n]), int(s.df))
		}
	}
}

// merge adds o's counts to c.
func (c *wordCounter) merge(o *wordCounter) {
	for k := range o.slots {
		if s := &o.slots[k]; s.hash != 0 && s.df != 0 {
			c.add(s.w[:s.n], int(s.df), false)
		}
	}
}

// wordCounters recycles the counters of prepared batches (a few MB each, pointer-free).
var wordCounters = sync.Pool{New: func() any { c := newWordCounter(1 << 15); return &c }}

func getWordCounter() *wordCounter { return wordCounters.Get().(*wordCounter) }

// putWordCounter empties c and returns it to the pool; very large tables are dropped.
func putWordCounter(c *wordCounter) {
	if len(c.slots) > 1<<17 {
		return
	}
	clear(c.slots)
	c.n, c.doc = 0, 0
	wordCounters.Put(c)
}
