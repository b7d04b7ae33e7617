package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paperboy-bot/paperboy"
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

// TestOpenPath: a typo in the directory creates nothing, and a directory is named as one.
func TestOpenPath(t *testing.T) {
	dir := t.TempDir()
	tests := map[string]struct {
		path, want string
	}{
		"missing directory": {filepath.Join(dir, "typo", "sub", "x.db"), "does not exist"},
		"a directory":       {dir, "is a directory"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			db, err := Open(context.Background(), tc.path)
			if err == nil {
				db.Close()
				t.Fatalf("got no error, want one saying %q", tc.want)
			}
			if got := paperboy.ErrorCode(err); got != paperboy.EINVALID {
				t.Errorf("code: got %q, want %q", got, paperboy.EINVALID)
			}
			if msg := paperboy.ErrorMessage(err); !strings.Contains(msg, tc.want) {
				t.Errorf("message: got %q, want it to say %q", msg, tc.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "typo")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the missing directory: got %v, want it still missing", err)
	}
}
