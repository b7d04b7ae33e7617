package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot/bottest"
	"github.com/paperboy-bot/paperboy/bot/slack/slackfake"
	"github.com/paperboy-bot/paperboy/store"
)

// opsRun runs `paperboy run` on the loopback test platform at chatURL with the ops
// listener on a free loopback port; it returns the database and the listener's base URL.
func opsRun(t *testing.T, chatURL, extra string) (db, base string) {
	t.Helper()
	dir := t.TempDir()
	db = filepath.Join(dir, "p.db")
	cfg := filepath.Join(dir, "paperboy.toml")
	conf := fmt.Sprintf("db = %q\n[bot]\nbackfill = 0\n[test]\nchat_url = %q\n[ops]\nlisten = \"127.0.0.1:0\"\n%s", db, chatURL, extra)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	out := &bottest.Buffer{}
	ready := make(chan string, 1)
	m := &Main{Stdin: eofReader{}, Stdout: out, Stderr: out, Getenv: func(string) string { return "" },
		OpsReady: func(a string) { ready <- a }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"run", "--config", cfg}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		if t.Failed() {
			t.Logf("paperboy log:\n%s", out.String())
		}
	})
	select {
	case addr := <-ready:
		base = "http://" + addr
	case err := <-done:
		t.Fatalf("run ended early: %v\n%s", err, out.String())
	case <-time.After(10 * time.Second):
		t.Fatalf("ops listener not ready\n%s", out.String())
	}
	waitFor(t, out, "watcher started")
	return db, base
}

type readyBody struct {
	Status string   `json:"status"`
	Failed []string `json:"failed"`
	Checks []struct {
		Name  string `json:"name"`
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	} `json:"checks"`
}

func getReady(t *testing.T, base string) (int, readyBody) {
	t.Helper()
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b readyBody
	if err := json.NewDecoder(resp.Body).Decode(&b); err != nil {
		t.Fatalf("/readyz body: %v", err)
	}
	return resp.StatusCode, b
}

