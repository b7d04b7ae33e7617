package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy/config"
	"github.com/paperboy-bot/paperboy/store"
)

// fakeEmbeddingsServer answers POST /v1/embeddings in OpenAI's wire format with a vector
// per input along the axis of the topic its text names (recommendCorpus's topics).
func fakeEmbeddingsServer(t *testing.T, calls *atomic.Int32) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var req struct {
			Input []string `json:"input"`
			Model string   `json:"model"`
		}
		if r.URL.Path != "/v1/embeddings" || json.NewDecoder(r.Body).Decode(&req) != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		var data []map[string]any
		for i, in := range req.Input {
			v := []float32{0.1, 0.1, 0.1}
			for axis, word := range []string{"speculative", "diffusion", "robot"} {
				if strings.Contains(strings.ToLower(in), word) {
					v[axis] = 1
				}
			}
			data = append(data, map[string]any{"object": "embedding", "index": i, "embedding": v})
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": req.Model,
			"usage": map[string]any{"prompt_tokens": 10 * len(req.Input), "total_tokens": 10 * len(req.Input)}})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestEmbedCommand: `paperboy embed` fills the configured model's embeddings with progress
// and the cost (the endpoint's tokens at the model's list price), a second run has nothing
// to do, and `recommend` then blends them in; without [embeddings] `embed` says how to
// configure it and `recommend` works as before.
func TestEmbedCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	if _, errOut, err := runMain(t, "", "import", "--db", db, recommendCorpus(t, dir)); err != nil {
		t.Fatalf("import: %v\n%s", err, errOut)
	}
	if _, _, err := runMain(t, "", "embed", "--db", db); err == nil || !strings.Contains(err.Error(), "embeddings.model") {
		t.Errorf("embed without a model: got %v, want how to configure one", err)
	}
	var calls atomic.Int32
	srv := fakeEmbeddingsServer(t, &calls)
	conf := filepath.Join(dir, "paperboy.toml")
	if err := os.WriteFile(conf, []byte("[embeddings]\nbase_url = \""+srv.URL+"/v1\"\nmodel = \"text-embedding-3-small\"\napi_key = \"sk-test-0123456789abcdef\"\nbatch_size = 10\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, err := runMain(t, "", "embed", "--db", db, "--config", conf, "--limit", "20")
	if err != nil {
		t.Fatalf("embed: %v\n%s", err, errOut)
	}
	for _, want := range []string{"embed: 20 papers with text-embedding-3-small", "embed: 10/20 papers", "embed: 20/20 papers, 200 tokens",
		"done: 20 papers, 200 tokens as the endpoint counted them; cost $0.000004 at $0.02 per million tokens"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("embed output lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "sk-test") {
		t.Errorf("the key reached the output:\n%s", errOut)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("%d requests for 20 papers in batches of 10, want 2", n)
	}
	if _, errOut, err = runMain(t, "", "embed", "--db", db, "--config", conf); err != nil || !strings.Contains(errOut, "embed: 4 papers") {
		t.Errorf("second run: %v, want the 4 left:\n%s", err, errOut)
	}
	if _, errOut, err = runMain(t, "", "embed", "--db", db, "--config", conf); err != nil || !strings.Contains(errOut, "every paper already has an embedding") {
		t.Errorf("third run: %v, want nothing to do:\n%s", err, errOut)
	}

	votes := `{"paper": "2401.10000", "vote": 1}` + "\n" + `{"paper": "2401.10003", "vote": 1}` + "\n" + `{"paper": "2401.11001", "vote": -1}` + "\n"
	if _, errOut, err := runMain(t, votes, "votes", "import", "--no-fetch", "--db", db, "--channel", "slack:C1", "-"); err != nil {
		t.Fatalf("votes import: %v\n%s", err, errOut)
	}
	for _, args := range [][]string{{"--config", conf}, nil} {
		out, errOut, err := runMain(t, "", append([]string{"recommend", "--db", db, "--channel", "slack:C1", "--json", "--limit", "5", "--since", "100000d"}, args...)...)
		if err != nil {
			t.Fatalf("recommend %v: %v\n%s", args, err, errOut)
		}
		var recs []recommendResult
		if err := json.Unmarshal([]byte(out), &recs); err != nil {
			t.Fatalf("recommend %v: %v\n%s", args, err, out)
		}
		if len(recs) != 5 {
			t.Fatalf("recommend %v: %d results, want 5", args, len(recs))
		}
		for _, r := range recs {
			if !strings.HasPrefix(r.ID, "2401.10") {
				t.Errorf("recommend %v: %s (%s) is not about speculative decoding", args, r.ID, r.Reason)
			}
		}
	}
}

// TestEmbedPassDegrades: the background pass of `run` embeds recent papers without an
// embedding; against a dead endpoint it stores nothing, returns, and the next pass (the
// endpoint marked down) does not try it again.
func TestEmbedPassDegrades(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "p.db")
	if _, errOut, err := runMain(t, "", "import", "--db", dbPath, recommendCorpus(t, dir)); err != nil {
		t.Fatalf("import: %v\n%s", err, errOut)
	}
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var calls atomic.Int32
	srv := fakeEmbeddingsServer(t, &calls)
	log := slog.New(slog.DiscardHandler)
	cfg := config.Default()
	cfg.Embeddings = config.Embeddings{BaseURL: srv.URL + "/v1", Model: "m"}
	e, err := newEmbedder(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	// The corpus's papers were stored now, so they are inside the window.
	if n := embedPass(ctx, e, db, log, time.Now()); n != 24 {
		t.Errorf("first pass stored %d, want 24", n)
	}
	if n := embedPass(ctx, e, db, log, time.Now()); n != 0 {
		t.Errorf("second pass stored %d, want 0", n)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Embeddings = config.Embeddings{BaseURL: "http://" + ln.Addr().String() + "/v1", Model: "other"}
	ln.Close()
	dead, err := newEmbedder(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	var slept int
	dead.Sleep = func(ctx context.Context, d time.Duration) error { slept++; return nil }
	if n := embedPass(ctx, dead, db, log, time.Now()); n != 0 {
		t.Errorf("dead endpoint: stored %d", n)
	}
	first := slept
	if first == 0 {
		t.Error("dead endpoint: no retry")
	}
	if n := embedPass(ctx, dead, db, log, time.Now()); n != 0 || slept != first {
		t.Errorf("second pass on a dead endpoint: stored %d, %d more retries; want it skipped", n, slept-first)
	}
	// Recommendations still work: the other model has nothing stored.
	if _, err := newRecommender(cfg, db).Similar(ctx, "2401.10000", 3); err != nil {
		t.Errorf("similar with a dead endpoint configured: %v", err)
	}
}
