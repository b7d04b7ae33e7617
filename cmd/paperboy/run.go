package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/url"
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
	"github.com/paperboy-bot/paperboy/store"
	"github.com/paperboy-bot/paperboy/summarize"
)

// testOffline is set by test binaries (and builds with -tags paperboytest): the default
// source then runs only when ingest.hf_url is a loopback fake, so no test reaches the
// network.
var testOffline bool

// offlineSources drops the default source in test binaries unless ingest.hf_url is a
// loopback fake (testOffline), so that neither run nor doctor reaches the network in tests.
func offlineSources(cfg *config.Config) {
	if cfg.SourcesDefault && testOffline && !loopbackURL(cfg.Ingest.HFURL) {
		cfg.Sources = nil
	}
}

// loopbackURL reports whether u is an http(s) URL on a loopback address.
func loopbackURL(u string) bool {
	pu, err := url.Parse(u)
	if err != nil {
		return false
	}
	ip := net.ParseIP(pu.Hostname())
	return ip != nil && ip.IsLoopback()
}

// extraAdapters lets build-tagged files add platforms (the "test" fake chat platform).
var extraAdapters = map[string]func(cfg config.Config, log *slog.Logger) (bot.Adapter, error){}

// runBot is `paperboy run`: every configured chat platform (each with its adapter and
// dispatcher), the watcher and the ingest scheduler in one process on one database,
// until a signal.
func (m *Main) runBot(ctx context.Context, args []string) error {
	var c common
	fs := m.newFlags("run", "", &c)
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	cfg, err := m.loadConfig(&c, config.Chat, config.Fetching, config.Summaries, config.Dense)
	if err != nil {
		return err
	}
	offlineSources(&cfg)
	terminal := len(cfg.Platforms()) == 1 && cfg.Platforms()[0] == shell.Platform
	log, logPath, closeLog := m.runLogger(cfg, terminal)
	defer closeLog()
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

	adapters, err := m.newAdapters(ctx, cfg, db, log)
	if err != nil {
		return err
	}
	quick := &summarize.Extractive{}
	full := summarize.New(summarizeConfig(cfg), db, log)
	srcs := newSources(cfg, log)

	// A dispatcher per platform: each has its own rate limits and workers and delivers
	// only its platform's channels ("slack:C1", "discord:123"), so a slow or rate-limited
	// platform never holds up another.
	platforms := make([]string, len(adapters))
	for i, a := range adapters {
		platforms[i] = a.Platform()
	}
	rec := newRecommender(cfg, db) // the channel's model: recommend, similar, digest order
	var metrics *opsMetrics        // nil: no ops listener, no counting
	if cfg.Ops.Listen != "" {
		metrics = newOpsMetrics(db, platforms, cfg)
	}
	disps := make([]*bot.Dispatcher, len(adapters))
	for i, a := range adapters {
		disps[i], err = bot.NewDispatcher(bot.DispatcherConfig{
			Store: db, Papers: db, Adapter: a, Quick: quick, Summarizer: full,
			Log: log, Now: time.Now, Rand: rand.Float64, OnCall: metrics.onCall(a.Platform()),
			Ranker: rec,
		})
		if err != nil {
			return err
		}
	}
	watcher, err := bot.NewWatcher(bot.WatcherConfig{
		Store: db, Subs: db, Log: log, Now: time.Now,
		Backfill: cfg.Bot.Backfill, DailyCap: cfg.Bot.DailyCap,
		DefaultTimeZone: cfg.TimeZone, Ranker: rec,
		Notify: func() {
			for _, d := range disps {
				d.Wake()
			}
		},
	})
	if err != nil {
		return err
	}
	jobs, err := ingestJobs(cfg, srcs, db, log, metrics)
	if err != nil {
		return err
	}
	sched, err := bot.NewScheduler(bot.SchedulerConfig{Jobs: jobs, Log: log, Now: time.Now, Rand: rand.Float64})
	if err != nil {
		return err
	}
	// One bot for every platform: commands and events carry their platform, so channel
	// keys, subscriptions and votes stay per channel.
	b := bot.New(bot.Config{
		Papers: db, Subs: db, Social: db, Outbox: db,
		Summarizer: full, Fetcher: srcs.arxiv, Backfiller: watcher, Adapters: adapters,
		Recommender: rec,
		Status: func(ctx context.Context) []string {
			return statusLines(ctx, db, platforms, sched.LastRuns())
		},
		Admins:          cfg.Bot.Admins,
		SubscribePolicy: cfg.Bot.SubscribePolicy,
		DefaultTimeZone: cfg.TimeZone,
		DailyCap:        cfg.Bot.DailyCap,
		Log:             log.With(slog.String("component", "bot")),
		Now:             time.Now,
	})

	if len(adapters) == 1 && adapters[0].Platform() == shell.Platform {
		m.welcome(ctx, db, cfg, len(jobs), logPath)
	}
	log.Info("paperboy running", slog.String("platforms", strings.Join(platforms, ",")), slog.String("db", cfg.DB), slog.Int("sources", len(jobs)))
	if cfg.SourcesDefault {
		log.Info("ingesting " + defaultSourcesNote)
	}
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
	start("watcher", watcher.Run)
	start("scheduler", sched.Run)
	if emb, err := newEmbedder(cfg, log); err != nil {
		log.Error("embeddings off", slog.String("reason", paperboy.ErrorMessage(err)))
	} else if emb != nil {
		start("embeddings", func(ctx context.Context) error { return embedLoop(ctx, emb, db, log) })
	}
	var h bot.Handler = b
	if metrics != nil {
		h = newObservedBot(b, metrics)
		ready := &readiness{db: db, adapters: adapters, stuckAfter: cfg.Ops.StuckAfter.Duration, now: time.Now}
		serve, err := serveOps(ctx, cfg.Ops.Listen, opsHandler(metrics, ready), log, m.OpsReady)
		if err != nil {
			cancel()
			wg.Wait()
			return err
		}
		start("ops listener", serve)
	}
	// Each platform's adapter retries what can pass (the network, the platform's own
	// trouble) inside Run; an error it returns is permanent (a rejected token, a listen
	// address in use) and stops the process, naming the platform.
	for i, a := range adapters {
		p := a.Platform()
		start("dispatcher "+p, disps[i].Run)
		start(p+" platform", func(ctx context.Context) error { return a.Run(ctx, h) })
		if p == "discord" {
			// Beside Run, so a slow registration does not hold up the Gateway.
			start("discord commands", func(ctx context.Context) error { return registerAtStart(ctx, a, cfg.Discord.Guild, log) })
		}
	}
	if m.Ready != nil {
		m.Ready(listenAddr(adapters))
	}
	wg.Wait()
	sched.Wait()
	return firstErr
}