// waitReady polls /readyz until it answers code with exactly the failed checks want.
func waitReady(t *testing.T, base string, code int, want ...string) readyBody {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, b := getReady(t, base)
		if got == code && strings.Join(b.Failed, ",") == strings.Join(want, ",") {
			return b
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz: got %d %+v, want %d with failed %v", got, b, code, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func getMetrics(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// metricValue returns the value of the series line that starts with series ("name{labels}").
func metricValue(t *testing.T, text, series string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no series %s in /metrics:\n%s", series, text)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// subscribe writes a subscription of channel (a channel key) to the database.
func subscribe(t *testing.T, db, channel, filter string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	q, err := paperboy.ParseQuery(filter, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateSubscription(ctx, &paperboy.Subscription{Channel: channel, Filter: q.String(), Query: q}); err != nil {
		t.Fatal(err)
	}
}

// TestOpsListener: /healthz answers, /readyz is ready while everything works, /metrics
// shows the delivery (store-read outbox counts, the dispatcher's platform calls, the
// database size), and /readyz fails naming the platform once the chat platform stops.
func TestOpsListener(t *testing.T) {
	t.Parallel()
	chat := bottest.NewServer(1)
	ts := httptest.NewServer(chat)
	defer ts.Close()
	db, base := opsRun(t, ts.URL, "")

	resp, err := http.Get(base + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	b := waitReady(t, base, http.StatusOK)
	if len(b.Checks) != 3 {
		t.Errorf("checks: got %+v, want database, platform test and dispatcher test", b.Checks)
	}

	subscribe(t, db, "test:C1", "cat:cs.LG")
	if _, errOut, err := runMain(t, announcedPaper, "import", "--announce", "--db", db, "-"); err != nil {
		t.Fatalf("import: %v %s", err, errOut)
	}
	deadline := time.Now().Add(15 * time.Second)
	for len(chat.Posts()) < 1 || len(chat.Sends()) < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("test platform: %d posts, %d replies, want 1 and 1", len(chat.Posts()), len(chat.Sends()))
		}
		time.Sleep(20 * time.Millisecond)
	}
	var text string
	for deadline := time.Now().Add(10 * time.Second); ; {
		text = getMetrics(t, base)
		if metricValue(t, text, `paperboy_deliveries{platform="test",state="sent"}`) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no sent delivery in /metrics:\n%s", text)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := metricValue(t, text, `paperboy_platform_calls_total{platform="test",result="ok"}`); got < 2 {
		t.Errorf("platform calls ok: got %v, want at least 2 (the post and its thread reply)", got)
	}
	if got := metricValue(t, text, `paperboy_platform_calls_total{platform="test",result="rate_limited"}`); got != 0 {
		t.Errorf("429s: got %v, want 0", got)
	}
	if got := metricValue(t, text, `paperboy_oldest_pending_delivery_age_seconds{platform="test"}`); got != 0 {
		t.Errorf("oldest pending age: got %v, want 0", got)
	}
	if got := metricValue(t, text, `paperboy_papers`); got != 2 {
		t.Errorf("papers: got %v, want 2", got)
	}
	if got := metricValue(t, text, `paperboy_database_size_bytes`); got <= 0 {
		t.Errorf("database size: got %v, want > 0", got)
	}
	for _, leak := range []string{"2411.00001", "C1", "paper_id", "user_id"} {
		if strings.Contains(text, leak) {
			t.Errorf("/metrics shows %q", leak)
		}
	}

	ts.Close() // the chat platform goes away
	b = waitReady(t, base, http.StatusServiceUnavailable, "platform test")
	for _, c := range b.Checks {
		if c.Name == "platform test" && !strings.Contains(c.Error, "cannot be reached") {
			t.Errorf("platform check error: got %q, want it to say the server cannot be reached", c.Error)
		}
	}
}

// TestOpsReadyzDispatcherStalled: the platform answers (connected) but every post is
// rate limited with a long Retry-After: the delivery stays due, and once it is older
// than ops.stuck_after /readyz fails naming the dispatcher; the 429s are counted.
func TestOpsReadyzDispatcherStalled(t *testing.T) {
	t.Parallel()
	chat := bottest.NewServer(1)
	chat.FaultRate = 1
	chat.RetryAfter = 3600
	ts := httptest.NewServer(chat)
	defer ts.Close()
	db, base := opsRun(t, ts.URL, "stuck_after = \"1s\"\n")
	waitReady(t, base, http.StatusOK)
	subscribe(t, db, "test:C1", "cat:cs.LG")
	if _, errOut, err := runMain(t, announcedPaper, "import", "--announce", "--db", db, "-"); err != nil {
		t.Fatalf("import: %v %s", err, errOut)
	}
	b := waitReady(t, base, http.StatusServiceUnavailable, "dispatcher test")
	for _, c := range b.Checks {
		if c.Name == "dispatcher test" && !strings.Contains(c.Error, "stuck") {
			t.Errorf("dispatcher check error: got %q, want it to say stuck", c.Error)
		}
	}
	text := getMetrics(t, base)
	if got := metricValue(t, text, `paperboy_platform_calls_total{platform="test",result="ok"}`) +
		metricValue(t, text, `paperboy_platform_calls_total{platform="test",result="rate_limited"}`) +
		metricValue(t, text, `paperboy_platform_calls_total{platform="test",result="error"}`); got < 1 {
		t.Errorf("platform calls: got %v, want the rejected post counted", got)
	}
	if got := metricValue(t, text, `paperboy_oldest_pending_delivery_age_seconds{platform="test"}`); got < 1 {
		t.Errorf("oldest pending age: got %v, want at least 1 s", got)
	}
}

// TestOpsTerminalCommands: in terminal mode (PAPERBOY_OPS_LISTEN) commands are timed
// by name, unknown ones as "other".
func TestOpsTerminalCommands(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "p.db")
	say, out := startBot(t, map[string]string{"PAPERBOY_OPS_LISTEN": "127.0.0.1:0"}, nil, "run", "--db", db)
	var addr []string
	for deadline := time.Now().Add(10 * time.Second); addr == nil; time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(db + ".log") // the terminal's log file
		addr = regexp.MustCompile(`msg="ops listener" addr=(\S+)`).FindStringSubmatch(string(b))
		if addr == nil && time.Now().After(deadline) {
			t.Fatalf("no listener address in the log:\n%s", b)
		}
	}
	base := "http://" + addr[1]
	say("/papers help")
	waitFor(t, out, "search")
	say("/papers frobnicate 2411.00001")
	say("/papers search diffusion")
	deadline := time.Now().Add(10 * time.Second)
	for {
		text := getMetrics(t, base)
		if strings.Contains(text, `paperboy_command_duration_seconds_count{command="search",platform="shell"} 1`) {
			if got := metricValue(t, text, `paperboy_command_duration_seconds_count{command="help",platform="shell"}`); got != 1 {
				t.Errorf("help: got %v, want 1", got)
			}
			if got := metricValue(t, text, `paperboy_command_duration_seconds_count{command="other",platform="shell"}`); got != 1 {
				t.Errorf("other: got %v, want 1", got)
			}
			if strings.Contains(text, "frobnicate") {
				t.Error("an unknown command's name is a label")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no search command in /metrics:\n%s", text)
		}
		time.Sleep(50 * time.Millisecond)
	}
	waitReady(t, base, http.StatusOK)
}

// TestOpsReadyzDiskFull runs the real binary and takes its disk away: prlimit sets the
// process's file size limit (RLIMIT_FSIZE) to one byte, so every write to the database
// and its log fails at the system call, as on a full disk (EFBIG instead of ENOSPC;
// SQLite reports a disk I/O error). /readyz must fail naming the database.
func TestOpsReadyzDiskFull(t *testing.T) {
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("needs prlimit (util-linux) to limit the process's file size")
	}
	bin := testBinary(t)
	chat := bottest.NewServer(1)
	ts := httptest.NewServer(chat)
	defer ts.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "paperboy.toml")
	conf := fmt.Sprintf("db = %q\nsources = []\n[test]\nchat_url = %q\n[ops]\nlisten = \"127.0.0.1:0\"\n", filepath.Join(dir, "p.db"), ts.URL)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &bottest.Buffer{}
	cmd := exec.Command(bin, "run", "--config", cfg)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		if t.Failed() {
			t.Logf("paperboy log:\n%s", logs.String())
		}
	}()
	waitFor(t, logs, `msg="ops listener"`)
	addr := regexp.MustCompile(`msg="ops listener" addr=(\S+)`).FindStringSubmatch(logs.String())
	if addr == nil {
		t.Fatalf("no listener address in the log:\n%s", logs.String())
	}
	base := "http://" + addr[1]
	waitReady(t, base, http.StatusOK)
	if out, err := exec.Command(prlimit, "--pid", strconv.Itoa(cmd.Process.Pid), "--fsize=1").CombinedOutput(); err != nil {
		t.Skipf("prlimit refused: %v %s", err, out)
	}
	b := waitReady(t, base, http.StatusServiceUnavailable, "database")
	for _, c := range b.Checks {
		if c.Name == "database" {
			t.Logf("database check: %s", c.Error)
			if c.Error == "" {
				t.Error("the database check failed without a reason")
			}
		}
	}
}

// TestOpsSeveralPlatforms: with Slack (Socket Mode, the fake) and the test platform in
// one run, /readyz checks each platform's connection and each dispatcher.
func TestOpsSeveralPlatforms(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(t)
	chat := bottest.NewServer(1)
	ts := httptest.NewServer(chat)
	defer ts.Close()
	opsAddr := strings.TrimPrefix(deadURL(t), "http://") // free a moment ago
	slackRun(t, fake, fmt.Sprintf("app_token = %q\nmode = \"socket\"\n[test]\nchat_url = %q\n[ops]\nlisten = %q\n", fake.AppToken, ts.URL, opsAddr))
	fake.WaitConnected(t, 10*time.Second)
	b := waitReady(t, "http://"+opsAddr, http.StatusOK)
	var names []string
	for _, c := range b.Checks {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, ","); got != "database,platform slack,platform test,dispatcher slack,dispatcher test" {
		t.Fatalf("checks: got %s", got)
	}
	ts.Close()
	waitReady(t, "http://"+opsAddr, http.StatusServiceUnavailable, "platform test")
}
