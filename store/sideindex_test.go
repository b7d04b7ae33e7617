package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mattn/go-sqlite3"
	"github.com/paperboy-bot/paperboy"
)

// sideState returns the side file a store names in store_state ("" when none).
func sideState(t *testing.T, db *DB) string {
	t.Helper()
	var v string
	err := db.write.QueryRow(`SELECT v FROM store_state WHERE k = ?`, sideKey).Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		t.Fatal(err)
	}
	return v
}

// indexedRows is the number of papers in papers_fts.
func indexedRows(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	if err := db.write.QueryRow(`SELECT COUNT(*) FROM papers_fts_docsize`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func storedRows(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	if err := db.write.QueryRow(`SELECT COUNT(*) FROM papers`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// openBulkFile creates a store file named name in a temporary directory and begins a
// bulk import into it (with a side index: the store is empty). It returns the store, which
// the caller closes, and its path.
func openBulkFile(t *testing.T, name string) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.BeginBulk(context.Background()); err != nil {
		db.Close()
		t.Fatal(err)
	}
	return db, path
}

// reopen closes db and opens its file again, as the next process would; the test's end
// closes the new store.
func reopen(t *testing.T, db *DB, path string) *DB {
	t.Helper()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustPrepare(t *testing.T, papers []paperboy.Paper) *PreparedPapers {
	t.Helper()
	pb, err := PreparePapers(papers)
	if err != nil {
		t.Fatal(err)
	}
	return pb
}

// sideQueries exercise title and abstract terms, authors, categories, prefixes and
// spelling correction.
var sideQueries = []string{"model", "reinforcement learning", "graph neural", "diffusion images cat:cs.CV",
	"sparse attention long context", "training sort:new", "languag", "reinforcment learnign"}

// TestSideIndexMatchesDirect imports the same batches (updates of earlier papers among
// them) into an empty store with the side index and with papers_fts written directly,
// and expects the same index and the same search answers, scores included. During the
// import the side store names its side file and its new papers are not searchable yet.
func TestSideIndexMatchesDirect(t *testing.T) {
	ctx := context.Background()
	const n, batch, perTx = 2400, 400, 1000
	changed := benchGen.Papers(7, 1)[0]
	changed.Abstract = "An entirely rewritten abstract about quokka behaviour."
	changed.Version++ // a later version: its abstract replaces the stored one
	changed.ID = ""
	run := func(noSide bool) *DB {
		db := MustOpenDB(t)
		db.noSide = noSide
		if err := db.BeginBulk(ctx); err != nil {
			t.Fatal(err)
		}
		side := sideState(t, db)
		if noSide != (side == "") {
			t.Fatalf("noSide=%v: store_state names side file %q", noSide, side)
		}
		w := db.NewBulkWriter(perTx)
		for from := 0; from < n; from += batch {
			papers := benchGen.Papers(from, batch)
			if from == 1200 { // a later version of a paper of an earlier transaction
				papers = append(papers, changed)
			}
			if _, err := w.Write(ctx, mustPrepare(t, papers)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := w.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if !noSide {
			if _, err := os.Stat(side); err != nil {
				t.Fatalf("side file during the import: %v", err)
			}
			if ids, _ := searchIDs(t, db, "quokka"); len(ids) != 0 {
				t.Fatalf("papers searchable before EndBulk copied the side index: %v", ids)
			}
		}
		if err := db.EndBulk(ctx); err != nil {
			t.Fatal(err)
		}
		if got := sideState(t, db); got != "" {
			t.Fatalf("store_state after EndBulk: %q", got)
		}
		if side != "" {
			if _, err := os.Stat(side); !os.IsNotExist(err) {
				t.Fatalf("side file after EndBulk: %v", err)
			}
		}
		return db
	}
	direct, side := run(true), run(false)
	if got, want := indexedRows(t, side), storedRows(t, side); got != want || got != n {
		t.Fatalf("side store: %d papers indexed, %d stored, want %d", got, want, n)
	}
	if got := ftsSegments(t, side); got != 1 {
		t.Fatalf("segments after the copy: got %d, want 1", got)
	}
	if ids, _ := searchIDs(t, side, "quokka"); !slices.Equal(ids, []string{changed.Key()}) {
		t.Fatalf("updated abstract: got %v, want [%s]", ids, changed.Key())
	}
	same := func(when string) {
		t.Helper()
		if _, err := side.write.Exec(`INSERT INTO papers_fts (papers_fts, rank) VALUES ('integrity-check', 0)`); err != nil {
			t.Fatalf("%s: integrity-check of the copied index: %v", when, err)
		}
		for _, q := range sideQueries {
			want, wres := searchIDs(t, direct, q)
			got, gres := searchIDs(t, side, q)
			if len(want) == 0 {
				t.Fatalf("%s: %q: no hits in the direct store; the query tests nothing", when, q)
			}
			if !slices.Equal(got, want) || gres.Corrected != wres.Corrected {
				t.Fatalf("%s: %q: side index gives %v (%q), direct index %v (%q)", when, q, got, gres.Corrected, want, wres.Corrected)
			}
			for i := range gres.Hits {
				if gres.Hits[i].Score != wres.Hits[i].Score {
					t.Fatalf("%s: %q hit %d: score %v with the side index, %v direct", when, q, i, gres.Hits[i].Score, wres.Hits[i].Score)
				}
			}
		}
	}
	same("after the copy")
	// EndBulk writes the word counts while the side index merges: the same counts.
	if got, want := allWords(t, side), allWords(t, direct); len(want) < 1000 || !maps.Equal(got, want) {
		t.Fatalf("words table: %d entries with the side index, %d direct (want equal, over 1000)", len(got), len(want))
	}
	// Later updates (the bot's, after the import) delete rows from the copied segment
	// (FTS5 finds a row's segment by the origin in its docsize entry, copied too) and add
	// new segments.
	later := benchGen.Papers(40, 6)
	for _, p := range later {
		if ids, _ := searchIDs(t, side, `"`+p.Title+`"`); !slices.Contains(ids, p.Key()) {
			t.Fatalf("%s is not found by its title %q before the update: %v", p.Key(), p.Title, ids)
		}
	}
	for i := range later {
		later[i].Version++
		later[i].Title = fmt.Sprintf("Walrus migration study %d", i)
		later[i].Abstract = "How walruses cross the ice, counted from the air."
	}
	for _, db := range []*DB{direct, side} {
		if _, err := db.UpsertPapers(ctx, later); err != nil {
			t.Fatal(err)
		}
	}
	if ids, _ := searchIDs(t, side, "walrus"); len(ids) != len(later) {
		t.Fatalf("walrus after the updates: %d hits, want %d", len(ids), len(later))
	}
	for _, p := range benchGen.Papers(40, 6) {
		ids, _ := searchIDs(t, side, `"`+p.Title+`"`)
		if slices.Contains(ids, p.Key()) {
			t.Fatalf("%s is still found by its old title %q", p.Key(), p.Title)
		}
	}
	same("after later updates")
	for _, db := range []*DB{direct, side} {
		if err := db.Optimize(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := ftsSegments(t, side); got != 1 {
		t.Fatalf("segments after Optimize: got %d, want 1", got)
	}
	same("after Optimize")
}

// TestSideIndexRollback: a transaction that fails after some of its batches reached the
// side index leaves none of them in the final index.
func TestSideIndexRollback(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	if err := db.BeginBulk(ctx); err != nil {
		t.Fatal(err)
	}
	if sideState(t, db) == "" {
		t.Fatal("no side index for an import into an empty store")
	}
	w := db.NewBulkWriter(1000)
	for from := 0; from < 600; from += 300 { // one committed transaction
		if _, err := w.Write(ctx, mustPrepare(t, benchGen.Papers(from, 300))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(ctx, mustPrepare(t, benchGen.Papers(600, 300))); err != nil { // left open
		t.Fatal(err)
	}
	again := mustPrepare(t, benchGen.Papers(900, 300))
	if _, err := w.Write(ctx, again); err != nil { // reaches the side index, uncommitted
		t.Fatal(err)
	}
	if _, err := w.Write(ctx, again); err == nil { // fails: the transaction rolls back
		t.Fatal("a prepared batch written twice: no error")
	}
	if err := db.EndBulk(ctx); err != nil {
		t.Fatal(err)
	}
	if got, stored := indexedRows(t, db), storedRows(t, db); got != 600 || stored != 600 {
		t.Fatalf("after a rolled-back transaction: %d indexed, %d stored, want 600 and 600", got, stored)
	}
	if ids, _ := searchIDs(t, db, benchGen.Papers(950, 1)[0].Title); slices.Contains(ids, benchGen.Papers(950, 1)[0].Key()) {
		t.Fatalf("a rolled-back paper is in the index")
	}
}

// TestSideIndexDiskFull: when the side file cannot grow (a full disk; here max_page_count
// caps it), the import itself goes on, and EndBulk rebuilds the index from the papers
// instead of copying the side file: every paper ends up searchable, the words counted,
// and the side file removed.
func TestSideIndexDiskFull(t *testing.T) {
	ctx := context.Background()
	db, _ := openBulkFile(t, "sidefull.db")
	defer db.Close()
	side := sideState(t, db)
	// The worker waits for its first batch: its connection is free. A small hashsize makes
	// FTS5 write its terms out (and hit the cap) during the import, not at its end.
	for _, q := range []string{`PRAGMA max_page_count = 40`, `INSERT INTO papers_fts (papers_fts, rank) VALUES ('hashsize', 100000)`} {
		if _, err := db.side.conn.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	papers := benchGen.Papers(0, 1200)
	w := db.NewBulkWriter(600)
	for from := 0; from < len(papers); from += 300 {
		if _, err := w.Write(ctx, mustPrepare(t, papers[from:from+300])); err != nil {
			t.Fatalf("write at %d: %v (the side index's failure must not stop the import)", from, err)
		}
	}
	if _, err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var serr sqlite3.Error
	if err := db.side.stop(); !errors.As(err, &serr) || serr.Code != sqlite3.ErrFull || !strings.Contains(err.Error(), "side index: paper") {
		t.Fatalf("side worker after filling its file: %v, want SQLITE_FULL while indexing a paper", err)
	}
	if err := db.EndBulk(ctx); err != nil {
		t.Fatal(err)
	}
	if got, stored := indexedRows(t, db), storedRows(t, db); got != len(papers) || stored != len(papers) {
		t.Fatalf("after the rebuild: %d indexed, %d stored, want %d", got, stored, len(papers))
	}
	if ids, _ := searchIDs(t, db, papers[1000].Title); len(ids) == 0 || ids[0] != papers[1000].Key() {
		t.Fatalf("search after the rebuild: %v, want %s first", ids, papers[1000].Key())
	}
	if got := wordDF(t, db, "model"); got == 0 {
		t.Fatal("df(model) after EndBulk: 0")
	}
	if _, err := os.Stat(side); !os.IsNotExist(err) || sideState(t, db) != "" {
		t.Fatalf("side file %s after EndBulk: stat %v, store_state %q", side, err, sideState(t, db))
	}
}

// TestSideIndexRecovery: an import that dies before EndBulk leaves papers without index
// entries; the next Open rebuilds the index from the papers.
func TestSideIndexRecovery(t *testing.T) {
	ctx := context.Background()
	db, path := openBulkFile(t, "crash.db")
	side := sideState(t, db)
	if side == "" {
		t.Fatal("no side index for an import into an empty store")
	}
	papers := benchGen.Papers(0, 1200) // more than smallBatchWords: counts stay pending
	if _, err := db.UpsertPapers(ctx, papers); err != nil {
		t.Fatal(err)
	}
	// No EndBulk: the process "dies", and with it the word counts it had not written.
	ws := db.settledWords()
	ws.mu.Lock()
	ws.pending.reset()
	ws.mu.Unlock()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	orphan := path + "-bulkindex-1-1" // a side file no store_state row names
	if err := os.WriteFile(orphan, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := sideState(t, db); got != "" {
		t.Fatalf("store_state after recovery: %q", got)
	}
	if got := indexedRows(t, db); got != len(papers) {
		t.Fatalf("after recovery: %d papers indexed, want %d", got, len(papers))
	}
	if ids, _ := searchIDs(t, db, papers[123].Title); len(ids) == 0 || ids[0] != papers[123].Key() {
		t.Fatalf("search by title after recovery: got %v, want %s first", ids, papers[123].Key())
	}
	for _, f := range []string{side, orphan} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Fatalf("%s after recovery: %v", f, err)
		}
	}
	// The words table was recounted: the same as a store that stored the papers normally.
	ref := MustOpenDB(t)
	if _, err := ref.UpsertPapers(ctx, papers); err != nil {
		t.Fatal(err)
	}
	if err := ref.flushWords(ctx); err != nil {
		t.Fatal(err)
	}
	got, want := allWords(t, db), allWords(t, ref)
	if len(want) < 1000 {
		t.Fatalf("reference store counts %d words", len(want))
	}
	if !maps.Equal(got, want) {
		n := 0
		for w, df := range want {
			if got[w] != df && n < 5 {
				t.Errorf("word %q: df %d after recovery, want %d", w, got[w], df)
				n++
			}
		}
		t.Fatalf("words after recovery: %d entries, want %d", len(got), len(want))
	}
}

// TestSideIndexSharedStore: a second process opening the store during the import leaves
// the running import's side file alone; when that process also writes papers (so
// papers_fts is no longer empty), EndBulk rebuilds the index instead of copying over it.
func TestSideIndexSharedStore(t *testing.T) {
	ctx := context.Background()
	imp, path := openBulkFile(t, "shared.db")
	defer imp.Close()
	side := sideState(t, imp)
	imported := benchGen.Papers(0, 400)
	if _, err := imp.UpsertPapers(ctx, imported); err != nil {
		t.Fatal(err)
	}
	bot, err := Open(ctx, path) // the held side file is not mistaken for a dead import's
	if err != nil {
		t.Fatal(err)
	}
	defer bot.Close()
	if got := sideState(t, bot); got != side {
		t.Fatalf("store_state after a second Open: %q, want %q", got, side)
	}
	if got := indexedRows(t, bot); got != 0 {
		t.Fatalf("second Open rebuilt the index of a running import: %d rows", got)
	}
	own := benchGen.Papers(5000, 1)
	mustUpsert(t, bot, own...)
	if err := imp.EndBulk(ctx); err != nil {
		t.Fatal(err)
	}
	if got := indexedRows(t, bot); got != len(imported)+1 {
		t.Fatalf("after EndBulk: %d papers indexed, want %d", got, len(imported)+1)
	}
	for _, p := range []paperboy.Paper{imported[17], own[0]} {
		if ids, _ := searchIDs(t, bot, p.Title); len(ids) == 0 || ids[0] != p.Key() {
			t.Fatalf("search %q: got %v, want %s first", p.Title, ids, p.Key())
		}
	}
}

// TestSideIndexOnlyIntoEmptyStore: an import into a store that holds papers writes
// papers_fts directly.
func TestSideIndexOnlyIntoEmptyStore(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	mustUpsert(t, db, benchGen.Papers(0, 1)...)
	if err := db.BeginBulk(ctx); err != nil {
		t.Fatal(err)
	}
	if got := sideState(t, db); got != "" {
		t.Fatalf("side index for an import into a store with papers: %q", got)
	}
	if err := db.EndBulk(ctx); err != nil {
		t.Fatal(err)
	}
}
