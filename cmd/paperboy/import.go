package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/ingest"
	"github.com/paperboy-bot/paperboy/store"
)

// importReport is the one-line summary `paperboy import` ends with.
type importReport struct {
	Read, Rejected int
	Stats          paperboy.UpsertStats
	RejectedLines  []int
	// Dropped counts the lines kept without a field of the wrong JSON type.
	Dropped int
	// listed counts the lines reported on stderr (rejected or with a dropped field).
	listed int
}

// note reports one rejected line, or one kept without some fields, on w: the first
// maxListedRejects of them; the rest are counted by unlisted.
func (r *importReport) note(w io.Writer, line int, format string, args ...any) {
	if r.listed < maxListedRejects {
		r.listed++
		fmt.Fprintf(w, "line %d %s\n", line, fmt.Sprintf(format, args...))
	}
}

// unlisted says how many reported lines did not fit in the listing, if any.
func (r *importReport) unlisted(w io.Writer) {
	if more := r.Rejected + r.Dropped - r.listed; more > 0 {
		fmt.Fprintf(w, "... and %d more rejected lines or lines with dropped fields (only the first %d are listed)\n", more, maxListedRejects)
	}
}

func (r importReport) String() string {
	s := fmt.Sprintf("read %d, new %d, updated %d, duplicates %d, rejected %d",
		r.Read, r.Stats.New, r.Stats.Updated, r.Stats.Duplicates, r.Rejected)
	if len(r.RejectedLines) > 0 {
		nums := make([]string, len(r.RejectedLines))
		for i, n := range r.RejectedLines {
			nums[i] = fmt.Sprint(n)
		}
		s += " (lines " + strings.Join(nums, ", ")
		if r.Rejected > len(r.RejectedLines) {
			s += ", ..."
		}
		s += ")"
	}
	return s
}

const maxListedRejects = 50

// defaultImportBatch is papers per transaction: the full-text index writes one segment
// per commit, and fewer, larger segments cost less to write and to merge (25 000 papers
// is about 20 MB of index terms, under FTS5's 32 MB buffer). Papers flow through the
// pipeline in chunks of at most importChunk, so memory does not grow with the batch.
const (
	defaultImportBatch = 25000
	importChunk        = 1000
)

// importProgressEvery is how often a long import reports progress on stderr.
var importProgressEvery = 5 * time.Second

// importMemoryLimit is the Go heap's soft limit during an import, unless GOMEMLIMIT sets one.
const importMemoryLimit = 160 << 20

