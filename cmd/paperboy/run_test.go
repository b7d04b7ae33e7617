package main

import (
	"bufio"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy/bot/bottest"
)

// waitFor polls out until it contains want.
func waitFor(t *testing.T, out *bottest.Buffer, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(out.String(), want) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %q; output so far:\n%s", want, out.String())
}

const announcedPaper = `{"id": "2411.00001v2", "submitter": "A", "authors": "Ann Author, Bob Builder and Carla Coder", "title": "Faster Diffusion Sampling with Learned Step Schedules", "comments": "12 pages", "journal-ref": null, "doi": null, "categories": "cs.LG cs.CV", "abstract": "We propose StepSched, a learned step schedule for diffusion models that halves sampling cost.", "versions": [{"version": "v1", "created": "Mon, 23 Nov 2026 10:00:00 GMT"}, {"version": "v2", "created": "Tue, 24 Nov 2026 10:00:00 GMT"}], "update_date": "2026-11-24", "authors_parsed": [["Author", "Ann", ""], ["Builder", "Bob", ""], ["Coder", "Carla", ""]]}
{"id": "2411.00002", "submitter": "D", "authors": "Dan D", "title": "A Survey of Graph Databases", "comments": null, "journal-ref": null, "doi": null, "categories": "cs.DB", "abstract": "We survey graph databases.", "versions": [{"version": "v1", "created": "Mon, 23 Nov 2026 10:00:00 GMT"}], "update_date": "2026-11-23", "authors_parsed": [["D", "Dan", ""]]}
`

// startBot runs `paperboy <args>` in-process (normally `run`) with a pipe for the
// terminal's input. It returns a function that types a line and the collected output; the
// bot is stopped, and must have exited cleanly, when the test ends.
func startBot(t *testing.T, env map[string]string, stderr io.Writer, args ...string) (say func(string), out *bottest.Buffer) {
	t.Helper()
	inR, inW := io.Pipe()
	out = &bottest.Buffer{}
	if stderr == nil {
		stderr = io.Discard
	}
	m := &Main{Stdin: inR, Stdout: out, Stderr: stderr, Getenv: func(k string) string { return env[k] }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, args) }()
	t.Cleanup(func() {
		cancel()
		inW.Close()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return func(line string) {
		if _, err := io.WriteString(inW, line+"\n"); err != nil {
			t.Errorf("typing %q: %v", line, err)
		}
	}, out
}

// TestRunTerminalNewcomer is the README's first experience, in-process: the bot runs on
// the terminal adapter, a user subscribes, papers arrive from another "process" (a
// separate import into the same database file), the matching one is posted with a
// thread, a +1 counts, top shows it, and a new version of the paper is not posted again.
func TestRunTerminalNewcomer(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	say, out := startBot(t, nil, nil, "run", "--db", db)

	say(`/papers subscribe cat:cs.LG diffusion -survey`)
	waitFor(t, out, "Subscribed #terminal (id 1): cs.LG papers matching diffusion, not \"survey\"")

	if _, errOut, err := runMain(t, announcedPaper, "import", "--announce", "--db", db, "-"); err != nil {
		t.Fatalf("import: %v %s", err, errOut)
	}
	waitFor(t, out, "[post #1] New in cs.LG: Faster Diffusion Sampling with Learned Step Schedules")
	waitFor(t, out, "#1 └") // the thread reply with the abstract

	say("+1 #1")
	waitFor(t, out, "▲1")
	say("/papers top week")
	waitFor(t, out, "Top papers this week")

	// A replacement (v3) updates the row; it is not a new paper and is not posted again.
	v3 := strings.Replace(strings.SplitN(announcedPaper, "\n", 2)[0], "2411.00001v2", "2411.00001v3", 1)
	if _, _, err := runMain(t, v3+"\n", "import", "--announce", "--db", db, "-"); err != nil {
		t.Fatal(err)
	}
	say("/papers status")
	waitFor(t, out, "Deliveries:")
	time.Sleep(1500 * time.Millisecond) // two watcher polls
	transcript := out.String()
	if n := strings.Count(transcript, "] New in "); n != 1 {
		t.Errorf("posts: got %d, want 1 (the survey is excluded, v3 is an update)\n%s", n, transcript)
	}
	if strings.Contains(transcript, "Graph Databases") {
		t.Errorf("the cs.DB survey must not be posted:\n%s", transcript)
	}
	sc := bufio.NewScanner(strings.NewReader(transcript))
	for sc.Scan() {
		if strings.Contains(sc.Text(), "Top papers this week") {
			sc.Scan()
			if !strings.Contains(sc.Text(), "Faster Diffusion Sampling") || !strings.Contains(sc.Text(), "▲1") {
				t.Errorf("top: got %q, want the voted paper with ▲1", sc.Text())
			}
		}
	}
}
