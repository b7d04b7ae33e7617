package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runMain runs the program in-process and returns stdout and stderr.
func runMain(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	err := m.Run(context.Background(), args)
	return out.String(), errb.String(), err
}

const seedPath = "../../../shared/corpus/seed-papers.jsonl"

func TestImportSearchExportRoundTrip(t *testing.T) {
	if _, err := os.Stat(seedPath); err != nil {
		t.Skipf("seed corpus not found at %s: %v", seedPath, err)
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")

	out, errOut, err := runMain(t, "", "import", "--db", db, seedPath)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, errOut)
	}
	// 963 lines, 903 distinct titles: each repeat is either a pure duplicate or adds a
	// field the first line lacked (a date, an author count), which is an update.
	var read, fresh, updated, dups, rejected int
	if _, err := fmt.Sscanf(strings.TrimSpace(out), "read %d, new %d, updated %d, duplicates %d, rejected %d",
		&read, &fresh, &updated, &dups, &rejected); err != nil {
		t.Fatalf("import summary %q: %v", out, err)
	}
	if read != 963 || fresh != 903 || updated+dups != 60 || rejected != 0 {
		t.Fatalf("import summary: got %q, want read 963, new 903, updated+duplicates 60, rejected 0", out)
	}

	out, errOut, err = runMain(t, "", "search", "--db", db, "--json", "--limit", "3", "transfer", "empowerment", "multi-agent")
	if err != nil {
		t.Fatalf("search: %v\n%s", err, errOut)
	}
	var hits []map[string]any
	if err := json.Unmarshal([]byte(out), &hits); err != nil {
		t.Fatalf("search --json output is not a JSON array: %v\n%s", err, out)
	}
	if len(hits) == 0 {
		t.Fatal("search: no hits")
	}
	for _, k := range []string{"id", "title", "score", "url"} {
		if _, ok := hits[0][k]; !ok {
			t.Errorf("search --json element lacks %q: %v", k, hits[0])
		}
	}
	if got := hits[0]["title"]; !strings.Contains(got.(string), "Transfer Empowerment") {
		t.Errorf("top hit: got %q, want the transfer empowerment paper", got)
	}

	exported, _, err := runMain(t, "", "export", "--db", db)
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	if n := strings.Count(exported, "\n"); n != 903 {
		t.Fatalf("export: got %d lines, want 903", n)
	}
	// Importing the export into the same database changes nothing.
	out, _, err = runMain(t, exported, "import", "--db", db, "-")
	if err != nil {
		t.Fatalf("re-import: %v", err)
	}
	if want := "read 903, new 0, updated 0, duplicates 903, rejected 0"; strings.TrimSpace(out) != want {
		t.Fatalf("re-import of export: got %q, want %q", strings.TrimSpace(out), want)
	}
	// Into a fresh database it reproduces the same export.
	db2 := filepath.Join(dir, "q.db")
	if _, _, err := runMain(t, exported, "import", "--db", db2, "-"); err != nil {
		t.Fatal(err)
	}
	again, _, err := runMain(t, "", "export", "--db", db2)
	if err != nil {
		t.Fatal(err)
	}
	if again != exported {
		t.Fatal("export -> import -> export is not identical")
	}
}

func TestImportRejectsAndGzip(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"title": "A Good Paper", "abstract": "We propose things."}
not json at all
{"abstract": "no title here"}

{"id": "2401.01234", "submitter": "A B", "authors": "Ann Author and Bob Builder", "title": "Kaggle Line", "comments": null, "journal-ref": null, "doi": null, "categories": "cs.LG stat.ML", "abstract": "  An abstract.\n", "versions": [{"version": "v1", "created": "Mon, 1 Jan 2024 10:00:00 GMT"}], "update_date": "2024-01-02", "authors_parsed": [["Author", "Ann", ""], ["Builder", "Bob", ""]]}
`))
	zw.Close()
	path := filepath.Join(t.TempDir(), "in.jsonl.data") // no .gz suffix: detected by content
	if err := os.WriteFile(path, gz.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := runMain(t, "", "import", "--db", filepath.Join(t.TempDir(), "p.db"), path)
	if err != nil {
		t.Fatalf("import with rejected lines must exit 0: %v", err)
	}
	if want := "read 4, new 2, updated 0, duplicates 0, rejected 2 (lines 2, 3)"; strings.TrimSpace(out) != want {
		t.Fatalf("summary: got %q, want %q", strings.TrimSpace(out), want)
	}
	if !strings.Contains(errOut, "line 2 rejected") || !strings.Contains(errOut, "line 3 rejected") {
		t.Errorf("stderr should name rejected lines, got %q", errOut)
	}
}

func TestImportUnreadableFails(t *testing.T) {
	_, _, err := runMain(t, "", "import", "--db", filepath.Join(t.TempDir(), "p.db"), "/nonexistent/file.jsonl")
	if err == nil {
		t.Fatal("import of a missing file: got nil error, want failure")
	}
}

func TestSearchUserTextNeverBreaks(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	if _, _, err := runMain(t, `{"title": "Attention Entropy Collapse in Transformers", "abstract": "We study attention entropy collapse."}`+"\n", "import", "--db", db, "-"); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`"unbalanced`, `attention*`, `NEAR(a b)`, `(x OR y) AND -z`, `🤖 emoji`, strings.Repeat("long ", 2000)} {
		if _, errOut, err := runMain(t, "", "search", "--db", db, q); err != nil {
			t.Errorf("search %.30q: %v %s", q, err, errOut)
		}
	}
	// A bad filter value is a clear message, not an SQL error.
	_, _, err := runMain(t, "", "search", "--db", db, "attention", "since:yesterday")
	if err == nil || !strings.Contains(err.Error(), "since:yesterday") {
		t.Fatalf("got %v, want a message about since:yesterday", err)
	}
}

// TestImportProgress checks the progress lines a long import writes on stderr (every
// chunk here, with the interval at zero) and that the summary on stdout is unchanged.
func TestImportProgress(t *testing.T) {
	defer func(d time.Duration) { importProgressEvery = d }(importProgressEvery)
	importProgressEvery = 0
	var in strings.Builder
	for i := range 2500 {
		fmt.Fprintf(&in, "{\"title\": \"Paper %d on sparse routing\", \"abstract\": \"We route tokens %d.\"}\n", i, i)
	}
	out, errOut, err := runMain(t, in.String(), "import", "--db", filepath.Join(t.TempDir(), "p.db"), "--batch", "2000", "-")
	if err != nil {
		t.Fatal(err)
	}
	if want := "read 2500, new 2500, updated 0, duplicates 0, rejected 0"; strings.TrimSpace(out) != want {
		t.Fatalf("summary: got %q, want %q", strings.TrimSpace(out), want)
	}
	// Chunks of 1000, transactions of 2000: after 1000 nothing is committed yet.
	for _, want := range []string{"import: 1000 papers written, 0 committed", "import: 2000 papers written, 2000 committed", "import: 2500 papers written, 2000 committed"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr: missing %q in %q", want, errOut)
		}
	}
}
