package bot_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/bottest"
)

func TestSchedulerNoOverlapAndRetry(t *testing.T) {
	c := bottest.NewClock(start)
	ctx := context.Background()
	release := make(chan struct{})
	var slowRuns, flakyRuns atomic.Int32
	s, err := bot.NewScheduler(bot.SchedulerConfig{Now: c.Now, Rand: func() float64 { return 0.5 }, Jobs: []bot.Job{
		{Name: "slow", Every: time.Minute, Run: func(ctx context.Context) error {
			slowRuns.Add(1)
			<-release
			return nil
		}},
		{Name: "flaky", Every: time.Minute, Run: func(ctx context.Context) error {
			if flakyRuns.Add(1) == 1 {
				return errors.New("feed down")
			}
			return nil
		}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		c.Advance(61 * time.Second)
		s.RunDue(ctx)
		// Wait for flaky's run to be recorded (slow stays blocked).
		for deadline := time.Now().Add(5 * time.Second); flakyDone(s) < i+1; {
			if time.Now().After(deadline) {
				t.Fatalf("flaky run %d never finished", i+1)
			}
			time.Sleep(time.Millisecond)
		}
	}
	if n := slowRuns.Load(); n != 1 {
		t.Errorf("got %d concurrent runs of a job still running, want 1", n)
	}
	close(release)
	s.Wait()
	runs := s.LastRuns()
	if len(runs) != 2 || runs[0].Name != "flaky" || runs[1].Name != "slow" {
		t.Fatalf("got %+v, want both jobs by name", runs)
	}
	if runs[0].Runs != 3 || runs[0].Failures != 1 || runs[0].Err != "" {
		t.Errorf("got %+v, want 3 runs, the first failed, the last fine", runs[0])
	}
	if runs[1].Runs != 1 {
		t.Errorf("got %+v, want one run", runs[1])
	}
}

func flakyDone(s *bot.Scheduler) int {
	for _, r := range s.LastRuns() {
		if r.Name == "flaky" && !r.Running {
			return r.Runs
		}
	}
	return 0
}

func TestSchedulerArxivWeekendNote(t *testing.T) {
	for _, tc := range []struct {
		name  string
		at    time.Time
		quiet bool
	}{
		{"saturday", time.Date(2026, 11, 28, 15, 0, 0, 0, time.UTC), true},
		{"sunday before announcement", time.Date(2026, 11, 29, 20, 0, 0, 0, time.UTC), true},
		{"sunday after 20:00 ET", time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC), false},
		{"friday evening ET", time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC), true},
		{"wednesday", start, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := bottest.NewClock(tc.at)
			s, err := bot.NewScheduler(bot.SchedulerConfig{Now: c.Now, Jobs: []bot.Job{
				{Name: "arxiv cs.LG", Every: time.Hour, Arxiv: true, Run: func(ctx context.Context) error { return nil }},
			}})
			if err != nil {
				t.Fatal(err)
			}
			c.Advance(time.Minute)
			s.RunDue(context.Background())
			s.Wait()
			run := s.LastRuns()[0]
			if got := strings.Contains(run.Note, "arXiv announces no papers"); got != tc.quiet {
				t.Errorf("got note %q, want weekend notice %v", run.Note, tc.quiet)
			}
		})
	}
}

func TestSchedulerValidates(t *testing.T) {
	ok := func(ctx context.Context) error { return nil }
	for name, jobs := range map[string][]bot.Job{
		"no name":   {{Every: time.Minute, Run: ok}},
		"no run":    {{Name: "a", Every: time.Minute}},
		"no every":  {{Name: "a", Run: ok}},
		"duplicate": {{Name: "a", Every: time.Minute, Run: ok}, {Name: "a", Every: time.Hour, Run: ok}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := bot.NewScheduler(bot.SchedulerConfig{Jobs: jobs}); paperboy.ErrorCode(err) != paperboy.EINVALID {
				t.Errorf("got %v, want invalid", err)
			}
		})
	}
}

// TestSchedulerReportsAFailureOnce: a source that keeps failing the same way (no
// network) is logged once at error level, not at every run; LastRuns keeps the error;
// a different error is logged again, and so is the recovery.
func TestSchedulerReportsAFailureOnce(t *testing.T) {
	c := bottest.NewClock(start)
	ctx := context.Background()
	var runs atomic.Int32
	errs := []error{errors.New("dial tcp: lookup huggingface.co: no such host"), errors.New("dial tcp: lookup huggingface.co: no such host"),
		errors.New("dial tcp: lookup huggingface.co: no such host"), errors.New("HTTP 503"), nil}
	var logs strings.Builder
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s, err := bot.NewScheduler(bot.SchedulerConfig{Now: c.Now, Rand: func() float64 { return 0.5 }, Log: log, Jobs: []bot.Job{
		{Name: "hf", Every: time.Minute, Run: func(ctx context.Context) error { return errs[runs.Add(1)-1] }},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range errs {
		c.Advance(61 * time.Second)
		s.RunDue(ctx)
		s.Wait()
		if i == 2 {
			if got := s.LastRuns()[0].Err; !strings.Contains(got, "no such host") {
				t.Fatalf("LastRuns after three failures: got %q, want the error", got)
			}
		}
	}
	mu.Lock()
	out := logs.String()
	mu.Unlock()
	if n := strings.Count(out, "no such host"); n != 1 {
		t.Errorf("the same failure logged %d times, want once:\n%s", n, out)
	}
	if !strings.Contains(out, "HTTP 503") || !strings.Contains(out, "it had failed before") {
		t.Errorf("a new error and the recovery must be logged:\n%s", out)
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
