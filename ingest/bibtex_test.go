package ingest

import (
	"os"
	"strings"
	"testing"
)

func TestParseBibTeX(t *testing.T) {
	f, err := os.Open("testdata/library.bib")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entries, err := ParseBibTeX(f)
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		line                   int
		key, arxiv, doi, title string
		err                    bool
	}
	wants := []want{
		{line: 4, key: "leviathan2023fast", arxiv: "2211.17192", title: "Fast Inference from Transformers via Speculative Decoding"},
		{line: 11, key: "chen_accelerating_2023", arxiv: "2302.01318", doi: "10.48550/arxiv.2302.01318", title: "Accelerating Large Language Model Decoding with Speculative Sampling"},
		{line: 22, key: "Dao2022", doi: "10.5555/3600270.3601459", title: "FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness"},
		{line: 30, key: "schr2020", arxiv: "1911.08265", title: "Mastering Atari, Go, Chess and Shogi by Planning with a Learned Model"},
		{line: 38, key: "broken", err: true},
	}
	if len(entries) != len(wants) {
		t.Fatalf("got %d entries, want %d: %+v", len(entries), len(wants), entries)
	}
	for i, w := range wants {
		e := entries[i]
		a, d, title := e.Refs()
		if e.Line != w.line || e.Key != w.key || (e.Err != "") != w.err {
			t.Errorf("entry %d: line %d key %q err %q; want line %d key %q err %v", i, e.Line, e.Key, e.Err, w.line, w.key, w.err)
		}
		if w.err {
			continue
		}
		if a != w.arxiv || d != w.doi || title != w.title {
			t.Errorf("entry %d: refs %q %q %q; want %q %q %q", i, a, d, title, w.arxiv, w.doi, w.title)
		}
	}
	if got := entries[3].Fields["author"]; got != "Schrittwieser, Julian and Muller, Ann" {
		t.Errorf("accent: author = %q", got)
	}
	if got := entries[3].Fields["journal"]; got != "Nature 588" {
		t.Errorf("concatenation: journal = %q", got)
	}
}

func FuzzParseBibTeX(f *testing.F) {
	b, _ := os.ReadFile("testdata/library.bib")
	f.Add(string(b))
	f.Add(`@article{x, title = "a {"} b", year = 2020 # {x}}`)
	f.Add(`@string(foo = "bar") @misc(k, title={{x}})`)
	f.Fuzz(func(t *testing.T, s string) {
		entries, err := ParseBibTeX(strings.NewReader(s))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Count(s, "\n") + 1
		for _, e := range entries {
			if e.Line < 1 || e.Line > lines {
				t.Fatalf("entry line %d outside 1..%d", e.Line, lines)
			}
			e.Refs()
		}
	})
}

func BenchmarkParseBibTeX(b *testing.B) {
	data, err := os.ReadFile("testdata/library.bib")
	if err != nil {
		b.Fatal(err)
	}
	s := strings.Repeat(string(data[:strings.Index(string(data), "@article{broken")]), 200)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if _, err := ParseBibTeX(strings.NewReader(s)); err != nil {
			b.Fatal(err)
		}
	}
}
