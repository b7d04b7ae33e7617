package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/paperboy-bot/paperboy/bot/bottest"
)

// TestRunWithModel runs the bot with [summarize] pointed at a loopback fake of the OpenAI
// chat-completions API: a post goes out at once, the model's TL;DR joins its thread, and
// `/papers summary` answers from the cache without a second model call. The API key is
// sent to the model and never shown.
func TestRunWithModel(t *testing.T) {
	const key = "sk-test-secret-key-123"
	const tldr = "StepSched learns per-model diffusion step schedules, matching FID with half the sampling steps."
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer "+key {
			http.Error(w, `{"error":{"message":"bad request","type":"invalid_request_error"}}`, http.StatusUnauthorized)
			return
		}
		var req struct {
			Model    string `json:"model"`
			Messages []struct{ Role, Content string }
		}
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &req); err != nil || req.Model != "tiny-model" || len(req.Messages) < 2 {
			http.Error(w, `{"error":{"message":"malformed"}}`, http.StatusBadRequest)
			return
		}
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":"chatcmpl-1","object":"chat.completion","created":1732500000,"model":"tiny-model",
			"choices":[{"index":0,"message":{"role":"assistant","content":%q},"finish_reason":"stop"}],
			"usage":{"prompt_tokens":120,"completion_tokens":22,"total_tokens":142}}`, tldr)
	}))
	defer srv.Close()

	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	cfg := filepath.Join(dir, "paperboy.toml")
	conf := fmt.Sprintf("db = %q\n[summarize]\nbase_url = %q\nmodel = \"tiny-model\"\n", db, srv.URL+"/v1")
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	errOut := &bottest.Buffer{}
	say, out := startBot(t, map[string]string{"PAPERBOY_SUMMARIZE_API_KEY": key}, errOut, "run", "--config", cfg)
	say("/papers subscribe cat:cs.LG diffusion")
	waitFor(t, out, "Subscribed #terminal")
	if _, stderr, err := runMain(t, announcedPaper, "import", "--announce", "--db", db, "-"); err != nil {
		t.Fatalf("import: %v %s", err, stderr)
	}
	waitFor(t, out, "[post #1] New in cs.LG: Faster Diffusion Sampling")
	waitFor(t, out, tldr) // the model's summary, in the thread and on the edited post

	before := calls.Load()
	say("/papers summary 2411.00001")
	waitFor(t, out, "bot> Summary of Faster Diffusion Sampling")
	waitFor(t, out, "(tiny-model)\n     "+tldr)
	if got := calls.Load(); got != before {
		t.Errorf("summary command called the model again (%d calls, want %d): the cache should answer", got, before)
	}

	status, _, err := runMain(t, "", "status", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(status, "tiny-model: 1") || !strings.Contains(status, "120 prompt, 22 completion") {
		t.Errorf("status should show the model's token usage, got:\n%s", status)
	}
	for name, text := range map[string]string{"chat": out.String(), "logs": errOut.String(), "status": status} {
		if strings.Contains(text, key) {
			t.Errorf("the API key appears in the %s", name)
		}
	}
}

// TestRunWithDeadModel: the model answers 500 to everything. Posts still go out at once
// with the extractive summary, `/papers summary` falls back to it, and nothing hangs.
func TestRunWithDeadModel(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `{"error":{"message":"The server had an error","type":"server_error"}}`)
	}))
	defer srv.Close()
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	cfg := filepath.Join(dir, "paperboy.toml")
	conf := fmt.Sprintf("db = %q\n[summarize]\nbase_url = %q\nmodel = \"tiny-model\"\ntimeout = \"2s\"\n", db, srv.URL+"/v1")
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	say, out := startBot(t, nil, nil, "run", "--config", cfg)
	say("/papers subscribe cat:cs.LG diffusion")
	waitFor(t, out, "Subscribed #terminal")
	if _, stderr, err := runMain(t, announcedPaper, "import", "--announce", "--db", db, "-"); err != nil {
		t.Fatalf("import: %v %s", err, stderr)
	}
	waitFor(t, out, "[post #1] New in cs.LG: Faster Diffusion Sampling")
	waitFor(t, out, "  We propose StepSched") // extractive summary on the post
	say("/papers summary 2411.00001")
	waitFor(t, out, "bot> Summary of Faster Diffusion Sampling")
	if calls.Load() == 0 {
		t.Error("the model was never asked; the test did not exercise the failure path")
	}
}
