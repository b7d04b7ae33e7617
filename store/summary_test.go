package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// mustSummaryPapers stores papers (normalising them) at the time db.Now gives.
func mustSummaryPapers(tb testing.TB, db *DB, papers ...paperboy.Paper) {
	tb.Helper()
	for i := range papers {
		if err := papers[i].Normalize(); err != nil {
			tb.Fatalf("normalize %q: %v", papers[i].Title, err)
		}
	}
	if _, err := db.UpsertPapers(context.Background(), papers); err != nil {
		tb.Fatalf("upsert papers: %v", err)
	}
}

func TestSummaryFindSave(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	mustSummaryPapers(t, db, paperboy.Paper{ArxivID: "2401.00001", Title: "Paper One", Abstract: "We propose One."})

	if _, err := db.FindSummary(ctx, "2401.00001", "gpt-4o-mini", "oa-1"); paperboy.ErrorCode(err) != paperboy.ENOTFOUND {
		t.Fatalf("find missing: got %v, want ENOTFOUND", err)
	}
	created := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	want := paperboy.Summary{PaperID: "2401.00001", Model: "gpt-4o-mini", PromptVersion: "oa-1",
		Text: "One does things.", PromptTokens: 120, CompletionTokens: 30, CreatedAt: created}
	if err := db.SaveSummary(ctx, want); err != nil {
		t.Fatalf("save: %v", err)
	}
	got, err := db.FindSummary(ctx, "2401.00001", "gpt-4o-mini", "oa-1")
	if err != nil {
		t.Fatalf("find: %v", err)
	}
	if got != want {
		t.Fatalf("find: got %+v, want %+v", got, want)
	}
	// Other model or prompt version: a different cache entry.
	if _, err := db.FindSummary(ctx, "2401.00001", "gpt-4o-mini", "oa-2"); paperboy.ErrorCode(err) != paperboy.ENOTFOUND {
		t.Fatalf("find other prompt version: got %v, want ENOTFOUND", err)
	}

	// Upsert replaces.
	want.Text, want.PromptTokens, want.CompletionTokens = "One, better.", 200, 40
	if err := db.SaveSummary(ctx, want); err != nil {
		t.Fatalf("save again: %v", err)
	}
	if got, _ = db.FindSummary(ctx, "2401.00001", "gpt-4o-mini", "oa-1"); got != want {
		t.Fatalf("after upsert: got %+v, want %+v", got, want)
	}
}

func TestSaveSummaryErrors(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	mustSummaryPapers(t, db, paperboy.Paper{ArxivID: "2401.00001", Title: "Paper One", Abstract: "We propose One."})
	for name, tc := range map[string]struct {
		s    paperboy.Summary
		code string
	}{
		"unknown paper":   {paperboy.Summary{PaperID: "2401.99999", Model: "m", PromptVersion: "v", Text: "x"}, paperboy.ENOTFOUND},
		"no model":        {paperboy.Summary{PaperID: "2401.00001", PromptVersion: "v", Text: "x"}, paperboy.EINVALID},
		"no version":      {paperboy.Summary{PaperID: "2401.00001", Model: "m", Text: "x"}, paperboy.EINVALID},
		"empty text":      {paperboy.Summary{PaperID: "2401.00001", Model: "m", PromptVersion: "v"}, paperboy.EINVALID},
		"negative tokens": {paperboy.Summary{PaperID: "2401.00001", Model: "m", PromptVersion: "v", Text: "x", PromptTokens: -1}, paperboy.EINVALID},
	} {
		t.Run(name, func(t *testing.T) {
			err := db.SaveSummary(ctx, tc.s)
			if got := paperboy.ErrorCode(err); got != tc.code {
				t.Fatalf("got %q (%v), want %q", got, err, tc.code)
			}
		})
	}
}

