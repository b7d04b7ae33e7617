package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/paperboy-bot/paperboy"
)

// A bulk import into an empty store builds its full-text index in a side file, on a
// connection of its own, instead of in papers_fts on the writer connection.
//
// Why: SQLite has one writer per file, and on that writer FTS5's insert (its in-memory
// term hash) costs more than the row and its indexes together (BENCHMARKS.md). With the
// index in another file, a second goroutine (so a second core) does that work beside the
// row inserts. EndBulk merges the side index into one segment and copies its shadow tables
// into papers_fts's, which is valid only because papers_fts was empty: the copy replaces
// the whole index. An import into a store that already holds papers writes papers_fts
// directly, as before.
//
// Consistency: nothing depends on the side file's commits (see run). It has no
// journal, so a store transaction that rolls back after sending changes ends it (EndBulk
// then rebuilds). While the import runs, the store holds the row
// store_state('bulk_index') naming the side file, and its new papers are not yet
// searchable. The copy deletes that row in the same transaction. If the process dies
// first, the next Open finds the row, sees that no process holds the side file's lock,
// and indexes the papers papers_fts lacks (repairIndex), in small transactions so that
// a repair after a full disk needs little space and keeps its progress. If another
// process wrote papers_fts meanwhile, or the side file failed (disk full), EndBulk does
// the same instead of copying. Either way the index ends up matching papers. Until
// then, read-only opens (OpenReadOnly) search what is indexed.

const sideKey = "bulk_index" // store_state key

// repairKey is the store_state key saying that repairIndex has emptied papers_fts for
// the side file it names and is filling it in chunks: a repair that ran out of disk
// resumes where it stopped instead of starting over.
const repairKey = "bulk_index_repair"

// sideCacheKiB is the side connection's page cache. FTS5 writes its segments in order
// and reads them back only to merge, so SQLite's default is enough.
const sideCacheKiB = normalCacheKiB

// sideQueue is how many batches of index changes may wait for the worker. The worker is
// the slower of the two; a queue lets the writer run ahead while the worker flushes a
// transaction's segment, and the worker run on while the writer commits. At 100k papers 8
// cut the worker's idle time from about 1.4 s to 0.2 s for about 15 MB of peak RSS (each
// batch is ~1000 papers' index terms).
const sideQueue = 8

// sideShadow are the FTS5 shadow tables of papers_fts that hold the index (a contentless
// table has no _content; _config keeps the store's own settings).
var sideShadow = []string{"papers_fts_data", "papers_fts_idx", "papers_fts_docsize"}

// sideIndex is a running side index: a goroutine applying the writer's index changes,
// transaction by transaction, to papers_fts in the side file.
type sideIndex struct {
	path string
	pool *sql.DB
	conn *sql.Conn // the one connection; it holds the file's lock (locking_mode EXCLUSIVE)
	in   chan sideMsg
	done chan struct{}
	err  error // the worker's first error; read after done is closed

	mu      sync.Mutex // guards stopped and merge, and in against sends after stop
	stopped bool
	merge   bool // set with stopped: after the last change, merge the index into one segment

	// waited is the writer's time blocked handing batches over (guarded by mu); idle is
	// the worker's time waiting for one and merged its final optimize (both read after
	// done).
	// The debug log reports them: they say which side of the import is the slower.
	waited, idle, merged time.Duration

	// session is held by a txWriter from its first batch to its commit or rollback, so
	// the changes of two store transactions never interleave and a rollback is known to
	// concern the changes sent since the last commit.
	session sync.Mutex
}

// sideOp is one index change: index paper seq with ix, or remove it (del).
type sideOp struct {
	seq int64
	del bool
	ix  indexed
}

// sideMsg is a batch of changes of the open store transaction, or its end.
type sideMsg struct {
	ops      []sideOp
	commit   bool // the store transaction committed: commit the side one
	rollback bool // it rolled back: roll back the side one
}

