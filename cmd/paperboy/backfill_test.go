package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/ingest"
	"github.com/paperboy-bot/paperboy/store"
)

// realArxivPage is a real arXiv API answer (15 entries), relative to this package.
const realArxivPage = "../../../shared/real/arxiv-api/arxivpy-query-testing-15-entries.xml"

// fakeArxiv serves the entries of a real API answer page by page, as the API does
// (start, max_results, opensearch:totalResults), and calls onRequest before answering.
type fakeArxiv struct {
	head, tail []byte
	entries    [][]byte
	mu         sync.Mutex
	starts     []int
	onRequest  func(r *http.Request, start int)
}

func newFakeArxiv(t *testing.T) *fakeArxiv {
	t.Helper()
	data, err := os.ReadFile(realArxivPage)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("real arXiv answer not found: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	first := bytes.Index(data, []byte("<entry>"))
	last := bytes.LastIndex(data, []byte("</entry>")) + len("</entry>")
	f := &fakeArxiv{head: data[:first], tail: data[last:]}
	for _, e := range bytes.Split(data[first:last], []byte("<entry>"))[1:] {
		f.entries = append(f.entries, append([]byte("<entry>"), e...))
	}
	// The page's own totalResults (214881) becomes the number of entries served.
	f.head = bytes.Replace(f.head, []byte(">214881<"), []byte(">"+strconv.Itoa(len(f.entries))+"<"), 1)
	if len(f.entries) != 15 || !bytes.Contains(f.head, []byte(">15<")) {
		t.Fatalf("real page changed: %d entries", len(f.entries))
	}
	return f
}

func (f *fakeArxiv) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start, _ := strconv.Atoi(r.URL.Query().Get("start"))
	size, _ := strconv.Atoi(r.URL.Query().Get("max_results"))
	f.mu.Lock()
	f.starts = append(f.starts, start)
	on := f.onRequest
	f.mu.Unlock()
	if on != nil {
		on(r, start)
	}
	w.Header().Set("Content-Type", "application/atom+xml")
	w.Write(f.head)
	for _, e := range f.entries[min(start, len(f.entries)):min(start+size, len(f.entries))] {
		w.Write(e)
	}
	w.Write(f.tail)
}

func (f *fakeArxiv) requests() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.starts)
}

func countPapers(t *testing.T, db *store.DB) int {
	t.Helper()
	n := 0
	if err := db.ExportPapers(context.Background(), func(*paperboy.Paper) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func openTestStore(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestArxivBackfillResumes interrupts an arXiv backfill on its third page (as SIGINT
// would: the context is cancelled while the request is in flight): the two pages
// fetched are stored and the next run continues at the third.
func TestArxivBackfillResumes(t *testing.T) {
	fake := newFakeArxiv(t)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	db := openTestStore(t)
	a := &ingest.Arxiv{Client: ingest.NewClient(ingest.ClientOptions{}), BaseURL: srv.URL, PageSize: 5, MinInterval: -1}
	since := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	q := ingest.ArxivQuery{Category: "cs.SE", Since: since, Until: time.Date(2022, 3, 1, 0, 0, 0, 0, time.UTC)}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fake.onRequest = func(r *http.Request, start int) {
		if start == 10 {
			cancel() // interrupted while the third page is in flight
			<-r.Context().Done()
		}
	}
	var note bytes.Buffer
	_, read, err := arxivBackfill(ctx, db, a, q, false, &note)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: got %v, want context.Canceled", err)
	}
	if got := countPapers(t, db); read != 10 || got != 10 {
		t.Fatalf("interrupted run: fetched %d, stored %d; want both 10", read, got)
	}
	if !strings.Contains(note.String(), "stopped at result 10") {
		t.Errorf("interrupted run said %q, want where it stopped", note.String())
	}

	// The next run with the same category and since (a later until) continues at 10.
	fake.onRequest = nil
	note.Reset()
	before := len(fake.requests())
	q.Until = q.Until.AddDate(0, 1, 0)
	st, read, err := arxivBackfill(context.Background(), db, a, q, false, &note)
	if err != nil {
		t.Fatal(err)
	}
	if got := fake.requests()[before:]; !slices.Equal(got, []int{10}) {
		t.Errorf("resumed run asked for starts %v, want [10]", got)
	}
	if got := countPapers(t, db); read != 5 || st.New != 5 || got != 15 {
		t.Errorf("resumed run: fetched %d, new %d, stored %d in all; want 5, 5, 15", read, st.New, got)
	}
	if !strings.Contains(note.String(), "resuming the arXiv cs.SE backfill since 2022-01-01 at result 10") {
		t.Errorf("resumed run said %q, want that it resumes", note.String())
	}
	// Finished: the record is gone, so a third run starts over.
	note.Reset()
	before = len(fake.requests())
	if _, _, err := arxivBackfill(context.Background(), db, a, q, false, &note); err != nil {
		t.Fatal(err)
	}
	if got := fake.requests()[before:]; len(got) == 0 || got[0] != 0 || note.Len() != 0 {
		t.Errorf("after a finished backfill: starts %v, said %q; want a fresh start, silently", got, note.String())
	}
}

// TestFetchIntoStoresAfterCancel: papers a fetch emitted before its context ended are
// stored, not dropped with the context (the last flush used the cancelled one).
func TestFetchIntoStoresAfterCancel(t *testing.T) {
	db := openTestStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, read, err := fetchInto(ctx, db, func(ctx context.Context, emit func(paperboy.Paper) error) error {
		for i := range 3 {
			p := paperboy.Paper{ArxivID: fmt.Sprintf("2401.0000%d", i+1), Title: fmt.Sprintf("Paper %d", i+1), Sources: []string{paperboy.SourceArxiv}}
			if err := p.Normalize(); err != nil {
				return err
			}
			if err := emit(p); err != nil {
				return err
			}
		}
		cancel() // SIGINT while the next page is being fetched
		return ctx.Err()
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if got := countPapers(t, db); read != 3 || got != 3 {
		t.Errorf("fetched %d, stored %d; want 3 stored", read, got)
	}
}
