package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
)

func TestParseArxivAPI(t *testing.T) {
	page, err := ParseArxivAPI(readFixture(t, "arxiv_api.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 3 || page.Entries != 3 || len(page.Papers) != 3 || len(page.Skipped) != 0 {
		t.Fatalf("total, entries, papers, skipped: got %d, %d, %d, %v, want 3, 3, 3, none",
			page.Total, page.Entries, len(page.Papers), page.Skipped)
	}
	tests := []struct {
		name string
		got  paperboy.Paper
		want paperboy.Paper
	}{
		{"new style id with versions", page.Papers[0], paperboy.Paper{
			ID: "1706.03762", ArxivID: "1706.03762", Version: 7,
			Title:      "Attention Is All You Need",
			Abstract:   "The dominant sequence transduction models are based on complex recurrent or convolutional neural networks in an encoder-decoder configuration. The best performing models also connect the encoder and decoder through an attention mechanism. We propose a new simple network architecture, the Transformer, based solely on attention mechanisms, dispensing with recurrence and convolutions entirely.",
			Authors:    []string{"Ashish Vaswani", "Noam Shazeer", "Niki Parmar"},
			Categories: []string{"cs.CL", "cs.LG"},
			Comment:    "15 pages, 5 figures",
			Published:  time.Date(2017, 6, 12, 17, 57, 34, 0, time.UTC),
			Updated:    time.Date(2023, 8, 2, 0, 41, 18, 0, time.UTC),
			AbsURL:     "https://arxiv.org/abs/1706.03762", PDFURL: "https://arxiv.org/pdf/1706.03762",
			Sources: []string{paperboy.SourceArxiv},
		}},
		{"old style id with DOI and journal ref", page.Papers[1], paperboy.Paper{
			ID: "hep-th/9901001", ArxivID: "hep-th/9901001", Version: 1, DOI: "10.1143/ptp.101.1155",
			Title:      "String Junctions and Their Duals in Heterotic String Theory",
			Abstract:   "We give a prescription to construct the duals of string junctions in heterotic string theory.",
			Authors:    []string{"Yosuke Imamura"},
			Categories: []string{"hep-th"},
			Comment:    "9 pages, 3 figures",
			JournalRef: "Prog.Theor.Phys. 101 (1999) 1155-1164",
			Published:  time.Date(1999, 1, 4, 8, 53, 50, 0, time.UTC),
			Updated:    time.Date(1999, 1, 4, 8, 53, 50, 0, time.UTC),
			AbsURL:     "https://arxiv.org/abs/hep-th/9901001", PDFURL: "https://arxiv.org/pdf/hep-th/9901001",
			Sources: []string{paperboy.SourceArxiv},
		}},
		{"entities, wrapped title, accents, primary first", page.Papers[2], paperboy.Paper{
			ID: "2403.00012", ArxivID: "2403.00012", Version: 2, DOI: "10.48550/arxiv.2403.00012",
			Title:      "Entropy Collapse in Attention: A Spectral View of Training Instability",
			Abstract:   "Training large transformers is often derailed by attention entropy collapse. We relate collapse to the spectral norm of the query-key product and propose $\\sigma$Reparam, a reparametrization that keeps entropy bounded & stabilizes training without warm-up.",
			Authors:    []string{"María José García", "Wei Zhang"},
			Categories: []string{"cs.LG", "stat.ML"},
			Comment:    "ICML 2024 camera-ready; code at https://github.com/example/sigma-reparam",
			Published:  time.Date(2024, 3, 1, 16, 2, 11, 0, time.UTC),
			Updated:    time.Date(2024, 3, 5, 11, 20, 4, 0, time.UTC),
			AbsURL:     "https://arxiv.org/abs/2403.00012", PDFURL: "https://arxiv.org/pdf/2403.00012",
			Sources: []string{paperboy.SourceArxiv},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", tt.got, tt.want)
			}
		})
	}
}

