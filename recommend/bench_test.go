package recommend

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/analysis"
)

// benchPapers makes n papers of realistic shape: a 10-word title and a 150-word abstract
// drawn from a Zipf-distributed vocabulary of 30 000 made-up words, 4 authors from 20 000,
// and a category from 40 (fixed seed).
func benchPapers(n int) []*paperboy.Paper {
	rng := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(rng, 1.1, 2, 30_000-1)
	word := func() string { return fmt.Sprintf("w%xq", zipf.Uint64()) }
	text := func(k int) string {
		ws := make([]string, k)
		for i := range ws {
			ws[i] = word()
		}
		return strings.Join(ws, " ")
	}
	out := make([]*paperboy.Paper, n)
	for i := range out {
		authors := make([]string, 4)
		for j := range authors {
			authors[j] = fmt.Sprintf("Author Number%d", rng.IntN(20_000))
		}
		out[i] = &paperboy.Paper{ID: fmt.Sprint(i), Title: text(10), Abstract: text(150), Authors: authors,
			Categories: []string{fmt.Sprintf("cs.X%d", rng.IntN(40))}}
	}
	return out
}

// benchVotes draws likes and dislikes for a channel among the first n papers of a pool
// (papers voted on some days ago) by channel number.
func benchVotes(vecs []analysis.Vector, keys []string, channel, likes, dislikes int) []Example {
	rng := rand.New(rand.NewPCG(uint64(channel), 7))
	var ex []Example
	for i := 0; i < likes+dislikes; i++ {
		j := rng.IntN(len(vecs))
		label := 1
		if i >= likes {
			label = -1
		}
		ex = append(ex, Example{Key: keys[j], Vec: vecs[j], Label: label, Weight: WeightExplicit})
	}
	return ex
}

// BenchmarkRankChannels is a day's ranking (issue 19): ~2,000 new papers for 100 channels
// of 10 likes and 10 dislikes each, one op = the pool built once, then every channel's
// model trained and all 2,000 papers scored and the top 10 picked.
func BenchmarkRankChannels(b *testing.B) {
	papers := benchPapers(2_000 + 500)
	vecs := make([]analysis.Vector, len(papers))
	keys := make([]string, len(papers))
	for i, p := range papers {
		vecs[i], keys[i] = analysis.PaperVector(p), p.ID
	}
	voted, newVecs, newKeys := vecs[:500], vecs[500:], keys[500:]
	channels := make([][]Example, 100)
	for c := range channels {
		channels[c] = benchVotes(voted, keys[:500], c, 10, 10)
	}
	b.ResetTimer()
	for b.Loop() {
		pool := NewPool(newKeys, newVecs, voted)
		for _, ex := range channels {
			m := Train(ex, pool)
			if picks := pool.Rank(m, 10, nil); len(picks) != 10 {
				b.Fatal("no picks")
			}
		}
	}
}

// BenchmarkTrain is what one vote costs when the channel's model is retrained: training
// on the channel's votes over a pool of 2,000 papers (votes: likes+dislikes).
func BenchmarkTrain(b *testing.B) {
	papers := benchPapers(2_500)
	vecs := make([]analysis.Vector, len(papers))
	keys := make([]string, len(papers))
	for i, p := range papers {
		vecs[i], keys[i] = analysis.PaperVector(p), p.ID
	}
	pool := NewPool(keys[500:], vecs[500:], vecs[:500])
	for _, n := range []int{3, 10, 50} {
		ex := benchVotes(vecs[:500], keys[:500], n, n, n)
		b.Run(fmt.Sprintf("votes=%d+%d", n, n), func(b *testing.B) {
			for b.Loop() {
				Train(ex, pool)
			}
		})
	}
}

// BenchmarkDenseChannels is the dense part of a day's ranking with embeddings on: 2,000
// new papers with embeddings of 1,536 dimensions (text-embedding-3-small's size) or 256
// (embeddings.dimensions = 256), random as speed does not depend on them, for 100 channels
// of 10+10 votes, the embeddings cached in the Service as a digest run has them after its
// first channel. One op = every channel's dense scores.
func BenchmarkDenseChannels(b *testing.B) {
	for _, dim := range []int{1536, 256} {
		b.Run(fmt.Sprintf("dim=%d", dim), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(3, 4))
			emb := map[string][]float32{}
			keys := make([]string, 2_500)
			for i := range keys {
				keys[i] = fmt.Sprint(i)
				v := make([]float32, dim)
				for j := range v {
					v[j] = rng.Float32() - 0.5
				}
				emb[keys[i]] = v
			}
			s := &Service{Dense: memDense{"m": emb}, DenseModel: "m"}
			channels := make([]taste, 100)
			for c := range channels {
				channels[c] = taste{examples: benchVotes(make([]analysis.Vector, 500), keys[:500], c, 10, 10)}
			}
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				for _, t := range channels {
					if d, err := s.dense(ctx, t, keys[500:]); err != nil || d == nil {
						b.Fatal("no dense part", err)
					}
				}
			}
		})
	}
}
