package ingest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// readAll drains r, returning papers and the line numbers of rejected lines.
func readAll(t testing.TB, r *JSONLReader) ([]paperboy.Paper, []int) {
	t.Helper()
	var papers []paperboy.Paper
	var rejected []int
	for {
		p, err := r.Next()
		if errors.Is(err, io.EOF) {
			return papers, rejected
		}
		var le *LineError
		switch {
		case errors.As(err, &le):
			rejected = append(rejected, le.Line)
		case err != nil:
			t.Fatalf("Next: %v", err)
		default:
			papers = append(papers, p)
		}
	}
}

func TestJSONLKaggle(t *testing.T) {
	papers, rejected := readAll(t, NewJSONLReader(bytes.NewReader(readFixture(t, "kaggle.jsonl"))))
	if len(papers) != 3 || len(rejected) != 0 {
		t.Fatalf("papers, rejected: got %d, %v, want 3, none", len(papers), rejected)
	}
	want := paperboy.Paper{
		ID: "0704.0001", ArxivID: "0704.0001", Version: 2, DOI: "10.1103/physrevd.76.013009",
		Title:      "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies",
		Abstract:   "A fully differential calculation in perturbative quantum chromodynamics is presented for the production of massive photon pairs at hadron colliders. All next-to-leading order perturbative contributions from quark-antiquark, gluon-(anti)quark, and gluon-gluon subprocesses are included.",
		Authors:    []string{"C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"},
		Categories: []string{"hep-ph"},
		Comment:    "37 pages, 15 figures; published version",
		JournalRef: "Phys.Rev.D76:013009,2007",
		Published:  time.Date(2007, 4, 2, 19, 18, 42, 0, time.UTC),
		Updated:    time.Date(2007, 7, 24, 20, 10, 27, 0, time.UTC),
		AbsURL:     "https://arxiv.org/abs/0704.0001", PDFURL: "https://arxiv.org/pdf/0704.0001",
		Extra:   map[string]string{"submitter": "Pavel Nadolsky"},
		Sources: []string{paperboy.SourceKaggle},
		Quiet:   true,
	}
	if !reflect.DeepEqual(papers[0], want) {
		t.Errorf("got  %+v\nwant %+v", papers[0], want)
	}
	if p := papers[1]; p.ID != "hep-th/9901001" || p.Version != 1 || p.Authors[0] != "Yosuke Imamura" {
		t.Errorf("old-style id: got %+v", p)
	}
	// No authors_parsed: the authors string is split; seven versions.
	p := papers[2]
	wantAuthors := []string{"Ashish Vaswani", "Noam Shazeer", "Niki Parmar", "Jakob Uszkoreit", "Llion Jones", "Aidan N. Gomez", "Lukasz Kaiser", "Illia Polosukhin"}
	if !reflect.DeepEqual(p.Authors, wantAuthors) || p.Version != 7 || !reflect.DeepEqual(p.Categories, []string{"cs.CL", "cs.LG"}) ||
		!p.Updated.Equal(time.Date(2023, 8, 2, 0, 41, 18, 0, time.UTC)) || p.DOI != "" || p.JournalRef != "" {
		t.Errorf("got %+v", p)
	}
}

