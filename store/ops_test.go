package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// TestCheckWritableFullDisk: the readiness write check passes on a healthy store and
// fails with the store's full-disk error when no write can be committed.
func TestCheckWritableFullDisk(t *testing.T) {
	ctx := context.Background()
	useFullDisk(t)
	path := filepath.Join(t.TempDir(), "full.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CheckWritable(ctx); err != nil {
		t.Fatalf("healthy store: got %v, want nil", err)
	}
	db.Close()
	// The disk fills: every write fails from now on, as with no room for the log.
	fullDisk.noWrites.Store(true)
	db, err = OpenReadOnly(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.CheckWritable(ctx)
	if err == nil {
		t.Fatal("full disk: CheckWritable = nil, want an error")
	}
	if got := paperboy.ErrorCode(err); got != paperboy.EUNAVAILABLE && !strings.Contains(err.Error(), "readonly") {
		t.Errorf("full disk: got %v (code %q)", err, got)
	}
}

// TestPendingByPlatform counts due, undelivered rows per platform: a digest row before
// its time is not due, sent rows do not count.
func TestPendingByPlatform(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	now := time.Unix(1_800_000_000, 0)
	ps := []paperboy.Paper{{Title: "A paper on graphs"}, {Title: "Another paper on sets"}, {Title: "Third paper"}}
	for i := range ps {
		if err := ps[i].Normalize(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.UpsertPapers(ctx, ps); err != nil {
		t.Fatal(err)
	}
	for i, r := range []struct {
		channel string
		created int64
		digest  int64
		state   string
	}{
		{"slack:C1", 100, 0, "pending"},
		{"slack:C2", 50, 0, "sending"},
		{"slack:C1", 10, 0, "sent"},
		{"test:C1", 70, now.Unix() + 3600, "pending"}, // digest later today: not due
	} {
		if _, err := db.write.ExecContext(ctx, `INSERT INTO deliveries (paper_id, channel, state, created_at, digest_at) VALUES (?, ?, ?, ?, ?)`,
			ps[i%len(ps)].ID, r.channel, r.state, r.created, r.digest); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.PendingByPlatform(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Platform != "slack" || got[0].Pending != 2 || got[0].Oldest.Unix() != 50 {
		t.Fatalf("got %+v, want slack with 2 pending, oldest at 50", got)
	}
}
