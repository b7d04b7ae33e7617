package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
)

func ftsConfig(t *testing.T, db *DB, key string) int {
	t.Helper()
	var v int
	if err := db.write.QueryRow(`SELECT v FROM papers_fts_config WHERE k = ?`, key).Scan(&v); err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return v
}

func wordDF(t *testing.T, db *DB, w string) int {
	t.Helper()
	var df int
	err := db.read.QueryRow(`SELECT COALESCE((SELECT df FROM words WHERE word = ?), 0)`, w).Scan(&df)
	if err != nil {
		t.Fatal(err)
	}
	return df
}

// TestBulkImport imports synthetic papers in bulk mode and checks the full-text index
// against its content, the word counts against the papers, and the settings restored.
func TestBulkImport(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	if err := db.BeginBulk(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := ftsConfig(t, db, "automerge"), 0; got != want {
		t.Fatalf("automerge during bulk: got %d, want %d", got, want)
	}
	const n, batch = 1800, 600
	want := map[string]int{}
	for from := 0; from < n; from += batch {
		ps := benchGen.Papers(from, batch)
		for _, p := range ps {
			seen := map[string]bool{}
			for _, w := range paperboy.Words(p.Title + " " + p.Abstract) {
				if !seen[w] {
					seen[w] = true
					want[w]++
				}
			}
		}
		st, err := db.UpsertPapers(ctx, ps)
		if err != nil {
			t.Fatal(err)
		}
		if got := (paperboy.UpsertStats{New: batch}); st != got {
			t.Fatalf("batch at %d: got %+v, want %+v", from, st, got)
		}
	}
	// Batches above smallBatchWords keep their counts pending until EndBulk.
	if got := wordDF(t, db, "model"); got != 0 {
		t.Fatalf("df(model) before EndBulk: got %d, want 0 (pending)", got)
	}
	if err := db.EndBulk(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := ftsConfig(t, db, "automerge"), normalAutomerge; got != want {
		t.Fatalf("automerge after bulk: got %d, want %d", got, want)
	}
	if _, err := db.write.Exec(`INSERT INTO papers_fts (papers_fts) VALUES ('integrity-check')`); err != nil {
		t.Fatalf("index integrity after bulk import: %v", err)
	}
	for _, w := range []string{"model", "learning", "data", "training", "reinforcement"} {
		if got := wordDF(t, db, w); got != want[w] || got == 0 {
			t.Errorf("df(%s): got %d, want %d (nonzero)", w, got, want[w])
		}
	}
	// The whole words table: every word of 2 to maxWordLen bytes that is not a number.
	for w := range want {
		if len(w) < 2 || len(w) > maxWordLen || isNumber(w) {
			delete(want, w)
		}
	}
	if got := allWords(t, db); !maps.Equal(got, want) {
		t.Errorf("words table: got %d words, want %d (or counts differ)", len(got), len(want))
	}
	if got := countPaperRows(t, db); got != n {
		t.Fatalf("rows: got %d, want %d", got, n)
	}
}

// allWords reads the words table.
func allWords(t *testing.T, db *DB) map[string]int {
	t.Helper()
	rows, err := db.read.Query(`SELECT word, df FROM words`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var w string
		var df int
		if err := rows.Scan(&w, &df); err != nil {
			t.Fatal(err)
		}
		out[w] = df
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBulkInterrupted: a process that dies between BeginBulk and EndBulk leaves the
// pending word counts written by Close and merging restored by the next Open.
func TestBulkInterrupted(t *testing.T) {
	ctx := context.Background()
	db, path := openBulkFile(t, "bulk.db")
	if _, err := db.UpsertPapers(ctx, benchGen.Papers(0, smallBatchWords+1)); err != nil {
		t.Fatal(err)
	}
	db = reopen(t, db, path)
	if got, want := ftsConfig(t, db, "automerge"), normalAutomerge; got != want {
		t.Fatalf("automerge after reopen: got %d, want %d", got, want)
	}
	if got := wordDF(t, db, "model"); got == 0 {
		t.Fatalf("df(model) after close: got 0, want the batch's count")
	}
}

// within runs fn and fails the test if it has not returned after a minute: the calls
// checked with it used to wait forever for the writer connection.
func within(t *testing.T, what string, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute):
		t.Fatalf("%s: still waiting after a minute", what)
		return nil
	}
}

// TestEndBulkWithOpenTransaction: EndBulk while the import's BulkWriter holds an open
// transaction returns an error and changes nothing (it used to wait forever for the
// writer connection); after the commit, EndBulk finishes the import as usual.
func TestEndBulkWithOpenTransaction(t *testing.T) {
	ctx := context.Background()
	db, _ := openBulkFile(t, "open.db")
	t.Cleanup(func() { db.Close() })
	papers := benchGen.Papers(0, smallBatchWords+1)
	bw := db.NewBulkWriter(10 * len(papers))
	if _, err := bw.Write(ctx, mustPrepare(t, papers)); err != nil || bw.Pending() != len(papers) {
		t.Fatalf("Write: %v, %d pending (want %d)", err, bw.Pending(), len(papers))
	}
	err := within(t, "EndBulk with a transaction open", func() error { return db.EndBulk(ctx) })
	if !errors.Is(err, errBulkOpen) {
		t.Fatalf("EndBulk with a transaction open: %v, want %v", err, errBulkOpen)
	}
	// (Read on the read pool: the open transaction holds the writer connection.)
	var side string
	var automerge int
	if err := db.read.QueryRow(`SELECT (SELECT v FROM store_state WHERE k = ?), (SELECT v FROM papers_fts_config WHERE k = 'automerge')`, sideKey).Scan(&side, &automerge); err != nil {
		t.Fatal(err)
	}
	if side == "" || automerge != 0 {
		t.Fatalf("a refused EndBulk changed the import: store_state %q, automerge %d", side, automerge)
	}
	if stats, err := bw.Commit(ctx); err != nil || stats.New != len(papers) {
		t.Fatalf("Commit: %+v, %v", stats, err)
	}
	if err := db.EndBulk(ctx); err != nil {
		t.Fatal(err)
	}
	if got := indexedRows(t, db); got != len(papers) || sideState(t, db) != "" {
		t.Fatalf("after EndBulk: %d papers indexed (want %d), store_state %q", got, len(papers), sideState(t, db))
	}
	if got := wordDF(t, db, "model"); got == 0 {
		t.Fatal("df(model) after EndBulk: 0, want the import's count")
	}
}

// TestCloseWithOpenTransaction: Close while a BulkWriter's transaction is open rolls it
// back (it used to wait forever); the store keeps the import's earlier commits, the next
// Open rebuilds their index, and the writer's next Commit or Write reports that the store
// closed (without panicking).
func TestCloseWithOpenTransaction(t *testing.T) {
	ctx := context.Background()
	for _, next := range []string{"Commit", "Write"} {
		t.Run(next, func(t *testing.T) {
			db, path := openBulkFile(t, "close.db")
			committed := benchGen.Papers(0, smallBatchWords+1)
			open := benchGen.Papers(len(committed), smallBatchWords+1)
			bw := db.NewBulkWriter(len(committed))
			if stats, err := bw.Write(ctx, mustPrepare(t, committed)); err != nil || stats.New != len(committed) {
				t.Fatalf("first Write: %+v, %v (want it committed)", stats, err)
			}
			bw.PerTx = 10 * len(open)
			if _, err := bw.Write(ctx, mustPrepare(t, open)); err != nil || bw.Pending() != len(open) {
				t.Fatalf("second Write: %v, %d pending", err, bw.Pending())
			}
			if err := within(t, "Close with a transaction open", db.Close); err != nil {
				t.Fatal(err)
			}
			var err error
			if next == "Commit" {
				_, err = bw.Commit(ctx)
			} else {
				_, err = bw.Write(ctx, mustPrepare(t, open))
			}
			if !errors.Is(err, errBulkClosed) {
				t.Fatalf("%s after Close: %v, want %v", next, err, errBulkClosed)
			}
			bw.Rollback() // nothing left to roll back: no effect
			db, err = Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if got := indexedRows(t, db); got != len(committed) || sideState(t, db) != "" {
				t.Fatalf("after reopen: %d papers indexed (want %d), store_state %q", got, len(committed), sideState(t, db))
			}
			var n int
			if err := db.read.QueryRow(`SELECT COUNT(*) FROM papers`).Scan(&n); err != nil || n != len(committed) {
				t.Fatalf("papers after reopen: %d, %v (want %d)", n, err, len(committed))
			}
			ids, _ := searchIDs(t, db, committed[3].Title)
			if len(ids) == 0 || ids[0] != committed[3].Key() {
				t.Fatalf("search for a committed title after reopen: %v, want %s first", ids, committed[3].Key())
			}
		})
	}
}

// TestCloseDuringWrite: Close from another goroutine while a BulkWriter is writing waits
// for the Write in progress, rolls its transaction back and closes; the writer's next
// call fails with an error (run with -race, this also checks the handover).
func TestCloseDuringWrite(t *testing.T) {
	ctx := context.Background()
	db, _ := openBulkFile(t, "closing.db")
	batches := make([]*PreparedPapers, 30)
	for i := range batches {
		batches[i] = mustPrepare(t, benchGen.Papers(300*i, 300))
	}
	bw := db.NewBulkWriter(1 << 30) // never commits on its own
	first, closed := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for i, b := range batches {
			if _, err := bw.Write(ctx, b); err != nil {
				done <- err
				return
			}
			if i == 0 {
				close(first)
			}
		}
		<-closed
		_, err := bw.Commit(ctx)
		done <- err
	}()
	<-first
	if err := within(t, "Close during a Write", db.Close); err != nil {
		t.Fatal(err)
	}
	close(closed)
	select {
	case err := <-done:
		if !errors.Is(err, errBulkClosed) && (err == nil || !strings.Contains(err.Error(), "database is closed")) {
			t.Fatalf("the writer after Close: %v, want %v", err, errBulkClosed)
		}
	case <-time.After(time.Minute):
		t.Fatal("the writer is still running a minute after Close")
	}
}

// TestEndBulkCanceled: EndBulk with a canceled context (cmd import cancels it when a batch
// fails) still copies the side index in and restores the normal index settings; the word
// counts it could not write stay pending, and Close writes them.
func TestEndBulkCanceled(t *testing.T) {
	ctx := context.Background()
	db, path := openBulkFile(t, "canceled.db")
	if sideState(t, db) == "" {
		t.Fatal("no side index for an import into an empty store")
	}
	papers := benchGen.Papers(0, smallBatchWords+1)
	if _, err := db.UpsertPapers(ctx, papers); err != nil {
		t.Fatal(err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := db.EndBulk(canceled); err == nil {
		t.Fatal("EndBulk with a canceled context: no error, want the word counts' error")
	}
	if got := indexedRows(t, db); got != len(papers) || sideState(t, db) != "" {
		t.Fatalf("after EndBulk: %d papers indexed (want %d), store_state %q", got, len(papers), sideState(t, db))
	}
	if got, want := ftsConfig(t, db, "automerge"), normalAutomerge; got != want {
		t.Fatalf("automerge after EndBulk: got %d, want %d", got, want)
	}
	if got := wordDF(t, db, "model"); got != 0 {
		t.Fatalf("df(model) written by a canceled EndBulk: %d", got)
	}
	db = reopen(t, db, path)
	ref := MustOpenDB(t)
	mustUpsert(t, ref, papers...)
	if err := ref.flushWords(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := allWords(t, db), allWords(t, ref); len(want) < 1000 || !maps.Equal(got, want) {
		t.Fatalf("words after Close: %d entries, want %d (over 1000) and the same counts", len(got), len(want))
	}
}

// TestUpsertBatchKeys covers the one-lookup-per-batch path: papers matching stored rows
// by DOI, and papers matching rows the same batch inserted or changed (by arXiv id, and
// by a title that an earlier update in the batch gave the row).
func TestUpsertBatchKeys(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	stored := mustPaper(t, paperboy.Paper{Title: "Graph Networks at Scale", DOI: "10.1234/gns", Sources: []string{"rss"}})
	mustUpsert(t, db, stored)

	v1 := mustPaper(t, arxivPaper("2401.00001", 1, "Alpha Attention"))
	v2 := mustPaper(t, arxivPaper("2401.00001", 2, "Alpha Attention Revised"))
	byDOI := mustPaper(t, arxivPaper("2402.00002", 1, "Graph networks at scale"))
	byDOI.DOI = "10.1234/gns"
	byTitle := mustPaper(t, paperboy.Paper{Title: "Alpha attention, revised", Sources: []string{"rss"}})
	fresh := mustPaper(t, arxivPaper("2403.00003", 1, "Something Else Entirely"))
	st, err := db.UpsertPapers(ctx, []paperboy.Paper{v1, byDOI, v2, byTitle, fresh})
	if err != nil {
		t.Fatal(err)
	}
	if want := (paperboy.UpsertStats{New: 2, Updated: 1, Duplicates: 2}); st != want {
		t.Fatalf("stats: got %+v, want %+v", st, want)
	}
	if got, want := countPaperRows(t, db), 3; got != want {
		t.Fatalf("rows: got %d, want %d", got, want)
	}
	a := mustFindPaper(t, db, "2401.00001")
	if a.Title != v2.Title || a.Version != 2 || !slices.Contains(a.Sources, "rss") {
		t.Fatalf("2401.00001: got title %q version %d sources %v, want %q, 2, with rss", a.Title, a.Version, a.Sources, v2.Title)
	}
	g := mustFindPaper(t, db, "10.1234/gns")
	if g.ArxivID != "2402.00002" || g.ID != "2402.00002" {
		t.Fatalf("DOI paper: got arxiv id %q id %q, want 2402.00002 for both", g.ArxivID, g.ID)
	}
}

// TestUpsertBatchKeysInvalidUTF8: keys that JSON cannot carry unchanged (papers given
// with an ID skip Normalize, so their DOI is stored as given) still match stored rows.
func TestUpsertBatchKeysInvalidUTF8(t *testing.T) {
	db := MustOpenDB(t)
	const doi = "10.1234/ab\xffc"
	first := paperboy.Paper{ID: "doi:" + doi, DOI: doi, Title: "Broken Bytes"}
	mustUpsert(t, db, first)
	again := paperboy.Paper{ID: "doi:" + doi, DOI: doi, Title: "Broken Bytes, Retitled", Sources: []string{"rss"}}
	if got, want := mustUpsert(t, db, again), (paperboy.UpsertStats{Updated: 1}); got != want {
		t.Fatalf("second sighting: got %+v, want %+v", got, want)
	}
	if got, want := countPaperRows(t, db), 1; got != want {
		t.Fatalf("rows: got %d, want %d", got, want)
	}
}

// TestBulkWriter writes prepared batches through one BulkWriter: a transaction spans
// batches until it holds PerTx papers, a duplicate inside it counts once, and a failing
// Write rolls back only the open transaction.
func TestBulkWriter(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	if err := db.BeginBulk(ctx); err != nil {
		t.Fatal(err)
	}
	w := db.NewBulkWriter(5)
	prep := func(from, n int) *PreparedPapers {
		t.Helper()
		pb, err := PreparePapers(benchGen.Papers(from, n))
		if err != nil {
			t.Fatal(err)
		}
		return pb
	}
	stored := func() int {
		t.Helper()
		var n int
		if err := db.read.QueryRow(`SELECT COUNT(*) FROM papers`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	steps := []struct {
		name    string
		batch   *PreparedPapers
		want    paperboy.UpsertStats // committed by this Write
		pending int
		stored  int
	}{
		{"first batch stays open", prep(0, 3), paperboy.UpsertStats{}, 3, 0},
		{"second batch commits both", prep(3, 3), paperboy.UpsertStats{New: 6}, 0, 6},
		{"a repeat inside the next transaction", prep(5, 3), paperboy.UpsertStats{}, 3, 6},
	}
	for _, s := range steps {
		st, err := w.Write(ctx, s.batch)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if st != s.want || w.Pending() != s.pending || stored() != s.stored {
			t.Fatalf("%s: got stats %+v, pending %d, stored %d; want %+v, %d, %d", s.name, st, w.Pending(), stored(), s.want, s.pending, s.stored)
		}
	}
	// A batch written twice fails: the open transaction (papers 6 and 7 and the repeat
	// of 5) is rolled back, the committed one stays.
	again := prep(8, 1)
	if _, err := w.Write(ctx, again); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(ctx, again); err == nil {
		t.Fatal("writing a prepared batch twice: got no error")
	}
	if w.Pending() != 0 || stored() != 6 {
		t.Fatalf("after the failed write: pending %d, stored %d; want 0, 6", w.Pending(), stored())
	}
	st, err := w.Write(ctx, prep(5, 5))
	if err != nil {
		t.Fatal(err)
	}
	if want := (paperboy.UpsertStats{New: 4, Duplicates: 1}); st != want {
		t.Fatalf("retry: got %+v, want %+v", st, want)
	}
	if err := db.EndBulk(ctx); err != nil {
		t.Fatal(err)
	}
	// Word counts cover exactly the stored papers, each paper once.
	df := map[string]int{}
	for _, p := range benchGen.Papers(0, 10) {
		seen := map[string]bool{}
		for _, w := range paperboy.Words(p.Title + " " + p.Abstract) {
			if !seen[w] && len(w) >= 2 && !isNumber(w) {
				seen[w] = true
				df[w]++
			}
		}
	}
	for w, want := range df {
		if got := wordDF(t, db, w); got != want {
			t.Errorf("df(%q): got %d, want %d", w, got, want)
		}
	}
}

// TestWriteWords checks the multi-row upsert of word counts: new words inserted, stored
// ones incremented, counts reaching zero deleted, zero changes skipped, across statement
// boundaries (full statements of wordsPerInsert words and a shorter last one).
func TestWriteWords(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	n := 2*wordsPerInsert + 3
	first := map[string]int{}
	for i := range n {
		first[fmt.Sprintf("w%05d", i)] = i%7 + 1
	}
	if err := db.update(ctx, func(tx *sql.Tx) error { return writeWords(ctx, tx, first) }); err != nil {
		t.Fatal(err)
	}
	if got := allWords(t, db); !maps.Equal(got, first) {
		t.Fatalf("after the first write: got %d words, want %d (or counts differ)", len(got), len(first))
	}
	second := map[string]int{
		"w00000": 2,             // 1 -> 3
		"w00001": -2,            // 2 -> 0: deleted
		"w00002": 0,             // unchanged
		"w00999": -1,            // 5 -> 4
		"new":    4,             // inserted
		"w01002": -(1002%7 + 1), // last word -> 0: deleted
	}
	want := maps.Clone(first)
	for w, d := range second {
		if want[w] += d; want[w] == 0 {
			delete(want, w)
		}
	}
	if err := db.update(ctx, func(tx *sql.Tx) error { return writeWords(ctx, tx, second) }); err != nil {
		t.Fatal(err)
	}
	if got := allWords(t, db); !maps.Equal(got, want) {
		t.Fatalf("after the second write: got %d words, want %d (or counts differ)", len(got), len(want))
	}
	if err := db.update(ctx, func(tx *sql.Tx) error { return writeWords(ctx, tx, nil) }); err != nil {
		t.Fatalf("empty write: %v", err)
	}
}

// BenchmarkWriteWords writes the word counts of a bulk import (200 000 distinct words,
// sorted) into an empty words table: writeWords' multi-row statements, and as the
// baseline in the same run one prepared upsert per word (what writeWords did before).
func BenchmarkWriteWords(b *testing.B) {
	ctx := context.Background()
	words := map[string]int{}
	for i := range 200_000 {
		words[fmt.Sprintf("word%06d", i)] = i%50 + 1
	}
	run := func(b *testing.B, write func(tx *sql.Tx) error) {
		for range b.N {
			b.StopTimer()
			db := MustOpenDB(b)
			b.StartTimer()
			if err := db.update(ctx, write); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(words)), "ns/word")
	}
	b.Run("multirow", func(b *testing.B) {
		run(b, func(tx *sql.Tx) error { return writeWords(ctx, tx, words) })
	})
	b.Run("baseline_row_by_row", func(b *testing.B) {
		run(b, func(tx *sql.Tx) error {
			st, err := tx.Prepare(`INSERT INTO words (word, df) VALUES (?, ?)
				ON CONFLICT (word) DO UPDATE SET df = df + excluded.df`)
			if err != nil {
				return err
			}
			defer st.Close()
			keys := slices.Sorted(maps.Keys(words))
			for _, w := range keys {
				if _, err := st.Exec(w, words[w]); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// ftsSegments is the number of segments of the full-text index.
func ftsSegments(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	if err := db.write.QueryRow(`SELECT COUNT(DISTINCT segid) FROM papers_fts_idx`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestEndBulkMergesLargeImports: EndBulk merges the full-text index into one segment after
// an import that wrote at least 1/optimizeShare of the stored papers, and leaves a small
// import's segment to incremental merging (optimize would rewrite the whole index). The
// index stays whole and searchable either way.
func TestEndBulkMergesLargeImports(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	bulk := func(papers []paperboy.Paper) {
		t.Helper()
		if err := db.BeginBulk(ctx); err != nil {
			t.Fatal(err)
		}
		for from := 0; from < len(papers); from += 600 {
			if _, err := db.UpsertPapers(ctx, papers[from:min(from+600, len(papers))]); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.EndBulk(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := db.write.Exec(`INSERT INTO papers_fts (papers_fts) VALUES ('integrity-check')`); err != nil {
			t.Fatalf("index integrity: %v", err)
		}
	}
	bulk(benchGen.Papers(0, 1800)) // into an empty store: everything
	if got := ftsSegments(t, db); got != 1 {
		t.Fatalf("segments after the first import: got %d, want 1", got)
	}
	small := benchGen.Papers(1800, 100)
	bulk(small) // 100 of 1900: left to incremental merging
	if got := ftsSegments(t, db); got != 2 {
		t.Fatalf("segments after a small import: got %d, want 2 (not merged)", got)
	}
	if got, want := ftsConfig(t, db, "automerge"), normalAutomerge; got != want {
		t.Fatalf("automerge after a small import: got %d, want %d", got, want)
	}
	// The small import's papers are found, and their words counted.
	res, err := db.Search(ctx, paperboy.SearchRequest{Query: paperboy.Query{Terms: strings.Fields(small[7].Title)}, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) == 0 || res.Hits[0].Paper.Title != small[7].Title {
		t.Fatalf("search for a paper of the small import: got %d hits, want %q first", len(res.Hits), small[7].Title)
	}
	bulk(benchGen.Papers(1900, 700)) // 700 of 2600: at least a quarter
	if got := ftsSegments(t, db); got != 1 {
		t.Fatalf("segments after a large import: got %d, want 1", got)
	}
}

// TestSpellingUsesPendingCounts: during a bulk import word counts stay in memory (not yet
// in the words table), and spelling correction still finds a word only they hold. The
// store holds a paper already, so the import writes papers_fts directly and its papers
// are searchable before EndBulk (into an empty store they are not: sideindex.go).
func TestSpellingUsesPendingCounts(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	mustUpsert(t, db, benchGen.Papers(100000, 1)[0])
	if err := db.BeginBulk(ctx); err != nil {
		t.Fatal(err)
	}
	papers := benchGen.Papers(0, smallBatchWords+1)
	papers[42].Title = "Zeolitic frameworks for carbon capture"
	papers[42].Abstract = "We study zeolitic imidazolate frameworks."
	if _, err := db.UpsertPapers(ctx, papers); err != nil {
		t.Fatal(err)
	}
	if got := wordDF(t, db, "zeolitic"); got != 0 {
		t.Fatalf("df(zeolitic) in the words table before EndBulk: got %d, want 0 (pending)", got)
	}
	if got := db.pendingDF("zeolitic"); got != 1 {
		t.Fatalf("pending df(zeolitic): got %d, want 1", got)
	}
	ids, res := searchIDs(t, db, "zeolitc frameworks")
	if res.Corrected != "zeolitic frameworks" {
		t.Fatalf("corrected: got %q, want %q", res.Corrected, "zeolitic frameworks")
	}
	if len(ids) == 0 || ids[0] != papers[42].Key() {
		t.Fatalf("hits: got %v, want %s first", ids, papers[42].Key())
	}
	if err := db.EndBulk(ctx); err != nil {
		t.Fatal(err)
	}
	if got := wordDF(t, db, "zeolitic"); got != 1 {
		t.Fatalf("df(zeolitic) after EndBulk: got %d, want 1", got)
	}
}
