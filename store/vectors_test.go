package store

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/analysis"
)

func sameVector(a, b analysis.Vector) bool {
	return slices.Equal(a.IDs, b.IDs) && slices.Equal(a.Counts, b.Counts)
}

// TestVectorsStoredWithPapers: a stored paper carries its vector, an update of its text
// replaces it, and RecentVectors/PaperVectors read it back.
func TestVectorsStoredWithPapers(t *testing.T) {
	ctx := context.Background()
	db, clock := mustSocialDB(t, "2401.00001", "2401.00002")
	var blob []byte
	if err := db.read.QueryRow(`SELECT vec FROM paper_vectors WHERE seq = (SELECT seq FROM papers WHERE id = '2401.00001')`).Scan(&blob); err != nil {
		t.Fatal(err)
	}
	stored, err := analysis.Decode(blob)
	if err != nil {
		t.Fatalf("stored vector: %v", err)
	}
	p, err := db.FindPaper(ctx, "2401.00001")
	if err != nil {
		t.Fatal(err)
	}
	if !sameVector(stored, analysis.PaperVector(p)) {
		t.Errorf("stored vector differs from the paper's")
	}

	clock.t = clock.t.Add(time.Hour)
	p.Title, p.Version = "Speculative decoding with draft models", p.Version+1
	if _, err := db.UpsertPapers(ctx, []paperboy.Paper{*p}); err != nil {
		t.Fatal(err)
	}
	docs, err := db.PaperVectors(ctx, []string{"2401.00001", "nope"})
	if err != nil || len(docs) != 1 {
		t.Fatalf("PaperVectors: %d docs, %v; want 1", len(docs), err)
	}
	p2, _ := db.FindPaper(ctx, "2401.00001")
	if !sameVector(docs[0].Vec, analysis.PaperVector(p2)) || sameVector(docs[0].Vec, stored) {
		t.Errorf("vector not replaced after the title changed")
	}

	recent, err := db.RecentVectors(ctx, clock.t.Add(-2*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(recent) != 2 {
		t.Errorf("RecentVectors: got %d, want 2", len(recent))
	}
	if recent, _ := db.RecentVectors(ctx, clock.t.Add(time.Minute), 0); len(recent) != 0 {
		t.Errorf("RecentVectors after the last paper: got %d, want 0", len(recent))
	}
}

// TestBackfillVectors: rows without a vector (stored before migration 016) are read with a
// computed one and filled by BackfillVectors, with progress.
func TestBackfillVectors(t *testing.T) {
	ctx := context.Background()
	db, clock := mustSocialDB(t, "2401.00001", "2401.00002", "2401.00003")
	want, err := db.RecentVectors(ctx, clock.t.Add(-time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.Exec(`DELETE FROM paper_vectors WHERE seq IN (SELECT seq FROM papers WHERE id != '2401.00002')`); err != nil {
		t.Fatal(err)
	}
	got, err := db.RecentVectors(ctx, clock.t.Add(-time.Hour), 0)
	if err != nil || len(got) != len(want) {
		t.Fatalf("RecentVectors: %d, %v", len(got), err)
	}
	for i := range want {
		if !sameVector(got[i].Vec, want[i].Vec) {
			t.Errorf("paper %s: computed vector differs from the stored one", got[i].ID)
		}
	}
	var calls [][2]int
	n, err := db.BackfillVectors(ctx, func(done, total int) { calls = append(calls, [2]int{done, total}) })
	if err != nil || n != 2 {
		t.Fatalf("BackfillVectors = %d, %v; want 2", n, err)
	}
	if len(calls) != 1 || calls[0] != [2]int{2, 2} {
		t.Errorf("progress calls %v, want [[2 2]]", calls)
	}
	var missing int
	db.read.QueryRow(`SELECT COUNT(*) FROM papers WHERE seq NOT IN (SELECT seq FROM paper_vectors)`).Scan(&missing)
	if missing != 0 {
		t.Errorf("%d papers still without a vector", missing)
	}
	if n, err := db.BackfillVectors(ctx, nil); n != 0 || err != nil {
		t.Errorf("second BackfillVectors = %d, %v; want 0", n, err)
	}
}

// TestChannelInterest: a channel's interest holds its own votes and replies only, and a
// removed vote is gone from it.
func TestChannelInterest(t *testing.T) {
	ctx := context.Background()
	db, _ := mustSocialDB(t, "2401.00001", "2401.00002", "2401.00003")
	a, b := "slack:CA", "slack:CB"
	for _, v := range []paperboy.Vote{
		{PaperID: "2401.00001", Channel: a, User: "u1", Value: 1},
		{PaperID: "2401.00001", Channel: a, User: "u2", Value: 1},
		{PaperID: "2401.00002", Channel: a, User: "u1", Value: -1},
		{PaperID: "2401.00003", Channel: b, User: "u1", Value: 1},
	} {
		if _, err := db.CastVote(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.AddReply(ctx, a, "m1", "2401.00003", "u3"); err != nil {
		t.Fatal(err)
	}
	got, err := db.ChannelInterest(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	want := []paperboy.Interest{
		{PaperID: "2401.00001", Net: 2, Votes: 2},
		{PaperID: "2401.00002", Net: -1, Votes: 1},
		{PaperID: "2401.00003", Replies: 1},
	}
	if !slices.Equal(got, want) {
		t.Errorf("ChannelInterest(a) = %+v, want %+v", got, want)
	}
	if _, err := db.RemoveVote(ctx, paperboy.Vote{PaperID: "2401.00002", Channel: a, User: "u1"}); err != nil {
		t.Fatal(err)
	}
	got, _ = db.ChannelInterest(ctx, a)
	if len(got) != 2 {
		t.Errorf("after removing the vote: %+v, want 2 papers", got)
	}
	got, _ = db.ChannelInterest(ctx, b)
	if want := []paperboy.Interest{{PaperID: "2401.00003", Net: 1, Votes: 1}}; !slices.Equal(got, want) {
		t.Errorf("ChannelInterest(b) = %+v, want %+v", got, want)
	}
}

// TestBulkIntoEmptyLeavesVectors: the first bulk load of an empty store prepares its
// papers without vectors (they cost a third of the import's speed); the store computes
// the same vectors when a ranking asks, and an import into a store that holds papers
// writes them.
func TestBulkIntoEmptyLeavesVectors(t *testing.T) {
	ctx := context.Background()
	db, _ := openBulkFile(t, "vec.db")
	if err := db.BeginBulk(ctx); err != nil {
		t.Fatal(err)
	}
	if !db.BulkIntoEmpty() {
		t.Fatal("BulkIntoEmpty = false on an empty store")
	}
	var ps []paperboy.Paper
	for i := 1; i <= 3; i++ {
		ps = append(ps, paperboy.Paper{ArxivID: fmt.Sprintf("2401.%05d", i), Title: fmt.Sprintf("Sparse experts, part %d", i),
			Abstract: "We route tokens to experts.", Categories: []string{"cs.LG"}})
	}
	b, err := PreparePapersWith(ps, PrepareOptions{NoVectors: db.BulkIntoEmpty()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpsertPrepared(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := db.EndBulk(ctx); err != nil {
		t.Fatal(err)
	}
	count := func() (n int) {
		t.Helper()
		if err := db.read.QueryRow(`SELECT COUNT(*) FROM paper_vectors`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 0 {
		t.Errorf("%d vectors stored by the first bulk load, want 0", n)
	}
	docs, err := db.RecentVectors(ctx, time.Time{}, 0)
	if err != nil || len(docs) != 3 {
		t.Fatalf("RecentVectors: %d docs, %v", len(docs), err)
	}
	for _, d := range docs {
		if d.Vec.Len() == 0 {
			t.Errorf("paper %s: no vector computed on demand", d.ID)
		}
	}
	if err := db.BeginBulk(ctx); err != nil {
		t.Fatal(err)
	}
	if db.BulkIntoEmpty() {
		t.Error("BulkIntoEmpty = true on a store that holds papers")
	}
	more := []paperboy.Paper{{ArxivID: "2401.00009", Title: "Dense experts", Abstract: "We merge experts.", Categories: []string{"cs.LG"}}}
	if b, err = PreparePapersWith(more, PrepareOptions{NoVectors: db.BulkIntoEmpty()}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpsertPrepared(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := db.EndBulk(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Errorf("%d vectors after an import into a store with papers, want 1", n)
	}
}
