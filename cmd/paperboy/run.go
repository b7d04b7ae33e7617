package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/bot/shell"
	"github.com/paperboy-bot/paperboy/bot/slack"
	"github.com/paperboy-bot/paperboy/config"
	"github.com/paperboy-bot/paperboy/ingest"
	"github.com/paperboy-bot/paperboy/recommend"
	"github.com/paperboy-bot/paperboy/store"
	"github.com/paperboy-bot/paperboy/summarize"
)

// extraAdapters lets build-tagged files add platforms (the "test" fake chat platform).
var extraAdapters = map[string]func(cfg config.Config, log *slog.Logger) (bot.Adapter, error){}

// runBot is `paperboy run`: the chat adapter, the watcher, the dispatcher and the
// ingest scheduler in one process, until a signal.
func (m *Main) runBot(ctx context.Context, args []string) error {
	var c common
	fs := m.newFlags("run", "", &c)
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	cfg, err := m.loadConfig(&c, config.Chat, config.Fetching, config.Summaries)
	if err != nil {
		return err
	}
	log := m.logger(cfg)
	db, err := m.openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	// One `paperboy run` per database: two would post every paper twice.
	lease, err := acquireLease(ctx, db, log)
	if err != nil {
		return err
	}
	defer lease.Release(context.WithoutCancel(ctx))

	adapter, err := m.newAdapter(ctx, cfg, db, log)
	if err != nil {
		return err
	}
	quick := &summarize.Extractive{}
	full := summarize.New(summarizeConfig(cfg), db, log)
	srcs := newSources(cfg, log)

	disp, err := bot.NewDispatcher(bot.DispatcherConfig{
		Store: db, Papers: db, Adapter: adapter, Quick: quick, Summarizer: full,
		Log: log, Now: time.Now, Rand: rand.Float64, Ranker: &recommend.Service{Store: db},
	})
	if err != nil {
		return err
	}
	watcher, err := bot.NewWatcher(bot.WatcherConfig{
		Store: db, Subs: db, Log: log, Now: time.Now,
		Backfill: cfg.Bot.Backfill, DailyCap: cfg.Bot.DailyCap,
		DefaultTimeZone: cfg.TimeZone, Notify: disp.Wake,
	})
	if err != nil {
		return err
	}
	jobs, err := ingestJobs(cfg, srcs, db, log)
	if err != nil {
		return err
	}
	sched, err := bot.NewScheduler(bot.SchedulerConfig{Jobs: jobs, Log: log, Now: time.Now, Rand: rand.Float64})
	if err != nil {
		return err
	}
	b := bot.New(bot.Config{
		Papers: db, Subs: db, Social: db, Outbox: db,
		Summarizer: full, Fetcher: srcs.arxiv, Backfiller: watcher, Adapter: adapter,
		Recommender:     &recommend.Service{Store: db},
		Status:          func(ctx context.Context) []string { return statusLines(ctx, db, sched.LastRuns()) },
		Admins:          cfg.Bot.Admins,
		SubscribePolicy: cfg.Bot.SubscribePolicy,
		DefaultTimeZone: cfg.TimeZone,
		DailyCap:        cfg.Bot.DailyCap,
		Log:             log.With(slog.String("component", "bot")),
		Now:             time.Now,
	})

	if adapter.Platform() == shell.Platform {
		m.welcome(ctx, db, cfg, len(jobs))
	}
	log.Info("paperboy running", slog.String("platform", adapter.Platform()), slog.String("db", cfg.DB), slog.Int("sources", len(jobs)))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	start := func(name string, run func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				errOnce.Do(func() { firstErr = fmt.Errorf("%s: %w", name, err) })
				cancel()
			}
		}()
	}
	// One watcher pass before anything else: on a fresh database it records where
	// announcing starts, so papers stored after Ready are announced.
	if _, err := watcher.Poll(ctx); err != nil {
		return fmt.Errorf("watcher: %w", err)
	}
	start("lease", func(ctx context.Context) error { return keepLease(ctx, lease, log) })
	start("dispatcher", disp.Run)
	start("watcher", watcher.Run)
	start("scheduler", sched.Run)
	start("chat", func(ctx context.Context) error { return adapter.Run(ctx, b) })
	if m.Ready != nil {
		addr := ""
		if a, ok := adapter.(interface{ Addr() string }); ok {
			addr = a.Addr()
		}
		m.Ready(addr)
	}
	wg.Wait()
	sched.Wait()
	return firstErr
}

