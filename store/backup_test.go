package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/paperboy-bot/paperboy"
)

// TestBackupDuringWrites backs up while another connection commits batches of papers:
// each copy opens, passes quick_check, and holds a whole number of batches (a
// consistent snapshot: never half a transaction), at least what was committed before
// the backup began.
func TestBackupDuringWrites(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(ctx, filepath.Join(dir, "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const batch = 7
	var committed atomic.Int64
	stop := make(chan struct{})
	failed := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(failed)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			ps := make([]paperboy.Paper, batch)
			for j := range ps {
				ps[j] = paperboy.Paper{ArxivID: fmt.Sprintf("2401.%05d", i*batch+j), Title: fmt.Sprintf("Paper %d", i*batch+j), Abstract: "Words about models."}
				if err := ps[j].Normalize(); err != nil {
					t.Error(err)
					return
				}
			}
			if _, err := db.UpsertPapers(ctx, ps); err != nil {
				t.Error(err)
				return
			}
			committed.Add(batch)
		}
	}()
	for k := range 5 {
		for committed.Load() < int64((k+1)*3*batch) {
			select {
			case <-failed:
				t.Fatal("the writer stopped")
			default:
				runtime.Gosched()
			}
		}
		before := committed.Load()
		dst := filepath.Join(dir, fmt.Sprintf("b%d.db", k))
		if err := db.BackupTo(ctx, dst); err != nil {
			t.Fatalf("backup %d: %v", k, err)
		}
		info, err := CheckBackup(ctx, dst)
		if err != nil {
			t.Fatalf("backup %d: %v", k, err)
		}
		if info.Papers%batch != 0 || int64(info.Papers) < before || info.Bytes == 0 {
			t.Errorf("backup %d: %d papers (%d bytes), want a multiple of %d and at least %d", k, info.Papers, info.Bytes, batch, before)
		}
		// The copy is a store of its own: it opens and finds a paper.
		b, err := OpenReadOnly(ctx, dst, nil)
		if err != nil {
			t.Fatalf("open backup %d: %v", k, err)
		}
		if _, err := b.FindPaper(ctx, "2401.00000"); err != nil {
			t.Errorf("backup %d: %v", k, err)
		}
		b.Close()
	}
	close(stop)
	wg.Wait()
	// The read pool still refuses writes after a backup lifted query_only on one of its
	// connections.
	for range 8 {
		if err := db.view(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `DELETE FROM papers`)
			if err == nil {
				return fmt.Errorf("a reader wrote")
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.BackupTo(ctx, filepath.Join(dir, "b0.db")); err == nil {
		t.Error("backup onto an existing file: got nil, want an error")
	}
}
