package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// TestRunLease: a second holder is refused with a message naming the first while its
// heartbeat is fresh, takes over once it is stale (or, on the same host, once its pid is
// gone), and the first then learns it lost the lease. Time is an injected clock.
func TestRunLease(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	const stale = time.Minute
	alive := func(int) bool { return true }

	if in, err := db.RunningInstance(ctx); err != nil || in != nil {
		t.Fatalf("fresh database: got %v, %v, want no running instance", in, err)
	}
	first, prev, err := db.AcquireLease(ctx, Instance{Host: "hostA", PID: 100}, stale, alive)
	if err != nil || prev != nil {
		t.Fatalf("first acquire: got %v (prev %v), want the lease", err, prev)
	}
	in, err := db.RunningInstance(ctx)
	if err != nil || in == nil || in.Host != "hostA" || in.PID != 100 || !in.Started.Equal(now) {
		t.Fatalf("running instance: got %+v, %v, want hostA pid 100 since %s", in, err, now)
	}

	// Fresh heartbeat: refused, naming host, pid and since when.
	now = now.Add(40 * time.Second)
	if err := first.Renew(ctx); err != nil {
		t.Fatal(err)
	}
	now = now.Add(40 * time.Second) // 80 s after start, 40 s after the heartbeat
	_, _, err = db.AcquireLease(ctx, Instance{Host: "hostB", PID: 200}, stale, alive)
	if got := paperboy.ErrorCode(err); got != paperboy.ECONFLICT {
		t.Fatalf("second acquire: got %v (code %q), want %s", err, got, paperboy.ECONFLICT)
	}
	msg := paperboy.ErrorMessage(err)
	for _, want := range []string{"host hostA", "pid 100", "since " + time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC).Local().Format("2006-01-02 15:04:05")} {
		if !strings.Contains(msg, want) {
			t.Errorf("refusal: got %q, want it to name %q", msg, want)
		}
	}

	// Same host, pid gone: taken over at once.
	gone := func(pid int) bool { return pid != 100 }
	second, prev, err := db.AcquireLease(ctx, Instance{Host: "hostA", PID: 300}, stale, gone)
	if err != nil || prev == nil || prev.PID != 100 {
		t.Fatalf("takeover of a dead pid: got %v, prev %+v, want the lease and prev pid 100", err, prev)
	}
	if err := first.Renew(ctx); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("renew after takeover: got %v, want ErrLeaseLost", err)
	}
	// Releasing a lost lease leaves the new holder alone.
	if err := first.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if in, _ := db.RunningInstance(ctx); in == nil || in.PID != 300 {
		t.Fatalf("after the old holder's release: got %+v, want pid 300", in)
	}

	// Another host cannot see the pid: it waits for the heartbeat to go stale.
	now = now.Add(stale - time.Second)
	if _, _, err := db.AcquireLease(ctx, Instance{Host: "hostB", PID: 200}, stale, gone); paperboy.ErrorCode(err) != paperboy.ECONFLICT {
		t.Fatalf("acquire before stale: got %v, want %s", err, paperboy.ECONFLICT)
	}
	now = now.Add(time.Second)
	third, prev, err := db.AcquireLease(ctx, Instance{Host: "hostB", PID: 200}, stale, alive)
	if err != nil || prev == nil || prev.PID != 300 {
		t.Fatalf("takeover of a stale lease: got %v, prev %+v, want the lease and prev pid 300", err, prev)
	}
	if err := second.Renew(ctx); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("renew after takeover: got %v, want ErrLeaseLost", err)
	}

	// A clean exit releases it: the next one starts without waiting.
	if err := third.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if in, err := db.RunningInstance(ctx); err != nil || in != nil {
		t.Fatalf("after release: got %+v, %v, want none", in, err)
	}
	if _, prev, err := db.AcquireLease(ctx, Instance{Host: "hostC", PID: 1}, stale, alive); err != nil || prev != nil {
		t.Fatalf("acquire after release: got %v, prev %+v", err, prev)
	}
}
