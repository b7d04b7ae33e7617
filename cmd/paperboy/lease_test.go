package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy/bot/bottest"
	"github.com/paperboy-bot/paperboy/store"
)

// TestOneRunPerDatabase: a second `paperboy run` on the same database refuses, naming the
// first (host, pid, since when); status shows the running one; after the first exits
// cleanly the database is free again.
func TestOneRunPerDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	inR, inW := io.Pipe()
	defer inW.Close()
	out := &bottest.Buffer{}
	first := &Main{Stdin: inR, Stdout: out, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- first.Run(ctx, []string{"run", "--db", db}) }()
	waitFor(t, out, "this terminal is channel")

	host, _ := os.Hostname()
	// Bounded, so that a second run that is not refused ends the test instead of hanging.
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	second := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	err := second.Run(sctx, []string{"run", "--db", db})
	if err == nil {
		t.Fatal("second run: got no error, want a refusal")
	}
	for _, want := range []string{"another paperboy run", "host " + host, fmt.Sprintf("pid %d", os.Getpid()), "since "} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("second run: got %q, want it to name %q", err, want)
		}
	}
	status, _, err := runMain(t, "", "status", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("running    paperboy run on host %s, pid %d", host, os.Getpid()); !strings.Contains(status, want) {
		t.Errorf("status: got\n%s\nwant a line %q", status, want)
	}

	cancel()
	inW.Close()
	if err := <-done; err != nil {
		t.Fatalf("first run: %v", err)
	}
	status, _, _ = runMain(t, "", "status", "--db", db)
	if !strings.Contains(status, "running    no paperboy run") {
		t.Errorf("status after a clean exit: got\n%s\nwant no running instance", status)
	}
	_, again := startBot(t, nil, nil, "run", "--db", db)
	waitFor(t, again, "this terminal is channel")
}

// TestRunTakesOverStaleLease: a lease whose holder stopped renewing it (a crash) does not
// block the next run, which logs whom it took over from.
func TestRunTakesOverStaleLease(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "p.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.Now = func() time.Time { return time.Now().Add(-time.Hour) }
	// This process's own pid is alive: only the stale heartbeat allows the takeover.
	if _, _, err := db.AcquireLease(ctx, store.Instance{Host: "crashed-host", PID: os.Getpid()}, leaseStale, nil); err != nil {
		t.Fatal(err)
	}
	db.Close()
	logs := &bottest.Buffer{}
	_, out := startBot(t, nil, logs, "run", "--db", path)
	waitFor(t, out, "this terminal is channel")
	if l := logs.String(); !strings.Contains(l, "took over") || !strings.Contains(l, "host=crashed-host") {
		t.Errorf("log: got\n%s\nwant a line saying it took over from crashed-host", l)
	}
}
