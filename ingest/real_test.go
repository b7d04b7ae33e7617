package ingest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html/charset"

	"github.com/paperboy-bot/paperboy"
)

// realDir holds payloads captured from real services and other projects' test suites
// (PROVENANCE.md there says where each comes from), relative to this package.
const realDir = "../../shared/real"

// realFiles returns the names of the files in realDir/sub, skipping the test when the
// shared inputs are not checked out next to the repository.
func realFiles(tb testing.TB, sub string) []string {
	tb.Helper()
	entries, err := os.ReadDir(filepath.Join(realDir, sub))
	if errors.Is(err, os.ErrNotExist) {
		tb.Skipf("real inputs not found at %s: %v", realDir, err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names
}

func readReal(tb testing.TB, sub, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(realDir, sub, name))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// addRealSeeds adds every file of realDir/sub to a fuzz target's seed corpus (none
// when the shared inputs are absent).
func addRealSeeds(f *testing.F, sub string) {
	entries, _ := os.ReadDir(filepath.Join(realDir, sub))
	for _, e := range entries {
		if data, err := os.ReadFile(filepath.Join(realDir, sub, e.Name())); err == nil {
			f.Add(data)
		}
	}
}

// sameFiles fails unless the table covers exactly the files of realDir/sub, so a file
// added there gets an expectation.
func sameFiles(t *testing.T, sub string, table []string) {
	t.Helper()
	got := realFiles(t, sub)
	slices.Sort(got)
	table = slices.Sorted(slices.Values(table))
	if !slices.Equal(got, table) {
		t.Fatalf("files in %s/%s: got %q, want the table's %q", realDir, sub, got, table)
	}
}

// TestRealFeeds parses each real-world feed: legacy charsets declared (EUC-KR,
// ISO-8859-1/-7) and undeclared (Shift_JIS), and ill-formed documents, which keep the
// items before the damage or fail with its position.
func TestRealFeeds(t *testing.T) {
	type want struct {
		feedTitle  string // Parsed.Title
		firstTitle string // title of the first paper ("" with no papers)
		papers     int
		skipped    int
		damageLine int    // Parsed.Damage's line; 0 for none
		guessed    string // Parsed.Guessed
		errLine    int    // the *ParseError's line when the feed fails; 0 for none
	}
	tests := map[string]want{
		"feedparser-encoding_euc-kr.xml":                              {feedTitle: "\ub144"},
		"feedparser-illformed_chardet_shiftjis.xml":                   {firstTitle: "DrecomRSSに記事投稿が反映されない…", papers: 1, guessed: "shift_jis"},
		"feedparser-illformed_http_high_bit_date.xml":                 {},
		"feedparser-illformed_rss_incomplete_cdata.xml":               {errLine: 13},
		"feedparser-illformed_rss_item_link_corrupted_ampersands.xml": {skipped: 1, damageLine: 13},
		"feedparser-illformed_undeclared_namespace.xml":               {},
		"feedparser-wellformed_atom10_entry_title_inline_markup.xml":  {firstTitle: "Example Atom", papers: 1},
		"feedparser-wellformed_atom10_missing_quote_in_attr.xml":      {feedTitle: "example"},
		"feedparser-wellformed_atom10_relative_uri_inherit.xml":       {feedTitle: "Example test"},
		"feedrs-atom_example_reddit.xml":                              {feedTitle: "The Rust Programming Language", firstTitle: "Hey Rustaceans! Got an easy question? Ask here (21/2020)!", papers: 1},
		"feedrs-atom_relative.xml":                                    {feedTitle: "Example Feed with Relative URLs", firstTitle: "Atom-Powered Robots Run Amok", papers: 1},
		"feedrs-atom_xml_base.xml":                                    {feedTitle: "my cool website title", firstTitle: "my cool entry title", papers: 1},
		"feedrs-rss_0.91_encoding_2.xml":                              {feedTitle: "Tribunal de Justiça do Estado do Rio Grande do Sul", firstTitle: "13/08/2020 21:27 - Comitê completa 150 dias de atuação na prevenção contra o novo Coronavírus", papers: 1},
		"feedrs-rss_1.0_biorxiv.xml":                                  {feedTitle: "bioRxiv Subject Collection: Genomics", firstTitle: "Complete genome of the Medicago anthracnose fungus, Colletotrichum destructivum, reveals a mini-chromosome-like region within a core chromosome.", papers: 1},
		"feedrs-rss_1.0_iso8859.xml":                                  {feedTitle: "Golem.de", firstTitle: "Digitalministerium: Neue Glasfaserförderung mit Schnellkasse", papers: 1},
		"feedrs-rss_2.0_bbc.xml":                                      {feedTitle: "In Our Time", firstTitle: "Marcus Aurelius", papers: 1},
		"feedrs-rss_2.0_dbengines.xml":                                {feedTitle: "DB-Engines.com Blog", firstTitle: "Snowflake is the DBMS of the Year 2022, defending the title from last year", papers: 1},
		"feedrs-rss_2.0_encoding_1.xml":                               {feedTitle: "RSS Feed do Site Inovação Tecnológica", firstTitle: "Revolução nas telas com pontos quânticos impressos em 3D", papers: 1},
		"feedrs-rss_2.0_invalid_1.xml":                                {errLine: 19},
		"feedrs-rss_2.0_kdist.xml":                                    {feedTitle: "Latest Linux Kernel Versions", firstTitle: "5.7-rc4: mainline", papers: 1},
		"feedrs-rss_2.0_relurl_1.xml":                                 {feedTitle: "Insanity Industries", firstTitle: "Pareto-optimal compression", papers: 2},
		"feedrs-rss_2.0_relurl_2.xml":                                 {feedTitle: "Relative Enclosure URL example feed", firstTitle: "An item with a relative enclosure URL", papers: 1},
		"feedrs-rss_2.0_spiegel.xml":                                  {feedTitle: "SPIEGEL Update – Die Nachrichten", firstTitle: "07.02. – die Wochenvorschau: Lockdown-Verlängerung, Kriegsverbrecher vor Gericht, Super Bowl, Karneval", papers: 1},
		"feedrs-rss_2.0_wirecutter.xml":                               {feedTitle: "Wirecutter: Reviews for the Real World", firstTitle: "How to Teach Someone a Board Game (and Even Have Fun Doing It)", papers: 1},
		"gofeed-issue_309_namespace_whitespace.xml":                   {},
		"gofeed-rdf_item_description_cdata_escaped_markup.xml":        {skipped: 1}, // an item without a title
		"gofeed-rdf_item_title_cdata_naked_markup.xml":                {firstTitle: "Item Title", papers: 1},
		"gofeed-rss_channel_item_xml_base.xml":                        {feedTitle: "t", firstTitle: "i", papers: 1},
	}
	sameFiles(t, "feeds", slices.Collect(mapKeys(tests)))
	for name, w := range tests {
		t.Run(name, func(t *testing.T) {
			page, err := ParseFeed(readReal(t, "feeds", name))
			if w.errLine > 0 {
				var pe *ParseError
				if !errors.As(err, &pe) || pe.Line != w.errLine {
					t.Fatalf("got %v, want a parse error at line %d", err, w.errLine)
				}
				if code := paperboy.ErrorCode(err); code != paperboy.EINVALID {
					t.Errorf("error code: got %q, want %q", code, paperboy.EINVALID)
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v, want the feed read", err)
			}
			first := ""
			if len(page.Papers) > 0 {
				first = page.Papers[0].Title
			}
			damageLine := 0
			if page.Damage != nil {
				damageLine = page.Damage.Line
			}
			got := want{feedTitle: page.Title, firstTitle: first, papers: len(page.Papers), skipped: len(page.Skipped),
				damageLine: damageLine, guessed: page.Guessed}
			if got != w {
				t.Errorf("got %+v, want %+v", got, w)
			}
		})
	}
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// lineOf is the 1-based line of byte offset off in data.
func lineOf(data []byte, off int) int { return 1 + bytes.Count(data[:off], []byte{'\n'}) }

// TestRealFeedDamageKeepsEarlierItems breaks a real two-item feed inside its second
// item in the ways real feeds break: the first item is kept and the damage located.
func TestRealFeedDamageKeepsEarlierItems(t *testing.T) {
	realFiles(t, "feeds")
	data := readReal(t, "feeds", "feedrs-rss_2.0_relurl_1.xml")
	second := []byte("<title>Tracking leftover packages with pacman</title>")
	at := bytes.Index(data, second)
	cdata := bytes.Index(data, []byte("<![CDATA["))
	if at < 0 || cdata < at {
		t.Fatal("fixture changed: second item's title or its CDATA not found")
	}
	tests := []struct {
		name     string
		damaged  []byte
		wantLine int
	}{
		{"bare ampersand", slices.Concat(data[:at], []byte("<title>Tracking leftover packages & pacman</title>"), data[at+len(second):]), lineOf(data, at)},
		{"truncated download", data[:at+10], lineOf(data, at)},
		{"unterminated CDATA", slices.Concat(data[:cdata], []byte("<![CDATA[ <p>Automatically resolving")), lineOf(data, cdata)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page, err := ParseFeed(tc.damaged)
			if err != nil {
				t.Fatalf("got %v, want the items before the damage", err)
			}
			if len(page.Papers) != 1 || page.Papers[0].Title != "Pareto-optimal compression" {
				t.Fatalf("got %d papers %v, want the first item only", len(page.Papers), page.Papers)
			}
			if page.Damage == nil || page.Damage.Line != tc.wantLine {
				t.Fatalf("damage: got %v, want one at line %d", page.Damage, tc.wantLine)
			}
			if w := page.Warnings(); len(w) != 1 || !strings.Contains(w[0], "line "+strconv.Itoa(tc.wantLine)) {
				t.Errorf("warnings: got %q, want one naming line %d", w, tc.wantLine)
			}
		})
	}
	// Damage before the first item is an error with its position.
	if _, err := ParseFeed(data[:at-200]); err == nil || !strings.Contains(err.Error(), "line ") {
		t.Errorf("damage before any item: got %v, want an error naming the line", err)
	}
}

// TestRealArxivAPI parses real arXiv API answers: the current and the legacy (2016)
// formats, an old-style id, an empty result and the HTTP 400 error feed.
func TestRealArxivAPI(t *testing.T) {
	type want struct {
		total, papers int
		firstID       string
		firstTitle    string
		dois          int    // papers with a DOI
		journalRefs   int    // papers with a journal reference
		apiError      string // the *ArxivAPIError's message
	}
	tests := map[string]want{
		"arxivpy-query-testing-15-entries.xml": {total: 214881, papers: 15, firstID: "2202.12139",
			firstTitle: "Testing Deep Learning Models: A First Comparative Study of Multiple Testing Techniques", dois: 6, journalRefs: 6},
		"arxivpy-id-astro-ph-0601001-journal-ref-affiliations.xml": {total: 1, papers: 1, firstID: "astro-ph/0601001", journalRefs: 1},
		"arxivpy-legacy2016-query-au-del_maestro-10-entries.xml": {total: 31, papers: 10, firstID: "1201.4869",
			firstTitle: "A Luttinger Liquid Core Inside Helium-4 Filled Nanopores", dois: 10, journalRefs: 10},
		"arxivpy-empty-result-totalResults-0.xml":       {},
		"arxivpy-error-incorrect-id-format-http400.xml": {apiError: "incorrect id format for abc"},
	}
	sameFiles(t, "arxiv-api", slices.Collect(mapKeys(tests)))
	for name, w := range tests {
		t.Run(name, func(t *testing.T) {
			page, err := ParseArxivAPI(readReal(t, "arxiv-api", name))
			if w.apiError != "" {
				var ae *ArxivAPIError
				if !errors.As(err, &ae) || ae.Message != w.apiError || paperboy.ErrorCode(err) != paperboy.EINVALID {
					t.Fatalf("got %v, want an EINVALID arXiv API error %q", err, w.apiError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := want{total: page.Total, papers: len(page.Papers)}
			for i, p := range page.Papers {
				if i == 0 {
					got.firstID = p.ArxivID
					if w.firstTitle != "" {
						got.firstTitle = p.Title
					}
				}
				if p.DOI != "" {
					got.dois++
				}
				if p.JournalRef != "" {
					got.journalRefs++
				}
			}
			if got != w {
				t.Errorf("got %+v, want %+v", got, w)
			}
			if len(page.Skipped) > 0 || page.Damage != nil {
				t.Errorf("skipped %q, damage %v: want none", page.Skipped, page.Damage)
			}
		})
	}
}

// TestRealArxivFetch serves the real captures from a loopback arXiv: the empty result
// is no error, the HTTP 400 error feed is a clear EINVALID error, and a page cut off
// mid-entry keeps its earlier entries and asks again from the damaged one.
func TestRealArxivFetch(t *testing.T) {
	realFiles(t, "arxiv-api")
	full := readReal(t, "arxiv-api", "arxivpy-query-testing-15-entries.xml")
	entries := bytes.Split(full, []byte("<entry>"))
	cut := len(full) - len(entries[len(entries)-1]) - len("<entry>") + 200 // inside the 15th entry
	var starts []string
	body := map[string]func(http.ResponseWriter){
		"empty": func(w http.ResponseWriter) {
			w.Write(readReal(t, "arxiv-api", "arxivpy-empty-result-totalResults-0.xml"))
		},
		"error": func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusBadRequest)
			w.Write(readReal(t, "arxiv-api", "arxivpy-error-incorrect-id-format-http400.xml"))
		},
		"truncated": func(w http.ResponseWriter) {
			if len(starts) == 1 {
				w.Write(full[:cut])
				return
			}
			w.Write(readReal(t, "arxiv-api", "arxivpy-empty-result-totalResults-0.xml"))
		},
	}
	for _, name := range []string{"empty", "error", "truncated"} {
		t.Run(name, func(t *testing.T) {
			starts = nil
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				starts = append(starts, r.URL.Query().Get("start"))
				body[name](w)
			}))
			defer ts.Close()
			a := &Arxiv{Client: newTestClient(newFakeClock(), ClientOptions{}), BaseURL: ts.URL, PageSize: 15}
			n := 0
			err := a.Fetch(context.Background(), ArxivQuery{Category: "cs.SE"}, func(paperboy.Paper) error { n++; return nil })
			switch name {
			case "empty":
				if err != nil || n != 0 {
					t.Errorf("got %d papers, %v; want none and no error", n, err)
				}
			case "error":
				if paperboy.ErrorCode(err) != paperboy.EINVALID || !strings.Contains(paperboy.ErrorMessage(err), "incorrect id format for abc") {
					t.Errorf("got %v, want EINVALID with arXiv's message", err)
				}
			case "truncated":
				if err != nil || n != 14 || !slices.Equal(starts, []string{"0", "14"}) {
					t.Errorf("got %d papers, %v, requests at %q; want 14, no error, the second request at 14", n, err, starts)
				}
			}
		})
	}
}

// TestRealKaggleLines imports the first 120 lines of the real Kaggle snapshot.
func TestRealKaggleLines(t *testing.T) {
	realFiles(t, "kaggle")
	data := readReal(t, "kaggle", "arxiv-metadata-oai-snapshot.head120.jsonl")
	r := NewJSONLReader(bytes.NewReader(data))
	var papers []paperboy.Paper
	for {
		p, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("line %d: %v", r.Line(), err)
		}
		if r.Format() != FormatKaggle {
			t.Fatalf("line %d: format %q, want %q", r.Line(), r.Format(), FormatKaggle)
		}
		papers = append(papers, p)
	}
	dois, refs, multi := 0, 0, 0
	for _, p := range papers {
		if p.DOI != "" {
			dois++
		}
		if p.JournalRef != "" {
			refs++
		}
		if len(p.Categories) > 1 {
			multi++
		}
	}
	// The counts PROVENANCE.md gives for this sample.
	if len(papers) != 120 || papers[0].ArxivID != "0704.0001" || papers[119].ArxivID != "0704.0120" || dois != 61 || refs != 59 || multi != 53 {
		t.Errorf("got %d papers (%s..%s), %d DOIs, %d journal refs, %d multi-category; want 120 (0704.0001..0704.0120), 61, 59, 53",
			len(papers), papers[0].ArxivID, papers[len(papers)-1].ArxivID, dois, refs, multi)
	}
	// Every real line takes the fast path, which agrees with encoding/json.
	for i, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		if _, ok, _ := parseKaggleFast(line); !ok {
			t.Errorf("line %d: the fast decoder declined it", i+1)
		}
		checkSameAsSlow(t, line)
	}
}

