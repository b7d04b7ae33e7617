package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/internal/synth"
)

// benchPapers is the corpus size for benchmarks: PAPERBOY_BENCH_PAPERS, default 20000 so
// `go test -bench` stays quick; BENCHMARKS.md records 100k and 1M runs.
func benchPapers(tb testing.TB) int {
	if s := os.Getenv("PAPERBOY_BENCH_PAPERS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			tb.Fatalf("PAPERBOY_BENCH_PAPERS=%q: want a positive number", s)
		}
		return n
	}
	return 20000
}

const benchBatch = 2000

// bulkBenchBatch is the size of the prepared chunks in store_bulk (`paperboy import` uses
// chunks of 1000 to keep its memory small; the transaction size, bulkBenchTx, is the same).
const bulkBenchBatch = 5000

// bulkBenchTx is papers per transaction in store_bulk (paperboy import's default).
const bulkBenchTx = 25000

var benchGen = synth.Generator{Seed: 1}

// BenchmarkUpsert imports the synthetic corpus into a fresh store through UpsertPapers in
// batches (store), as `paperboy import` does (store_bulk), and, as baselines, through
// plain row-by-row inserts into papers plus an FTS5 index with SQLite's porter tokenizer:
// prepared statements and 5000 per transaction (baseline_prepared_fts5), or kept by a
// trigger with a statement per row, 2000 per transaction (baseline_rowwise_fts5, what a
// first implementation does). Generating the papers is not timed.
func BenchmarkUpsert(b *testing.B) {
	n := benchPapers(b)
	b.Run("store", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			db := MustOpenDB(b)
			b.StartTimer()
			for from := 0; from < n; from += benchBatch {
				b.StopTimer()
				batch := benchGen.Papers(from, min(benchBatch, n-from))
				for i := range batch {
					batch[i].Quiet = true
				}
				b.StartTimer()
				if _, err := db.UpsertPapers(context.Background(), batch); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "papers/s")
	})
	// store_bulk is what `paperboy import` does: bulk mode, chunks of 5000 prepared
	// (PreparePapers: normalizing, index terms, word counts) on another goroutine while
	// a BulkWriter writes the previous one, committing every 25 000 papers, and EndBulk
	// (word counts written, index merged into one segment), all timed.
	b.Run("store_bulk", func(b *testing.B) {
		ctx := context.Background()
		var batches [][]paperboy.Paper
		for from := 0; from < n; from += bulkBenchBatch {
			batch := benchGen.Papers(from, min(bulkBenchBatch, n-from))
			for i := range batch {
				batch[i].Quiet = true
			}
			batches = append(batches, batch)
		}
		b.ResetTimer()
		for range b.N {
			b.StopTimer()
			db := MustOpenDB(b)
			b.StartTimer()
			if err := db.BeginBulk(ctx); err != nil {
				b.Fatal(err)
			}
			ready := make(chan *PreparedPapers, 1)
			go func() {
				defer close(ready)
				for _, batch := range batches {
					pb, err := PreparePapers(batch)
					if err != nil {
						panic(err)
					}
					ready <- pb
				}
			}()
			w := db.NewBulkWriter(bulkBenchTx)
			for pb := range ready {
				if _, err := w.Write(ctx, pb); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := w.Commit(ctx); err != nil {
				b.Fatal(err)
			}
			if err := db.EndBulk(ctx); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "papers/s")
	})
	b.Run("baseline_prepared_fts5", func(b *testing.B) { baselinePrepared(b, n) })
	b.Run("baseline_rowwise_fts5", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			db := openBaseline(b)
			b.StartTimer()
			for from := 0; from < n; from += benchBatch {
				b.StopTimer()
				batch := benchGen.Papers(from, min(benchBatch, n-from))
				b.StartTimer()
				if err := baselineInsert(db, batch); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "papers/s")
	})
}

