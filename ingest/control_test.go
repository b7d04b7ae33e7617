package ingest

import (
	"strings"
	"testing"

	"github.com/paperboy-bot/paperboy"
)

// hostileJSON is the title of issue 17 as a JSON string: it retitles the window, clears
// the screen and hides the text after it.
const hostileJSON = `"Owned\u001b]0;OWNED\u0007\u001b[2J\u001b[8m Heads\u009b\u202e"`

// TestIngestStripsControl checks every source path drops control characters at ingest:
// the Kaggle fast path, the encoding/json path (seed and export shapes), Atom and HF.
func TestIngestStripsControl(t *testing.T) {
	const want = "Owned]0;OWNED[2J[8m Heads"
	check := func(t *testing.T, p paperboy.Paper) {
		t.Helper()
		if p.Title != want {
			t.Errorf("title: got %q, want %q", p.Title, want)
		}
		for _, s := range append([]string{p.Abstract, p.Comment}, p.Authors...) {
			if strings.ContainsFunc(s, paperboy.IsControl) {
				t.Errorf("%q has a control character", s)
			}
		}
	}
	lines := map[string]string{
		"kaggle": kaggleLine(map[string]string{"title": hostileJSON, "abstract": `"a\u001b[8m b"`,
			"comments": `"c\u0007"`, "authors_parsed": `[["Eve\u001b[2J","M.",""]]`}),
		"seed":   `{"title": ` + hostileJSON + `, "abstract": "a\u001b[8m b", "source": "x"}`,
		"export": `{"id": "2401.01234", "arxiv_id": "2401.01234", "title": ` + hostileJSON + `, "authors": ["Eve\u009b"]}`,
	}
	for name, line := range lines {
		t.Run(name, func(t *testing.T) {
			p, _, err := ParseJSONLine([]byte(line))
			if err != nil {
				t.Fatal(err)
			}
			check(t, p)
		})
	}
	t.Run("kaggle fast path taken", func(t *testing.T) {
		p, accepted, err := parseKaggleFast([]byte(lines["kaggle"]))
		if !accepted || err != nil {
			t.Fatalf("fast path: accepted %v, %v; want it to take the line", accepted, err)
		}
		check(t, p)
	})
	t.Run("atom", func(t *testing.T) {
		feed := `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>f</title>
<entry><id>https://example.org/1</id><title>Owned&#x9b;]0;OWNED&#x202e;[2J[8m Heads</title>
<link href="https://example.org/1"/><summary>a&#x85;b</summary><author><name>Eve&#x9b;</name></author></entry></feed>`
		parsed, err := ParseFeed([]byte(feed))
		if err != nil || len(parsed.Papers) != 1 {
			t.Fatalf("got %v, %v; want one paper", parsed, err)
		}
		check(t, parsed.Papers[0])
	})
	t.Run("hf", func(t *testing.T) {
		data := `[{"paper": {"id": "2401.01234", "title": ` + hostileJSON + `, "summary": "s\u001b[8m", "authors": [{"name": "Eve\u001b[2J"}], "ai_summary": "x\u001b[2Jy"}}]`
		parsed, err := ParseHFDaily([]byte(data))
		if err != nil || len(parsed.Papers) != 1 {
			t.Fatalf("got %v, %v; want one paper", parsed, err)
		}
		p := parsed.Papers[0]
		check(t, p)
		for k, v := range p.Extra {
			if strings.ContainsFunc(k+v, paperboy.IsControl) {
				t.Errorf("extra %q = %q has a control character", k, v)
			}
		}
	})
}
