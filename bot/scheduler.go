package bot

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// Job is periodic work run inside `paperboy run` (an ingest source, a cleanup).
type Job struct {
	Name  string
	Every time.Duration
	Run   func(ctx context.Context) error
	// Arxiv marks a job fetching arXiv announcements: arXiv announces nothing from Friday
	// 20:00 to Sunday 20:00 (US Eastern), so runs then say that an empty result is normal.
	Arxiv bool
}

// JobRun is the outcome of a job's latest run, for `status`.
type JobRun struct {
	Name     string
	Started  time.Time
	Duration time.Duration
	Err      string // "" when it succeeded
	Note     string // e.g. the arXiv weekend notice, or "skipped: still running"
	Runs     int    // runs since start
	Failures int    // failed runs since start
	Next     time.Time
	Running  bool
}

// SchedulerConfig configures a Scheduler.
type SchedulerConfig struct {
	Jobs []Job
	Log  *slog.Logger
	Now  func() time.Time
	// Rand returns a number in [0, 1) for jitter.
	Rand func() float64
	// Jitter spreads runs by up to this fraction of Every, either way (default 0.1).
	Jitter float64
}

// Scheduler runs jobs at their intervals, with jitter, never two runs of one job at
// once. A failed run is logged and the job runs again at its next tick. The first run of
// every job happens at start (spread by jitter).
type Scheduler struct {
	cfg SchedulerConfig
	log *slog.Logger
	et  *time.Location

	mu    sync.Mutex
	state map[string]*JobRun
	wg    sync.WaitGroup
}

// NewScheduler returns a Scheduler. Errors: EINVALID (a job without a name, function
// or positive interval, or two jobs with one name).
func NewScheduler(cfg SchedulerConfig) (*Scheduler, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	if cfg.Jitter <= 0 || cfg.Jitter >= 1 {
		cfg.Jitter = 0.1
	}
	s := &Scheduler{cfg: cfg, log: cfg.Log.With(slog.String("component", "scheduler")), state: map[string]*JobRun{}}
	var err error
	if s.et, err = time.LoadLocation("America/New_York"); err != nil {
		s.et = time.FixedZone("EST", -5*3600) // no tzdata: close enough for a notice
	}
	now := cfg.Now()
	for i, j := range cfg.Jobs {
		switch {
		case j.Name == "":
			return nil, paperboy.Errorf(paperboy.EINVALID, "scheduler: job %d has no name", i+1)
		case j.Run == nil:
			return nil, paperboy.Errorf(paperboy.EINVALID, "scheduler: job %s has nothing to run", j.Name)
		case j.Every <= 0:
			return nil, paperboy.Errorf(paperboy.EINVALID, "scheduler: job %s: every must be positive, not %s", j.Name, j.Every)
		case s.state[j.Name] != nil:
			return nil, paperboy.Errorf(paperboy.EINVALID, "scheduler: two jobs are named %s", j.Name)
		}
		// First runs are spread over a small window so sources do not start at once.
		s.state[j.Name] = &JobRun{Name: j.Name, Next: now.Add(time.Duration(cfg.Rand() * cfg.Jitter * float64(min(j.Every, time.Minute))))}
	}
	return s, nil
}

// Run starts due jobs until ctx ends, then waits for the running ones.
func (s *Scheduler) Run(ctx context.Context) error {
	for {
		next := s.RunDue(ctx)
		wait := time.Second
		if !next.IsZero() {
			wait = min(max(next.Sub(s.cfg.Now()), 10*time.Millisecond), time.Minute)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			s.wg.Wait()
			return nil
		case <-t.C:
		}
	}
}

// RunDue starts every job whose time has come and that is not running, each in its own
// goroutine, and returns the earliest next run. Tests call it with an injected clock.
func (s *Scheduler) RunDue(ctx context.Context) time.Time {
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var next time.Time
	for _, j := range s.cfg.Jobs {
		st := s.state[j.Name]
		if st.Next.After(now) {
			if next.IsZero() || st.Next.Before(next) {
				next = st.Next
			}
			continue
		}
		st.Next = s.nextRun(j, now)
		if st.Running {
			// No overlap: this tick is skipped, the running one goes on.
			st.Note = "skipped a run: the previous one was still running"
			s.log.Warn("job still running; skipping this run", slog.String("job", j.Name))
			continue
		}
		st.Running = true
		s.wg.Add(1)
		go s.run(ctx, j, now)
	}
	return next
}

func (s *Scheduler) nextRun(j Job, now time.Time) time.Time {
	jitter := (s.cfg.Rand()*2 - 1) * s.cfg.Jitter * float64(j.Every)
	return now.Add(j.Every + time.Duration(jitter))
}

// Wait waits for the running jobs (tests).
func (s *Scheduler) Wait() { s.wg.Wait() }

func (s *Scheduler) run(ctx context.Context, j Job, started time.Time) {
	defer s.wg.Done()
	note := ""
	if j.Arxiv && ArxivQuiet(started, s.et) {
		note = "arXiv announces no papers between Friday and Sunday 20:00 US Eastern; nothing new until then is normal"
	}
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return j.Run(ctx)
	}()
	d := s.cfg.Now().Sub(started)
	s.mu.Lock()
	st := s.state[j.Name]
	st.Running = false
	st.Started = started
	st.Duration = d
	st.Runs++
	st.Note = note
	prevErr := st.Err
	st.Err = ""
	if err != nil {
		st.Err = err.Error()
		st.Failures++
	}
	s.mu.Unlock()
	log := s.log.With(slog.String("job", j.Name), slog.Duration("took", d))
	switch {
	case err != nil && ctx.Err() != nil:
		log.Info("job stopped by shutdown")
	case err != nil && err.Error() == prevErr:
		// The same failure again (no network, a source down for days) is reported once,
		// when it starts; LastRuns and status keep showing it.
		log.Debug("job failed again with the same error", slog.Any("error", err))
	case err != nil:
		log.Error("job failed; it runs again at its next tick", slog.Any("error", err))
	case prevErr != "":
		log.Info("job done; it had failed before", slog.String("previous_error", prevErr))
	case note != "":
		log.Info("job done (arXiv weekend: no announcements expected)", slog.String("note", note))
	default:
		log.Info("job done")
	}
}

// LastRuns returns every job's latest run, by name.
func (s *Scheduler) LastRuns() []JobRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]JobRun, 0, len(s.state))
	for _, st := range s.state {
		out = append(out, *st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ArxivQuiet reports whether t falls in arXiv's weekend pause: announcements go out
// Sunday to Thursday at 20:00 US Eastern, so from Friday 20:00 to Sunday 20:00 there is
// nothing new (et is the US Eastern zone).
func ArxivQuiet(t time.Time, et *time.Location) bool {
	l := t.In(et)
	switch l.Weekday() {
	case time.Saturday:
		return true
	case time.Friday:
		return l.Hour() >= 20
	case time.Sunday:
		return l.Hour() < 20
	}
	return false
}
