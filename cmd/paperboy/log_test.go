package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paperboy-bot/paperboy/bot/bottest"
)

// TestRunTerminalLog: on the terminal, `run` writes its log to <db>.log (here as JSON,
// log_format = "json"), and only warnings and errors also reach stderr: the chat is not
// interleaved with info lines.
func TestRunTerminalLog(t *testing.T) {
	t.Parallel()
	dead := deadURL(t) // the default source fails: an error to report
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	cfg := filepath.Join(dir, "paperboy.toml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("db = %q\nlog_format = \"json\"\n[ingest]\nhf_url = %q\n", db, dead)), 0o600); err != nil {
		t.Fatal(err)
	}
	stderr := &bottest.Buffer{}
	say, out := startBot(t, nil, stderr, "run", "--config", cfg)
	waitFor(t, out, "The log is in "+db+".log")
	say("/papers help")
	waitFor(t, out, "search")
	waitFor(t, stderr, `"msg":"job failed; it runs again at its next tick"`)

	b, err := os.ReadFile(db + ".log")
	if err != nil {
		t.Fatal(err)
	}
	var running bool
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q: %v", line, err)
		}
		running = running || rec["msg"] == "paperboy running"
	}
	if !running {
		t.Errorf("log file lacks the start line:\n%s", b)
	}
	// Info lines stay out of the terminal; warnings and errors show there too.
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("stderr line is not JSON: %q: %v", line, err)
		}
		if lv := rec["level"]; lv != "WARN" && lv != "ERROR" {
			t.Errorf("stderr has a %v line: %s", lv, line)
		}
	}
	if strings.Contains(out.String(), "level") || strings.Contains(out.String(), `"msg"`) {
		t.Errorf("the chat has log lines:\n%s", out.String())
	}
}
