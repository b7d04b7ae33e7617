// Package replay refuses signed HTTP requests that were already accepted. Slack's v0
// signatures and Discord's Ed25519 interaction signatures prove who sent a request and
// when, but a byte-identical copy of it verifies again until its timestamp leaves the
// window (5 minutes for both): a Guard remembers what it accepted for that long.
package replay

import (
	"container/heap"
	"crypto/sha256"
	"errors"
	"sync"
	"time"
)

// Errors of Admit.
var (
	// ErrReplay: the same signed request was already admitted within the window.
	ErrReplay = errors.New("replay: request already received")
	// ErrFull: the guard holds its maximum of unexpired requests and cannot remember
	// another one, so it refuses it rather than risk processing a replay later.
	ErrFull = errors.New("replay: too many recent requests")
	// ErrStale: the signature time is outside the window (callers check the timestamp
	// first; this keeps a forgotten check from opening a gap).
	ErrStale = errors.New("replay: signature time outside the window")
)

// Guard remembers the requests admitted in the last window. Its memory is bounded: at
// most max entries of about 100 bytes each (a 32-byte digest, an expiry, map and heap
// overhead). An entry expires when its signature time leaves the window, since the
// timestamp check rejects the request from then on anyway. It is safe for concurrent use.
type Guard struct {
	window time.Duration
	max    int
	now    func() time.Time

	mu   sync.Mutex
	seen map[[sha256.Size]byte]struct{}
	exp  expiries
}

// New returns a Guard for signatures valid for window either side of their time, holding
// at most max unexpired entries; now is the clock (time.Now in production).
func New(window time.Duration, max int, now func() time.Time) *Guard {
	if max < 1 {
		max = 1
	}
	if now == nil {
		now = time.Now
	}
	return &Guard{window: window, max: max, now: now, seen: make(map[[sha256.Size]byte]struct{})}
}

// Admit records a verified request and returns nil the first time; ErrReplay for the same
// key again while it is remembered; ErrFull when max unexpired requests are remembered
// (nothing is recorded then); ErrStale when signedAt is outside the window.
//
// key must be canonical for the signed content, so that two encodings of one signature
// cannot both pass: the decoded signature bytes (not the header text, whose hex digits
// may come in either case) or the signed message itself.
func (g *Guard) Admit(key []byte, signedAt time.Time) error {
	now := g.now()
	if d := now.Sub(signedAt); d > g.window || d < -g.window {
		return ErrStale
	}
	k := sha256.Sum256(key)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.expireLocked(now)
	if _, ok := g.seen[k]; ok {
		return ErrReplay
	}
	if len(g.seen) >= g.max {
		return ErrFull
	}
	g.seen[k] = struct{}{}
	heap.Push(&g.exp, entry{key: k, at: signedAt.Add(g.window)})
	return nil
}

// Len is the number of remembered requests, expired ones not yet dropped included.
func (g *Guard) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.seen)
}

// expireLocked forgets the entries whose signature time has left the window.
func (g *Guard) expireLocked(now time.Time) {
	for len(g.exp) > 0 && g.exp[0].at.Before(now) {
		e := heap.Pop(&g.exp).(entry)
		delete(g.seen, e.key)
	}
}

type entry struct {
	key [sha256.Size]byte
	at  time.Time // expiry: signature time + window
}

// expiries is a min-heap of entries by expiry: requests do not arrive in the order of
// their signature times (clocks differ by up to the window).
type expiries []entry

func (h expiries) Len() int           { return len(h) }
func (h expiries) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h expiries) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiries) Push(x any)        { *h = append(*h, x.(entry)) }
func (h *expiries) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
