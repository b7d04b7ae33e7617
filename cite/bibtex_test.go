package cite

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
)

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// tricky are papers whose entries go wrong in the usual ways.
var tricky = map[string]*paperboy.Paper{
	"specials": {
		ID: "2401.01234", ArxivID: "2401.01234", Published: date("2024-01-02"),
		Title:      `Scaling $O(n^2)$ Attention to 100% of {GPUs} & TPUs: a_b #1 ~ \cite`,
		Authors:    []string{"Tri Dao", "Ada Lovelace"},
		Categories: []string{"cs.LG", "cs.AI"},
		AbsURL:     "https://arxiv.org/abs/2401.01234",
	},
	"non_ascii": {
		ID: "2402.00001", ArxivID: "2402.00001", Published: date("2024-02-01"),
		Title:      "Über die Sprachmodelle",
		Authors:    []string{"Jürgen Schmidhuber", "Łukasz Kaiser", "李飞飞", "Google and DeepMind Team"},
		Categories: []string{"cs.CL"},
		DOI:        "10.48550/arxiv.2402.00001",
	},
	"old_id": {
		ID: "hep-th/9901001", ArxivID: "hep-th/9901001", Published: date("1999-01-04"),
		Title:      "The Large N Limit of Superconformal Field Theories",
		Authors:    []string{"Juan Maldacena"},
		Categories: []string{"hep-th"},
	},
	"doi_only": {
		ID: "doi:10.1000/a_b{c}", DOI: "10.1000/a_b{c}",
		Title:   "A Survey of Things",
		Authors: []string{"O'Brien, Pat"},
	},
	"bare": {ID: "title:abc123", Title: "On"},
}

func TestBibTeXGolden(t *testing.T) {
	want := map[string]string{
		"specials": `@misc{dao2024scaling,
  title = {Scaling \$O(n\textasciicircum{}2)\$ Attention to 100\% of \textbraceleft{}GPUs\textbraceright{} \& TPUs: a\_b \#1 \textasciitilde{} \textbackslash{}cite},
  author = {Tri Dao and Ada Lovelace},
  year = {2024},
  eprint = {2401.01234},
  archivePrefix = {arXiv},
  primaryClass = {cs.LG},
  url = {https://arxiv.org/abs/2401.01234},
}
`,
		"non_ascii": `@misc{schmidhuber2024uber,
  title = {Über die Sprachmodelle},
  author = {Jürgen Schmidhuber and Łukasz Kaiser and 李飞飞 and {Google and DeepMind Team}},
  year = {2024},
  eprint = {2402.00001},
  archivePrefix = {arXiv},
  primaryClass = {cs.CL},
  doi = {10.48550/arxiv.2402.00001},
  url = {https://arxiv.org/abs/2402.00001},
}
`,
		"old_id": `@misc{maldacena1999large,
  title = {The Large N Limit of Superconformal Field Theories},
  author = {Juan Maldacena},
  year = {1999},
  eprint = {hep-th/9901001},
  archivePrefix = {arXiv},
  primaryClass = {hep-th},
  url = {https://arxiv.org/abs/hep-th/9901001},
}
`,
		"doi_only": `@misc{obriensurvey,
  title = {A Survey of Things},
  author = {O'Brien, Pat},
  doi = {10.1000/a_b%7Bc%7D},
  url = {https://doi.org/10.1000/a_b%7Bc%7D},
}
`,
		"bare": `@misc{papertitleabc123,
  title = {On},
}
`,
	}
	for name, p := range tricky {
		t.Run(name, func(t *testing.T) {
			got := BibTeX(p)
			if got != want[name] {
				t.Errorf("got\n%s\nwant\n%s", got, want[name])
			}
			if _, err := parseBib(got); err != nil {
				t.Errorf("entry does not parse: %v\n%s", err, got)
			}
		})
	}
}

// TestBibTeXRoundTrip reads every tricky entry back and finds the paper's title and
// authors as they were: the escaping is complete (no special left for LaTeX to act on)
// and lossless.
func TestBibTeXRoundTrip(t *testing.T) {
	for name, p := range tricky {
		t.Run(name, func(t *testing.T) {
			es, err := parseBib(BibTeX(p))
			if err != nil || len(es) != 1 {
				t.Fatalf("parse: %v (%d entries)", err, len(es))
			}
			checkRoundTrip(t, p, es[0])
		})
	}
}

