package synth

import (
	"bufio"
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/paperboy-bot/paperboy"
)

func TestDeterministic(t *testing.T) {
	g := Generator{Seed: 7}
	a, b := g.Paper(12345), g.Paper(12345)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("same seed and index gave different papers")
	}
	if c := (Generator{Seed: 8}).Paper(12345); c.Abstract == a.Abstract {
		t.Fatalf("different seeds gave the same abstract")
	}
	if a.ArxivID != "1702.02346" {
		t.Fatalf("id of paper 12345: got %s, want 1702.02346", a.ArxivID)
	}
}

// TestShape checks the corpus statistics the benchmarks rely on.
func TestShape(t *testing.T) {
	g := Generator{Seed: 1}
	const n = 3000
	docs := map[string]int{}
	var titleWords, abstractWords int
	ids := map[string]bool{}
	for i := range n {
		p := g.Paper(i)
		if err := p.Normalize(); err != nil {
			t.Fatalf("paper %d: %v", i, err)
		}
		if ids[p.ID] {
			t.Fatalf("duplicate id %s", p.ID)
		}
		ids[p.ID] = true
		titleWords += len(strings.Fields(p.Title))
		abstractWords += len(strings.Fields(p.Abstract))
		seen := map[string]bool{}
		for _, w := range paperboy.Words(p.Abstract) {
			if !seen[w] {
				seen[w] = true
				docs[w]++
			}
		}
	}
	if avg := float64(titleWords) / n; avg < 7 || avg > 13 {
		t.Errorf("mean title length: got %.1f words, want 7..13", avg)
	}
	if avg := float64(abstractWords) / n; avg < 150 || avg > 250 {
		t.Errorf("mean abstract length: got %.1f words, want 150..250", avg)
	}
	for _, w := range []string{"model", "learning", "data", "training"} {
		if share := float64(docs[w]) / n; share < 0.3 || share > 0.9 {
			t.Errorf("share of abstracts with %q: got %.2f, want 0.3..0.9", w, share)
		}
	}
	rare := 0
	for _, c := range docs {
		if c <= 3 {
			rare++
		}
	}
	if rare < len(docs)/2 {
		t.Errorf("rare words: got %d of %d words in at most 3 abstracts, want at least half", rare, len(docs))
	}
}

func TestWriteKaggle(t *testing.T) {
	var buf bytes.Buffer
	if err := (Generator{Seed: 3}).WriteKaggle(&buf, 50); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 1<<20)
	lines := 0
	for sc.Scan() {
		var l struct {
			ID       string `json:"id"`
			Title    string `json:"title"`
			Abstract string `json:"abstract"`
			Versions []struct {
				Version, Created string
			} `json:"versions"`
			AuthorsParsed [][]string `json:"authors_parsed"`
			Categories    string     `json:"categories"`
			UpdateDate    string     `json:"update_date"`
		}
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %d: %v", lines+1, err)
		}
		if _, _, ok := paperboy.ParseArxivID(l.ID); !ok || l.Title == "" || l.Abstract == "" ||
			len(l.Versions) == 0 || l.Versions[0].Version != "v1" || len(l.AuthorsParsed) == 0 || l.Categories == "" || l.UpdateDate == "" {
			t.Fatalf("line %d: incomplete: %s", lines+1, sc.Text())
		}
		lines++
	}
	if lines != 50 {
		t.Fatalf("lines: got %d, want 50", lines)
	}
}
