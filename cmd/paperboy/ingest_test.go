package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestIngestCommands runs `paperboy ingest` against loopback fakes serving real-shaped
// payloads (the ingest package's fixtures), with base URLs from the config file.
func TestIngestCommands(t *testing.T) {
	fixture := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "..", "ingest", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var hfCalls, arxivCalls atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/api/daily_papers", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("date") != "2024-03-06" {
			t.Errorf("hf date: got %q, want 2024-03-06", r.URL.Query().Get("date"))
		}
		// First page has the papers, later pages are empty.
		if hfCalls.Add(1) == 1 {
			w.Write(fixture("hf_daily.json"))
			return
		}
		w.Write([]byte("[]"))
	})
	mux.HandleFunc("/api/query", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query().Get("search_query")
		if !strings.Contains(q, "cat:hep-th") {
			t.Errorf("arxiv search_query %q lacks the category", q)
		}
		if arxivCalls.Add(1) == 1 {
			w.Write(fixture("arxiv_api.xml"))
			return
		}
		w.Write(fixture("arxiv_api_empty.xml"))
	})
	mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, r *http.Request) { w.Write(fixture("journal_rss.xml")) })
	mux.HandleFunc("/broken.xml", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<rss><channel><item><title>x</ti")) })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	dir := t.TempDir()
	cfg := filepath.Join(dir, "paperboy.toml")
	body := fmt.Sprintf("db = %q\n[ingest]\narxiv_api_url = %q\nhf_url = %q\n", filepath.Join(dir, "p.db"), srv.URL+"/api/query", srv.URL)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		args []string
		want string // prefix of the summary line
		err  string
	}{
		{"hf", []string{"ingest", "hf", "--date", "2024-03-06"}, "fetched ", ""},
		{"hf again is duplicates", []string{"ingest", "hf", "--date", "2024-03-06"}, "", ""},
		{"arxiv", []string{"ingest", "arxiv", "--category", "hep-th", "--since", "2024-01-01", "--until", "2024-02-01"}, "fetched ", ""},
		{"rss", []string{"ingest", "rss", srv.URL + "/feed.xml"}, "fetched ", ""},
		{"malformed feed", []string{"ingest", "rss", srv.URL + "/broken.xml"}, "", "line 1"},
		{"unknown source", []string{"ingest", "ftp"}, "", "unknown source"},
		{"arxiv without category", []string{"ingest", "arxiv"}, "", "--category is required"},
	}
	hfNew := -1
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hfCalls.Store(0)
			arxivCalls.Store(0)
			out, errOut, err := runMain(t, "", append(tc.args, "--config", cfg)...)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, want an error containing %q (stderr %s)", err, tc.err, errOut)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, errOut)
			}
			var read, fresh, upd, dup int
			if _, err := fmt.Sscanf(out, "fetched %d, new %d, updated %d, duplicates %d", &read, &fresh, &upd, &dup); err != nil {
				t.Fatalf("summary %q: %v", out, err)
			}
			switch tc.name {
			case "hf":
				if read == 0 || fresh != read {
					t.Fatalf("got %q, want every fetched paper new", out)
				}
				hfNew = fresh
			case "hf again is duplicates":
				if fresh != 0 || read != hfNew {
					t.Fatalf("got %q, want %d fetched and nothing new", out, hfNew)
				}
			default:
				if read == 0 {
					t.Fatalf("got %q, want papers", out)
				}
			}
		})
	}
	// The HF paper is findable with its extras.
	out, _, err := runMain(t, "", "search", "--json", "--config", cfg, "stable", "diffusion", "rectified")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"upvotes"`) || !strings.Contains(out, "2403.03206") {
		t.Errorf("search after hf ingest: want 2403.03206 with upvotes, got %s", out)
	}
}