// listenAddr is the HTTP listener address of the first platform that has one ("" when
// none has).
func listenAddr(adapters []bot.Adapter) string {
	for _, a := range adapters {
		if l, ok := a.(interface{ Addr() string }); ok && l.Addr() != "" {
			return l.Addr()
		}
	}
	return ""
}

// newAdapters builds every configured chat platform (config.Platforms): Slack when its
// bot token is set, Discord when its token is set, the fake test platform in test
// builds; the terminal when none is.
func (m *Main) newAdapters(ctx context.Context, cfg config.Config, db *store.DB, log *slog.Logger) ([]bot.Adapter, error) {
	var out []bot.Adapter
	for _, p := range cfg.Platforms() {
		a, err := m.newAdapter(ctx, p, cfg, db, log)
		if err != nil {
			// Release what the platforms built so far hold (Slack's HTTP listener).
			for _, a := range out {
				if c, ok := a.(interface{ Close() error }); ok {
					_ = c.Close()
				}
			}
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// newAdapter builds the adapter of one platform.
func (m *Main) newAdapter(ctx context.Context, platform string, cfg config.Config, db *store.DB, log *slog.Logger) (bot.Adapter, error) {
	switch platform {
	case "slack":
		return slack.New(slack.Options{
			BotToken: cfg.Slack.BotToken, AppToken: cfg.Slack.AppToken, SigningSecret: cfg.Slack.SigningSecret,
			Mode: cfg.Slack.Mode, Listen: cfg.Slack.Listen, APIURL: cfg.Slack.APIURL,
			Log: log.With(slog.String("component", "slack")), Now: time.Now,
		})
	case "discord":
		return newDiscord(cfg, log)
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
		if mk, ok := extraAdapters[platform]; ok {
			return mk(cfg, log)
		}
		return nil, fmt.Errorf("chat platform %q is not built into this binary", platform)
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
func ingestJobs(cfg config.Config, srcs *sources, db *store.DB, log *slog.Logger, metrics *opsMetrics) ([]bot.Job, error) {
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
			Run:   ingestJob(src, db, log, metrics),
		})
	}
	return jobs, nil
}

func ingestJob(src ingest.Source, db *store.DB, log *slog.Logger, metrics *opsMetrics) func(context.Context) error {
	return func(ctx context.Context) error {
		st, read, err := fetchInto(ctx, db, src.Fetch)
		metrics.ingested(src.Name(), st, err)
		if ctx.Err() == nil {
			// Kept in the database for `paperboy status` (another process).
			run := store.SourceRun{Name: src.Name(), At: time.Now(), New: st.New}
			if err != nil {
				run.Err = err.Error()
			}
			if rerr := db.RecordSourceRun(context.WithoutCancel(ctx), run); rerr != nil {
				log.Warn("recording the source's run failed", slog.String("source", src.Name()), slog.Any("error", rerr))
			}
		}
		log.Info("ingest", slog.String("source", src.Name()), slog.Int("fetched", read),
			slog.Int("new", st.New), slog.Int("updated", st.Updated), slog.Int("duplicates", st.Duplicates))
		return err
	}
}

// statusLines are the lines `/papers status` adds beyond the channel's outbox: the
// platforms this process serves with their deliveries, scheduler runs and summary usage.
func statusLines(ctx context.Context, db *store.DB, platforms []string, runs []bot.JobRun) []string {
	lines := []string{"Platforms served: " + strings.Join(platforms, ", ")}
	if st, err := db.DeliveryStatus(ctx, ""); err == nil {
		for _, p := range st.Platforms {
			lines = append(lines, "Deliveries on "+p.Platform+": "+p.DeliveryCounts.String())
		}
	}
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

// defaultSourcesNote says what `run` ingests when the configuration has no sources key.
const defaultSourcesNote = "Hugging Face Daily Papers every 3h (the default with no [[sources]] in the configuration; sources = [] turns it off)"

// welcome tells a person at the terminal where they are and how papers get in.
func (m *Main) welcome(ctx context.Context, db *store.DB, cfg config.Config, sources int, logPath string) {
	n := 0
	if st, err := db.DeliveryStatus(ctx, ""); err == nil {
		n = st.Papers
	}
	fmt.Fprintf(m.Stdout, "paperboy %s: this terminal is channel #%s (%s, %d papers stored). Type /papers help.\n", version, cfg.Bot.Channel, cfg.DB, n)
	if logPath != "" {
		fmt.Fprintf(m.Stdout, "The log is in %s (warnings and errors also show here).\n", logPath)
	}
	if cfg.SourcesDefault {
		fmt.Fprintln(m.Stdout, "Ingesting "+defaultSourcesNote+".")
	} else if sources == 0 {
		fmt.Fprintln(m.Stdout, "Ingestion is off (sources = []): subscribe here, then add papers from another terminal, e.g.")
		fmt.Fprintln(m.Stdout, "  bin/paperboy import --announce --db "+cfg.DB+" FILE.jsonl    or    bin/paperboy ingest hf --db "+cfg.DB)
	}
}