// startSide opens a side index for a bulk import when the store is a plain file holding
// no papers and no other import is building one. It returns nil (write papers_fts
// directly) in every other case, and when the side file cannot be made.
func (db *DB) startSide(ctx context.Context) *sideIndex {
	if db.noSide || db.Path == ":memory:" || strings.HasPrefix(db.Path, "file:") {
		return nil
	}
	var empty bool
	if err := db.write.QueryRowContext(ctx, `SELECT NOT EXISTS (SELECT 1 FROM papers) AND NOT EXISTS (SELECT 1 FROM papers_fts_docsize)
		AND NOT EXISTS (SELECT 1 FROM store_state WHERE k = ?)`, sideKey).Scan(&empty); err != nil || !empty {
		return nil
	}
	path := fmt.Sprintf("%s-bulkindex-%d-%d", db.Path, os.Getpid(), time.Now().UnixNano())
	s, err := openSide(ctx, db, path)
	if err != nil {
		db.log.Warn("building the search index on the writer instead of beside it", "err", err)
		removeSide(path)
		return nil
	}
	// Claim the store: only if it is still empty and no other import claimed it.
	var claimed int64
	err = db.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO store_state (k, v) SELECT ?, ?
			WHERE NOT EXISTS (SELECT 1 FROM papers) AND NOT EXISTS (SELECT 1 FROM papers_fts_docsize)
			AND NOT EXISTS (SELECT 1 FROM store_state WHERE k = ?)`, sideKey, path, sideKey)
		if err != nil {
			return err
		}
		claimed, err = res.RowsAffected()
		return err
	})
	if err != nil || claimed == 0 {
		s.close()
		return nil
	}
	go s.run()
	return s
}

// openSide creates the side file with papers_fts as the store defines it (same columns,
// tokenizer and options, read from the store's schema) and takes the file's lock.
func openSide(ctx context.Context, db *DB, path string) (*sideIndex, error) {
	var create string
	if err := db.write.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE name = 'papers_fts'`).Scan(&create); err != nil {
		return nil, fmt.Errorf("side index: read schema: %w", err)
	}
	// The side file is scratch (a crash rebuilds from papers): no fsync and no rollback
	// journal. An in-memory journal grew to hundreds of MB at 1M papers (FTS5's merges
	// rewrite pages that older transactions wrote); without one a side transaction cannot
	// roll back, so a store transaction that rolls back ends the side index and EndBulk
	// rebuilds papers_fts from papers instead (an import stops at its first failed batch).
	v := url.Values{}
	v.Set("_journal_mode", "OFF")
	v.Set("_synchronous", "OFF")
	v.Set("_busy_timeout", "10000")
	v.Set("_txlock", "immediate") // finish takes the store's write lock at BEGIN
	v.Set("mode", "rwc")
	pool, err := sql.Open("sqlite3", "file:"+path+"?"+v.Encode())
	if err != nil {
		return nil, fmt.Errorf("side index: %w", err)
	}
	pool.SetMaxOpenConns(1)
	conn, err := pool.Conn(ctx)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("side index: %w", err)
	}
	s := &sideIndex{path: path, pool: pool, conn: conn, in: make(chan sideMsg, sideQueue), done: make(chan struct{})}
	for _, q := range []string{
		// main only: the store, attached later by finish, keeps normal locking.
		`PRAGMA main.locking_mode = EXCLUSIVE`,
		fmt.Sprintf(`PRAGMA cache_size = -%d`, sideCacheKiB),
		create,
		`INSERT INTO papers_fts (papers_fts, rank) VALUES ('hashsize', 33554432)`,
		`INSERT INTO papers_fts (papers_fts, rank) VALUES ('automerge', 0)`,
		fmt.Sprintf(`INSERT INTO papers_fts (papers_fts, rank) VALUES ('crisismerge', %d)`, bulkCrisisMerge),
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			s.close()
			return nil, fmt.Errorf("side index: %w", err)
		}
	}
	return s, nil
}

