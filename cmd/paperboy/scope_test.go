package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot/bottest"
	"github.com/paperboy-bot/paperboy/store"
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
	feed, err := os.ReadFile(filepath.Join("..", "..", "ingest", "testdata", "journal_rss.xml"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(feed) }))
	defer srv.Close()
	for _, args := range [][]string{
		{"import", file},
		{"ingest", "rss", srv.URL + "/feed.xml"},
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
	_, _, err = run("run")
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

// TestImportInterrupted: an import stopped by a signal says it was interrupted (not that
// a batch failed) and how many papers it stored, which matches the database.
func TestImportInterrupted(t *testing.T) {
	defer func(d time.Duration) { importProgressEvery = d }(importProgressEvery)
	importProgressEvery = 0 // a progress line after every batch
	path := filepath.Join(t.TempDir(), "p.db")
	inR, inW := io.Pipe()
	errOut := &bottest.Buffer{}
	m := &Main{Stdin: inR, Stdout: io.Discard, Stderr: errOut, Getenv: func(string) string { return "" }}
	ctx, cancel := context.WithCancel(context.Background()) // main's signal context
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"import", "--batch", "1", "--db", path, "-"}) }()
	lines := strings.SplitAfter(strings.TrimSpace(announcedPaper), "\n")
	if _, err := io.WriteString(inW, lines[0]+"\n"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, errOut, "1 committed")
	cancel() // SIGINT
	io.WriteString(inW, lines[1]+"\n")
	inW.Close()
	err := <-done
	if err == nil {
		t.Fatal("interrupted import: got no error")
	}
	msg := err.Error()
	if !strings.Contains(msg, "interrupted") || strings.Contains(msg, "fail") || strings.Contains(msg, "nothing was written") {
		t.Errorf("got %q, want it to say the import was interrupted, not that a batch failed", msg)
	}
	db, oerr := store.OpenReadOnly(context.Background(), path, nil)
	if oerr != nil {
		t.Fatal(oerr)
	}
	defer db.Close()
	st, serr := db.DeliveryStatus(context.Background(), "")
	if serr != nil {
		t.Fatal(serr)
	}
	if want := fmt.Sprintf("%d papers are stored", st.Papers); !strings.Contains(msg, want) {
		t.Errorf("got %q, want it to say %q", msg, want)
	}
}

// TestStatusShowsPendingRepair: after a first import that ended before its search index
// was copied in, status and search (which write nothing) say how many papers are not
// searchable yet; the next command that writes indexes them.
func TestStatusShowsPendingRepair(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "p.db")
	file := filepath.Join(t.TempDir(), "papers.jsonl")
	if err := os.WriteFile(file, []byte(announcedPaper), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.BeginBulk(ctx); err != nil { // a first import: its index is built aside
		t.Fatal(err)
	}
	var papers []paperboy.Paper
	for _, title := range []string{"Faster Diffusion Sampling", "A Survey of Graph Databases"} {
		p := paperboy.Paper{Title: title, Abstract: "We study " + title + "."}
		if err := p.Normalize(); err != nil {
			t.Fatal(err)
		}
		papers = append(papers, p)
	}
	if _, err := db.UpsertPapers(ctx, papers); err != nil {
		t.Fatal(err)
	}
	db.Close() // the first import ends without EndBulk, as when it dies

	for range 2 { // status writes nothing, so it does not repair: the note stays
		out, _, err := runMain(t, "", "status", "--db", path)
		if err != nil || !strings.Contains(out, "index      2 stored papers are not searchable yet") {
			t.Fatalf("status: got %v\n%s\nwant a line saying 2 papers are not searchable", err, out)
		}
	}
	out, errOut, err := runMain(t, "", "search", "--db", path, "diffusion")
	if err != nil || !strings.Contains(errOut, "2 stored papers are not searchable yet") {
		t.Fatalf("search: got %v, stderr %q, want a note that 2 papers are not searchable", err, errOut)
	}
	if _, _, err := runMain(t, "", "import", "--db", path, file); err != nil { // writes: repairs
		t.Fatal(err)
	}
	out, _, _ = runMain(t, "", "status", "--db", path)
	if strings.Contains(out, "not searchable") {
		t.Errorf("status after a writing command: got\n%s\nwant no repair pending", out)
	}
	out, _, _ = runMain(t, "", "search", "--db", path, "diffusion")
	if !strings.Contains(out, "Faster Diffusion Sampling") {
		t.Errorf("search after the repair: got %q, want the paper", out)
	}
}
