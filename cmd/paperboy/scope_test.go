package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestToolsIgnoreChatSettings runs the tools from the shell of a bot set up for Slack's
// HTTP mode with the mode itself left out of the environment (so Slack validation would
// demand a Socket Mode app token): every tool runs, and only `run` refuses.
func TestToolsIgnoreChatSettings(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	file := filepath.Join(dir, "papers.jsonl")
	if err := os.WriteFile(file, []byte(announcedPaper), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"SLACK_BOT_TOKEN":      "xoxb-test-token",
		"SLACK_SIGNING_SECRET": "test-signing-secret",
		"PAPERBOY_DB":          db,
	}
	run := func(args ...string) (string, string, error) {
		var out, errb bytes.Buffer
		m := &Main{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }}
		err := m.Run(context.Background(), args)
		return out.String(), errb.String(), err
	}
	for _, args := range [][]string{
		{"import", file},
		{"status"},
		{"search", "diffusion"},
		{"export"},
	} {
		out, errOut, err := run(args...)
		if err != nil {
			t.Fatalf("%s: got %v (stderr %q), want it to run without chat settings", args[0], err, errOut)
		}
		if args[0] == "search" && !strings.Contains(out, "Faster Diffusion Sampling") {
			t.Errorf("search: got %q, want the imported paper", out)
		}
	}
	_, _, err := run("run")
	if err == nil || !strings.Contains(err.Error(), "slack.app_token") {
		t.Fatalf("run: got %v, want the chat settings checked (slack.app_token)", err)
	}
	if strings.Contains(err.Error(), "xoxb-test-token") || strings.Contains(err.Error(), "test-signing-secret") {
		t.Fatalf("run: the error leaks a secret: %v", err)
	}
}

// TestDBPathTypo: --db in a directory that does not exist is refused without creating
// it, and --db naming a directory says so (not "check the file's permissions").
func TestDBPathTypo(t *testing.T) {
	dir := t.TempDir()
	typo := filepath.Join(dir, "typo", "dir", "x.db")
	for _, cmd := range []string{"status", "import"} {
		_, _, err := runMain(t, "", cmd, "--db", typo, "-")
		if err == nil || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("%s --db %s: got %v, want it refused saying the directory does not exist", cmd, typo, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "typo")); err == nil {
		t.Errorf("--db %s created the directory", typo)
	}
	_, _, err := runMain(t, "", "status", "--db", dir)
	if err == nil || !strings.Contains(err.Error(), "is a directory") || strings.Contains(err.Error(), "permission") {
		t.Errorf("status --db DIR: got %v, want it to say it is a directory", err)
	}
}
