package store

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"
)

// TestEmbeddingsPerPaperAndModel: embeddings are kept per paper and model (float32 little
// endian, read back exactly), a second save of a model replaces its vector, and
// PapersWithoutEmbedding lists what a model still lacks.
func TestEmbeddingsPerPaperAndModel(t *testing.T) {
	ctx := context.Background()
	db, _ := mustSocialDB(t, "2401.00001", "2401.00002", "2401.00003")
	a := []float32{0.5, -1.25, float32(math.Pi), 1e-7}
	must(t, db.SaveEmbeddings(ctx, "m1", map[string][]float32{"2401.00001": a, "2401.00002": {1, 2}, "9999.99999": {1}}))
	must(t, db.SaveEmbeddings(ctx, "m2", map[string][]float32{"2401.00001": {3, 4, 5}}))

	var blob []byte
	if err := db.read.QueryRow(`SELECT vec FROM paper_embeddings WHERE model = 'm1' AND seq = (SELECT seq FROM papers WHERE id = '2401.00001')`).Scan(&blob); err != nil {
		t.Fatal(err)
	}
	if len(blob) != 16 || blob[0] != 0 || blob[3] != 0x3f { // 0.5 = 0x3f000000, little endian
		t.Errorf("blob % x: want 4 float32 little endian starting 00 00 00 3f", blob)
	}
	got, err := db.Embeddings(ctx, "m1", []string{"2401.00001", "2401.00002", "2401.00003"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !slices.Equal(got["2401.00001"], a) || !slices.Equal(got["2401.00002"], []float32{1, 2}) {
		t.Errorf("m1 embeddings = %v", got)
	}
	must(t, db.SaveEmbeddings(ctx, "m1", map[string][]float32{"2401.00002": {7}}))
	got, _ = db.Embeddings(ctx, "m1", []string{"2401.00002"})
	if !slices.Equal(got["2401.00002"], []float32{7}) {
		t.Errorf("after a second save: %v", got)
	}
	got, _ = db.Embeddings(ctx, "m2", []string{"2401.00001", "2401.00002"})
	if len(got) != 1 || !slices.Equal(got["2401.00001"], []float32{3, 4, 5}) {
		t.Errorf("m2 embeddings = %v", got)
	}

	missing, err := db.PapersWithoutEmbedding(ctx, "m1", time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) != 1 || missing[0].ID != "2401.00003" {
		t.Errorf("m1 lacks %v, want [2401.00003]", missing)
	}
	missing, _ = db.PapersWithoutEmbedding(ctx, "m2", time.Time{}, 1)
	if len(missing) != 1 || missing[0].ID != "2401.00003" { // newest first, limit 1
		t.Errorf("m2 lacks %v (limit 1), want [2401.00003]", missing)
	}
	if err := db.SaveEmbeddings(ctx, "", map[string][]float32{"2401.00001": a}); err == nil {
		t.Error("save without a model: no error")
	}
}

// BenchmarkEmbeddingsRead reads the embeddings of a day's papers (2,000, 1,536 dimensions as
// text-embedding-3-small's): what one dense ranking reads.
func BenchmarkEmbeddingsRead(b *testing.B) {
	ctx := context.Background()
	ids := make([]string, 2000)
	for i := range ids {
		ids[i] = fmt.Sprintf("2401.%05d", i+1)
	}
	db, _ := mustSocialDB(b, ids...)
	vecs := map[string][]float32{}
	for i, id := range ids {
		v := make([]float32, 1536)
		for j := range v {
			v[j] = float32((i*31+j)%97) / 97
		}
		vecs[id] = v
	}
	if err := db.SaveEmbeddings(ctx, "m", vecs); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		got, err := db.Embeddings(ctx, "m", ids)
		if err != nil || len(got) != len(ids) {
			b.Fatalf("%d embeddings, %v", len(got), err)
		}
	}
}