// TestSniffCharset: a feed that declares no encoding and is not UTF-8 is read as the
// East Asian encoding its bytes fit, and Western text falls back to windows-1252.
func TestSniffCharset(t *testing.T) {
	tests := []struct {
		title, encoding string
	}{
		{"論文の新着情報をお知らせします", "shift_jis"},
		{"論文の新着情報をお知らせします", "euc-jp"},
		{"새로운 논문 소식을 알려 드립니다", "euc-kr"},
		{"Glasfaserförderung für Größe und Résumé", "windows-1252"},
		{"Größenänderungsmöglichkeiten", "windows-1252"}, // every accent followed by a letter
	}
	for _, tt := range tests {
		t.Run(tt.encoding+" "+tt.title, func(t *testing.T) {
			e, _ := charset.Lookup(tt.encoding)
			doc, err := e.NewEncoder().String(`<rss version="2.0"><channel><title>` + tt.title + `</title>` +
				`<item><title>` + tt.title + `</title><link>https://example.org/1</link></item></channel></rss>`)
			if err != nil {
				t.Fatal(err)
			}
			page, err := ParseFeed([]byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			if page.Guessed != tt.encoding || page.Title != tt.title || len(page.Papers) != 1 || page.Papers[0].Title != tt.title {
				t.Errorf("got %q read as %q, want %q as %q", page.Title, page.Guessed, tt.title, tt.encoding)
			}
		})
	}
}

// TestArxivCheckpoint pages through a real API answer served 5 entries at a time:
// Checkpoint gets the offset to continue from after each page, Start skips ahead, and
// stopping at Max records the offset after the last paper emitted.
func TestArxivCheckpoint(t *testing.T) {
	realFiles(t, "arxiv-api")
	full := readReal(t, "arxiv-api", "arxivpy-query-testing-15-entries.xml")
	first, last := bytes.Index(full, []byte("<entry>")), bytes.LastIndex(full, []byte("</entry>"))+len("</entry>")
	entries := bytes.SplitAfter(full[first:last], []byte("</entry>"))
	head := bytes.Replace(full[:first], []byte(">214881<"), []byte(">15<"), 1)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start, _ := strconv.Atoi(r.URL.Query().Get("start"))
		size, _ := strconv.Atoi(r.URL.Query().Get("max_results"))
		w.Write(head)
		for _, e := range entries[min(start, len(entries)):min(start+size, len(entries))] {
			w.Write(e)
		}
		w.Write(full[last:])
	}))
	defer ts.Close()
	type mark struct {
		next int
		done bool
	}
	tests := []struct {
		name       string
		start, max int
		papers     int
		marks      []mark
	}{
		{"whole window", 0, 0, 15, []mark{{5, false}, {10, false}, {15, true}}},
		{"resumed", 10, 0, 5, []mark{{15, true}}},
		{"stopped at max", 0, 7, 7, []mark{{5, false}, {7, false}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := &Arxiv{Client: newTestClient(newFakeClock(), ClientOptions{}), BaseURL: ts.URL, PageSize: 5}
			var marks []mark
			n := 0
			q := ArxivQuery{Category: "cs.SE", Start: tc.start, Max: tc.max, Checkpoint: func(next int, done bool) error {
				marks = append(marks, mark{next, done})
				return nil
			}}
			if err := a.Fetch(context.Background(), q, func(paperboy.Paper) error { n++; return nil }); err != nil {
				t.Fatal(err)
			}
			if n != tc.papers || !slices.Equal(marks, tc.marks) {
				t.Errorf("got %d papers, checkpoints %v; want %d, %v", n, marks, tc.papers, tc.marks)
			}
		})
	}
}
