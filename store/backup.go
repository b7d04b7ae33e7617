package store

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"

	"github.com/paperboy-bot/paperboy"
)

// BackupTo writes a consistent copy of the database to dst with VACUUM INTO: one read
// transaction's snapshot, so writers (a running `paperboy run`) go on meanwhile and the
// copy holds exactly the transactions committed before it began. The copy is compact
// (no free pages, no WAL) and opens on its own. dst must not exist (SQLite refuses to
// write into a file with content); the caller picks a fresh name and renames it.
func (db *DB) BackupTo(ctx context.Context, dst string) error {
	if db.immutable {
		// Read without locks: a writer elsewhere could change the file mid-copy.
		return fmt.Errorf("store: backup: the database was opened without locks (the disk is full); free some space first")
	}
	conn, err := db.read.Conn(ctx)
	if err != nil {
		return wrapErr("backup", err)
	}
	defer conn.Close()
	// The read pool is query_only, which VACUUM INTO honours (it refuses to write even
	// the new file): lift it on this connection, and take the connection out of the pool
	// afterwards (ErrBadConn discards it) so no writable reader is ever handed out.
	defer conn.Raw(func(any) error { return sqldriver.ErrBadConn })
	if _, err := conn.ExecContext(ctx, `PRAGMA query_only = 0`); err != nil {
		return wrapErr("backup", err)
	}
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		return wrapErr("backup to "+dst, err)
	}
	return nil
}

// BackupInfo describes a database file checked by CheckBackup or Inspect.
type BackupInfo struct {
	Papers int   // rows in papers
	Schema int   // highest migration applied
	Latest int   // highest migration this binary has
	Bytes  int64 // file size
}

// CheckBackup opens the database file at path read-only, checks its structure (PRAGMA
// quick_check) and that it is a paperboy database, and reports what it holds.
func CheckBackup(ctx context.Context, path string) (BackupInfo, error) {
	return inspect(ctx, path, true)
}

// Inspect reports what the database file at path holds and its schema version, opening
// it read-only: unlike Open it never migrates or writes (`paperboy doctor`). Errors:
// ENOTFOUND when the file does not exist.
func Inspect(ctx context.Context, path string) (BackupInfo, error) {
	return inspect(ctx, path, false)
}

func inspect(ctx context.Context, path string, check bool) (BackupInfo, error) {
	var info BackupInfo
	migs, err := migrations()
	if err != nil {
		return info, err
	}
	info.Latest = migs[len(migs)-1].version
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return info, paperboy.Errorf(paperboy.ENOTFOUND, "%s does not exist", path)
	}
	if err != nil {
		return info, fmt.Errorf("store: inspect: %w", err)
	}
	info.Bytes = st.Size()
	v := url.Values{}
	v.Set("mode", "ro")
	v.Set("_query_only", "1")
	v.Set("_busy_timeout", "10000")
	conn, err := sql.Open(driver, "file:"+path+"?"+v.Encode())
	if err != nil {
		return info, fmt.Errorf("store: inspect %s: %w", path, err)
	}
	defer conn.Close()
	if check {
		var res string
		if err := conn.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&res); err != nil {
			return info, fmt.Errorf("store: inspect %s: %w", path, err)
		}
		if res != "ok" {
			return info, fmt.Errorf("store: inspect %s: quick_check: %s", path, res)
		}
	}
	if err := conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&info.Schema); err != nil {
		return info, fmt.Errorf("store: inspect %s: not a paperboy database: %w", path, err)
	}
	if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM papers`).Scan(&info.Papers); err != nil {
		return info, fmt.Errorf("store: inspect %s: %w", path, err)
	}
	return info, nil
}
