package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/store"
)

// hostileTitle is the title of issue 17: it retitles the window, clears the screen and
// hides the text after it; C1 CSI and a bidi override besides.
const hostileTitle = "Owned Decoding\x1b]0;OWNED\a\x1b[2J\x1b[8m Heads\u009b2J\u202e"

func hasTerminalControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return r < 0x20 && r != '\n' || r >= 0x7f && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
	})
}

// TestCLIOutputNeutralizesControl stores the hostile title as a row stored before
// ingest stripping would hold it (a set ID skips normalization), then checks search,
// search --json and export: no control character reaches the terminal or the JSON (the
// store drops them when it reads the row), and the rest of the text is kept.
func TestCLIOutputNeutralizesControl(t *testing.T) {
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "p.db")
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	p := paperboy.Paper{ID: "2501.06666", ArxivID: "2501.06666", Title: hostileTitle,
		Abstract: "Owned heads decode.", Authors: []string{"Eve\x1b[2J Mallory"}, Categories: []string{"cs.LG"}}
	if _, err := db.UpsertPapers(ctx, []paperboy.Paper{p}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	out, _, err := runMain(t, "", "search", "--db", dbPath, "owned")
	if err != nil {
		t.Fatal(err)
	}
	clean := paperboy.StripControl(hostileTitle)
	if !strings.Contains(out, "Owned Decoding]0;OWNED[2J[8m Heads2J") || !strings.Contains(out, "Eve[2J Mallory") || hasTerminalControl(out) {
		t.Errorf("search: got %q, want the title without its control characters", out)
	}

	out, _, err = runMain(t, "", "search", "--json", "--db", dbPath, "owned")
	if err != nil {
		t.Fatal(err)
	}
	var hits []searchResult
	if hasTerminalControl(out) || json.Unmarshal([]byte(out), &hits) != nil || len(hits) != 1 || hits[0].Title != clean {
		t.Errorf("search --json: got %q, want the title %q", out, clean)
	}

	out, _, err = runMain(t, "", "export", "--db", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	var back paperboy.Paper
	if hasTerminalControl(out) || json.Unmarshal([]byte(out), &back) != nil || back.Title != clean {
		t.Errorf("export: got %q, want the title %q", out, clean)
	}
}

// TestImportStripsControl imports the hostile title: it is stored without its control
// characters.
func TestImportStripsControl(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "p.db")
	line, _ := json.Marshal(map[string]string{"title": hostileTitle, "abstract": "Owned heads decode."})
	if _, _, err := runMain(t, string(line)+"\n", "import", "--db", dbPath, "-"); err != nil {
		t.Fatal(err)
	}
	out, _, err := runMain(t, "", "search", "--json", "--db", dbPath, "owned")
	if err != nil {
		t.Fatal(err)
	}
	var hits []searchResult
	if err := json.Unmarshal([]byte(out), &hits); err != nil || len(hits) != 1 {
		t.Fatalf("got %q (%v), want one hit", out, err)
	}
	if want := "Owned Decoding]0;OWNED[2J[8m Heads2J"; hits[0].Title != want {
		t.Errorf("stored title: got %q, want %q", hits[0].Title, want)
	}
}

// TestSearchNothingToLookFor: the CLI refuses a search with no usable words and no filter
// (instead of printing the newest papers), and names what it ignored beside real words.
func TestSearchNothingToLookFor(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	if _, _, err := runMain(t, `{"title": "Attention Entropy Collapse in Transformers", "abstract": "We study attention entropy collapse."}`+"\n", "import", "--db", db, "-"); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("y", paperboy.MaxWordLen+1)
	for _, c := range []struct{ arg, want string }{
		{`)(*^:`, `There is nothing to look for: ")(*^:" has no letters or digits.`},
		{`-learning`, `There is nothing to look for: -learning only leaves papers out.`},
		{long, `is too long to be a word (over 64 characters)`},
	} {
		out, _, err := runMain(t, "", "search", "--db", db, c.arg)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(out, "Attention") {
			t.Errorf("search %.20q: got %q, %v; want no papers and an error containing %q", c.arg, out, err, c.want)
		}
	}
	out, _, err := runMain(t, "", "search", "--db", db, "attention", long)
	if err != nil || !strings.Contains(out, "Attention Entropy") || !strings.Contains(out, "Ignored: \"yyy") {
		t.Errorf("got %q, %v; want the paper and the long word named as ignored", out, err)
	}
	out, errOut, err := runMain(t, "", "search", "--json", "--db", db, "attention", "?!")
	var hits []searchResult
	if err != nil || json.Unmarshal([]byte(out), &hits) != nil || len(hits) != 1 || !strings.Contains(errOut, `ignored "?!" has no letters or digits`) {
		t.Errorf("--json: got %q, stderr %q, %v; want one hit on stdout and the note on stderr", out, errOut, err)
	}
}
