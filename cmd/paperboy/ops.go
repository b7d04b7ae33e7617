package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
	"github.com/paperboy-bot/paperboy/config"
	"github.com/paperboy-bot/paperboy/store"
)

// The ops listener (ops.listen) serves /healthz, /readyz and /metrics for `paperboy run`
// in every mode. It is wiring: the components count through hooks (the dispatcher's
// OnCall, the handler the adapters call, the ingest jobs) and the store answers the rest
// at scrape time. Labels are bounded: platforms, command names of the grammar, source
// names from the configuration, summary models; never a paper, user or channel id, and
// no vote is exposed.

// opsMetrics are the counters the running components feed.
type opsMetrics struct {
	reg          *prometheus.Registry
	calls        *prometheus.CounterVec   // platform, result
	commands     *prometheus.HistogramVec // platform, command
	events       *prometheus.CounterVec   // platform, kind
	ingestRuns   *prometheus.CounterVec   // source, result
	ingestPapers *prometheus.CounterVec   // source, kind
}

func newOpsMetrics(db *store.DB, platforms []string, cfg config.Config) *opsMetrics {
	m := &opsMetrics{
		reg: prometheus.NewRegistry(),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paperboy_platform_calls_total",
			Help: "Calls the dispatchers made to chat platforms (posts, messages, edits, lookups) by result: ok, rate_limited (429), error.",
		}, []string{"platform", "result"}),
		commands: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "paperboy_command_duration_seconds",
			Help:    "Time to answer a slash command, by command (\"search\" is search latency); unknown commands are \"other\".",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"platform", "command"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paperboy_vote_events_total",
			Help: "Reactions, button clicks and thread replies received, by kind.",
		}, []string{"platform", "kind"}),
		ingestRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paperboy_ingest_runs_total",
			Help: "Scheduled ingest runs by source and result (ok, error).",
		}, []string{"source", "result"}),
		ingestPapers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paperboy_ingest_papers_total",
			Help: "Papers stored by scheduled ingest runs, by source and kind (new, updated).",
		}, []string{"source", "kind"}),
	}
	m.reg.MustRegister(m.calls, m.commands, m.events, m.ingestRuns, m.ingestPapers,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&storeCollector{db: db, platforms: platforms, priceIn: cfg.Summarize.PriceInput, priceOut: cfg.Summarize.PriceOutput, model: cfg.Summarize.Model})
	for _, p := range platforms {
		for _, r := range []string{"ok", "rate_limited", "error"} {
			m.calls.WithLabelValues(p, r)
		}
	}
	return m
}

// onCall returns the dispatcher's OnCall hook for one platform.
func (m *opsMetrics) onCall(platform string) func(error) {
	if m == nil {
		return nil
	}
	return func(err error) {
		result := "ok"
		if err != nil {
			result = "error"
			if se := bot.ClassifySend(err); se.RetryAfter > 0 || se.Reason == "rate_limited" {
				result = "rate_limited"
			}
		}
		m.calls.WithLabelValues(platform, result).Inc()
	}
}

// ingested counts one scheduled ingest run.
func (m *opsMetrics) ingested(source string, st paperboy.UpsertStats, err error) {
	if m == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.ingestRuns.WithLabelValues(source, result).Inc()
	m.ingestPapers.WithLabelValues(source, "new").Add(float64(st.New))
	m.ingestPapers.WithLabelValues(source, "updated").Add(float64(st.Updated))
}

// observedBot is the bot as the adapters see it when metrics are on: commands are timed
// by name and events counted by kind; everything else (completion) is the bot's.
type observedBot struct {
	*bot.Bot
	m     *opsMetrics
	names map[string]bool
}

func newObservedBot(b *bot.Bot, m *opsMetrics) bot.Handler {
	if m == nil {
		return b
	}
	names := map[string]bool{}
	for _, n := range b.CommandNames() {
		names[n] = true
	}
	return &observedBot{Bot: b, m: m, names: names}
}

// HandleCommand implements bot.Handler.
func (o *observedBot) HandleCommand(ctx context.Context, c bot.Command) bot.Reply {
	start := time.Now()
	r := o.Bot.HandleCommand(ctx, c)
	name, _, _ := strings.Cut(strings.TrimSpace(c.Text), " ")
	name = strings.ToLower(name)
	if name == "" {
		name = "help"
	}
	if !o.names[name] {
		name = "other"
	}
	o.m.commands.WithLabelValues(c.Platform, name).Observe(time.Since(start).Seconds())
	return r
}

// HandleEvent implements bot.Handler.
func (o *observedBot) HandleEvent(ctx context.Context, e bot.Event) {
	o.Bot.HandleEvent(ctx, e)
	switch e.Kind {
	case bot.EventReactionAdded, bot.EventReactionRemoved, bot.EventButton, bot.EventThreadReply:
		o.m.events.WithLabelValues(e.Platform, e.Kind).Inc()
	}
}

// storeCollector reads what the store knows at scrape time: the outbox per platform,
// the oldest due delivery, summaries and the database's size.
type storeCollector struct {
	db                *store.DB
	platforms         []string
	model             string
	priceIn, priceOut float64
}

