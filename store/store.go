// Package store is paperboy's SQLite store: papers with their full-text index, and the
// bot's subscriptions, outbox, posts, votes and summary cache. It is the only package that
// speaks SQL or imports go-sqlite3 (built with the sqlite_fts5 tag).
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/paperboy-bot/paperboy"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DB is an open store. Writes go through one connection (one writer per process, as
// SQLite wants); reads use a small pool of read-only connections, so a long search never
// blocks the dispatcher and a cron `paperboy ingest` can share the file (WAL mode).
type DB struct {
	Path string
	// Now is the clock; tests replace it.
	Now func() time.Time

	write *sql.DB
	read  *sql.DB

	// pendingWords are word counts of bulk batches not yet written to the words table
	// (see store/paper.go); Optimize and Close write them.
	pendingWords wordState

	// side is the side index of a running bulk import into an empty store
	// (sideindex.go); nil otherwise. noSide turns it off (tests compare both paths).
	sideMu sync.Mutex
	side   *sideIndex
	noSide bool

	// bulkTx is a BulkWriter's open transaction, if any: EndBulk refuses to run while it
	// holds the writer connection, and Close rolls it back (bulkMu guards it).
	bulkMu sync.Mutex
	bulkTx *txWriter

	log *slog.Logger // migrations report long steps here

	readOnly  bool // OpenReadOnly: nothing is written, not even at Close
	immutable bool // OpenReadOnly on a full disk: the file is read without locks
}

// driver is the database/sql driver of the store's connections; tests register one
// whose connections simulate a full disk.
var driver = "sqlite3"

// Open opens (creating if needed) the database at path and runs pending migrations.
func Open(ctx context.Context, path string) (*DB, error) {
	return OpenLogged(ctx, path, nil)
}

