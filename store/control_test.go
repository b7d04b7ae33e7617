package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// TestReadStripsControl: a row stored with control characters (before ingest stripped
// them, or by another tool) comes out of the store without them, whichever way it is read.
func TestReadStripsControl(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	ids := mustPapers(t, db, 1, 1)
	if _, err := db.write.Exec(`UPDATE papers SET title = ?, abstract = ?, authors = ?, comment = ? WHERE id = ?`,
		"Owned \x1b]0;OWNED\a\x1b[2J\x1b[8m sparse experts", "We \u202estudy\u202c experts.\x1b[8m",
		`["A\u009bB"]`, "c\x07", ids[0]); err != nil {
		t.Fatal(err)
	}
	check := func(how string, p *paperboy.Paper) {
		t.Helper()
		for name, s := range map[string]string{"title": p.Title, "abstract": p.Abstract, "author": strings.Join(p.Authors, ","), "comment": p.Comment} {
			for _, r := range s {
				if paperboy.IsControl(r) {
					t.Errorf("%s: %s %q has control character %U", how, name, s, r)
					break
				}
			}
		}
		if got, want := p.Title, "Owned ]0;OWNED[2J[8m sparse experts"; got != want {
			t.Errorf("%s: got title %q, want %q", how, got, want)
		}
	}
	p, err := db.FindPaper(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	check("FindPaper", p)
	q, _ := paperboy.ParseQuery("sparse experts", time.Now())
	res, err := db.Search(ctx, paperboy.SearchRequest{Query: q, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) == 0 {
		t.Fatal("search found nothing")
	}
	check("Search", res.Hits[0].Paper)
}
