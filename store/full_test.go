package store

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/paperboy-bot/paperboy"
)

// TestDiskFull makes SQLite report a full disk (max_page_count caps the file) in the
// middle of an import: the failing batch must leave the database exactly as before it,
// earlier batches stay, and the error is EUNAVAILABLE with a message a user can act on.
func TestDiskFull(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	batch := func(from, n int) []paperboy.Paper {
		ps := make([]paperboy.Paper, n)
		for i := range ps {
			ps[i] = paperboy.Paper{
				Title:    fmt.Sprintf("Paper number %d on scaling", from+i),
				Abstract: strings.Repeat(fmt.Sprintf("word%d filler text about models and training ", from+i), 40),
			}
			if err := ps[i].Normalize(); err != nil {
				t.Fatal(err)
			}
		}
		return ps
	}
	if _, err := db.UpsertPapers(ctx, batch(0, 20)); err != nil {
		t.Fatal(err)
	}
	var pages int
	if err := db.write.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	// The single write connection keeps this setting: a few more pages, then "full".
	if _, err := db.write.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages+3)); err != nil {
		t.Fatal(err)
	}
	_, err := db.UpsertPapers(ctx, batch(20, 500))
	if got := paperboy.ErrorCode(err); got != paperboy.EUNAVAILABLE {
		t.Fatalf("upsert on a full disk: got %v (code %q), want %s", err, got, paperboy.EUNAVAILABLE)
	}
	if msg := paperboy.ErrorMessage(err); !strings.Contains(msg, "disk is full") {
		t.Errorf("message: got %q, want it to say the disk is full", msg)
	}
	var n int
	if err := db.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM papers").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 20 {
		t.Fatalf("papers after the failed batch: got %d, want the 20 of the first batch", n)
	}
	// Search still works on what is there.
	res, err := db.Search(ctx, paperboy.SearchRequest{Query: paperboy.Query{Terms: []string{"word7"}}})
	if err != nil || len(res.Hits) == 0 {
		t.Fatalf("search after the failure: %v, %d hits", err, len(res.Hits))
	}
}