// newAdapter picks the chat platform: Slack when a bot token is configured, the fake
// test platform in test builds, else the terminal.
func (m *Main) newAdapter(ctx context.Context, cfg config.Config, db *store.DB, log *slog.Logger) (bot.Adapter, error) {
	switch p := cfg.Platform(); p {
	case "slack":
		return slack.New(slack.Options{
			BotToken: cfg.Slack.BotToken, AppToken: cfg.Slack.AppToken, SigningSecret: cfg.Slack.SigningSecret,
			Mode: cfg.Slack.Mode, Listen: cfg.Slack.Listen, APIURL: cfg.Slack.APIURL,
			Log: log.With(slog.String("component", "slack")), Now: time.Now,
		})
	case "shell":
		key := paperboy.ChannelKey(shell.Platform, cfg.Bot.Channel)
		last, err := db.LastMessageID(ctx, key)
		if err != nil {
			return nil, err
		}
		// The post log maps message keys (posts, thread replies, summaries, digests) to
		// terminal messages for crash recovery. Keys are outbox row ids, so a log left over
		// from a deleted database must not be read.
		postLog := cfg.DB + ".shell-posts"
		if st, err := db.DeliveryStatus(ctx, ""); err == nil && st.Pending+st.Sending+st.Sent+st.Failed+st.Skipped == 0 {
			_ = os.Remove(postLog)
		}
		return shell.New(m.Stdin, m.Stdout, shell.Options{
			Channel: cfg.Bot.Channel, Admin: true, StartID: last,
			PostLog: postLog, Getenv: m.Getenv, Now: time.Now,
		}), nil
	default:
		if mk, ok := extraAdapters[p]; ok {
			return mk(cfg, log)
		}
		return nil, fmt.Errorf("chat platform %q is not built into this binary", p)
	}
}

func summarizeConfig(cfg config.Config) summarize.Config {
	s := cfg.Summarize
	return summarize.Config{
		BaseURL: s.BaseURL, Model: s.Model, APIKey: s.APIKey, Style: s.Style, Language: s.Language,
		Timeout: s.Timeout.Duration, MaxConcurrent: s.MaxConcurrent,
		Organization: s.Organization, Azure: s.Azure, AzureAPIVersion: s.AzureVersion,
	}
}

// ingestJobs turns [[sources]] into scheduler jobs that fetch and store.
func ingestJobs(cfg config.Config, srcs *sources, db *store.DB, log *slog.Logger) ([]bot.Job, error) {
	var jobs []bot.Job
	for _, sc := range cfg.Sources {
		src, err := srcs.source(sc)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, bot.Job{
			Name:  src.Name(),
			Every: sc.Every.Duration,
			Arxiv: strings.HasPrefix(sc.Kind, "arxiv"),
			Run:   ingestJob(src, db, log),
		})
	}
	return jobs, nil
}

func ingestJob(src ingest.Source, db *store.DB, log *slog.Logger) func(context.Context) error {
	return func(ctx context.Context) error {
		st, read, err := fetchInto(ctx, db, src.Fetch)
		log.Info("ingest", slog.String("source", src.Name()), slog.Int("fetched", read),
			slog.Int("new", st.New), slog.Int("updated", st.Updated), slog.Int("duplicates", st.Duplicates))
		return err
	}
}

// statusLines are the lines `status` adds beyond the outbox: scheduler runs and summary
// usage.
func statusLines(ctx context.Context, db *store.DB, runs []bot.JobRun) []string {
	var lines []string
	for _, r := range runs {
		line := fmt.Sprintf("source %s: %d runs", r.Name, r.Runs)
		if !r.Started.IsZero() {
			line += ", last " + r.Started.Format("2006-01-02 15:04 MST")
		}
		if r.Err != "" {
			line += ", last error: " + r.Err
		}
		if r.Note != "" {
			line += " (" + r.Note + ")"
		}
		lines = append(lines, line)
	}
	if usage, err := db.SummaryUsage(ctx); err == nil {
		for _, u := range usage {
			lines = append(lines, summaryUsageLine(u))
		}
	}
	return lines
}

// welcome tells a person at the terminal where they are and how papers get in.
func (m *Main) welcome(ctx context.Context, db *store.DB, cfg config.Config, sources int) {
	n := 0
	if st, err := db.DeliveryStatus(ctx, ""); err == nil {
		n = st.Papers
	}
	fmt.Fprintf(m.Stdout, "paperboy %s: this terminal is channel #%s (%s, %d papers stored). Type /papers help.\n", version, cfg.Bot.Channel, cfg.DB, n)
	if sources == 0 {
		fmt.Fprintln(m.Stdout, "No [[sources]] configured: subscribe here, then add papers from another terminal, e.g.")
		fmt.Fprintln(m.Stdout, "  bin/paperboy import --announce --db "+cfg.DB+" FILE.jsonl    or    bin/paperboy ingest hf --db "+cfg.DB)
	}
}