// OpenLogged is Open reporting long migration steps (rebuilding the search index after an
// upgrade takes about two minutes per million papers) to log; nil logs nothing.
func OpenLogged(ctx context.Context, path string, log *slog.Logger) (*DB, error) {
	if path == "" {
		return nil, paperboy.Errorf(paperboy.EINVALID, "no database path given")
	}
	if err := checkPath(path); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	db := &DB{Path: path, Now: time.Now, log: log}
	var err error
	if db.write, err = sql.Open(driver, dsn(path, false)); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetConnMaxIdleTime(0)
	if err := db.migrate(ctx); err != nil {
		db.write.Close()
		return nil, err
	}
	// Upkeep after an import that did not finish. On a full disk it waits for the next
	// open: the store works meanwhile (papers the index lacks are not found by searches).
	for _, step := range []func(context.Context) error{db.restoreMerging, db.recoverSide} {
		if err := step(ctx); isFull(err) {
			log.Warn("the search index needs repairing after an import that did not finish, and the disk is full; the next command that opens the database with some free space repairs it", "err", err)
		} else if err != nil {
			db.write.Close()
			return nil, err
		}
	}
	if db.read, err = sql.Open(driver, dsn(path, true)); err != nil {
		db.write.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db.read.SetMaxOpenConns(4)
	return db, nil
}

// OpenReadOnly opens the database for a command that only reads (status, search,
// export). When its schema is current it writes nothing, not even upkeep after an import
// that did not finish, so it works on a full disk; searches then find what the index
// holds (see UnindexedPapers). A database that needs a migration, or does not exist yet,
// is opened as OpenLogged opens it: the upgrade must write. Its write methods fail.
func OpenReadOnly(ctx context.Context, path string, log *slog.Logger) (*DB, error) {
	if err := checkPath(path); err != nil {
		return nil, err
	}
	if path == ":memory:" || strings.HasPrefix(path, "file:") {
		return OpenLogged(ctx, path, log)
	}
	if _, err := os.Stat(path); err != nil {
		return OpenLogged(ctx, path, log)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	db := &DB{Path: path, Now: time.Now, log: log, readOnly: true}
	var err error
	if db.read, err = sql.Open(driver, dsn(path, true)); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db.read.SetMaxOpenConns(4)
	current, err := db.schemaCurrent(ctx)
	if isFull(err) && walEmpty(path) {
		// No process has the database open (else its -shm file would exist), and there is
		// no room to create the shared-memory file that WAL readers need. With no WAL
		// content to read, the file alone is the database: read it as immutable (no locks,
		// no -shm). A writer starting meanwhile is the only risk, and it too needs space.
		db.read.Close()
		if db.read, err = sql.Open(driver, dsnImmutable(path)); err != nil {
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
		db.read.SetMaxOpenConns(4)
		log.Debug("the disk is full: reading the database file as immutable")
		current, err = db.schemaCurrent(ctx)
		db.immutable = true
	}
	if err != nil || !current {
		db.read.Close()
		if err != nil {
			log.Debug("opening the database to write: its schema could not be read", "err", err)
		}
		return OpenLogged(ctx, path, log)
	}
	// A writer that cannot write: a write method fails (SQLITE_READONLY) instead of
	// finding no connection.
	wdsn := dsn(path, true)
	if db.immutable {
		wdsn = dsnImmutable(path)
	}
	if db.write, err = sql.Open(driver, wdsn); err != nil {
		db.read.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db.write.SetMaxOpenConns(1)
	return db, nil
}

// schemaCurrent reports whether every embedded migration is recorded.
func (db *DB) schemaCurrent(ctx context.Context) (bool, error) {
	migs, err := migrations()
	if err != nil {
		return false, err
	}
	var n, top int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&n, &top); err != nil {
		return false, err
	}
	return n == len(migs) && top == migs[len(migs)-1].version, nil
}

// walEmpty reports whether the database at path has no write-ahead log content.
func walEmpty(path string) bool {
	st, err := os.Stat(path + "-wal")
	return errors.Is(err, os.ErrNotExist) || err == nil && st.Size() == 0
}

// dsnImmutable reads the database file alone: no locks, no WAL, no -shm (OpenReadOnly on
// a full disk).
func dsnImmutable(path string) string {
	v := url.Values{}
	v.Set("mode", "ro")
	v.Set("immutable", "1")
	v.Set("_query_only", "1")
	v.Set("_foreign_keys", "on")
	return "file:" + path + "?" + v.Encode()
}

// isFull reports whether err is SQLite's "database or disk is full", or an I/O error
// that is the same thing (ENOSPC while creating the WAL's shared-memory file).
func isFull(err error) bool {
	var serr sqlite3.Error
	if errors.As(err, &serr) && (serr.Code == sqlite3.ErrFull || serr.SystemErrno == syscall.ENOSPC) {
		return true
	}
	var perr *paperboy.Error
	return errors.As(err, &perr) && perr.Message == diskFullMessage
}

// checkPath refuses a path SQLite would turn into a confusing error or a surprise: a
// directory (SQLite says "unable to open database file", which reads as permissions) and
// a file in a directory that does not exist (a typo in --db must not create an empty
// database somewhere, so nobody creates the directory either).
func checkPath(path string) error {
	if path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return paperboy.Errorf(paperboy.EINVALID, "%s is a directory; give the path of a database file in it (e.g. %s)", path, filepath.Join(path, "paperboy.db"))
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return paperboy.Errorf(paperboy.EINVALID, "the directory %s does not exist; create it first, or check the database path", dir)
	case err != nil:
		return fmt.Errorf("store: open %s: %w", path, err)
	case !st.IsDir():
		return paperboy.Errorf(paperboy.EINVALID, "%s is not a directory", dir)
	}
	return nil
}

func dsn(path string, readOnly bool) string {
	v := url.Values{}
	v.Set("_journal_mode", "WAL")
	v.Set("_busy_timeout", "10000")
	v.Set("_foreign_keys", "on")
	v.Set("_synchronous", "NORMAL")
	if readOnly {
		v.Set("_query_only", "1")
		v.Set("_stmt_cache_size", "32") // searches reuse a handful of statements
	} else {
		// BEGIN IMMEDIATE: take the write lock up front so two processes never deadlock
		// upgrading read transactions.
		v.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + v.Encode()
}

// Close writes pending word counts and closes the database.
func (db *DB) Close() error {
	// A BulkWriter's open transaction holds the only writer connection, which the
	// pending word counts below need: roll it back (the store stays as it was after the
	// import's last commit, as when a Write fails).
	db.rollbackBulk()
	db.abortSide()
	var errs []error
	if db.write != nil && !db.readOnly && db.hasPendingWords() {
		errs = append(errs, db.flushWords(context.Background()))
	}
	if db.read != nil {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	return errors.Join(errs...)
}

// update runs fn in a write transaction: begin, defer rollback, fn, commit.
func (db *DB) update(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return wrapErr("begin", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return wrapErr("commit", err)
	}
	return nil
}

// view runs fn in a read transaction on the read pool.
func (db *DB) view(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return wrapErr("begin read", err)
	}
	defer tx.Rollback()
	return fn(tx)
}

// wrapErr turns SQLite conditions a user can act on into paperboy errors and prefixes
// everything else.
func wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var perr *paperboy.Error
	if errors.As(err, &perr) {
		return err
	}
	var serr sqlite3.Error
	if errors.As(err, &serr) {
		if serr.SystemErrno == syscall.ENOSPC {
			serr.Code = sqlite3.ErrFull
		}
		switch serr.Code {
		case sqlite3.ErrFull:
			return fmt.Errorf("store: %s: %w", op, &paperboy.Error{Code: paperboy.EUNAVAILABLE, Message: diskFullMessage})
		case sqlite3.ErrBusy, sqlite3.ErrLocked:
			return fmt.Errorf("store: %s: %w", op, &paperboy.Error{Code: paperboy.EUNAVAILABLE, Message: "The database is busy; try again in a moment."})
		case sqlite3.ErrReadonly, sqlite3.ErrCantOpen, sqlite3.ErrPerm:
			return fmt.Errorf("store: %s: %w", op, &paperboy.Error{Code: paperboy.EUNAVAILABLE, Message: "The database cannot be written; check the file's permissions."})
		}
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// diskFullMessage is what a user reads when SQLite reports a full disk. The operation
// that failed wrote nothing (its transaction rolled back); callers that did several say
// which of them were stored.
const diskFullMessage = "The database disk is full; the change in progress was not written. Free some space and try again."

type migration struct {
	version int
	name    string
}

// migrations lists the embedded migrations/NNN_name.sql files in numeric order.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("store: list migrations: %w", err)
	}
	var migs []migration
	for _, n := range names {
		base := filepath.Base(n)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("store: migration %s: name must be NNN_name.sql", base)
		}
		migs = append(migs, migration{v, base})
	}
	sort.Slice(migs, func(i, j int) bool { return migs[i].version < migs[j].version })
	return migs, nil
}

// migrate applies the embedded migrations not yet recorded in schema_migrations, each in
// its own transaction, in numeric order.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return wrapErr("create schema_migrations", err)
	}
	migs, err := migrations()
	if err != nil {
		return err
	}
	for _, m := range migs {
		err := db.update(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			body, err := migrationFS.ReadFile("migrations/" + m.name)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("apply %s: %w", m.name, err)
			}
			if step := postMigrate[m.version]; step != nil {
				if err := step(ctx, tx, db.log); err != nil {
					return fmt.Errorf("apply %s: %w", m.name, err)
				}
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, m.version, m.name, time.Now().Unix())
			return err
		})
		if err != nil {
			return wrapErr("migrate", err)
		}
	}
	return nil
}
