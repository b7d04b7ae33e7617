package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// No test reaches the network: the default source runs only against a loopback fake.
func init() { testOffline = true }

// TestRunDefaultSource: `paperboy run` with no sources key ingests Hugging Face Daily
// Papers (here a loopback fake serving the ingest package's real-shaped fixture), says
// so at start and in `status`, which also shows the source's last run.
func TestRunDefaultSource(t *testing.T) {
	t.Parallel()
	fixture, err := os.ReadFile(filepath.Join("..", "..", "ingest", "testdata", "hf_daily.json"))
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/daily_papers" {
			http.NotFound(w, r)
			return
		}
		if calls.Add(1) == 1 {
			w.Write(fixture)
			return
		}
		w.Write([]byte("[]"))
	}))
	defer srv.Close()
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	cfg := filepath.Join(dir, "paperboy.toml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("db = %q\n[ingest]\nhf_url = %q\n", db, srv.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, out := startBot(t, nil, nil, "run", "--config", cfg)
	waitFor(t, out, "Ingesting Hugging Face Daily Papers every 3h")
	status := waitStatus(t, cfg, ": last run ")
	if !strings.Contains(status, "sources    Hugging Face Daily Papers every 3h (the default") {
		t.Errorf("status does not name the default source:\n%s", status)
	}
	if strings.Contains(status, "papers     0") || strings.Contains(status, "failed: ") || strings.Contains(status, ", 0 new") {
		t.Errorf("status: want papers stored by the default source:\n%s", status)
	}
}

// TestRunSourceUnreachable: with the source unreachable (nothing listens at its
// address) the bot keeps running and `status` shows the source's last error, once.
func TestRunSourceUnreachable(t *testing.T) {
	t.Parallel()
	dead := deadURL(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	cfg := filepath.Join(dir, "paperboy.toml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("db = %q\n[ingest]\nhf_url = %q\n", db, dead)), 0o600); err != nil {
		t.Fatal(err)
	}
	say, out := startBot(t, nil, nil, "run", "--config", cfg)
	status := waitStatus(t, cfg, "failed: ")
	if n := strings.Count(status, "failed: "); n != 1 {
		t.Errorf("status shows the error %d times, want once:\n%s", n, status)
	}
	say("/papers help")
	waitFor(t, out, "search")
}

// TestRunSourcesOff: `sources = []` turns ingestion off, and both the start and status say so.
func TestRunSourcesOff(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "paperboy.toml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("db = %q\nsources = []\n", filepath.Join(dir, "p.db"))), 0o600); err != nil {
		t.Fatal(err)
	}
	_, out := startBot(t, nil, nil, "run", "--config", cfg)
	waitFor(t, out, "Ingestion is off (sources = [])")
	status, errOut, err := runMain(t, "", "status", "--config", cfg)
	if err != nil {
		t.Fatalf("status: %v %s", err, errOut)
	}
	if !strings.Contains(status, "sources    none (sources = [])") {
		t.Errorf("status:\n%s", status)
	}
}

// waitStatus runs `paperboy status` until its output contains want.
func waitStatus(t *testing.T, cfg, want string) string {
	t.Helper()
	deadline := time.Now().Add(40 * time.Second)
	for {
		status, errOut, err := runMain(t, "", "status", "--config", cfg)
		if err != nil {
			t.Fatalf("status: %v %s", err, errOut)
		}
		if strings.Contains(status, want) {
			return status
		}
		if time.Now().After(deadline) {
			t.Fatalf("status never showed %q:\n%s", want, status)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// deadURL is an http URL on a loopback port where nothing listens.
func deadURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return "http://" + ln.Addr().String()
}
