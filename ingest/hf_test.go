package ingest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
)

func TestParseHFDaily(t *testing.T) {
	page, err := ParseHFDaily(readFixture(t, "hf_daily.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Papers) != 2 {
		t.Fatalf("papers: got %d, want 2 (skipped %v)", len(page.Papers), page.Skipped)
	}
	want := paperboy.Paper{
		ID: "2403.03206", ArxivID: "2403.03206",
		Title:     "Scaling Rectified Flow Transformers for High-Resolution Image Synthesis",
		Abstract:  "Diffusion models create data from noise by inverting the forward paths of data towards noise and have emerged as a powerful generative modeling technique.",
		Authors:   []string{"Patrick Esser", "Sumith Kulal", "Robin Rombach"},
		Published: time.Date(2024, 3, 5, 16, 25, 2, 0, time.UTC),
		AbsURL:    "https://arxiv.org/abs/2403.03206", PDFURL: "https://arxiv.org/pdf/2403.03206",
		HFURL:   "https://huggingface.co/papers/2403.03206",
		RepoURL: "https://github.com/Stability-AI/sd3-ref",
		Upvotes: 64,
		Extra: map[string]string{
			"ai_summary":   "Rectified flow transformers with a new text-image architecture scale to high-resolution synthesis.",
			"ai_keywords":  "rectified flow, diffusion models, transformer, text-to-image",
			"github_stars": "512",
			"num_comments": "3",
			"org":          "Stability AI",
		},
		Sources: []string{paperboy.SourceHF},
	}
	if !reflect.DeepEqual(page.Papers[0], want) {
		t.Errorf("got  %+v\nwant %+v", page.Papers[0], want)
	}
	if p := page.Papers[1]; p.Upvotes != 15 || p.RepoURL != "" || p.Extra["num_comments"] != "0" || p.Extra["ai_keywords"] != "" {
		t.Errorf("second paper: got %+v", p)
	}
}

func TestParseHFDailyEdgeCases(t *testing.T) {
	tests := []struct {
		name        string
		data        string
		wantPapers  int
		wantSkipped int
		wantErr     string
	}{
		{"empty day", `[]`, 0, 0, ""},
		{"no paper object", `[{"title":"x"}]`, 0, 1, ""},
		{"non-arxiv id keeps title identity", `[{"paper":{"id":"some-slug","title":"A Paper","upvotes":3}}]`, 1, 0, ""},
		{"keywords as string", `[{"paper":{"id":"2401.00001","title":"T","ai_keywords":"a, b"}}]`, 1, 0, ""},
		{"object instead of list", `{"error":"Invalid date"}`, 0, 0, "the document is a JSON object, want a list"},
		{"syntax error with line", "[\n{\"paper\": {\"id\": \"2401.00001\",\n\"title\": }}]", 0, 0, "line 3"},
		{"empty body", ``, 0, 0, "empty document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := ParseHFDaily([]byte(tt.data))
			if tt.wantErr != "" {
				var pe *ParseError
				if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want a ParseError mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Papers) != tt.wantPapers || len(page.Skipped) != tt.wantSkipped {
				t.Errorf("papers, skipped: got %d, %d, want %d, %d", len(page.Papers), len(page.Skipped), tt.wantPapers, tt.wantSkipped)
			}
		})
	}
}

func TestHFDailyFetch(t *testing.T) {
	fixture := readFixture(t, "hf_daily.json")
	var asked []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/daily_papers" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		asked = append(asked, q.Get("date")+"/"+q.Get("p"))
		w.Header().Set("Content-Type", "application/json")
		switch {
		case q.Get("date") == "2024-03-04":
			w.Write([]byte("[]"))
		case q.Get("limit") != "2":
			t.Errorf("limit: got %q, want 2", q.Get("limit"))
		case q.Get("p") == "0":
			w.Write(fixture) // a full page of 2: ask for the next
		case q.Get("p") == "1":
			w.Write([]byte(`[{"paper":{"id":"2403.00001","title":"Third paper"}}]`))
		default:
			t.Errorf("unexpected page %q", q.Get("p"))
		}
	}))
	defer ts.Close()
	clock := newFakeClock() // 2024-03-05 12:00 UTC
	h := &HFDaily{Client: newTestClient(clock, ClientOptions{}), BaseURL: ts.URL, Limit: 2}
	var ids []string
	emit := func(p paperboy.Paper) error { ids = append(ids, p.ID); return nil }
	if err := h.Fetch(context.Background(), time.Date(2024, 3, 5, 23, 0, 0, 0, time.UTC), emit); err != nil {
		t.Fatal(err)
	}
	if want := []string{"2403.03206", "2403.02884", "2403.00001"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("ids: got %v, want %v", ids, want)
	}
	ids, asked = nil, nil
	src := HFSource(h, 2)
	if err := src.Fetch(context.Background(), emit); err != nil {
		t.Fatal(err)
	}
	if want := []string{"2024-03-04/0", "2024-03-05/0", "2024-03-05/1"}; !reflect.DeepEqual(asked, want) {
		t.Errorf("pages asked: got %v, want %v", asked, want)
	}
	if len(ids) != 3 || src.Name() != "hf" {
		t.Errorf("source: got %d papers from %q, want 3 from hf", len(ids), src.Name())
	}
}

func TestHFDailyIgnoredPaging(t *testing.T) {
	// A server (or mirror) that ignores p= and always sends the same full page.
	fixture := readFixture(t, "hf_daily.json")
	calls := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Write(fixture)
	}))
	defer ts.Close()
	h := &HFDaily{Client: newTestClient(newFakeClock(), ClientOptions{}), BaseURL: ts.URL, Limit: 2}
	n := 0
	if err := h.Fetch(context.Background(), time.Now(), func(paperboy.Paper) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 2 || calls != 2 {
		t.Errorf("papers, requests: got %d, %d, want 2, 2", n, calls)
	}
}

func FuzzParseHFDaily(f *testing.F) {
	f.Add(readFixture(f, "hf_daily.json"))
	f.Add([]byte(`[{"paper":{"id":"2401.00001","title":"T","upvotes":1e3,"ai_keywords":["x"]},"numComments":-1}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		page, err := ParseHFDaily(data)
		if err != nil {
			return
		}
		for _, p := range page.Papers {
			if p.ID == "" || p.Title == "" || p.Upvotes < 0 {
				t.Fatalf("bad paper: %+v", p)
			}
		}
	})
}

func BenchmarkParseHFDaily(b *testing.B) {
	data := readFixture(b, "hf_daily.json")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseHFDaily(data); err != nil {
			b.Fatal(err)
		}
	}
}