// run applies index changes until in is closed, in one side transaction that commits at
// the end. The side file does not commit with each store transaction: it has no journal,
// so nothing depends on its commits (a crash rebuilds from papers whatever it holds), and
// a commit is what makes FTS5 write its in-memory terms out as a new segment. Segments
// are cut by 'hashsize' alone (32 MB of terms, about 40 000 papers) rather than by the
// store's transactions (25 000 papers by default, but as few as one with a small
// --batch, each leaving a segment to merge). After an error it only drains: the import
// goes on and EndBulk rebuilds the index from papers.
func (s *sideIndex) run() {
	defer close(s.done)
	// One OS thread, so SQLite's allocations stay in one glibc arena (see cmd import).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ctx := context.Background()
	var tx *sql.Tx
	var ins, del *sql.Stmt
	end := func(commit bool) {
		if tx == nil {
			return
		}
		ins.Close()
		del.Close()
		var err error
		if commit {
			err = tx.Commit()
		} else {
			err = tx.Rollback()
		}
		tx = nil
		if err != nil && s.err == nil {
			s.err = fmt.Errorf("side index: %w", err)
		}
	}
	storeOpen := false // a store transaction has sent changes and not yet ended
	for {
		t0 := time.Now()
		m, ok := <-s.in
		s.idle += time.Since(t0)
		if !ok {
			break
		}
		if s.err != nil {
			continue
		}
		switch {
		case m.commit:
			storeOpen = false
			continue
		case m.rollback:
			if storeOpen {
				end(false)
				s.err = errSideRolledBack
			}
			storeOpen = false
			continue
		}
		storeOpen = true
		if tx == nil {
			var err error
			if tx, err = s.conn.BeginTx(ctx, nil); err != nil {
				s.err = fmt.Errorf("side index: %w", err)
				continue
			}
			ins, err = tx.PrepareContext(ctx, `INSERT INTO papers_fts (rowid, title, abstract, authors, categories) VALUES (?, ?, ?, ?, ?)`)
			if err == nil {
				del, err = tx.PrepareContext(ctx, `DELETE FROM papers_fts WHERE rowid = ?`)
			}
			if err != nil {
				s.err = fmt.Errorf("side index: %w", err)
				tx.Rollback()
				tx = nil
				continue
			}
		}
		for _, op := range m.ops {
			var err error
			if op.del {
				_, err = del.ExecContext(ctx, op.seq)
			} else {
				_, err = ins.ExecContext(ctx, op.seq, op.ix.title, op.ix.abstract, op.ix.authors, op.ix.categories)
			}
			if err != nil {
				s.err = fmt.Errorf("side index: paper %d: %w", op.seq, err)
				end(false)
				break
			}
		}
	}
	if storeOpen && s.err == nil { // stopped inside a store transaction (EndBulk before Commit)
		s.err = errors.New("the import ended with a transaction open")
	}
	end(s.err == nil)
	// The merge runs here, on this thread, while EndBulk writes the words table on the
	// store's writer: the two overlap, and the merge's allocations stay in this thread's
	// malloc arena. s.merge was set before in was closed, so reading it here is safe.
	if s.merge && s.err == nil {
		t0 := time.Now()
		if _, err := s.conn.ExecContext(ctx, `INSERT INTO papers_fts (papers_fts) VALUES ('optimize')`); err != nil {
			s.err = fmt.Errorf("side index: merge: %w", err)
		}
		s.merged = time.Since(t0)
	}
}

// send passes a batch of changes of the open store transaction to the worker.
func (s *sideIndex) send(ops []sideOp) {
	if len(ops) > 0 {
		s.put(sideMsg{ops: ops})
	}
}

// end tells the worker how the store transaction ended and releases the session.
func (s *sideIndex) end(committed bool) {
	s.put(sideMsg{commit: committed, rollback: !committed})
	s.session.Unlock()
}

// put passes m to the worker unless the side index was stopped (Close during a
// transaction; the next Open rebuilds the index).
func (s *sideIndex) put(m sideMsg) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.stopped {
		t0 := time.Now()
		s.in <- m
		s.waited += time.Since(t0)
	}
}

// close stops the worker (if running) and closes and removes the side file.
func (s *sideIndex) close() {
	s.conn.Close()
	s.pool.Close()
	removeSide(s.path)
}

// shut tells the worker that nothing more comes, without waiting for it; with merge it
// then merges the side index into one segment (for finish). A later shut does nothing.
func (s *sideIndex) shut(merge bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.stopped {
		s.stopped, s.merge = true, merge
		close(s.in)
	}
}

// stop shuts the worker (without the merge unless an earlier shut asked for it), waits
// for it to apply everything sent and returns its error.
func (s *sideIndex) stop() error {
	s.shut(false)
	<-s.done
	return s.err
}

// errSideRolledBack: a store transaction rolled back after some of its changes reached
// the side index, which has no journal to undo them.
var errSideRolledBack = errors.New("a batch rolled back after reaching the side index")

// errSideStale: papers_fts was written by someone else during the import, so the side
// index cannot replace it.
var errSideStale = errors.New("the search index was written by another writer during the import")