var (
	descDeliveries = prometheus.NewDesc("paperboy_deliveries", "Outbox rows by platform and state (pending, sending, sent, failed, skipped).", []string{"platform", "state"}, nil)
	descOldest     = prometheus.NewDesc("paperboy_oldest_pending_delivery_age_seconds", "Age of the oldest due delivery not yet on the platform (0 when none).", []string{"platform"}, nil)
	descPapers     = prometheus.NewDesc("paperboy_papers", "Papers stored.", nil, nil)
	descSummaries  = prometheus.NewDesc("paperboy_summaries", "Cached summaries by model.", []string{"model"}, nil)
	descTokens     = prometheus.NewDesc("paperboy_summary_tokens", "Tokens spent on cached summaries by model and kind (prompt, completion).", []string{"model", "kind"}, nil)
	descCost       = prometheus.NewDesc("paperboy_summary_cost_usd", "Estimated cost of cached summaries of the configured model (summarize.price_input/price_output).", []string{"model"}, nil)
	descDBSize     = prometheus.NewDesc("paperboy_database_size_bytes", "Size of the database file and its write-ahead log.", nil, nil)
	descScrapeErr  = prometheus.NewDesc("paperboy_store_scrape_error", "1 when the store could not be read for this scrape.", nil, nil)
)

// Describe implements prometheus.Collector.
func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descDeliveries, descOldest, descPapers, descSummaries, descTokens, descCost, descDBSize, descScrapeErr} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	failed := 0.0
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	if st, err := c.db.DeliveryStatus(ctx, ""); err == nil {
		gauge(descPapers, float64(st.Papers))
		for _, p := range st.Platforms {
			for _, s := range []struct {
				state string
				n     int
			}{{"pending", p.Pending}, {"sending", p.Sending}, {"sent", p.Sent}, {"failed", p.Failed}, {"skipped", p.Skipped}} {
				gauge(descDeliveries, float64(s.n), p.Platform, s.state)
			}
		}
	} else {
		failed = 1
	}
	now := time.Now()
	if pend, err := c.db.PendingByPlatform(ctx, now); err == nil {
		age := map[string]float64{}
		for _, p := range c.platforms {
			age[p] = 0
		}
		for _, p := range pend {
			age[p.Platform] = max(now.Sub(p.Oldest).Seconds(), 0)
		}
		for p, a := range age {
			gauge(descOldest, a, p)
		}
	} else {
		failed = 1
	}
	if usage, err := c.db.SummaryUsage(ctx); err == nil {
		for _, u := range usage {
			gauge(descSummaries, float64(u.Summaries), u.Model)
			gauge(descTokens, float64(u.PromptTokens), u.Model, "prompt")
			gauge(descTokens, float64(u.CompletionTokens), u.Model, "completion")
			if u.Model == c.model && (c.priceIn > 0 || c.priceOut > 0) {
				gauge(descCost, (float64(u.PromptTokens)*c.priceIn+float64(u.CompletionTokens)*c.priceOut)/1e6, u.Model)
			}
		}
	} else {
		failed = 1
	}
	gauge(descDBSize, float64(c.db.SizeBytes()))
	gauge(descScrapeErr, failed)
}

// readiness answers /readyz: the database takes a write, each platform's connection is
// up (adapters that are bot.Connectors), and no platform's oldest due delivery is older
// than stuckAfter.
type readiness struct {
	db         *store.DB
	adapters   []bot.Adapter
	stuckAfter time.Duration
	now        func() time.Time
}

type checkResult struct {
	Name  string `json:"name"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

func (r *readiness) check(ctx context.Context) []checkResult {
	var out []checkResult
	add := func(name string, err error) {
		c := checkResult{Name: name, OK: err == nil}
		if err != nil {
			c.Error = err.Error() // store errors and adapters' connection errors name no secret
		}
		out = append(out, c)
	}
	add("database", r.db.CheckWritable(ctx))
	for _, a := range r.adapters {
		if c, ok := a.(bot.Connector); ok {
			add("platform "+a.Platform(), c.Connected(ctx))
		}
	}
	now := r.now()
	pend, err := r.db.PendingByPlatform(ctx, now)
	for _, a := range r.adapters {
		p := a.Platform()
		var stuck error
		if err != nil {
			stuck = err
		}
		for _, x := range pend {
			if x.Platform == p && now.Sub(x.Oldest) > r.stuckAfter {
				stuck = fmt.Errorf("stuck: the oldest of %d due deliveries is %s old (ops.stuck_after %s)",
					x.Pending, now.Sub(x.Oldest).Truncate(time.Second), r.stuckAfter)
			}
		}
		add("dispatcher "+p, stuck)
	}
	return out
}

// opsHandler serves /healthz, /readyz and /metrics.
func opsHandler(m *opsMetrics, r *readiness) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, req *http.Request) {
		ctx, cancel := context.WithTimeout(req.Context(), 5*time.Second)
		defer cancel()
		checks := r.check(ctx)
		body := struct {
			Status string        `json:"status"`
			Failed []string      `json:"failed,omitempty"`
			Checks []checkResult `json:"checks"`
		}{Status: "ok", Checks: checks}
		for _, c := range checks {
			if !c.OK {
				body.Status = "fail"
				body.Failed = append(body.Failed, c.Name)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		if body.Status != "ok" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(body)
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	return mux
}

// serveOps listens on addr and serves h until ctx ends; ready gets the bound address.
func serveOps(ctx context.Context, addr string, h http.Handler, log *slog.Logger, ready func(string)) (func(context.Context) error, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("ops.listen %s: %w", addr, err)
	}
	log.Info("ops listener", slog.String("addr", ln.Addr().String()), slog.String("paths", "/healthz /readyz /metrics"))
	if ready != nil {
		ready(ln.Addr().String())
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second}
	return func(ctx context.Context) error {
		go func() {
			<-ctx.Done()
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
		}()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}, nil
}