func TestParseArxivAPIEmptyAndErrors(t *testing.T) {
	t.Run("empty weekend feed", func(t *testing.T) {
		page, err := ParseArxivAPI(readFixture(t, "arxiv_api_empty.xml"))
		if err != nil || page.Total != 0 || len(page.Papers) != 0 {
			t.Errorf("got %+v, %v, want an empty page and no error", page, err)
		}
	})
	t.Run("error entry", func(t *testing.T) {
		_, err := ParseArxivAPI(readFixture(t, "arxiv_api_error.xml"))
		var ae *ArxivAPIError
		if !errors.As(err, &ae) || ae.Message != "incorrect id format for 1234.12345" {
			t.Fatalf("got %v, want an ArxivAPIError with arXiv's message", err)
		}
		if code := paperboy.ErrorCode(err); code != paperboy.EINVALID {
			t.Errorf("code: got %q, want %q", code, paperboy.EINVALID)
		}
	})
	bad := []struct {
		name, data, want string
		line             int
	}{
		{"unclosed element", "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<entry>\n<title>x</entry>\n</feed>", "line 3", 3},
		{"not xml", "Rate exceeded.", "malformed XML", 1},
		{"html page", "<html><body>Service Unavailable</body></html>", "not an RSS or Atom feed", 1},
		{"empty", "  \n", "empty document", 0},
		{"bad total", `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:o="http://a9.com/-/spec/opensearch/1.1/"><o:totalResults>many</o:totalResults></feed>`, "totalResults", 0},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseArxivAPI([]byte(tt.data))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, want a *ParseError", err)
			}
			if tt.name == "html page" {
				if !strings.Contains(err.Error(), "want an Atom <feed>") {
					t.Errorf("got %q, want it to say an Atom feed was expected", err)
				}
				return
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it to mention %q", err, tt.want)
			}
			if pe.Line != tt.line {
				t.Errorf("line: got %d, want %d", pe.Line, tt.line)
			}
		})
	}
}

// arxivServer serves total synthetic entries in pages, recording each request's start
// parameter and the fake clock's time.
type arxivServer struct {
	t      *testing.T
	clock  *fakeClock
	total  int
	mu     sync.Mutex
	starts []int
	times  []time.Time
	query  []string
}

