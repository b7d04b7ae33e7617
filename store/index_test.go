package store

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paperboy-bot/paperboy"
)

// TestMigrationReindexes opens a database whose index predates migration 006 (SQLite's
// porter tokenizer over the papers table) and checks that opening it rebuilds the index
// from papers: searches, filters and updates work on the migrated file.
func TestMigrationReindexes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var papers []paperboy.Paper
	for _, p := range []paperboy.Paper{
		{ArxivID: "2401.20001", Title: "Mixture of Experts Routing", Abstract: "Sparse experts are routed by a learned gate.", Authors: []string{"Noam Shazeer"}, Categories: []string{"cs.LG"}},
		{ArxivID: "2401.20002", Title: "Café Sensors", Abstract: "Caffeine measured by graphene.", Authors: []string{"Marie Curie"}, Categories: []string{"physics.app-ph"}},
	} {
		papers = append(papers, mustPaper(t, p))
	}
	mustUpsert(t, db, papers...)
	// Turn the file back into a pre-006 database: the old index, and no record of 006.
	for _, q := range []string{
		`DROP TABLE papers_fts`,
		`CREATE VIRTUAL TABLE papers_fts USING fts5(title, abstract, authors, categories, content='papers', content_rowid='seq', tokenize='porter unicode61 remove_diacritics 2')`,
		`INSERT INTO papers_fts (papers_fts) VALUES ('rebuild')`,
		`DELETE FROM schema_migrations WHERE version = 6`,
	} {
		if _, err := db.write.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	var logged bytes.Buffer
	db, err = OpenLogged(ctx, path, slog.New(slog.NewTextHandler(&logged, nil)))
	if err != nil {
		t.Fatalf("reopen (migration 006): %v", err)
	}
	defer db.Close()
	if !strings.Contains(logged.String(), "rebuilding the search index") || !strings.Contains(logged.String(), "papers=2") {
		t.Errorf("migration log: got %q, want the rebuild announced with papers=2", logged.String())
	}
	var n int
	if err := db.write.QueryRow(`SELECT COUNT(*) FROM schema_migrations WHERE version = 6`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("migration 006 recorded %d times (err %v), want 1", n, err)
	}
	if _, err := db.write.Exec(`INSERT INTO papers_fts (papers_fts, rank) VALUES ('integrity-check', 0)`); err != nil {
		t.Errorf("index integrity after migration: %v", err)
	}
	for _, tc := range []struct{ query, want string }{
		{"routing experts", "2401.20001"},
		{`"mixture of experts"`, "2401.20001"},
		{"cafe", "2401.20002"},
		{"author:shazeer", "2401.20001"},
		{"graphene cat:physics", "2401.20002"},
	} {
		ids, _ := searchIDs(t, db, tc.query)
		if !slices.Equal(ids, []string{tc.want}) {
			t.Errorf("search %q after migration: got %v, want [%s]", tc.query, ids, tc.want)
		}
	}
	// An update re-indexes by rowid (contentless_delete): the old words stop matching.
	p := papers[1]
	p.Version = 2
	p.Title = "Espresso Sensors"
	mustUpsert(t, db, p)
	if ids, _ := searchIDs(t, db, "espresso"); !slices.Equal(ids, []string{"2401.20002"}) {
		t.Errorf("search espresso after update: got %v, want [2401.20002]", ids)
	}
	if ids, _ := searchIDs(t, db, "cafe"); len(ids) != 0 {
		t.Errorf("search cafe after the title changed: got %v, want none", ids)
	}
}