func TestJSONLSeed(t *testing.T) {
	r := NewJSONLReader(bytes.NewReader(readFixture(t, "seed.jsonl")))
	papers, rejected := readAll(t, r)
	if len(papers) != 3 || len(rejected) != 0 || r.Format() != FormatSeed {
		t.Fatalf("papers, rejected, format: got %d, %v, %q, want 3, none, seed", len(papers), rejected, r.Format())
	}
	tests := []struct {
		name      string
		p         paperboy.Paper
		extra     map[string]string
		upvotes   int
		published time.Time
	}{
		{"org, date without year", papers[0], map[string]string{"org": "HuggingFaceFW FineData", "date": "Jun 25", "listing": "003_3e9f45b7412a76f3.txt"}, 1, time.Time{}},
		{"date with year", papers[1], nil, 0, time.Time{}},
		{"title and abstract only", papers[2], map[string]string{"listing": "000_63b43486809c5a45.txt"}, 0, time.Time{}},
	}
	// The second fixture line has a full date and authors_count: check it by reading it.
	var raw struct {
		Date         string `json:"date"`
		AuthorsCount int    `json:"authors_count"`
		Source       string `json:"source"`
	}
	line := bytes.Split(readFixture(t, "seed.jsonl"), []byte("\n"))[1]
	if err := json.Unmarshal(line, &raw); err != nil {
		t.Fatal(err)
	}
	pub, err := time.Parse("Jan 2, 2006", raw.Date)
	if err != nil {
		t.Fatalf("fixture date %q: %v", raw.Date, err)
	}
	tests[1].extra = map[string]string{"date": raw.Date, "authors_count": fmt.Sprint(raw.AuthorsCount), "listing": raw.Source}
	tests[1].published = pub
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			if !reflect.DeepEqual(p.Extra, tt.extra) || p.Upvotes != tt.upvotes || !p.Published.Equal(tt.published) {
				t.Errorf("extra, upvotes, published: got %v, %d, %v, want %v, %d, %v", p.Extra, p.Upvotes, p.Published, tt.extra, tt.upvotes, tt.published)
			}
			if !strings.HasPrefix(p.ID, "title:") || p.Abstract == "" || !p.Quiet || p.Sources[0] != paperboy.SourceJSONL {
				t.Errorf("got %+v", p)
			}
		})
	}
}

