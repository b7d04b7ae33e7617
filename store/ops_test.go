package store

import (
	"context"
	"fmt"
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

// TestDeliveryCountsExact: the counters DeliveryStatus reads (delivery_counts, kept by
// triggers) equal a count of the outbox's rows through inserts, state changes of the
// dispatcher's kinds, a channel rename and deletes.
func TestDeliveryCountsExact(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	ps := make([]paperboy.Paper, 6)
	for i := range ps {
		ps[i] = paperboy.Paper{Title: fmt.Sprintf("Counting paper %d", i)}
		if err := ps[i].Normalize(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.UpsertPapers(ctx, ps); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i, p := range ps {
		d, err := db.EnqueueDelivery(ctx, paperboy.Delivery{PaperID: p.ID, Channel: []string{"slack:C1", "test:C2", "discord:9"}[i%3]})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ID)
	}
	check := func(step string) {
		t.Helper()
		want := map[string]int{}
		rows, err := db.read.QueryContext(ctx, `SELECT channel, state, COUNT(*) FROM deliveries GROUP BY channel, state`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var ch, state string
			var n int
			if err := rows.Scan(&ch, &state, &n); err != nil {
				t.Fatal(err)
			}
			want[ch+"/"+state] = n
		}
		rows.Close()
		got := map[string]int{}
		rows, err = db.read.QueryContext(ctx, `SELECT channel, state, n FROM delivery_counts WHERE n != 0`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var ch, state string
			var n int
			if err := rows.Scan(&ch, &state, &n); err != nil {
				t.Fatal(err)
			}
			got[ch+"/"+state] = n
		}
		rows.Close()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s: counters %v, want %v", step, got, want)
		}
		st, err := db.DeliveryStatus(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, n := range want {
			total += n
		}
		if st.Total() != total {
			t.Fatalf("%s: DeliveryStatus total %d, want %d", step, st.Total(), total)
		}
	}
	check("enqueued")
	if err := db.MarkSending(ctx, ids[0], ids[1], ids[2]); err != nil {
		t.Fatal(err)
	}
	check("sending")
	if err := db.MarkSent(ctx, ids[0], paperboy.PostRecord{Channel: "slack:C1", MessageID: "m1", PaperID: ps[0].ID, DeliveryID: ids[0], PostedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkFailed(ctx, []int64{ids[1]}, "channel_not_found"); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkRetry(ctx, []int64{ids[2]}, time.Now(), "rate limited"); err != nil {
		t.Fatal(err)
	}
	check("sent, failed, retried")
	if _, err := db.write.ExecContext(ctx, `UPDATE deliveries SET channel = 'slack:C9' WHERE id = ?`, ids[3]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.ExecContext(ctx, `DELETE FROM deliveries WHERE id IN (?, ?)`, ids[4], ids[0]); err != nil {
		t.Fatal(err)
	}
	check("renamed and deleted")
	st, err := db.DeliveryStatus(ctx, "test:C2")
	if err != nil {
		t.Fatal(err)
	}
	if st.Failed != 1 || st.Total() != 1 || len(st.RecentFailures) != 1 || st.RecentFailures[0].ID != ids[1] {
		t.Fatalf("test:C2: got %+v, want its one failed delivery", st)
	}
}