func TestSummaryUsage(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	if u, err := db.SummaryUsage(ctx); err != nil || len(u) != 0 {
		t.Fatalf("empty store: got %v, %v; want no rows", u, err)
	}
	mustSummaryPapers(t, db,
		paperboy.Paper{ArxivID: "2401.00001", Title: "Paper One", Abstract: "a"},
		paperboy.Paper{ArxivID: "2401.00002", Title: "Paper Two", Abstract: "b"})
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	for _, s := range []paperboy.Summary{
		{PaperID: "2401.00001", Model: "gpt-4o-mini", PromptVersion: "oa-1-tldr-en", Text: "x", PromptTokens: 100, CompletionTokens: 20, CreatedAt: t0},
		{PaperID: "2401.00002", Model: "gpt-4o-mini", PromptVersion: "oa-1-tldr-en", Text: "y", PromptTokens: 150, CompletionTokens: 25, CreatedAt: t0.Add(time.Hour)},
		{PaperID: "2401.00001", Model: "extractive", PromptVersion: "ext-1", Text: "z", CreatedAt: t0},
	} {
		if err := db.SaveSummary(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.SummaryUsage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []SummaryUsage{
		{Model: "extractive", Summaries: 1, Last: t0},
		{Model: "gpt-4o-mini", Summaries: 2, PromptTokens: 250, CompletionTokens: 45, Last: t0.Add(time.Hour)},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestPapersWithoutSummary(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	t0 := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	clock := t0
	db.Now = func() time.Time { return clock }

	// Stored on Nov 20: an old paper and one without an abstract.
	mustSummaryPapers(t, db,
		paperboy.Paper{ArxivID: "1706.03762", Title: "Attention Is All You Need", Abstract: "We propose the Transformer.", Published: time.Date(2017, 6, 12, 0, 0, 0, 0, time.UTC)},
		paperboy.Paper{ArxivID: "2411.00002", Title: "No Abstract Here", Published: t0})
	// Stored on Nov 25: a new paper, and an old one just imported.
	clock = t0.AddDate(0, 0, 5)
	mustSummaryPapers(t, db,
		paperboy.Paper{ArxivID: "2411.00003", Title: "Fresh Paper", Abstract: "We introduce Fresh.", Published: clock.Add(-time.Hour)},
		paperboy.Paper{ArxivID: "1512.03385", Title: "Deep Residual Learning", Abstract: "We present ResNet.", Published: time.Date(2015, 12, 10, 0, 0, 0, 0, time.UTC)})
	if err := db.SaveSummary(ctx, paperboy.Summary{PaperID: "1706.03762", Model: "m", PromptVersion: "v1", Text: "done"}); err != nil {
		t.Fatal(err)
	}

	ids := func(ps []*paperboy.Paper) string {
		var s []string
		for _, p := range ps {
			s = append(s, p.ID)
		}
		return strings.Join(s, " ")
	}
	for name, tc := range map[string]struct {
		model, version string
		since          time.Time
		limit          int
		want           string
	}{
		"all, one done":          {"m", "v1", time.Time{}, 0, "1512.03385 2411.00003"},
		"other prompt version":   {"m", "v2", time.Time{}, 0, "1512.03385 2411.00003 1706.03762"},
		"other model":            {"x", "v1", time.Time{}, 0, "1512.03385 2411.00003 1706.03762"},
		"limit":                  {"m", "v2", time.Time{}, 2, "1512.03385 2411.00003"},
		"since: stored recently": {"m", "v2", t0.AddDate(0, 0, 1), 0, "1512.03385 2411.00003"},
		"since: nothing":         {"m", "v2", t0.AddDate(0, 0, 10), 0, ""},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := db.PapersWithoutSummary(ctx, tc.model, tc.version, tc.since, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if ids(got) != tc.want {
				t.Fatalf("got [%s], want [%s]", ids(got), tc.want)
			}
			for _, p := range got {
				if p.Title == "" || p.Abstract == "" || p.Seq == 0 {
					t.Errorf("paper %s not fully loaded: %+v", p.ID, p)
				}
			}
		})
	}
	if _, err := db.PapersWithoutSummary(ctx, "", "v1", time.Time{}, 0); paperboy.ErrorCode(err) != paperboy.EINVALID {
		t.Fatalf("no model: got %v, want EINVALID", err)
	}
}