// runImport reads JSONL (Kaggle arXiv snapshot, seed corpus shape, or paperboy export;
// gzip detected) and stores it in batches, parsing and writing in parallel. Imported
// papers are quiet (never announced in channels) unless --announce is given.
func (m *Main) runImport(ctx context.Context, args []string) error {
	var c common
	fs := m.newFlags("import", "FILE|-", &c)
	batch := fs.Int("batch", defaultImportBatch, "papers per transaction")
	announce := fs.Bool("announce", false, "let subscriptions post the imported papers (default: store quietly)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	if *batch < 1 || *batch > 100_000 {
		return fmt.Errorf("--batch %d: must be between 1 and 100000", *batch)
	}
	cfg, err := m.loadConfig(&c)
	if err != nil {
		return err
	}
	if m.Getenv(mallocTunedEnv) == "1" {
		m.logger(cfg).Debug("import started again with glibc malloc tuned", "GLIBC_TUNABLES", m.Getenv("GLIBC_TUNABLES"))
	}
	in, err := m.stdinOrFile(pos[0])
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer in.Close()
	// SQLite allocates from the C heap on whichever OS thread runs this goroutine, and
	// glibc gives every thread its own arena that keeps what was freed in it: the
	// full-text index's in-memory hash (tens of MB per transaction) spread over several
	// arenas raised the peak resident memory of a 1M-line import from 231 MB to about
	// 300 MB (BENCHMARKS.md). Every SQLite call of the import runs on this goroutine, so
	// pinning it to one thread keeps them in one arena.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	db, err := m.openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()

	// Bulk mode: no incremental index merging while importing; EndBulk merges the index
	// once and writes the word counts, and its time counts as the import's.
	if err := db.BeginBulk(ctx); err != nil {
		return fmt.Errorf("import: %s", userError(err))
	}
	// Keep memory flat in the file's size: a soft limit on the Go heap (SQLite's page
	// cache and index buffer, about 64 MB, come on top).
	if debug.SetMemoryLimit(-1) == math.MaxInt64 {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(importMemoryLimit))
	}
	var rep importReport
	interrupted := ctx.Done() // closed by SIGINT / SIGTERM (main's signal context)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Three stages on their own goroutines: parse lines, prepare batches (normalizing,
	// index terms, word counts: everything but SQL), write. The writer is SQLite's one
	// connection; the Go work of the next batches runs on the other cores meanwhile.
	batches := make(chan []paperboy.Paper, 1)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		readErr <- readBatches(ctx, in, min(*batch, importChunk), !*announce, &rep, m.Stderr, batches)
	}()
	type prepared struct {
		b   *store.PreparedPapers
		err error
	}
	// The first load of an empty store leaves the recommendation vectors for later: they
	// cost a third of its speed, and the store computes them when a ranking first needs
	// them (or `paperboy vectors` computes them all).
	prepOpt := store.PrepareOptions{NoVectors: db.BulkIntoEmpty()}
	if prepOpt.NoVectors {
		fmt.Fprintln(m.Stderr, "import: an empty database: recommendation vectors are left for later (computed when first needed; `paperboy vectors` computes them all)")
	}
	ready := make(chan prepared, 1)
	go func() {
		defer close(ready)
		for b := range batches {
			pb, err := store.PreparePapersWith(b, prepOpt)
			ready <- prepared{pb, err}
		}
	}()
	w := db.NewBulkWriter(*batch)
	var writeErr error
	start, lastProgress, written := time.Now(), time.Now(), 0
	for pb := range ready {
		if writeErr != nil {
			continue // drain so the reader can finish
		}
		err := pb.err
		var st paperboy.UpsertStats
		if err == nil {
			st, err = w.Write(ctx, pb.b)
		}
		if err != nil {
			writeErr = err
			cancel()
			continue
		}
		rep.Stats.Add(st)
		// A progress line now and then on stderr: a snapshot takes minutes.
		written += pb.b.Len()
		if t := time.Now(); t.Sub(lastProgress) >= importProgressEvery {
			lastProgress = t
			fmt.Fprintf(m.Stderr, "import: %d papers written, %d committed (%.0f papers/s)\n",
				written, written-w.Pending(), float64(written)/t.Sub(start).Seconds())
		}
	}
	if writeErr == nil {
		st, err := w.Commit(ctx)
		if err != nil {
			writeErr = err
		}
		rep.Stats.Add(st)
	}
	rerr := <-readErr
	rep.unlisted(m.Stderr)
	endErr := db.EndBulk(ctx)
	fmt.Fprintln(m.Stdout, rep.String())
	stored := fmt.Sprintf("%d papers are stored (the %d new and %d updated counted above); run the same import again to store the rest (stored papers count as duplicates)",
		rep.Stats.New+rep.Stats.Updated, rep.Stats.New, rep.Stats.Updated)
	switch {
	case isClosed(interrupted):
		return fmt.Errorf("import interrupted: %s", stored)
	case writeErr != nil:
		return fmt.Errorf("import stopped, a batch could not be written: %s\n%s", userError(writeErr), stored)
	case rerr != nil && !errors.Is(rerr, context.Canceled):
		return fmt.Errorf("import: %w", rerr)
	case endErr != nil && ctx.Err() == nil:
		return fmt.Errorf("import: papers are stored, but merging the search index failed (run the import again to retry): %s", userError(endErr))
	}
	return nil
}

// readBatches parses lines into batches. Rejected lines are counted and reported on
// stderr with their reason; only a reader failure (unreadable file, corrupt gzip) stops it.
func readBatches(ctx context.Context, in io.Reader, size int, quiet bool, rep *importReport, errw io.Writer, out chan<- []paperboy.Paper) error {
	r := ingest.NewJSONLReader(in)
	b := make([]paperboy.Paper, 0, size)
	for {
		p, err := r.Next()
		if err == io.EOF {
			break
		}
		var le *ingest.LineError
		if errors.As(err, &le) {
			rep.Read++
			rep.Rejected++
			if len(rep.RejectedLines) < maxListedRejects {
				rep.RejectedLines = append(rep.RejectedLines, le.Line)
			}
			rep.note(errw, le.Line, "rejected: %s", le.Reason)
			continue
		}
		if err != nil {
			if len(b) > 0 {
				out <- b
			}
			return err
		}
		rep.Read++
		if d := r.Dropped(); len(d) > 0 {
			rep.Dropped++
			rep.note(errw, r.Line(), "kept without a field of the wrong type: %s", strings.Join(d, "; "))
		}
		p.Quiet = quiet
		b = append(b, p)
		if len(b) == size {
			select {
			case out <- b:
			case <-ctx.Done():
				return ctx.Err()
			}
			b = make([]paperboy.Paper, 0, size)
		}
	}
	if len(b) > 0 {
		out <- b
	}
	return nil
}

// userError is the message of err fit for a terminal: the paperboy.Error message when
// there is one, else the error text.
func userError(err error) string {
	var e *paperboy.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

// isClosed reports whether ch (a context's Done) is closed.
func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
