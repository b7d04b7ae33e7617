package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/store"
)

// exportStore stores three papers: 2401.00001 posted in slack:C1, 2401.00002 on
// slack:U1's read-later list and posted in slack:C1 too, 2401.00003 neither.
func exportStore(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "p.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ps []paperboy.Paper
	for i, title := range []string{"Alpha_1 & Friends", "Über Beta", "Gamma"} {
		p := paperboy.Paper{ArxivID: "2401.0000" + string(rune('1'+i)), Title: title, Authors: []string{"Zoë Ng", "Al Bo"},
			Abstract: "An abstract.", Categories: []string{"cs.LG"}, Published: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)}
		if err := p.Normalize(); err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	if _, err := db.UpsertPapers(ctx, ps); err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"2401.00001", "2401.00002"} {
		if err := db.SavePost(ctx, paperboy.PostRecord{Channel: "slack:C1", MessageID: "m" + string(rune('1'+i)), PaperID: id}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.AddToReadingList(ctx, "slack:U1", "2401.00002"); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestExportFormats(t *testing.T) {
	db := exportStore(t)
	tests := map[string]struct {
		args     []string
		want     []string // substrings, in order
		count    string   // counted substring ...
		n        int      // ... and how often
		unwanted string
	}{
		"jsonl default": {args: nil, want: []string{`"id":"2401.00001"`, `"id":"2401.00003"`}, count: "\n", n: 3},
		"bibtex all": {args: []string{"--format", "bibtex"}, count: "@misc{", n: 3,
			want: []string{"@misc{ng2024alpha1,", `title = {Alpha\_1 \& Friends}`, "author = {Zoë Ng and Al Bo}", "@misc{ng2024uber,", "@misc{ng2024gamma,"}},
		"bibtex channel": {args: []string{"--format", "bibtex", "--channel", "slack:C1"}, count: "@misc{", n: 2, unwanted: "Gamma"},
		"ris readlist": {args: []string{"--format=ris", "--readlist", "slack:U1"}, count: "TY  - GEN\n", n: 1,
			want: []string{"TI  - Über Beta\nAU  - Ng, Zoë\nAU  - Bo, Al\nPY  - 2024", "AB  - An abstract.", "ER  - \n"}, unwanted: "Alpha"},
		"channel and readlist": {args: []string{"--format", "bib", "--channel", "slack:C1", "--readlist", "slack:U1"}, count: "@misc{", n: 1, unwanted: "Alpha"},
		"jsonl channel":        {args: []string{"--channel", "slack:C1"}, count: "\n", n: 2, unwanted: "Gamma"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, errOut, err := runMain(t, "", append([]string{"export", "--db", db}, tc.args...)...)
			if err != nil {
				t.Fatalf("export: %v\n%s", err, errOut)
			}
			if got := strings.Count(out, tc.count); got != tc.n {
				t.Errorf("%q: got %d, want %d in\n%s", tc.count, got, tc.n, out)
			}
			rest := out
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Errorf("missing (in order) %q in\n%s", w, out)
					break
				}
				rest = rest[i+len(w):]
			}
			if tc.unwanted != "" && strings.Contains(out, tc.unwanted) {
				t.Errorf("%q should not be exported:\n%s", tc.unwanted, out)
			}
		})
	}
}

func TestExportUsage(t *testing.T) {
	db := exportStore(t)
	for _, args := range [][]string{{"--format", "csv"}, {"extra"}, {"-h"}} {
		_, errOut, err := runMain(t, "", append([]string{"export", "--db", db}, args...)...)
		if !errors.Is(err, errUsage) || !strings.Contains(errOut, "Usage: paperboy export") && !strings.Contains(errOut, "unknown --format") {
			t.Errorf("export %v: got %v, %q; want a usage error", args, err, errOut)
		}
	}
	_, errOut, err := runMain(t, "", "export", "--db", db, "--channel", "C1")
	if err != nil || !strings.Contains(errOut, "no papers matched") {
		t.Errorf("export of an unknown channel: got %v, %q; want a note and success", err, errOut)
	}
}
