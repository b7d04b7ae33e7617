package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportReportsEveryProblemLine: a line kept without a field of the wrong type is
// reported like a rejected one, and past the first 50 reported lines a count says how
// many more there were.
func TestImportReportsEveryProblemLine(t *testing.T) {
	var in strings.Builder
	for i := 1; i <= 3; i++ { // kept, "authors" dropped
		fmt.Fprintf(&in, `{"title": "Seed paper %d", "authors": 42}`+"\n", i)
	}
	for i := 1; i <= 55; i++ { // rejected: an id that is not a string
		fmt.Fprintf(&in, `{"id": %d, "title": "Numbered paper %d"}`+"\n", i, i)
	}
	path := filepath.Join(t.TempDir(), "in.jsonl")
	if err := os.WriteFile(path, []byte(in.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := runMain(t, "", "import", "--db", filepath.Join(t.TempDir(), "p.db"), path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "read 58, new 3, updated 0, duplicates 0, rejected 55 (lines 4, 5, ") {
		t.Errorf("summary: got %q, want 58 read, 3 new, 55 rejected", out)
	}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	var kept, rejected int
	for _, l := range lines {
		switch {
		case strings.Contains(l, `kept without a field of the wrong type: "authors" is a JSON number`):
			kept++
		case strings.Contains(l, `rejected: "id" is a JSON number, want a string`):
			rejected++
		}
	}
	if kept != 3 || rejected != 47 {
		t.Errorf("stderr: %d lines with a dropped field, %d rejected; want 3 and 47 (50 listed)\n%s", kept, rejected, errOut)
	}
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "... and 8 more") {
		t.Errorf("last stderr line: got %q, want \"... and 8 more ...\"", last)
	}
}
