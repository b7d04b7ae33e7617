package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
)

func mustPaper(t testing.TB, p paperboy.Paper) paperboy.Paper {
	t.Helper()
	if err := p.Normalize(); err != nil {
		t.Fatalf("normalize %q: %v", p.Title, err)
	}
	return p
}

func mustUpsert(t testing.TB, db *DB, papers ...paperboy.Paper) paperboy.UpsertStats {
	t.Helper()
	st, err := db.UpsertPapers(context.Background(), papers)
	if err != nil {
		t.Fatalf("upsert: %v", err)
	}
	return st
}

func mustFindPaper(t testing.TB, db *DB, ref string) *paperboy.Paper {
	t.Helper()
	p, err := db.FindPaper(context.Background(), ref)
	if err != nil {
		t.Fatalf("find %s: %v", ref, err)
	}
	return p
}

func countPaperRows(t testing.TB, db *DB) int {
	t.Helper()
	var n int
	if err := db.read.QueryRow(`SELECT COUNT(*) FROM papers`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var paperTestDay = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)

func arxivPaper(id string, v int, title string) paperboy.Paper {
	return paperboy.Paper{
		ArxivID: fmt.Sprintf("%sv%d", id, v), Title: title,
		Abstract:   "We study " + title + " in depth.",
		Authors:    []string{"Ada Lovelace", "Alan Turing"},
		Categories: []string{"cs.LG", "stat.ML"},
		Published:  paperTestDay, Updated: paperTestDay.AddDate(0, 0, v-1),
		AbsURL:  "https://arxiv.org/abs/" + id,
		Sources: []string{paperboy.SourceArxiv},
	}
}

func TestUpsertPapers(t *testing.T) {
	ctx := context.Background()
	t.Run("new then duplicate", func(t *testing.T) {
		db := MustOpenDB(t)
		p := mustPaper(t, arxivPaper("2401.00001", 1, "Sparse Attention Revisited"))
		if got, want := mustUpsert(t, db, p), (paperboy.UpsertStats{New: 1}); got != want {
			t.Fatalf("first upsert: got %+v, want %+v", got, want)
		}
		if got, want := mustUpsert(t, db, p), (paperboy.UpsertStats{Duplicates: 1}); got != want {
			t.Fatalf("second upsert: got %+v, want %+v", got, want)
		}
		got := mustFindPaper(t, db, "2401.00001")
		if got.ID != "2401.00001" || got.Version != 1 || got.Title != p.Title || !slices.Equal(got.Authors, p.Authors) ||
			!got.Published.Equal(paperTestDay) || got.Seq == 0 || got.CreatedAt.IsZero() || got.Quiet {
			t.Fatalf("stored paper: got %+v", got)
		}
	})
	t.Run("duplicates within one batch", func(t *testing.T) {
		db := MustOpenDB(t)
		p := mustPaper(t, arxivPaper("2401.00002", 1, "Batch Twins"))
		if got, want := mustUpsert(t, db, p, p, p), (paperboy.UpsertStats{New: 1, Duplicates: 2}); got != want {
			t.Fatalf("got %+v, want %+v", got, want)
		}
		if n := countPaperRows(t, db); n != 1 {
			t.Fatalf("rows: got %d, want 1", n)
		}
	})
	t.Run("new version updates without a new seq", func(t *testing.T) {
		db := MustOpenDB(t)
		v1 := mustPaper(t, arxivPaper("2401.00003", 1, "Old Title"))
		mustUpsert(t, db, v1)
		before := mustFindPaper(t, db, "2401.00003")
		v2 := mustPaper(t, arxivPaper("2401.00003", 2, "New Title"))
		if got, want := mustUpsert(t, db, v2), (paperboy.UpsertStats{Updated: 1}); got != want {
			t.Fatalf("got %+v, want %+v", got, want)
		}
		after := mustFindPaper(t, db, "arXiv:2401.00003v1")
		if after.Title != "New Title" || after.Version != 2 || after.Seq != before.Seq {
			t.Fatalf("after v2: got title %q version %d seq %d, want %q 2 %d", after.Title, after.Version, after.Seq, "New Title", before.Seq)
		}
		// An older version seen later changes nothing.
		if got, want := mustUpsert(t, db, v1), (paperboy.UpsertStats{Duplicates: 1}); got != want {
			t.Fatalf("old version again: got %+v, want %+v", got, want)
		}
		if got := mustFindPaper(t, db, "2401.00003").Title; got != "New Title" {
			t.Fatalf("title after old version: got %q, want %q", got, "New Title")
		}
		// The index follows the title.
		res, err := db.Search(ctx, paperboy.SearchRequest{Query: paperboy.Query{Terms: []string{"old"}}})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			if h.Paper.ID == "2401.00003" && h.Paper.Title != "New Title" {
				t.Fatalf("search found the old title")
			}
		}
		res, err = db.Search(ctx, paperboy.SearchRequest{Query: paperboy.Query{Terms: []string{"new", "title"}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) != 1 || res.Hits[0].Paper.ID != "2401.00003" {
			t.Fatalf("search new title: got %d hits, want the paper", len(res.Hits))
		}
	})
	t.Run("rss item then arxiv record are one paper", func(t *testing.T) {
		db := MustOpenDB(t)
		rss := mustPaper(t, paperboy.Paper{Title: "Mixture of Experts at Scale.", Abstract: "", Sources: []string{paperboy.SourceRSS}})
		mustUpsert(t, db, rss)
		seq := mustFindPaper(t, db, rss.ID).Seq
		// Store something that references the paper, to see the id change cascade.
		if _, err := db.write.Exec(`INSERT INTO votes (paper_id, channel, user_id, value, at) VALUES (?, 'slack:C1', 'U1', 1, 0)`, rss.ID); err != nil {
			t.Fatal(err)
		}
		ax := mustPaper(t, arxivPaper("2401.00004", 1, "Mixture of experts at scale"))
		if got, want := mustUpsert(t, db, ax), (paperboy.UpsertStats{Updated: 1}); got != want {
			t.Fatalf("got %+v, want %+v", got, want)
		}
		got := mustFindPaper(t, db, "https://arxiv.org/abs/2401.00004v1")
		if got.ID != "2401.00004" || got.Seq != seq || !slices.Equal(got.Sources, []string{"arxiv", "rss"}) || got.Abstract == "" {
			t.Fatalf("merged: got id %s seq %d sources %v abstract %q", got.ID, got.Seq, got.Sources, got.Abstract)
		}
		if _, err := db.FindPaper(ctx, rss.ID); paperboy.ErrorCode(err) != paperboy.ENOTFOUND {
			t.Fatalf("old id: got %v, want not found", err)
		}
		var voteFor string
		if err := db.read.QueryRow(`SELECT paper_id FROM votes`).Scan(&voteFor); err != nil || voteFor != "2401.00004" {
			t.Fatalf("vote paper id: got %q (%v), want 2401.00004", voteFor, err)
		}
		if n := countPaperRows(t, db); n != 1 {
			t.Fatalf("rows: got %d, want 1", n)
		}
	})
	t.Run("same title different arxiv ids stay apart", func(t *testing.T) {
		db := MustOpenDB(t)
		st := mustUpsert(t, db, mustPaper(t, arxivPaper("2401.00005", 1, "Introduction")), mustPaper(t, arxivPaper("2401.00006", 1, "Introduction")))
		if want := (paperboy.UpsertStats{New: 2}); st != want {
			t.Fatalf("got %+v, want %+v", st, want)
		}
	})
	t.Run("sources fill fields, upvotes max, extra merged", func(t *testing.T) {
		db := MustOpenDB(t)
		mustUpsert(t, db, mustPaper(t, arxivPaper("2401.00007", 1, "Tiny Recursive Models")))
		hf := mustPaper(t, paperboy.Paper{ArxivID: "2401.00007", Title: "Tiny Recursive Models", Upvotes: 42,
			HFURL: "https://huggingface.co/papers/2401.00007", RepoURL: "https://github.com/x/trm",
			Extra: map[string]string{"org": "Samsung"}, Sources: []string{paperboy.SourceHF}})
		if got, want := mustUpsert(t, db, hf), (paperboy.UpsertStats{Updated: 1}); got != want {
			t.Fatalf("got %+v, want %+v", got, want)
		}
		hf.Upvotes = 7
		hf.Extra = map[string]string{"ai_summary": "small nets recurse"}
		mustUpsert(t, db, hf)
		got := mustFindPaper(t, db, "https://huggingface.co/papers/2401.00007")
		if got.Upvotes != 42 || got.RepoURL == "" || got.Extra["org"] != "Samsung" || got.Extra["ai_summary"] == "" ||
			!slices.Equal(got.Sources, []string{"arxiv", "hf"}) || got.Version != 1 || got.Abstract == "" {
			t.Fatalf("got %+v", got)
		}
	})
	t.Run("disagreeing copies settle: a second import changes nothing", func(t *testing.T) {
		db := MustOpenDB(t)
		a := paperboy.Paper{Title: "Twice Listed Paper", Abstract: "Same paper, two files.",
			Extra: map[string]string{"listing": "000.txt", "github_stars": "99"}}
		b := a
		b.Extra = map[string]string{"listing": "002.txt", "github_stars": "123", "org": "Lab"}
		first := mustUpsert(t, db, mustPaper(t, a), mustPaper(t, b))
		if want := (paperboy.UpsertStats{New: 1, Duplicates: 1}); first != want {
			t.Fatalf("first import: got %+v, want %+v", first, want)
		}
		for i := range 2 {
			if got, want := mustUpsert(t, db, mustPaper(t, a), mustPaper(t, b)), (paperboy.UpsertStats{Duplicates: 2}); got != want {
				t.Fatalf("import %d again: got %+v, want %+v", i+2, got, want)
			}
		}
		got := mustFindPaper(t, db, mustPaper(t, a).ID)
		if want := map[string]string{"listing": "000.txt", "github_stars": "123", "org": "Lab"}; !maps.Equal(got.Extra, want) {
			t.Fatalf("extra: got %v, want %v (the first copy's text, the larger count, filled gaps)", got.Extra, want)
		}
		// A newer version's extras replace the stored ones.
		v2 := mustPaper(t, arxivPaper("2401.00010", 1, "Versioned Extras"))
		v2.Extra = map[string]string{"listing": "old.txt"}
		mustUpsert(t, db, v2)
		v2.Version = 2
		v2.Extra = map[string]string{"listing": "new.txt"}
		mustUpsert(t, db, v2)
		if got := mustFindPaper(t, db, "2401.00010"); got.Extra["listing"] != "new.txt" {
			t.Fatalf("newer version's extra: got %v", got.Extra)
		}
	})
	t.Run("quiet only on first insert", func(t *testing.T) {
		db := MustOpenDB(t)
		q := mustPaper(t, arxivPaper("2401.00008", 1, "Quiet Paper"))
		q.Quiet = true
		mustUpsert(t, db, q)
		loud := mustPaper(t, arxivPaper("2401.00008", 2, "Quiet Paper v2"))
		mustUpsert(t, db, loud)
		if !mustFindPaper(t, db, "2401.00008").Quiet {
			t.Fatalf("quiet flag flipped by an update")
		}
		l := mustPaper(t, arxivPaper("2401.00009", 1, "Loud Paper"))
		mustUpsert(t, db, l)
		l.Quiet = true
		l.Version = 2
		mustUpsert(t, db, l)
		if mustFindPaper(t, db, "2401.00009").Quiet {
			t.Fatalf("announce-eligible paper became quiet")
		}
	})
	t.Run("failing batch writes nothing", func(t *testing.T) {
		db := MustOpenDB(t)
		good := mustPaper(t, arxivPaper("2401.00010", 1, "Good Paper"))
		_, err := db.UpsertPapers(ctx, []paperboy.Paper{good, {Title: "  "}})
		if paperboy.ErrorCode(err) != paperboy.EINVALID {
			t.Fatalf("got %v, want an invalid error", err)
		}
		if n := countPaperRows(t, db); n != 0 {
			t.Fatalf("rows after failed batch: got %d, want 0", n)
		}
		var words int
		db.read.QueryRow(`SELECT COUNT(*) FROM words`).Scan(&words)
		if words != 0 {
			t.Fatalf("words after failed batch: got %d, want 0", words)
		}
	})
}

func TestFindPaper(t *testing.T) {
	db := MustOpenDB(t)
	p := mustPaper(t, arxivPaper("2401.00011", 3, "Findable"))
	p.DOI = "10.1000/XYZ.1"
	p.HFURL = "https://huggingface.co/papers/2401.00011"
	p.PDFURL = "https://arxiv.org/pdf/2401.00011v3"
	p = mustPaper(t, p)
	old := mustPaper(t, paperboy.Paper{ArxivID: "hep-th/9901001", Title: "Old Style"})
	rss := mustPaper(t, paperboy.Paper{Title: "Only A Title", AbsURL: "https://blog.example.org/post/1"})
	mustUpsert(t, db, p, old, rss)
	for _, tc := range []struct {
		ref, wantID, wantCode string
	}{
		{"2401.00011", "2401.00011", ""},
		{"2401.00011v1", "2401.00011", ""},
		{"arXiv:2401.00011", "2401.00011", ""},
		{"https://arxiv.org/pdf/2401.00011v3.pdf", "2401.00011", ""},
		{"https://huggingface.co/papers/2401.00011", "2401.00011", ""},
		{"https://doi.org/10.1000/xyz.1", "2401.00011", ""},
		{"10.1000/XYZ.1", "2401.00011", ""},
		{"hep-th/9901001v2", "hep-th/9901001", ""},
		{rss.ID, rss.ID, ""},
		{"https://blog.example.org/post/1", rss.ID, ""},
		{"2401.99999", "", paperboy.ENOTFOUND},
		{"https://example.org/nothing", "", paperboy.ENOTFOUND},
		{"attention is all you need", "", paperboy.EINVALID},
		{"", "", paperboy.EINVALID},
	} {
		t.Run(tc.ref, func(t *testing.T) {
			got, err := db.FindPaper(context.Background(), tc.ref)
			if code := paperboy.ErrorCode(err); code != tc.wantCode {
				t.Fatalf("error: got %v (%q), want code %q", err, code, tc.wantCode)
			}
			if tc.wantCode == "" && got.ID != tc.wantID {
				t.Fatalf("got %s, want %s", got.ID, tc.wantID)
			}
		})
	}
}

func TestExportPapers(t *testing.T) {
	db := MustOpenDB(t)
	var in []paperboy.Paper
	for i := range exportPage + 7 {
		in = append(in, mustPaper(t, arxivPaper(fmt.Sprintf("2402.%05d", i), 1, fmt.Sprintf("Paper number %d", i))))
	}
	mustUpsert(t, db, in...)
	var last int64
	var got []*paperboy.Paper
	err := db.ExportPapers(context.Background(), func(p *paperboy.Paper) error {
		if p.Seq <= last {
			return fmt.Errorf("seq %d after %d", p.Seq, last)
		}
		last = p.Seq
		got = append(got, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(in) {
		t.Fatalf("exported %d, want %d", len(got), len(in))
	}
	// Re-importing the export changes nothing.
	back := make([]paperboy.Paper, len(got))
	for i, p := range got {
		back[i] = *p
		back[i].Seq = 0
	}
	if st, want := mustUpsert(t, db, back...), (paperboy.UpsertStats{Duplicates: len(in)}); st != want {
		t.Fatalf("re-import: got %+v, want %+v", st, want)
	}
	stop := errors.New("enough")
	n := 0
	err = db.ExportPapers(context.Background(), func(*paperboy.Paper) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 3 {
		t.Fatalf("stopping export: got %v after %d, want %v after 3", err, n, stop)
	}
}
