package store

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/paperboy-bot/paperboy"
)

// mountSmallDisk mounts a tmpfs of size bytes for the test, or skips the test where
// mounting is not allowed (it needs root).
func mountSmallDisk(t *testing.T, size string) string {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Skipf("cannot mount a small disk (needs root): %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// fillDisk writes a file until the disk is full and returns its path.
func fillDisk(t *testing.T, dir string) string {
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			return path
		}
	}
}

// TestReadOnlyOnRealFullDisk: on a real full disk (a tmpfs), with no process holding the
// database (so its WAL's -shm file must be created, which needs space), the read-only
// open still reads, and the first import that died there is repaired once space is free.
func TestReadOnlyOnRealFullDisk(t *testing.T) {
	ctx := context.Background()
	dir := mountSmallDisk(t, "16m")
	path := filepath.Join(dir, "p.db")
	ballast := filepath.Join(dir, "ballast") // removed later, to make room for the repair
	if err := os.WriteFile(ballast, make([]byte, 10<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.BeginBulk(ctx); err != nil {
		t.Fatal(err)
	}
	papers := benchGen.Papers(0, 20000)
	stored := 0
	bw := db.NewBulkWriter(200)
	for i := 0; i < len(papers); i += 200 {
		pb, err := PreparePapers(papers[i : i+200])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bw.Write(ctx, pb); err != nil {
			if !isFull(err) {
				t.Fatalf("write: got %v, want a full disk", err)
			}
			break
		}
		stored += 200
	}
	if stored == 0 || stored == len(papers) {
		t.Fatalf("stored %d papers, want the disk to fill part way", stored)
	}
	db.Close() // the import dies before its index is copied in
	filler := fillDisk(t, dir)

	// The dead import's -wal and -shm files are still there (its last checkpoint did not
	// fit): reading works through them.
	readAll := func(unindexed int) {
		t.Helper()
		ro, err := OpenReadOnly(ctx, path, nil)
		if err != nil {
			t.Fatalf("read-only open on a full disk: %v", err)
		}
		defer ro.Close()
		if st, err := ro.DeliveryStatus(ctx, ""); err != nil || st.Papers != stored {
			t.Errorf("status: got %d papers, %v, want %d", st.Papers, err, stored)
		}
		if n, err := ro.UnindexedPapers(ctx); err != nil || n != unindexed {
			t.Errorf("unindexed: got %d, %v, want %d", n, err, unindexed)
		}
		if _, err := ro.Search(ctx, paperboy.SearchRequest{Query: paperboy.Query{Terms: []string{"model"}}}); err != nil {
			t.Errorf("search: %v", err)
		}
	}
	readAll(stored)

	// Free space: the next open repairs the index; a clean close removes -wal and -shm.
	os.Remove(filler)
	os.Remove(ballast)
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := db.UnindexedPapers(ctx); err != nil || n != 0 {
		t.Errorf("unindexed after freeing space: got %d, %v, want 0", n, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + "-shm"); !os.IsNotExist(err) {
		t.Fatalf("-shm after a clean close: %v", err)
	}

	// Full again: a reader must create the -shm file, which needs space.
	fillDisk(t, dir)
	readAll(0)
}
