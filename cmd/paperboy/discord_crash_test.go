package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot/discord/discordfake"
	"github.com/paperboy-bot/paperboy/store"
)

// TestDiscordCrashStormDeliversEachPaperOnce runs the real binary against the Discord
// fake (which lives in this process and outlives every kill) while 30 % of the calls
// that create something (messages, threads, forum posts) answer 429 with retry_after and
// about 3 % more are processed but lose their answer. This process writes papers into the shared
// database like a cron ingest, SIGKILLs the bot at random points and restarts it. In two
// text channels and a forum, every paper must be posted exactly once, in order, each post
// with exactly one thread (named after the paper) holding exactly one abstract.
func TestDiscordCrashStormDeliversEachPaperOnce(t *testing.T) {
	const (
		// A post and its thread reply take about 2 s a channel (Discord's pace of a
		// message a second per channel), more in the storm: 8 papers keep the run short.
		nPapers = 8
		kills   = 4
	)
	bin := testBinary(t)
	t.Parallel()
	dir := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 18))

	fake := discordfake.New(t)
	chans := []discordfake.Channel{
		{ID: "6000000000000000001", Name: "papers-a", Type: discordfake.TypeText},
		{ID: "6000000000000000002", Name: "papers-b", Type: discordfake.TypeText},
		{ID: "6000000000000000003", Name: "paper-forum", Type: discordfake.TypeForum, Tags: []discordfake.Tag{{ID: "901", Name: "cs.LG"}}},
	}
	for _, c := range chans {
		fake.AddChannel(c)
	}
	var storm, lost atomic.Int32
	fr := rand.New(rand.NewPCG(seed, 19)) // the hook's own: it runs under the fake's lock
	fake.SetFaults(func(c discordfake.Call) discordfake.Fault {
		if c.Method != "POST" || !strings.HasPrefix(c.Route, "POST /channels/") {
			return discordfake.Fault{}
		}
		switch x := fr.Float64(); {
		case x < 0.30:
			storm.Add(1)
			return discordfake.Fault{Status: 429, RetryAfter: 0.05 + fr.Float64()/10}
		case x < 0.33 || c.N%17 == 5: // some at random, and surely a few
			lost.Add(1)
			return discordfake.Fault{Lose: true}
		}
		return discordfake.Fault{}
	})

	ctx := context.Background()
	dbPath := filepath.Join(dir, "crash.db")
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range chans {
		q, _ := paperboy.ParseQuery("experts", time.Now())
		if err := db.CreateSubscription(ctx, &paperboy.Subscription{Channel: paperboy.ChannelKey("discord", c.ID), Filter: q.String(), Query: q}); err != nil {
			t.Fatal(err)
		}
	}
	cfgPath := filepath.Join(dir, "cfg.toml")
	cfg := fmt.Sprintf("db = %q\nlog_level = \"warn\"\n\n[bot]\ndaily_cap = 0\nbackfill = 0\n\n%s", dbPath, discordConfig(fake))
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
		t.Logf("fake:\n%s", fake)
	}
	var cmd *exec.Cmd
	startBot := func() {
		cmd = exec.Command(bin, "run", "--config", cfgPath)
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	startBot()
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	waitUntil(t, "the bot's watcher", func() bool { _, found, _ := db.Cursor(ctx, "watcher"); return found })

	// The "cron" writer, in batches, while the bot runs and dies.
	writeErr := make(chan error, 1)
	go func() {
		defer close(writeErr)
		for i := 0; i < nPapers; i += 2 {
			var ps []paperboy.Paper
			for j := i + 1; j <= i+2; j++ {
				p := paperboy.Paper{ArxivID: fmt.Sprintf("2612.%05d", j), Title: fmt.Sprintf("Mixture of experts, study %d", j),
					Abstract: fmt.Sprintf("We study experts, %d.", j), Categories: []string{"cs.LG"}, Published: time.Now()}
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
			time.Sleep(300 * time.Millisecond)
		}
	}()
	for k := 0; k < kills; k++ {
		time.Sleep(time.Duration(400+r.IntN(1200)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		startBot()
	}
	if err := <-writeErr; err != nil {
		t.Fatalf("writing papers: %v", err)
	}

	want := nPapers * len(chans)
	deadline := time.Now().Add(90 * time.Second)
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
			t.Fatalf("not delivered within 90 s: %+v, %d follow-ups owed; want %d sent", st, len(owed), want)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // a late duplicate would show up now

	if storm.Load() == 0 || lost.Load() == 0 {
		t.Fatalf("the storm hit %d calls and lost %d answers; the test needs both", storm.Load(), lost.Load())
	}
	var wantTitles []string
	for j := 1; j <= nPapers; j++ {
		wantTitles = append(wantTitles, fmt.Sprintf("Mixture of experts, study %d", j))
	}
	title := func(m discordfake.Message) string {
		var es []struct{ Title string }
		_ = json.Unmarshal(m.Embeds, &es)
		if len(es) == 0 {
			return "(no embed: " + m.Content + ")"
		}
		return es[0].Title
	}
	checkThread := func(where, thread, paper string, skip int) {
		t.Helper()
		ms := fake.Messages(thread)
		ms = ms[min(skip, len(ms)):]
		abstract := fmt.Sprintf("We study experts, %s.", strings.TrimPrefix(paper, "Mixture of experts, study "))
		if len(ms) != 1 || !strings.Contains(ms[0].Content, abstract) {
			t.Errorf("%s: thread of %q holds %d replies, want one, the abstract %q: %+v", where, paper, len(ms), abstract, ms)
		}
	}
	for _, c := range chans {
		var got []string
		if c.Type == discordfake.TypeForum {
			for _, fp := range fake.Threads(c.ID) {
				ms := fake.Messages(fp.ID)
				if len(ms) == 0 {
					t.Errorf("%s: forum post %q has no messages", c.Name, fp.Name)
					continue
				}
				got = append(got, title(ms[0]))
				if fp.Name != title(ms[0]) || fmt.Sprint(fp.AppliedTags) != "[901]" {
					t.Errorf("%s: forum post %+v, want named %q and tagged cs.LG", c.Name, fp, title(ms[0]))
				}
				checkThread(c.Name, fp.ID, title(ms[0]), 1)
			}
		} else {
			for _, m := range fake.Messages(c.ID) {
				got = append(got, title(m))
				if m.ThreadID == "" {
					t.Errorf("%s: post %q has no thread", c.Name, title(m))
					continue
				}
				checkThread(c.Name, m.ThreadID, title(m), 0)
			}
			if n := len(fake.Threads(c.ID)); n != nPapers {
				t.Errorf("%s: %d threads, want %d", c.Name, n, nPapers)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(wantTitles) {
			t.Errorf("%s: posts in order\ngot  %q\nwant %q (each once, in order)", c.Name, got, wantTitles)
		}
	}
	t.Logf("%d deliveries after %d SIGKILLs, %d 429s and %d lost answers", want, kills, storm.Load(), lost.Load())
}
