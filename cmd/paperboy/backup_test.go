package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paperboy-bot/paperboy/store"
)

func TestBackupCommand(t *testing.T) {
	db := exportStore(t)
	dst := filepath.Join(t.TempDir(), "copy.db")
	out, errOut, err := runMain(t, "", "backup", "--db", db, dst)
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, errOut)
	}
	if !strings.HasPrefix(out, "wrote "+dst+": 3 papers, ") || !strings.Contains(out, " kB") {
		t.Errorf("got %q, want what was written (3 papers, the size)", out)
	}
	// The copy is a database the tools read: export it.
	exported, _, err := runMain(t, "", "export", "--db", dst, "--format", "bibtex")
	if err != nil || strings.Count(exported, "@misc{") != 3 {
		t.Errorf("export of the copy: %v, %d entries", err, strings.Count(exported, "@misc{"))
	}
	// An existing file is kept without --force ...
	if err := os.WriteFile(dst, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runMain(t, "", "backup", "--db", db, dst); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("backup onto an existing file: got %v, want a refusal naming --force", err)
	}
	if b, _ := os.ReadFile(dst); string(b) != "precious" {
		t.Errorf("the existing file changed: %q", b)
	}
	// ... and replaced with it; no temporary file is left behind.
	if _, errOut, err := runMain(t, "", "backup", "--db", db, "--force", dst); err != nil {
		t.Fatalf("backup --force: %v\n%s", err, errOut)
	}
	if info, err := store.CheckBackup(context.Background(), dst); err != nil || info.Papers != 3 {
		t.Errorf("after --force: %+v, %v; want 3 papers", info, err)
	}
	if left, _ := filepath.Glob(dst + ".tmp-*"); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if _, _, err := runMain(t, "", "backup", "--db", db, "--force", db); err == nil {
		t.Error("backup onto the database itself: got nil, want an error")
	}
	for _, args := range [][]string{{}, {"a", "b"}, {"-h"}} {
		_, errOut, err := runMain(t, "", append([]string{"backup", "--db", db}, args...)...)
		if !errors.Is(err, errUsage) || !strings.Contains(errOut, "Usage: paperboy backup") {
			t.Errorf("backup %v: got %v; want usage", args, err)
		}
	}
}