func (s *arxivServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := r.URL.Query()
	start, _ := strconv.Atoi(q.Get("start"))
	n, _ := strconv.Atoi(q.Get("max_results"))
	s.starts = append(s.starts, start)
	s.times = append(s.times, s.clock.Now())
	s.query = append(s.query, q.Get("search_query"))
	if got := q.Get("sortBy"); got != "submittedDate" {
		s.t.Errorf("sortBy: got %q, want submittedDate", got)
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title type="html">ArXiv Query</title>
<opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">%d</opensearch:totalResults>
`, s.total)
	for i := start; i < min(start+n, s.total); i++ {
		fmt.Fprintf(&b, `<entry><id>http://arxiv.org/abs/2403.%05dv1</id><published>2024-03-01T10:00:00Z</published>
<title>Paper number %d</title><summary>Abstract %d.</summary><author><name>Author %d</name></author>
<arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="cs.LG"/><category term="cs.LG"/></entry>
`, i+1, i, i, i)
	}
	b.WriteString("</feed>\n")
	w.Write(b.Bytes())
}

func TestArxivFetchPaging(t *testing.T) {
	clock := newFakeClock()
	srv := &arxivServer{t: t, clock: clock, total: 5}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	a := &Arxiv{Client: newTestClient(clock, ClientOptions{}), BaseURL: ts.URL + "/api/query", PageSize: 2}
	var got []string
	since := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	err := a.Fetch(context.Background(), ArxivQuery{Category: "cs.LG", Since: since, Until: since.Add(24 * time.Hour)},
		func(p paperboy.Paper) error { got = append(got, p.ArxivID); return nil })
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2403.00001", "2403.00002", "2403.00003", "2403.00004", "2403.00005"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("papers: got %v, want %v", got, want)
	}
	if want := []int{0, 2, 4}; !reflect.DeepEqual(srv.starts, want) {
		t.Errorf("starts: got %v, want %v", srv.starts, want)
	}
	if want := "cat:cs.LG AND submittedDate:[202403010000 TO 202403020000]"; srv.query[0] != want {
		t.Errorf("search_query: got %q, want %q", srv.query[0], want)
	}
	// arXiv's rule: one request every 3 seconds, measured on the injected clock.
	for i := 1; i < len(srv.times); i++ {
		if gap := srv.times[i].Sub(srv.times[i-1]); gap < 3*time.Second {
			t.Errorf("request %d came %v after the previous one, want >= 3s", i, gap)
		}
	}
}

func TestArxivFetchStops(t *testing.T) {
	tests := []struct {
		name      string
		total     int
		max       int
		wantCount int
		wantReqs  int
	}{
		{"weekend: empty is not an error", 0, 0, 0, 1},
		{"max cuts paging short", 10, 3, 3, 2},
		{"exact page", 4, 0, 4, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			srv := &arxivServer{t: t, clock: clock, total: tt.total}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			a := &Arxiv{Client: newTestClient(clock, ClientOptions{}), BaseURL: ts.URL, PageSize: 2}
			n := 0
			err := a.Fetch(context.Background(), ArxivQuery{Category: "cs.LG", Max: tt.max}, func(paperboy.Paper) error { n++; return nil })
			if err != nil {
				t.Fatal(err)
			}
			if n != tt.wantCount || len(srv.starts) != tt.wantReqs {
				t.Errorf("papers, requests: got %d, %d, want %d, %d", n, len(srv.starts), tt.wantCount, tt.wantReqs)
			}
		})
	}
}

func TestArxivFetchEmitError(t *testing.T) {
	clock := newFakeClock()
	ts := httptest.NewServer(&arxivServer{t: t, clock: clock, total: 3})
	defer ts.Close()
	a := &Arxiv{Client: newTestClient(clock, ClientOptions{}), BaseURL: ts.URL}
	stop := errors.New("stop")
	err := a.Fetch(context.Background(), ArxivQuery{Category: "cs.LG"}, func(paperboy.Paper) error { return stop })
	if !errors.Is(err, stop) {
		t.Errorf("got %v, want the emit error", err)
	}
}

func TestArxivFetchInvalid(t *testing.T) {
	a := &Arxiv{Client: newTestClient(newFakeClock(), ClientOptions{}), BaseURL: "http://127.0.0.1:1"}
	now := time.Now()
	tests := []struct {
		name string
		q    ArxivQuery
	}{
		{"injection in category", ArxivQuery{Category: "cs.LG OR all:x"}},
		{"empty category", ArxivQuery{}},
		{"since after until", ArxivQuery{Category: "cs.LG", Since: now, Until: now.Add(-time.Hour)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := a.Fetch(context.Background(), tt.q, func(paperboy.Paper) error { return nil })
			if code := paperboy.ErrorCode(err); code != paperboy.EINVALID {
				t.Errorf("code: got %q, want %q (err %v)", code, paperboy.EINVALID, err)
			}
		})
	}
}

func TestArxivFetchPaper(t *testing.T) {
	fixture := readFixture(t, "arxiv_api.xml")
	empty := readFixture(t, "arxiv_api_empty.xml")
	errFeed := readFixture(t, "arxiv_api_error.xml")
	var idList string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		idList = r.URL.Query().Get("id_list")
		switch idList {
		case "hep-th/9901001":
			// A page with just that entry: cut the fixture down to it.
			s := string(fixture)
			first := strings.Index(s, "<entry>")
			second := strings.Index(s[first+1:], "<entry>") + first + 1
			third := strings.Index(s[second+1:], "<entry>") + second + 1
			w.Write([]byte(s[:first] + s[second:third] + "</feed>\n"))
		case "1234.12345":
			w.WriteHeader(http.StatusBadRequest)
			w.Write(errFeed)
		case "2403.99999":
			w.Write(empty)
		case "2403.55555":
			w.WriteHeader(http.StatusServiceUnavailable)
		case "2403.66666":
			w.Write([]byte("<feed><entry>"))
		}
	}))
	defer ts.Close()
	a := &Arxiv{Client: newTestClient(newFakeClock(), ClientOptions{MaxAttempts: 2}), BaseURL: ts.URL}
	tests := []struct {
		ref      string
		wantID   string
		wantCode string
	}{
		{"https://arxiv.org/abs/hep-th/9901001v1", "hep-th/9901001", ""},
		{"arXiv:hep-th/9901001", "hep-th/9901001", ""},
		{"2403.99999", "", paperboy.ENOTFOUND},
		{"1234.12345", "", paperboy.ENOTFOUND},
		{"https://example.org/paper.pdf", "", paperboy.EINVALID},
		{"attention is all you need", "", paperboy.EINVALID},
		{"2403.55555", "", paperboy.EUNAVAILABLE},
		{"2403.66666", "", paperboy.EUNAVAILABLE},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			p, err := a.FetchPaper(context.Background(), tt.ref)
			if code := paperboy.ErrorCode(err); code != tt.wantCode {
				t.Fatalf("code: got %q, want %q (err %v)", code, tt.wantCode, err)
			}
			if tt.wantID != "" {
				if p.ID != tt.wantID || p.Title != "String Junctions and Their Duals in Heterotic String Theory" {
					t.Errorf("got %s %q, want %s", p.ID, p.Title, tt.wantID)
				}
				if idList != tt.wantID {
					t.Errorf("id_list: got %q, want %q", idList, tt.wantID)
				}
			}
		})
	}
}

func FuzzParseArxivAPI(f *testing.F) {
	for _, name := range []string{"arxiv_api.xml", "arxiv_api_empty.xml", "arxiv_api_error.xml"} {
		f.Add(readFixture(f, name))
	}
	addRealSeeds(f, "arxiv-api")
	f.Fuzz(func(t *testing.T, data []byte) {
		page, err := ParseArxivAPI(data)
		if err != nil {
			return
		}
		for _, p := range page.Papers {
			if p.ID == "" || p.ID != p.ArxivID || p.Title == "" {
				t.Fatalf("paper without identity or title: %+v", p)
			}
		}
	})
}

func BenchmarkParseArxivAPI(b *testing.B) {
	data := readFixture(b, "arxiv_api.xml")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseArxivAPI(data); err != nil {
			b.Fatal(err)
		}
	}
}

func TestArxivSource(t *testing.T) {
	clock := newFakeClock() // 2024-03-05 12:00 UTC
	srv := &arxivServer{t: t, clock: clock, total: 1}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	a := &Arxiv{Client: newTestClient(clock, ClientOptions{}), BaseURL: ts.URL}
	src := ArxivSource(a, "hep-th", 48*time.Hour)
	n := 0
	if err := src.Fetch(context.Background(), func(paperboy.Paper) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if want := "cat:hep-th AND submittedDate:[202403031200 TO 202403051200]"; len(srv.query) != 1 || srv.query[0] != want {
		t.Errorf("search_query: got %q, want %q", srv.query, want)
	}
	if n != 1 || src.Name() != "arxiv:hep-th" {
		t.Errorf("got %d papers from %q, want 1 from arxiv:hep-th", n, src.Name())
	}
}

func TestArxivFetchErrorFeed(t *testing.T) {
	errFeed := readFixture(t, "arxiv_api_error.xml")
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(errFeed) }))
	defer ts.Close()
	a := &Arxiv{Client: newTestClient(newFakeClock(), ClientOptions{}), BaseURL: ts.URL}
	err := a.Fetch(context.Background(), ArxivQuery{Category: "cs.LG"}, func(paperboy.Paper) error { return nil })
	if code := paperboy.ErrorCode(err); code != paperboy.EINVALID || !strings.Contains(err.Error(), "incorrect id format") {
		t.Errorf("got %v (code %q), want EINVALID with arXiv's message", err, code)
	}
}