// baseline_prepared_fts5 is the plain row-by-row insert done carefully: prepared
// statements, 5000 papers per transaction, the row then its index entry (SQLite's porter
// tokenizer over title and abstract), no word counts, no lookups, no final merge. It is
// the "plain row-by-row FTS5 insert" the import goal is set against.
func baselinePrepared(b *testing.B, n int) {
	for range b.N {
		b.StopTimer()
		db := openBaseline(b)
		if _, err := db.Exec(`DROP TRIGGER papers_ai`); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for from := 0; from < n; from += bulkBenchBatch {
			b.StopTimer()
			batch := benchGen.Papers(from, min(bulkBenchBatch, n-from))
			b.StartTimer()
			tx, err := db.Begin()
			if err != nil {
				b.Fatal(err)
			}
			row, err := tx.Prepare(`INSERT INTO papers (id, arxiv_id, version, title, abstract, authors, categories, published, updated, abs_url, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
			if err != nil {
				b.Fatal(err)
			}
			idx, err := tx.Prepare(`INSERT INTO papers_fts (rowid, title, abstract) VALUES (?, ?, ?)`)
			if err != nil {
				b.Fatal(err)
			}
			for _, p := range batch {
				res, err := row.Exec(p.ID, p.ArxivID, p.Version, p.Title, p.Abstract, strings.Join(p.Authors, ", "), strings.Join(p.Categories, " "),
					p.Published.Unix(), p.Updated.Unix(), p.AbsURL, time.Now().Unix())
				if err != nil {
					b.Fatal(err)
				}
				seq, err := res.LastInsertId()
				if err != nil {
					b.Fatal(err)
				}
				if _, err := idx.Exec(seq, p.Title, p.Abstract); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "papers/s")
}

// openBaseline opens a database with the starter schema: papers plus an external-content
// FTS5 table kept in sync by an AFTER INSERT trigger.
func openBaseline(tb testing.TB) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite3", dsn(filepath.Join(tb.TempDir(), "baseline.db"), false))
	if err != nil {
		tb.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	tb.Cleanup(func() { db.Close() })
	for _, q := range []string{
		`CREATE TABLE papers (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, arxiv_id TEXT NOT NULL,
			version INTEGER NOT NULL, title TEXT NOT NULL, abstract TEXT NOT NULL, authors TEXT NOT NULL,
			categories TEXT NOT NULL, published INTEGER NOT NULL, updated INTEGER NOT NULL, abs_url TEXT NOT NULL,
			created_at INTEGER NOT NULL)`,
		`CREATE VIRTUAL TABLE papers_fts USING fts5(title, abstract, content='papers', content_rowid='seq', tokenize='porter unicode61 remove_diacritics 2')`,
		`CREATE TRIGGER papers_ai AFTER INSERT ON papers BEGIN
			INSERT INTO papers_fts (rowid, title, abstract) VALUES (new.seq, new.title, new.abstract); END`,
	} {
		if _, err := db.Exec(q); err != nil {
			tb.Fatal(err)
		}
	}
	return db
}

func baselineInsert(db *sql.DB, papers []paperboy.Paper) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, p := range papers {
		_, err := tx.Exec(`INSERT INTO papers (id, arxiv_id, version, title, abstract, authors, categories, published, updated, abs_url, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			p.ID, p.ArxivID, p.Version, p.Title, p.Abstract, strings.Join(p.Authors, ", "), strings.Join(p.Categories, " "),
			p.Published.Unix(), p.Updated.Unix(), p.AbsURL, time.Now().Unix())
		if err != nil {
			return err
		}
	}
	return tx.Commit()
}

// benchDB returns a store holding the first n synthetic papers, built once into a file
// under os.TempDir() keyed by size, generator version and migrations, and reused by later runs.
func benchDB(b *testing.B, n int) *DB {
	b.Helper()
	h := sha256.New()
	names, _ := fs.Glob(migrationFS, "migrations/*.sql")
	for _, name := range names {
		body, err := migrationFS.ReadFile(name)
		if err != nil {
			b.Fatal(err)
		}
		h.Write(body)
	}
	sum := h.Sum(nil)
	path := filepath.Join(os.TempDir(), fmt.Sprintf("paperboy-bench-%d-synth%d-%s.db", n, synth.Version, hex.EncodeToString(sum[:4])))
	ctx := context.Background()
	if _, err := os.Stat(path); err != nil {
		tmp := path + ".building"
		os.Remove(tmp)
		os.Remove(tmp + "-wal")
		os.Remove(tmp + "-shm")
		db, err := Open(ctx, tmp)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := db.BeginBulk(ctx); err != nil {
			b.Fatal(err)
		}
		w := db.NewBulkWriter(bulkBenchTx)
		for from := 0; from < n; from += bulkBenchBatch {
			pb, err := PreparePapers(benchGen.Papers(from, min(bulkBenchBatch, n-from)))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := w.Write(ctx, pb); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := w.Commit(ctx); err != nil {
			b.Fatal(err)
		}
		if err := db.EndBulk(ctx); err != nil { // word counts, index optimized
			b.Fatal(err)
		}
		if _, err := db.write.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			b.Fatal(err)
		}
		db.Close()
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
		b.Logf("built %s (%d papers) in %s", path, n, time.Since(start).Round(time.Second))
	}
	db, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// benchQuery is one query of the fixed search mix.
type benchQuery struct {
	class string
	text  string
}

// benchQueries is the fixed mix: single very common words, rare words (by frequency rank
// in the generator's vocabulary), 2- and 4-word queries, the same with filters, and
// (class cover, since issue 19) 2 to 4 rarer words.
func benchQueries() []benchQuery {
	w := synth.Word
	return []benchQuery{
		{"common1", "model"}, {"common1", "learning"}, {"common1", "data"}, {"common1", "training"},
		{"rare1", w(20000)}, {"rare1", w(60000)}, {"rare1", w(120000)}, {"rare1", w(5000)},
		{"word2", "reinforcement learning"}, {"word2", "language model"}, {"word2", "graph " + w(3000)}, {"word2", "diffusion images"},
		{"word4", "sparse attention long context"}, {"word4", "policy gradient variance reduction"},
		{"word4", "federated privacy " + w(800) + " " + w(9000)}, {"word4", "protein molecular drug discovery"},
		{"filtered", "model cat:cs.CL"}, {"filtered", "learning since:2024-01-01"}, {"filtered", "training author:hinton"},
		{"filtered", "data sort:new"}, {"filtered", "attention transformer cat:cs sort:votes"}, {"filtered", w(4000) + " cat:cs.CV"},
		{"prefix", "reinforcement lea"}, {"prefix", "graph neu"},
		{"typo", "reinforcment learnign"}, {"typo", "difusion modle"},
		// Rarer words whose any-word matches bm25 can all score (at most 4 000 at 1M): the
		// path that ranks them together by coverage (blend in search.go).
		{"cover", w(5000) + " " + w(20000)}, {"cover", w(5000) + " " + w(9000) + " " + w(60000)},
		{"cover", w(3000) + " " + w(20000) + " " + w(60000) + " " + w(120000)},
	}
}

// BenchmarkSearch runs the fixed mix against a synthetic corpus and reports p50 and p99
// latency per query class for Search and for raw FTS5 (MATCH of the same words with
// ORDER BY bm25 LIMIT 10, loading those ten papers).
func BenchmarkSearch(b *testing.B) {
	n := benchPapers(b)
	db := benchDB(b, n)
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	queries := benchQueries()
	parsed := make([]paperboy.Query, len(queries))
	for i, q := range queries {
		var err error
		if parsed[i], err = paperboy.ParseQuery(q.text, now); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("store", func(b *testing.B) {
		lat := map[string][]time.Duration{}
		perQuery := make([][]time.Duration, len(queries))
		partial := 0
		for range b.N {
			for i, q := range queries {
				start := time.Now()
				res, err := db.Search(ctx, paperboy.SearchRequest{Query: parsed[i]})
				d := time.Since(start)
				lat[q.class] = append(lat[q.class], d)
				lat["all"] = append(lat["all"], d)
				perQuery[i] = append(perQuery[i], d)
				if err != nil {
					b.Fatal(err)
				}
				if res.Partial {
					partial++
				}
			}
		}
		reportLatency(b, lat)
		b.ReportMetric(float64(partial)/float64(b.N), "partial/op")
		logPerQuery(queries, perQuery)
	})
	b.Run("raw_fts5", func(b *testing.B) {
		lat := map[string][]time.Duration{}
		perQuery := make([][]time.Duration, len(queries))
		for range b.N {
			for i, q := range queries {
				var words []string
				for _, t := range parsed[i].Terms {
					if e := ftsText(t); e != "" {
						words = append(words, e)
					}
				}
				start := time.Now()
				rows, err := db.read.QueryContext(ctx, `SELECT `+paperColumns+` FROM papers WHERE seq IN (SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? ORDER BY bm25(papers_fts) LIMIT 10)`, strings.Join(words, " "))
				if err != nil {
					b.Fatal(err)
				}
				for rows.Next() {
				}
				rows.Close()
				d := time.Since(start)
				lat[q.class] = append(lat[q.class], d)
				lat["all"] = append(lat["all"], d)
				perQuery[i] = append(perQuery[i], d)
			}
		}
		reportLatency(b, lat)
		logPerQuery(queries, perQuery)
	})
}

// logPerQuery prints each query's median and maximum to stderr when
// PAPERBOY_BENCH_VERBOSE is set (benchmark metrics only hold per-class figures).
func logPerQuery(queries []benchQuery, perQuery [][]time.Duration) {
	if os.Getenv("PAPERBOY_BENCH_VERBOSE") == "" {
		return
	}
	for i, q := range queries {
		slices.Sort(perQuery[i])
		fmt.Fprintf(os.Stderr, "%-9s %-45q n %d p50 %7.2f ms  max %7.2f ms\n", q.class, q.text, len(perQuery[i]), ms(pct(perQuery[i], 0.5)), ms(pct(perQuery[i], 1)))
	}
}

func reportLatency(b *testing.B, lat map[string][]time.Duration) {
	for class, ds := range lat {
		slices.Sort(ds)
		b.ReportMetric(ms(pct(ds, 0.50)), "p50-ms-"+class)
		b.ReportMetric(ms(pct(ds, 0.99)), "p99-ms-"+class)
	}
}

func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	i := int(float64(len(ds)-1) * p)
	return ds[i]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
