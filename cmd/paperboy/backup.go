package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/paperboy-bot/paperboy/store"
)

// runBackup is `paperboy backup FILE`: a consistent copy of the database, made while
// `run` goes on writing (store.BackupTo: VACUUM INTO), checked, then moved into place.
// An existing FILE is kept unless --force.
func (m *Main) runBackup(ctx context.Context, args []string) error {
	var c common
	fs := m.newFlags("backup", "FILE", &c)
	force := fs.Bool("force", false, "replace FILE when it exists")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] == "" || pos[0] == "-" {
		fs.Usage()
		return errUsage
	}
	dst := pos[0]
	if st, err := os.Stat(dst); err == nil {
		if st.IsDir() {
			return fmt.Errorf("%s is a directory; give a file name (e.g. %s)", dst, filepath.Join(dst, "paperboy-backup.db"))
		}
		if !*force {
			return fmt.Errorf("%s exists; pass --force to replace it, or choose another name", dst)
		}
	}
	cfg, db, err := m.openReader(ctx, &c)
	if err != nil {
		return err
	}
	defer db.Close()
	if same, _ := sameFile(cfg.DB, dst); same {
		return fmt.Errorf("%s is the database itself; back it up to another file", dst)
	}
	// Write beside the destination and rename: a backup that stops halfway (a full disk,
	// Ctrl-C) never leaves a truncated file under the name a restore would use.
	tmp := fmt.Sprintf("%s.tmp-%d", dst, os.Getpid())
	_ = os.Remove(tmp)
	defer os.Remove(tmp)
	if err := db.BackupTo(ctx, tmp); err != nil {
		return fmt.Errorf("backup to %s: %s", dst, userError(err))
	}
	if err := syncFile(tmp); err != nil {
		return fmt.Errorf("backup to %s: %w", dst, err)
	}
	info, err := store.CheckBackup(ctx, tmp)
	if err != nil {
		return fmt.Errorf("backup to %s: the copy does not check out: %w", dst, err)
	}
	if *force {
		err = os.Rename(tmp, dst)
	} else if err = os.Link(tmp, dst); errors.Is(err, os.ErrExist) {
		// A link never replaces a file: a FILE made meanwhile is kept.
		return fmt.Errorf("%s appeared while the backup was written; pass --force to replace it", dst)
	} else if err != nil {
		// A file system without hard links: check, then rename.
		if _, serr := os.Stat(dst); errors.Is(serr, os.ErrNotExist) {
			err = os.Rename(tmp, dst)
		}
	}
	if err != nil {
		return fmt.Errorf("backup to %s: %w", dst, err)
	}
	if d, err := os.Open(filepath.Dir(dst)); err == nil {
		_ = d.Sync() // the new name survives a crash
		d.Close()
	}
	fmt.Fprintf(m.Stdout, "wrote %s: %d papers, %s (schema %03d)\n", dst, info.Papers, humanBytes(info.Bytes), info.Schema)
	return nil
}

// syncFile flushes a file's content to disk.
func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// sameFile reports whether a and b name the same existing file.
func sameFile(a, b string) (bool, error) {
	sa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	sb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(sa, sb), nil
}

// humanBytes is n as "12.3 MB".
func humanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}
