package store

import (
	"context"
	"path/filepath"
	"testing"
)

// MustOpenDB opens a fresh store in a temporary directory (a real SQLite file: with
// database/sql, :memory: would give each pooled connection its own database) and closes
// it when the test ends.
func MustOpenDB(tb testing.TB) *DB {
	tb.Helper()
	db, err := Open(context.Background(), filepath.Join(tb.TempDir(), "test.db"))
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("close store: %v", err)
		}
	})
	return db
}
