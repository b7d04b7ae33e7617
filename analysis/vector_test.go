package analysis

import (
	"math"
	"testing"

	"github.com/paperboy-bot/paperboy"
)

func testPaper() *paperboy.Paper {
	return &paperboy.Paper{
		Title:      "Speculative Decoding for Faster Inference",
		Abstract:   "We speed up decoding of large language models with a small draft model. Decoding is 2 times faster.",
		Authors:    []string{"Yaniv Leviathan", "Søren Kierkegaard"},
		Categories: []string{"cs.CL", "cs.LG"},
	}
}

func TestBuild(t *testing.T) {
	v := PaperVector(testPaper())
	count := func(kind byte, text string) int {
		id := FeatureID(kind, text)
		for i, x := range v.IDs {
			if x == id {
				return int(v.Counts[i])
			}
		}
		return 0
	}
	for name, tc := range map[string]struct {
		kind byte
		text string
		want int
	}{
		"title word counts double plus abstract": {KindWord, "decod", 2 + 2},
		"abstract word":                          {KindWord, "draft", 1},
		"stop word dropped":                      {KindWord, "with", 0},
		"number dropped":                         {KindWord, "2", 0},
		"title pair":                             {KindBigram, "specul decod", 2},
		"no pairs from the abstract":             {KindBigram, "decod larg", 0},
		"title pair across a stop word":          {KindBigram, "decod faster", 2},
		"no pair across a number":                {KindBigram, "2 time", 0},
		"author folded":                          {KindAuthor, "soren kierkegaard", 1},
		"category lower case":                    {KindCategory, "cs.cl", 1},
	} {
		t.Run(name, func(t *testing.T) {
			if got := count(tc.kind, tc.text); got != tc.want {
				t.Errorf("count(%c %q) = %d, want %d", tc.kind, tc.text, got, tc.want)
			}
		})
	}
	for i := 1; i < len(v.IDs); i++ {
		if v.IDs[i] <= v.IDs[i-1] {
			t.Fatalf("ids not ascending at %d", i)
		}
	}
}

func TestEncodeDecode(t *testing.T) {
	v := PaperVector(testPaper())
	b := v.Encode(nil)
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.IDs) != len(v.IDs) {
		t.Fatalf("got %d features, want %d", len(got.IDs), len(v.IDs))
	}
	for i := range v.IDs {
		if got.IDs[i] != v.IDs[i] || got.Counts[i] != v.Counts[i] {
			t.Fatalf("feature %d: got %d/%d, want %d/%d", i, got.IDs[i], got.Counts[i], v.IDs[i], v.Counts[i])
		}
	}
	if _, err := Decode(append([]byte{EncodingVersion + 1}, b[1:]...)); err != ErrVersion {
		t.Errorf("other version: got %v, want ErrVersion", err)
	}
	for _, bad := range [][]byte{b[:len(b)-1], append(b, 0), {EncodingVersion, 200}} {
		if _, err := Decode(bad); err == nil {
			t.Errorf("Decode(%x) succeeded, want an error", bad)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(PaperVector(testPaper()).Encode(nil))
	f.Add([]byte{EncodingVersion, 2, 5, 1, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := Decode(b)
		if err != nil {
			return
		}
		w, err := Decode(v.Encode(nil))
		if err != nil || len(w.IDs) != len(v.IDs) {
			t.Fatalf("re-decoding %x: %v", b, err)
		}
		for i := range v.IDs {
			if w.IDs[i] != v.IDs[i] || w.Counts[i] != v.Counts[i] || (i > 0 && v.IDs[i] <= v.IDs[i-1]) {
				t.Fatalf("re-decoding %x: feature %d differs or ids not ascending", b, i)
			}
		}
	})
}

func TestWeighDotAndNames(t *testing.T) {
	p := testPaper()
	other := &paperboy.Paper{Title: "Graph neural networks", Abstract: "Message passing on graphs."}
	vs := []Vector{PaperVector(p), PaperVector(other)}
	idf := NewIDF(vs)
	a, b := idf.Weigh(vs[0]), idf.Weigh(vs[1])
	if d := Dot(a, a); math.Abs(d-1) > 1e-5 {
		t.Errorf("self cosine = %v, want 1", d)
	}
	if d := Dot(a, b); d != 0 {
		t.Errorf("cosine of unrelated papers = %v, want 0", d)
	}
	names := Names(p)
	if got := names[FeatureID(KindBigram, "specul decod")]; got.Text != "speculative decoding" || got.Kind != KindBigram {
		t.Errorf("name of specul decod = %+v, want speculative decoding", got)
	}
	if got := names[FeatureID(KindAuthor, "soren kierkegaard")]; got.Text != "Søren Kierkegaard" {
		t.Errorf("author name = %+v", got)
	}
}
