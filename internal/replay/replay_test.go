package replay

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestAdmit(t *testing.T) {
	at := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	g := New(5*time.Minute, 3, func() time.Time { return at })
	step := func(name string, key string, signedAt time.Time, want error) {
		t.Helper()
		if err := g.Admit([]byte(key), signedAt); !errors.Is(err, want) {
			t.Errorf("%s: got %v, want %v", name, err, want)
		}
	}
	step("first", "a", at, nil)
	step("replay", "a", at, ErrReplay)
	step("other", "b", at.Add(-4*time.Minute), nil)
	step("signed ahead", "c", at.Add(5*time.Minute), nil)
	step("full", "d", at, ErrFull)
	step("too old", "e", at.Add(-6*time.Minute), ErrStale)
	step("too far ahead", "e", at.Add(6*time.Minute), ErrStale)

	// "b" leaves the window after one more minute: room for one, "a" still remembered.
	at = at.Add(61 * time.Second)
	step("replay within the window", "a", at.Add(-61*time.Second), ErrReplay)
	step("room after b expired", "d", at, nil)
	if n := g.Len(); n != 3 {
		t.Errorf("len: got %d, want 3 (a, c, d)", n)
	}
	// After the window of "a" no request signed then can pass the timestamp check, and
	// the guard has forgotten it.
	at = at.Add(5 * time.Minute)
	step("a forgotten, stale", "a", at.Add(-6*time.Minute-time.Second), ErrStale)
	step("new", "e", at, nil)
	if n := g.Len(); n != 3 {
		t.Errorf("len: got %d, want 3 (c, d, e)", n)
	}
}

// TestBounded checks that memory stays at max however many requests arrive while old ones
// keep expiring.
func TestBounded(t *testing.T) {
	at := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	g := New(5*time.Minute, 100, func() time.Time { return at })
	admitted, full := 0, 0
	for i := range 10000 {
		at = at.Add(time.Second)
		switch err := g.Admit(fmt.Appendf(nil, "sig-%d", i), at); {
		case err == nil:
			admitted++
		case errors.Is(err, ErrFull):
			full++
		default:
			t.Fatalf("request %d: %v", i, err)
		}
		if g.Len() > 100 {
			t.Fatalf("request %d: %d entries, want at most 100", i, g.Len())
		}
	}
	// One request a second for 5 minutes is 300 live entries: 100 fit, the rest are
	// refused until the oldest expire.
	if admitted == 0 || full == 0 || admitted+full != 10000 {
		t.Errorf("admitted %d, refused %d, want both and 10000 in all", admitted, full)
	}
}
