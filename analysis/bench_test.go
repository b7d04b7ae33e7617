package analysis

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"

	"github.com/paperboy-bot/paperboy"
)

// BenchmarkBuild measures what ingest adds per paper: building and encoding its vector from
// its index terms (PAPERBOY_BENCH_CORPUS: a JSONL file with title and abstract; else the
// package's test paper).
func BenchmarkBuild(b *testing.B) {
	terms := []Terms{PaperTerms(testPaper())}
	if path := os.Getenv("PAPERBOY_BENCH_CORPUS"); path != "" {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		terms = terms[:0]
		for sc.Scan() && len(terms) < 2000 {
			var p struct{ Title, Abstract string }
			json.Unmarshal(sc.Bytes(), &p)
			terms = append(terms, PaperTerms(&paperboy.Paper{Title: p.Title, Abstract: p.Abstract, Authors: []string{"Ada Lovelace", "Alan Turing"}, Categories: []string{"cs.LG"}}))
		}
		f.Close()
	}
	var size int
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		size += len(Build(terms[i%len(terms)]).Encode(nil))
	}
	b.ReportMetric(float64(size)/float64(b.N), "bytes/paper")
}