// finish replaces papers_fts's index with the side index (which the worker merged into
// one segment: see shut) and deletes the store_state row, in one store transaction. The
// side connection does the copy with the store attached; the writer connection sees the
// new index through SQLite's data_version check, as it sees any other connection's commit.
func (s *sideIndex) finish(ctx context.Context, storePath string) error {
	if _, err := s.conn.ExecContext(ctx, `ATTACH DATABASE ? AS store`, storePath); err != nil {
		return fmt.Errorf("side index: attach store: %w", err)
	}
	defer s.conn.ExecContext(context.WithoutCancel(ctx), `DETACH DATABASE store`)
	tx, err := s.conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("side index: %w", err)
	}
	defer tx.Rollback()
	// BEGIN IMMEDIATE took the store's write lock: nobody writes between look and copy.
	var claimed string
	if err := tx.QueryRowContext(ctx, `SELECT v FROM store.store_state WHERE k = ?`, sideKey).Scan(&claimed); err != nil || claimed != s.path {
		if err == nil || errors.Is(err, sql.ErrNoRows) {
			err = errSideStale
		}
		return err
	}
	var written bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM store.papers_fts_docsize)`).Scan(&written); err != nil {
		return fmt.Errorf("side index: %w", err)
	}
	if written {
		return errSideStale
	}
	for _, t := range sideShadow {
		if _, err := tx.ExecContext(ctx, `DELETE FROM store.`+t); err != nil {
			return fmt.Errorf("side index: copy %s: %w", t, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO store.`+t+` SELECT * FROM main.`+t); err != nil {
			return fmt.Errorf("side index: copy %s: %w", t, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM store.store_state WHERE k = ?`, sideKey); err != nil {
		return fmt.Errorf("side index: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("side index: copy: %w", err)
	}
	return nil
}

// endSide finishes the bulk import's side index, if any: copy it into the store, or
// rebuild papers_fts from papers when the copy is not possible.
func (db *DB) endSide(ctx context.Context) error {
	db.sideMu.Lock()
	s := db.side
	db.side = nil
	db.sideMu.Unlock()
	if s == nil {
		return nil
	}
	start := time.Now()
	s.shut(true)
	err := s.stop()
	merged := time.Now()
	if err == nil {
		err = s.finish(ctx, db.Path)
	}
	s.close()
	if err == nil {
		db.log.Debug("search index copied from its side file", "drain_and_merge", merged.Sub(start).Round(time.Millisecond),
			"merge", s.merged.Round(time.Millisecond), "copy", time.Since(merged).Round(time.Millisecond),
			"writer_waited", s.waited.Round(time.Millisecond), "worker_idle", s.idle.Round(time.Millisecond))
		return nil
	}
	db.log.Warn("indexing the imported papers on the writer", "reason", err)
	return db.repairIndex(ctx, s.path, false)
}

// abortSide stops a side index without copying it (Close without EndBulk). The
// store_state row stays, so the next Open rebuilds the index.
func (db *DB) abortSide() {
	db.sideMu.Lock()
	s := db.side
	db.side = nil
	db.sideMu.Unlock()
	if s != nil {
		s.stop()
		s.close()
	}
}

// repairChunk is papers per transaction when repairIndex fills papers_fts: about 2 MB of
// index, so a repair after a failed import needs little free disk to make progress, and
// what it indexed stays indexed when the disk fills up again.
var repairChunk = 2000

// repairIndex indexes every paper papers_fts lacks, in transactions of repairChunk papers,
// and then deletes the store_state row of the side file side (which says the index is
// incomplete). Papers the index already has (written by other processes during the import,
// or by an earlier repair that ran out of disk) are kept. It stops early, successfully,
// when that row is gone (another process finished the repair). With recount it also
// recounts the words table from the papers, in the last transaction: after a crash, the
// word counts of the import's committed transactions were still in the dead process's
// memory (a bulk import writes them at EndBulk).
func (db *DB) repairIndex(ctx context.Context, side string, recount bool) error {
	start := time.Now()
	var after int64
	done, indexed := false, 0
	for !done {
		err := db.update(ctx, func(tx *sql.Tx) error {
			var n, begun int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), (SELECT COUNT(*) FROM store_state WHERE k = ? AND v = ?)
				FROM store_state WHERE k = ? AND v = ?`, repairKey, side, sideKey, side).Scan(&n, &begun); err != nil || n == 0 {
				done = true
				return err
			}
			if begun == 0 {
				// Start from an empty index: a paper the import updated after another
				// process indexed it would otherwise keep its old terms.
				if _, err := tx.ExecContext(ctx, `INSERT INTO papers_fts (papers_fts) VALUES ('delete-all')`); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO store_state (k, v) VALUES (?, ?)`, repairKey, side); err != nil {
					return err
				}
			}
			last, read, err := indexPapers(ctx, tx, after, repairChunk, true, nil)
			if err != nil {
				return err
			}
			if indexed == 0 && read > 0 {
				db.log.Info("indexing the papers of an import that did not finish (about 2 minutes per million papers)")
			}
			after, indexed = last, indexed+read
			if read < repairChunk {
				done = true
				return db.endRepair(ctx, tx, side, recount)
			}
			return nil
		})
		if err != nil {
			return wrapErr("repair search index", err)
		}
	}
	if indexed > 0 {
		db.log.Info("search index repaired", "papers_indexed", indexed, "took", time.Since(start).Round(time.Second))
	}
	return nil
}

// endRepair deletes the store_state row of side and, with recount, rewrites the words
// table from every paper's title and abstract.
func (db *DB) endRepair(ctx context.Context, tx *sql.Tx, side string, recount bool) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM store_state WHERE k IN (?, ?) AND v = ?`, sideKey, repairKey, side); err != nil || !recount {
		return err
	}
	count := newWordCounter(0)
	var after int64
	for {
		read := 0
		err := scanPapersText(ctx, tx, after, 5000, false, func(seq int64, p *paperboy.Paper) error {
			count.countWords(p.Title, p.Abstract, 1)
			after, read = seq, read+1
			return nil
		})
		if err != nil {
			return err
		}
		if read < 5000 {
			break
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM words`); err != nil {
		return err
	}
	words := make(map[string]int, count.Len())
	count.each(func(w string, df int) { words[w] = df })
	return writeWords(ctx, tx, words)
}

// UnindexedPapers is the number of stored papers that searches cannot find because the
// search index lacks them: after a first import that did not finish (a crash, or a full
// disk), until a command that writes repairs the index. It is 0 while an import is still
// building its index (its papers become searchable when it ends).
func (db *DB) UnindexedPapers(ctx context.Context) (int, error) {
	var n int
	err := db.view(ctx, func(tx *sql.Tx) error {
		var side string
		err := tx.QueryRowContext(ctx, `SELECT v FROM store_state WHERE k = ?`, sideKey).Scan(&side)
		if errors.Is(err, sql.ErrNoRows) || err == nil && sideHeld(side) {
			return nil
		}
		if err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM papers p WHERE NOT EXISTS (SELECT 1 FROM papers_fts_docsize d WHERE d.id = p.seq)`).Scan(&n)
	})
	return n, wrapErr("count unindexed papers", err)
}

