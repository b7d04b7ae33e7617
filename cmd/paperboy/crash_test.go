package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot/bottest"
	"github.com/paperboy-bot/paperboy/store"
)

// TestCrashDeliversEachPaperOnce runs the real binary (`paperboy run` on the fake HTTP
// chat platform, which rejects some requests and loses some answers) while this process
// writes 500 papers into the shared database like a cron ingest, SIGKILLs it at random
// points and restarts it, and checks that every (paper, channel) pair was posted exactly
// once across 5 channels, each with exactly one thread reply (the abstract).
func TestCrashDeliversEachPaperOnce(t *testing.T) {
	const (
		nPapers  = 500
		channels = 5
		kills    = 6
	)
	bin := testBinary(t)
	dir := t.TempDir()

	srv := bottest.NewServer(uint64(time.Now().UnixNano()))
	srv.FaultRate = 0.004 // rejected: 429 with Retry-After or 500 (the storm test in bot/ covers 30 %)
	srv.LostRate = 0.004  // accepted, but the answer is a 500
	ts := httptest.NewServer(srv)
	defer ts.Close()

	ctx := context.Background()
	dbPath := filepath.Join(dir, "crash.db")
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for c := 1; c <= channels; c++ {
		q, _ := paperboy.ParseQuery("experts", time.Now())
		if err := db.CreateSubscription(ctx, &paperboy.Subscription{Channel: fmt.Sprintf("test:c%d", c), Filter: q.String(), Query: q}); err != nil {
			t.Fatal(err)
		}
	}
	cfgPath := filepath.Join(dir, "cfg.toml")
	cfg := fmt.Sprintf("db = %q\nlog_level = \"warn\"\n\n[bot]\ndaily_cap = 0\nbackfill = 0\n\n[test]\nchat_url = %q\n", dbPath, ts.URL)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "run.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	dumpLog := func() {
		if b, err := os.ReadFile(logf.Name()); err == nil {
			if len(b) > 8000 {
				b = b[len(b)-8000:]
			}
			t.Logf("last of run.log:\n%s", b)
		}
	}

	var cmd *exec.Cmd
	startBot := func() {
		cmd = exec.Command(bin, "run", "--config", cfgPath)
		cmd.Stdout, cmd.Stderr = logf, logf
		cmd.Stdin = nil
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	startBot()
	defer func() {
		if cmd != nil && cmd.Process != nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	// The papers must come after the watcher's first start (it does not announce what
	// the store already holds).
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, found, _ := db.Cursor(ctx, "watcher"); found {
			break
		}
		if time.Now().After(deadline) {
			dumpLog()
			t.Fatal("the bot did not start its watcher within 20 s")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// The "cron" writer: 500 papers in batches, while the bot runs and dies.
	var wg sync.WaitGroup
	wg.Add(1)
	writeErr := make(chan error, 1)
	go func() {
		defer wg.Done()
		for i := 0; i < nPapers; i += 10 {
			var ps []paperboy.Paper
			for j := i; j < i+10; j++ {
				p := paperboy.Paper{ArxivID: fmt.Sprintf("2611.%05d", j+1), Title: fmt.Sprintf("Mixture of experts, study %d", j+1),
					Abstract: "We study experts.", Categories: []string{"cs.LG"}, Published: time.Now()}
				if err := p.Normalize(); err != nil {
					writeErr <- err
					return
				}
				ps = append(ps, p)
			}
			if _, err := db.UpsertPapers(ctx, ps); err != nil {
				writeErr <- err
				return
			}
			time.Sleep(40 * time.Millisecond)
		}
	}()

	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for k := 0; k < kills; k++ {
		time.Sleep(time.Duration(300+r.IntN(1200)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		startBot()
	}
	wg.Wait()
	select {
	case err := <-writeErr:
		t.Fatalf("writing papers: %v", err)
	default:
	}

	want := nPapers * channels
	deadline = time.Now().Add(40 * time.Second)
	for {
		st, err := db.DeliveryStatus(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		owed, err := db.Followups(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Sent+st.Failed+st.Skipped == want && st.Pending+st.Sending == 0 && len(owed) == 0 {
			if st.Failed+st.Skipped != 0 {
				t.Errorf("got %d failed and %d skipped, want none", st.Failed, st.Skipped)
			}
			break
		}
		if time.Now().After(deadline) {
			dumpLog()
			t.Fatalf("not delivered within 40 s: %+v, want %d sent", st, want)
		}
		time.Sleep(100 * time.Millisecond)
	}

	count := map[string]int{}
	for _, p := range srv.Posts() {
		count[p.Channel+" "+p.PaperID]++
	}
	var missing, dup int
	for c := 1; c <= channels; c++ {
		for j := 1; j <= nPapers; j++ {
			switch n := count[fmt.Sprintf("c%d 2611.%05d", c, j)]; {
			case n == 0:
				missing++
			case n > 1:
				dup++
				if dup <= 5 {
					t.Errorf("paper 2611.%05d posted %d times in c%d, want once", j, n, c)
				}
			}
		}
	}
	if missing != 0 || dup != 0 || len(count) != want {
		t.Errorf("got %d distinct pairs, %d missing, %d duplicated; want %d exactly once", len(count), missing, dup, want)
	}
	replies := map[string]int{}
	for _, s := range srv.Sends() {
		replies[s.Key]++
	}
	var missingReplies, dupReplies int
	for _, p := range srv.Posts() {
		switch n := replies[p.Key+"-abstract"]; {
		case n == 0:
			missingReplies++
		case n > 1:
			dupReplies++
			if dupReplies <= 5 {
				t.Errorf("post %s (%s in %s): got %d thread replies, want 1", p.Key, p.PaperID, p.Channel, n)
			}
		}
	}
	if missingReplies != 0 || dupReplies != 0 || len(srv.Sends()) != want {
		t.Errorf("got %d thread replies, %d posts without one, %d with several; want %d, one per post", len(srv.Sends()), missingReplies, dupReplies, want)
	}
	t.Logf("%d posts and %d thread replies for %d pairs after %d SIGKILLs", len(srv.Posts()), len(srv.Sends()), want, kills)
}
