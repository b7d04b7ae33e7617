package summarize

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"

	"github.com/paperboy-bot/paperboy"
)

const seedCorpus = "../../shared/corpus/seed-papers.jsonl"

// loadSeed reads the distinct papers of the seed corpus, skipping the test when the
// corpus is absent.
func loadSeed(tb testing.TB) []*paperboy.Paper {
	tb.Helper()
	f, err := os.Open(seedCorpus)
	if err != nil {
		tb.Skipf("seed corpus not available: %v", err)
	}
	defer f.Close()
	var out []*paperboy.Paper
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		var rec struct {
			Title    string `json:"title"`
			Abstract string `json:"abstract"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			tb.Fatalf("seed corpus: %v", err)
		}
		p := &paperboy.Paper{Title: rec.Title, Abstract: rec.Abstract}
		if err := p.Normalize(); err != nil || p.Abstract == "" || seen[p.ID] {
			continue
		}
		seen[p.ID] = true
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("seed corpus: %v", err)
	}
	return out
}
