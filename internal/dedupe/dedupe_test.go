package dedupe

import (
	"testing"
	"time"
)

// TestDedupe: a key is seen once within its age, and the oldest keys go past the bound.
func TestDedupe(t *testing.T) {
	at := time.Unix(1700000000, 0)
	d := New(2, time.Minute)
	steps := []struct {
		key  string
		at   time.Duration
		want bool
	}{
		{"a", 0, false}, {"a", time.Second, true}, {"b", 2 * time.Second, false},
		{"c", 3 * time.Second, false}, // evicts a
		{"a", 4 * time.Second, false},
		{"c", 2 * time.Minute, false}, // expired
	}
	for i, s := range steps {
		if got := d.Seen(s.key, at.Add(s.at)); got != s.want {
			t.Errorf("step %d Seen(%q) = %v, want %v", i, s.key, got, s.want)
		}
	}
}