func checkRoundTrip(t *testing.T, p *paperboy.Paper, e bibEntryParsed) {
	t.Helper()
	if e.typ != "misc" {
		t.Errorf("type: got %q, want misc", e.typ)
	}
	title, err := unescapeLaTeX(e.fields["title"])
	if err != nil {
		t.Errorf("title: %v", err)
	}
	if want := paperboy.CollapseSpace(paperboy.StripControl(p.Title)); title != want {
		t.Errorf("title: got %q, want %q", title, want)
	}
	var authors []string
	if a := e.fields["author"]; a != "" {
		for _, n := range splitAuthors(a) {
			if strings.HasPrefix(n, "{") && strings.HasSuffix(n, "}") {
				n = n[1 : len(n)-1]
			}
			u, err := unescapeLaTeX(n)
			if err != nil {
				t.Errorf("author: %v", err)
			}
			authors = append(authors, u)
		}
	}
	var want []string
	for _, a := range p.Authors {
		if a = paperboy.CollapseSpace(paperboy.StripControl(a)); a != "" {
			want = append(want, a)
		}
	}
	if fmt.Sprint(authors) != fmt.Sprint(want) {
		t.Errorf("authors: got %q, want %q", authors, want)
	}
	if id := verbatim(p.ArxivID); e.fields["eprint"] != id || (id != "") != (e.fields["archivePrefix"] == "arXiv") {
		t.Errorf("eprint %q archivePrefix %q, want %q (arXiv when set)", e.fields["eprint"], e.fields["archivePrefix"], id)
	}
}

// splitAuthors splits on " and " at brace depth 0, as BibTeX does.
func splitAuthors(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
		}
		if depth == 0 && strings.HasPrefix(s[i:], " and ") {
			out = append(out, s[start:i])
			start = i + len(" and ")
			i += len(" and ") - 1
		}
	}
	return append(out, s[start:])
}

func TestBibWriterUniqueKeys(t *testing.T) {
	var buf bytes.Buffer
	w := NewBibWriter(&buf)
	p := *tricky["old_id"]
	for range 3 {
		if err := w.Write(&p); err != nil {
			t.Fatal(err)
		}
	}
	es, err := parseBib(buf.String())
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range es {
		keys = append(keys, e.key)
	}
	if got, want := strings.Join(keys, " "), "maldacena1999large maldacena1999largeb maldacena1999largec"; got != want {
		t.Errorf("keys: got %s, want %s", got, want)
	}
}

func TestRIS(t *testing.T) {
	got := RIS(tricky["non_ascii"])
	want := `TY  - GEN
TI  - Über die Sprachmodelle
AU  - Schmidhuber, Jürgen
AU  - Kaiser, Łukasz
AU  - 李飞飞
AU  - Google and DeepMind Team
PY  - 2024
DA  - 2024/02/01
DB  - arXiv
AN  - arXiv:2402.00001
DO  - 10.48550/arxiv.2402.00001
UR  - https://arxiv.org/abs/2402.00001
KW  - cs.CL
ER  - 
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// A newline in an abstract must not start a new tag.
	p := &paperboy.Paper{Title: "x", Abstract: "line one\nER  - \nTY  - JOUR"}
	if n := strings.Count(RIS(p), "\nER  - "); n != 1 {
		t.Errorf("abstract with a newline: %d ER lines, want 1:\n%s", n, RIS(p))
	}
}

// FuzzBibTeX: whatever the text, the entry parses (every field's braces balance), the
// escaping leaves no LaTeX special active, and title and authors read back unchanged.
func FuzzBibTeX(f *testing.F) {
	f.Add(`a {b} \c $d$ 100% _x_ #1 ~ ^`, "Jürgen Schmidhuber", "hep-th/9901001", "10.1/a{b")
	f.Add("}{", "{", "", "}")
	f.Add(`\`, `A and B`, "2401.01234", "")
	f.Fuzz(func(t *testing.T, title, author, arxiv, doi string) {
		p := &paperboy.Paper{ID: arxiv, ArxivID: arxiv, Title: title, Authors: []string{author, "X " + author}, DOI: doi, Categories: []string{doi}}
		out := BibTeX(p)
		es, err := parseBib(out)
		if err != nil || len(es) != 1 {
			t.Fatalf("parse: %v (%d entries)\n%s", err, len(es), out)
		}
		checkRoundTrip(t, p, es[0])
	})
}