// recoverSide runs at Open: a store_state row whose side file no process holds is left by
// an import that died; rebuild the index and recount the words table. (Another process
// that stored papers meanwhile and has not written their counts yet adds them again when
// it does; only a process beside a dying first import can be in that position.) Side
// files no row names (an import that died while starting) are removed.
func (db *DB) recoverSide(ctx context.Context) error {
	if db.Path == ":memory:" || strings.HasPrefix(db.Path, "file:") {
		return nil
	}
	var side string
	err := db.write.QueryRowContext(ctx, `SELECT v FROM store_state WHERE k = ?`, sideKey).Scan(&side)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return wrapErr("check search index", err)
	}
	if side != "" {
		if sideHeld(side) {
			db.log.Info("a bulk import is running; its papers become searchable when it ends", "side", side)
			return nil
		}
		db.log.Warn("a bulk import ended before its search index was copied in; indexing its papers")
		removeSide(side) // nothing reads it; its disk space helps the repair
		if err := db.repairIndex(ctx, side, true); err != nil {
			return err
		}
	}
	orphans, _ := filepath.Glob(db.Path + "-bulkindex-*")
	for _, o := range orphans {
		if !strings.HasSuffix(o, "-journal") && o != side && !sideHeld(o) {
			removeSide(o)
		}
	}
	return nil
}

// sideHeld reports whether a process holds the side file at path: its connection keeps
// an exclusive lock from its first write, so reading it fails with SQLITE_BUSY.
func sideHeld(path string) bool {
	if _, err := os.Stat(path); err != nil {
		return false
	}
	pool, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=0")
	if err != nil {
		return false
	}
	defer pool.Close()
	var n int
	err = pool.QueryRow(`SELECT COUNT(*) FROM sqlite_master`).Scan(&n)
	var serr sqlite3.Error
	return errors.As(err, &serr) && (serr.Code == sqlite3.ErrBusy || serr.Code == sqlite3.ErrLocked)
}

func removeSide(path string) {
	os.Remove(path)
	os.Remove(path + "-journal")
}