func TestJSONLGzipMixed(t *testing.T) {
	f, err := os.Open("testdata/mixed.jsonl.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := NewJSONLReader(f)
	papers, rejected := readAll(t, r)
	ids := make([]string, len(papers))
	for i, p := range papers {
		ids[i] = p.ID
	}
	if len(papers) != 3 || ids[0] != "0704.0001" || ids[1] != "hep-th/9901001" || !strings.HasPrefix(ids[2], "title:") {
		t.Errorf("papers: got %v, want two Kaggle ids and a seed title id", ids)
	}
	// Line 3 is blank (skipped), line 4 is broken JSON.
	if !reflect.DeepEqual(rejected, []int{4}) || r.Line() != 5 {
		t.Errorf("rejected, last line: got %v, %d, want [4], 5", rejected, r.Line())
	}
}

func TestJSONLExportRoundTrip(t *testing.T) {
	// Papers as every source makes them, exported the way the store exports them.
	var originals []paperboy.Paper
	for _, fx := range []struct {
		name  string
		parse func([]byte) (*Parsed, error)
	}{{"arxiv_api.xml", ParseArxivAPI}, {"arxiv_listing.atom.xml", ParseListing}, {"hf_daily.json", ParseHFDaily}, {"journal_rss.xml", ParseFeed}, {"blog_atom.xml", ParseFeed}} {
		page, err := fx.parse(readFixture(t, fx.name))
		if err != nil {
			t.Fatal(err)
		}
		originals = append(originals, page.Papers...)
	}
	kaggle, _ := readAll(t, NewJSONLReader(bytes.NewReader(readFixture(t, "kaggle.jsonl"))))
	seed, _ := readAll(t, NewJSONLReader(bytes.NewReader(readFixture(t, "seed.jsonl"))))
	originals = append(append(originals, kaggle...), seed...)
	var buf bytes.Buffer
	for _, p := range originals {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	r := NewJSONLReader(&buf)
	got, rejected := readAll(t, r)
	if len(rejected) != 0 || len(got) != len(originals) {
		t.Fatalf("got %d papers, rejected %v, want %d", len(got), rejected, len(originals))
	}
	for i := range originals {
		want := originals[i]
		want.Quiet = true // an import is never announced
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("paper %d:\ngot  %+v\nwant %+v", i, got[i], want)
		}
	}
	if r.Format() != FormatPaperboy {
		t.Errorf("format: got %q, want %q", r.Format(), FormatPaperboy)
	}
}

func TestJSONLRejects(t *testing.T) {
	long := `{"title": "` + strings.Repeat("x", 300) + `"}`
	input := strings.Join([]string{
		`{"title": "Good One", "abstract": "a"}`,
		long,
		`not json`,
		`{"abstract": "no title"}`,
		`{"id": "0704.0001", "submitter": "x", "title": "Kaggle bad id"}`,
		`{"id": "not-an-id", "submitter": "x", "title": "t"}`,
		`{"title": 42}`,
		`{"id": "x", "title": "  "}`,
		`[1,2,3]`,
		"\r",
		`{"title": "Good Two"}` + "\r",
		`{"title": "Good Three, no final newline"}`,
	}, "\n")
	r := NewJSONLReader(strings.NewReader(input))
	r.MaxLine = 200
	var titles []string
	reasons := map[int]string{}
	for {
		p, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var le *LineError
		if errors.As(err, &le) {
			reasons[le.Line] = le.Reason
			if paperboy.ErrorCode(err) != paperboy.EINVALID {
				t.Errorf("line %d: code %q, want invalid", le.Line, paperboy.ErrorCode(err))
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		titles = append(titles, p.Title)
	}
	if want := []string{"Good One", "Kaggle bad id", "Good Two", "Good Three, no final newline"}; !reflect.DeepEqual(titles, want) {
		t.Errorf("titles: got %q, want %q", titles, want)
	}
	wantReasons := map[int]string{
		2: "longer than 200 bytes",
		3: "invalid JSON",
		4: "no title",
		6: "not an arXiv id",
		7: `"title" is a JSON number, want a string`,
		8: "no title",
		9: "want an object",
	}
	if len(reasons) != len(wantReasons) {
		t.Errorf("rejected lines: got %v, want lines %v", reasons, wantReasons)
	}
	for line, want := range wantReasons {
		if !strings.Contains(reasons[line], want) {
			t.Errorf("line %d: got reason %q, want it to mention %q", line, reasons[line], want)
		}
	}
}

func TestJSONLCorruptGzip(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for range 2000 {
		zw.Write([]byte(`{"title": "A paper about attention", "abstract": "We study attention."}` + "\n"))
	}
	zw.Close()
	data := buf.Bytes()
	data[len(data)/2] ^= 0xff // flip bits in the middle of the stream
	r := NewJSONLReader(bytes.NewReader(data))
	var err error
	n := 0
	for {
		_, err = r.Next()
		if err != nil {
			var le *LineError
			if errors.As(err, &le) {
				continue
			}
			break
		}
		n++
	}
	if errors.Is(err, io.EOF) || err == nil {
		t.Fatalf("after %d papers: got %v, want a read error", n, err)
	}
	if _, again := r.Next(); again == nil || again.Error() != err.Error() {
		t.Errorf("Next after a fatal error: got %v, want the same error", again)
	}
}

func TestJSONLEmpty(t *testing.T) {
	for _, in := range []string{"", "\n\n", "\xef\xbb\xbf\n"} {
		if _, err := NewJSONLReader(strings.NewReader(in)).Next(); !errors.Is(err, io.EOF) {
			t.Errorf("Next on %q: got %v, want io.EOF", in, err)
		}
	}
}

func FuzzJSONLine(f *testing.F) {
	for _, name := range []string{"kaggle.jsonl", "seed.jsonl"} {
		for _, line := range bytes.Split(readFixture(f, name), []byte("\n")) {
			f.Add(line)
		}
	}
	if data, err := os.ReadFile(filepath.Join(realDir, "kaggle", "arxiv-metadata-oai-snapshot.head120.jsonl")); err == nil {
		for _, line := range bytes.Split(data, []byte("\n")) {
			f.Add(line)
		}
	}
	for _, line := range []string{`{"title":"T","authors":42,"upvotes":"x","Date":5}`, `{"id":"2401.01234","title":"T","categories":[1]}`,
		`{"id":"0704.0001","submitter":"S","title":"T","versions":"v1","comments":{}}`, `{"title":"T","authors_count":"7"}`} {
		f.Add([]byte(line))
	}
	page, _ := ParseArxivAPI(readFixture(f, "arxiv_api.xml"))
	for _, p := range page.Papers {
		b, _ := json.Marshal(p)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		p, format, err := ParseJSONLine(line)
		if err != nil {
			return
		}
		if p.ID == "" || p.Title == "" || format == "" {
			t.Fatalf("bad paper from %s line: %+v", format, p)
		}
		// What the reader accepts, it accepts again after an export.
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		q, _, dropped, err := parseJSONLine(b)
		if err != nil || len(dropped) > 0 {
			t.Fatalf("re-import of %s: %v, dropped %q", b, err, dropped)
		}
		if q.ID != p.ID {
			t.Fatalf("re-import changed the id: %q -> %q", p.ID, q.ID)
		}
	})
}

// BenchmarkJSONLReader measures import parsing per line format (the bulk import path).
func BenchmarkJSONLReader(b *testing.B) {
	page, err := ParseArxivAPI(readFixture(b, "arxiv_api.xml"))
	if err != nil {
		b.Fatal(err)
	}
	var export bytes.Buffer
	for _, p := range page.Papers {
		line, _ := json.Marshal(p)
		export.Write(line)
		export.WriteByte('\n')
	}
	for _, fx := range []struct {
		name string
		data []byte
	}{{"kaggle", readFixture(b, "kaggle.jsonl")}, {"seed", readFixture(b, "seed.jsonl")}, {"paperboy", export.Bytes()}} {
		lines := bytes.Split(bytes.TrimSpace(fx.data), []byte("\n"))
		var buf bytes.Buffer
		for i := range 3000 {
			buf.Write(lines[i%len(lines)])
			buf.WriteByte('\n')
		}
		data := buf.Bytes()
		b.Run(fx.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				r := NewJSONLReader(bytes.NewReader(data))
				for {
					_, err := r.Next()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}

// lineSource generates n JSONL lines lazily, so nothing but the reader holds them.
type lineSource struct {
	n, i int
	line []byte
	rest []byte
}

func (s *lineSource) Read(p []byte) (int, error) {
	if len(s.rest) == 0 {
		if s.i == s.n {
			return 0, io.EOF
		}
		s.i++
		s.rest = s.line
	}
	n := copy(p, s.rest)
	s.rest = s.rest[n:]
	return n, nil
}

func TestJSONLConstantMemory(t *testing.T) {
	line := []byte(`{"title": "A study of attention", "abstract": "` + strings.Repeat("We study attention entropy. ", 36) + `"}` + "\n")
	src := &lineSource{n: 20000, line: line}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r := NewJSONLReader(src)
	n := 0
	for {
		_, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 10000 {
			runtime.GC()
			runtime.ReadMemStats(&after)
		}
	}
	total := len(line) * src.n
	if n != src.n {
		t.Fatalf("papers: got %d, want %d", n, src.n)
	}
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if grown > int64(total/4) {
		t.Errorf("heap grew %d bytes halfway through a %d-byte stream: the reader is buffering", grown, total)
	}
	if c := cap(r.buf); c > 4*len(line) {
		t.Errorf("line buffer capacity %d, want about one line (%d)", c, len(line))
	}
}

// TestJSONLWrongTypes: a field of the wrong JSON type rejects the line when it is one
// that identifies the paper (id, title), in every format; any other field is dropped,
// the paper kept, and Dropped names the field.
func TestJSONLWrongTypes(t *testing.T) {
	kaggle := `{"id":"0704.0001","submitter":"S","title":"Kaggle paper","authors_parsed":[["Author","Ann",""]],%s}`
	tests := []struct {
		name, line string
		reject     string   // a part of the rejection reason; "" when the paper is kept
		dropped    []string // the keys Dropped names
		authors    []string
	}{
		{"seed authors number", `{"title":"Seed paper","authors":42}`, "", []string{"authors"}, nil},
		{"seed authors list kept", `{"title":"Seed paper","authors":["Ann Author","Bob Builder"]}`, "", nil, []string{"Ann Author", "Bob Builder"}},
		{"seed authors string", `{"title":"Seed paper","authors":"Ann Author and Bob Builder"}`, "", nil, []string{"Ann Author", "Bob Builder"}},
		{"seed upvotes string", `{"title":"Seed paper","upvotes":"many","date":5}`, "", []string{"date", "upvotes"}, nil},
		{"seed authors_count word", `{"title":"Seed paper","authors_count":"several"}`, "", []string{"authors_count"}, nil},
		{"seed title number", `{"title":42,"authors":["A B"]}`, `"title" is a JSON number`, nil, nil},
		{"export id number", `{"id":42,"title":"Export paper"}`, `"id" is a JSON number`, nil, nil},
		{"export authors number", `{"id":"2401.01234","title":"Export paper","authors":42,"categories":["cs.LG"]}`, "", []string{"authors"}, nil},
		{"export date not a date", `{"id":"2401.01234","title":"Export paper","published":"last spring","authors":["A B"]}`, "", []string{"published"}, []string{"A B"}},
		{"export categories of numbers", `{"id":"2401.01234","title":"Export paper","categories":[1,2]}`, "", []string{"categories"}, nil},
		{"kaggle categories number", fmt.Sprintf(kaggle, `"categories":42`), "", []string{"categories"}, []string{"Ann Author"}},
		{"kaggle comments number", fmt.Sprintf(kaggle, `"comments":42`), "", []string{"comments"}, []string{"Ann Author"}},
		{"kaggle versions string", fmt.Sprintf(kaggle, `"versions":"v1"`), "", []string{"versions"}, []string{"Ann Author"}},
		{"kaggle title list", `{"id":"0704.0001","submitter":"S","title":["T"]}`, `"title" is a JSON array`, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewJSONLReader(strings.NewReader(tt.line + "\n"))
			p, err := r.Next()
			if tt.reject != "" {
				var le *LineError
				if !errors.As(err, &le) || !strings.Contains(le.Reason, tt.reject) {
					t.Fatalf("got %v, want the line rejected with %q", err, tt.reject)
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v, want the paper kept", err)
			}
			var keys []string
			for _, d := range r.Dropped() {
				key, _, _ := strings.Cut(strings.TrimPrefix(d, `"`), `"`)
				keys = append(keys, key)
			}
			if !slices.Equal(keys, tt.dropped) {
				t.Errorf("dropped: got %q, want the keys %q", r.Dropped(), tt.dropped)
			}
			if len(p.Authors) > 0 || tt.authors != nil {
				if !slices.Equal(p.Authors, tt.authors) {
					t.Errorf("authors: got %q, want %q", p.Authors, tt.authors)
				}
			}
		})
	}
}

// TestJSONLIDIsArxivID: a minimal line whose id is an arXiv id (what a script writes) is
// that arXiv paper, not one filed under a hash of its title; other ids stay as they are.
func TestJSONLIDIsArxivID(t *testing.T) {
	in := `{"id": "2112.12130", "title": "NICE-SLAM", "abstract": "We present NICE-SLAM."}
{"id": "arXiv:hep-th/9901001v2", "title": "Old style"}
{"id": "title:cacc96614a2fb57c", "title": "Not arXiv"}
`
	got, rejected := readAll(t, NewJSONLReader(strings.NewReader(in)))
	if len(rejected) != 0 || len(got) != 3 {
		t.Fatalf("got %d papers, rejected %v", len(got), rejected)
	}
	for i, want := range []struct{ id, arxiv string }{{"2112.12130", "2112.12130"}, {"hep-th/9901001", "hep-th/9901001"}, {got[2].Key(), ""}} {
		if got[i].ID != want.id || got[i].ArxivID != want.arxiv {
			t.Errorf("line %d: id %q, arxiv_id %q; want %q, %q", i+1, got[i].ID, got[i].ArxivID, want.id, want.arxiv)
		}
	}
	if got[2].ID == "title:cacc96614a2fb57c" || !strings.HasPrefix(got[2].ID, "title:") {
		t.Errorf("line 3: id %q, want the title's own hash", got[2].ID)
	}
}
