package summarize

import (
	"sync"
	"time"
)

// breaker is a circuit breaker: after threshold consecutive failures it opens for
// cooldown, refusing every request; then it lets one probe through (half-open): success
// closes it, failure opens it again.
type breaker struct {
	threshold int
	cooldown  time.Duration

	mu        sync.Mutex
	failures  int
	openUntil time.Time // zero: closed
	probing   bool      // half-open and the probe is in flight
}

// allow reports whether a request may go out now.
func (b *breaker) allow(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.openUntil.IsZero() {
		return true
	}
	if now.Before(b.openUntil) || b.probing {
		return false
	}
	b.probing = true
	return true
}

// success records a request that reached a healthy server.
func (b *breaker) success() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures = 0
	b.openUntil = time.Time{}
	b.probing = false
}

// failure records a failed request; it reports whether the circuit is now open.
func (b *breaker) failure(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures++
	if b.probing || b.failures >= b.threshold {
		b.openUntil = now.Add(b.cooldown)
		b.probing = false
		return true
	}
	return false
}

// release ends a probe that neither succeeded nor failed (the caller gave up), so the
// next request may probe.
func (b *breaker) release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
}

// isOpen reports whether requests are refused at now.
func (b *breaker) isOpen(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return !b.openUntil.IsZero() && (now.Before(b.openUntil) || b.probing)
}
