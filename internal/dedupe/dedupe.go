// Package dedupe remembers recently seen keys (event ids, channel and timestamp) so that
// events a platform redelivers count once. Slack's and Discord's adapters both use it.
package dedupe

import (
	"sync"
	"time"
)

// Set is bounded in size (the oldest keys go first) and in age; it is safe for
// concurrent use.
type Set struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	seen  map[string]time.Time
	order []string
}

// New returns a Set holding at most max keys, each for ttl.
func New(max int, ttl time.Duration) *Set {
	return &Set{max: max, ttl: ttl, seen: make(map[string]time.Time)}
}

// Seen reports whether key was recorded within the ttl, and records it.
func (d *Set) Seen(key string, now time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if t, ok := d.seen[key]; ok && now.Sub(t) < d.ttl {
		return true
	}
	if _, ok := d.seen[key]; !ok {
		d.order = append(d.order, key)
	}
	d.seen[key] = now
	for len(d.order) > d.max {
		delete(d.seen, d.order[0])
		d.order = d.order[1:]
	}
	return false
}
