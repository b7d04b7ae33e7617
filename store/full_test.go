package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mattn/go-sqlite3"

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

// fullDisk is the disk seen by connections the "sqlite3_fulldisk" driver opens (see
// useFullDisk): with pages > 0 the database file cannot grow beyond that many pages
// (max_page_count, as TestDiskFull does on one connection: SQLite then reports a full
// disk); with noWrites every write fails, so whatever still works needs no write at all.
var fullDisk struct {
	pages    atomic.Int64
	noWrites atomic.Bool
}

func init() {
	sql.Register("sqlite3_fulldisk", &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		if n := fullDisk.pages.Load(); n > 0 {
			if _, err := c.Exec(fmt.Sprintf("PRAGMA max_page_count = %d", n), nil); err != nil {
				return err
			}
		}
		if fullDisk.noWrites.Load() {
			if _, err := c.Exec("PRAGMA query_only = 1", nil); err != nil {
				return err
			}
		}
		return nil
	}})
}

// useFullDisk makes the store open its connections through the simulated disk until the
// test ends (tests in this package do not run in parallel).
func useFullDisk(t *testing.T) {
	driver = "sqlite3_fulldisk"
	t.Cleanup(func() {
		driver = "sqlite3"
		fullDisk.pages.Store(0)
		fullDisk.noWrites.Store(false)
	})
}

// TestFirstImportOnFullDisk is issue 17's full disk: a first import into an empty store
// (side index) fails when the disk fills, and dies before its index is copied in. Read-only opens then work with no write at all
// and say how many papers the index lacks; an open to write does not fail for want of
// space to repair the index; the repair keeps what it indexed each time a little space
// was free, and with enough space the store ends as if the import had gone normally.
func TestFirstImportOnFullDisk(t *testing.T) {
	ctx := context.Background()
	useFullDisk(t)
	defer func(n int) { repairChunk = n }(repairChunk)
	repairChunk = 20
	path := filepath.Join(t.TempDir(), "first.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.BeginBulk(ctx); err != nil {
		t.Fatal(err)
	}
	if sideState(t, db) == "" {
		t.Fatal("no side index for a first import")
	}
	papers := benchGen.Papers(0, 250)
	bw := db.NewBulkWriter(50)
	for i := 0; i < 200; i += 50 {
		pb, err := PreparePapers(papers[i : i+50])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bw.Write(ctx, pb); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.write.ExecContext(ctx, "PRAGMA max_page_count = 1"); err != nil { // the disk fills up
		t.Fatal(err)
	}
	pb, err := PreparePapers(papers[200:])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bw.Write(ctx, pb); !isFull(err) {
		t.Fatalf("write on a full disk: got %v, want a full disk", err)
	}
	// The import dies there (no EndBulk): its side index is never copied in, and its word
	// counts cannot be written.
	db.Close()

	// Still full, and nothing may be written: the read-only commands work.
	fullDisk.pages.Store(1)
	fullDisk.noWrites.Store(true)
	ro, err := OpenReadOnly(ctx, path, nil)
	if err != nil {
		t.Fatalf("read-only open on a full disk: %v", err)
	}
	if n, err := ro.UnindexedPapers(ctx); err != nil || n != 200 {
		t.Errorf("unindexed papers: got %d, %v, want the 200 stored", n, err)
	}
	if st, err := ro.DeliveryStatus(ctx, ""); err != nil || st.Papers != 200 {
		t.Errorf("status: got %d papers, %v, want 200", st.Papers, err)
	}
	exported := 0
	if err := ro.ExportPapers(ctx, func(*paperboy.Paper) error { exported++; return nil }); err != nil || exported != 200 {
		t.Errorf("export: got %d papers, %v, want 200", exported, err)
	}
	if _, err := ro.Search(ctx, paperboy.SearchRequest{Query: paperboy.Query{Terms: []string{"model"}}}); err != nil {
		t.Errorf("search: %v", err)
	}
	if err := ro.Close(); err != nil {
		t.Errorf("close: %v", err)
	}

	// A command that writes opens the store although the repair does not fit.
	fullDisk.noWrites.Store(false)
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("open on a full disk: %v", err)
	}
	if n, _ := db.UnindexedPapers(ctx); n != 200 {
		t.Errorf("unindexed after a repair that did not fit: got %d, want 200", n)
	}
	db.Close()

	// A little more space at each open: the repair keeps what it indexed.
	prev, partial := 200, false
	for pages := int64(1); prev > 0; pages++ {
		if pages > 2000 {
			t.Fatalf("still %d papers unindexed", prev)
		}
		fullDisk.pages.Store(pages)
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("open with %d pages: %v", pages, err)
		}
		n, err := db.UnindexedPapers(ctx)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		if n > prev {
			t.Fatalf("unindexed papers rose from %d to %d: the repair lost its progress", prev, n)
		}
		partial = partial || n > 0 && n < 200
		prev = n
	}
	if !partial {
		t.Error("the repair never stopped part way: it needs all its space at once")
	}

	fullDisk.pages.Store(0)
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var state int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM store_state`).Scan(&state); err != nil || state != 0 {
		t.Fatalf("store_state rows after the repair: %d, %v", state, err)
	}
	if got := indexedRows(t, db); got != 200 {
		t.Fatalf("indexed after the repair: got %d, want 200", got)
	}
	if ids, _ := searchIDs(t, db, papers[123].Title); len(ids) == 0 || ids[0] != papers[123].Key() {
		t.Fatalf("search after the repair: got %v, want %s first", ids, papers[123].Key())
	}
	ref := MustOpenDB(t)
	if _, err := ref.UpsertPapers(ctx, papers[:200]); err != nil {
		t.Fatal(err)
	}
	if err := ref.flushWords(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := allWords(t, db), allWords(t, ref); !maps.Equal(got, want) {
		t.Fatalf("words after the repair: %d entries, want %d as in a store that stored the papers normally", len(got), len(want))
	}
}
