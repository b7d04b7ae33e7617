package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/paperboy-bot/paperboy/config"
	"github.com/paperboy-bot/paperboy/store"
)

// runStatus prints what an operator checks first: papers, the outbox (in all and per
// platform) with recent failures and their reasons, the platforms this configuration
// runs, and summary usage.
func (m *Main) runStatus(ctx context.Context, args []string) error {
	var c common
	fs := m.newFlags("status", "", &c)
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	cfg, db, err := m.openReader(ctx, &c)
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := db.DeliveryStatus(ctx, "")
	if err != nil {
		return err
	}
	w := m.Stdout
	fmt.Fprintf(w, "database   %s\n", cfg.DB)
	fmt.Fprintf(w, "papers     %d", st.Papers)
	if !st.LastIngest.IsZero() {
		fmt.Fprintf(w, " (newest stored %s)", st.LastIngest.Local().Format("2006-01-02 15:04 MST"))
	}
	fmt.Fprintln(w)
	if note := unindexedNote(ctx, db); note != "" {
		fmt.Fprintf(w, "index      %s\n", note)
	}
	fmt.Fprintf(w, "outbox     %s\n", st.DeliveryCounts)
	for _, p := range st.Platforms {
		fmt.Fprintf(w, "  %-8s %s\n", p.Platform, p.DeliveryCounts)
	}
	fmt.Fprintf(w, "platforms  %s (what `run` serves with this configuration)\n", strings.Join(cfg.Platforms(), ", "))
	for _, d := range st.RecentFailures {
		fmt.Fprintf(w, "  failed   %s in %s: %s\n", d.PaperID, d.Channel, d.LastError)
	}
	if wd := time.Now().UTC().Weekday(); wd == time.Saturday || wd == time.Sunday {
		fmt.Fprintln(w, "note       arXiv does not announce new papers on Saturdays and Sundays.")
	}
	if err := m.statusSources(ctx, w, cfg, db); err != nil {
		return err
	}
	running, err := db.RunningInstance(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, leaseLine(running, time.Now()))
	usage, err := db.SummaryUsage(ctx)
	if err != nil {
		return err
	}
	for _, u := range usage {
		fmt.Fprintln(w, summaryUsageLine(u))
	}
	return nil
}

// statusSources prints the sources `run` ingests with this configuration and each one's
// last run as the running bot recorded it (its error, once, rather than a log to read).
func (m *Main) statusSources(ctx context.Context, w io.Writer, cfg config.Config, db *store.DB) error {
	switch {
	case cfg.SourcesDefault:
		fmt.Fprintf(w, "sources    %s\n", defaultSourcesNote)
	case len(cfg.Sources) == 0:
		fmt.Fprintln(w, "sources    none (sources = []): `run` ingests nothing; use import or ingest")
	default:
		for _, s := range cfg.Sources {
			fmt.Fprintf(w, "sources    %s every %s\n", strings.TrimSpace(s.Kind+" "+s.Category+" "+s.URL), s.Every.Duration)
		}
	}
	runs, err := db.SourceRuns(ctx)
	if err != nil {
		return err
	}
	for _, r := range runs {
		line := fmt.Sprintf("  %s: last run %s, %d new", r.Name, r.At.Local().Format("2006-01-02 15:04 MST"), r.New)
		if r.Err != "" {
			line = fmt.Sprintf("  %s: last run %s failed: %s", r.Name, r.At.Local().Format("2006-01-02 15:04 MST"), r.Err)
		}
		fmt.Fprintln(w, line)
	}
	return nil
}

func summaryUsageLine(u store.SummaryUsage) string {
	return fmt.Sprintf("summaries  %s: %d (tokens: %d prompt, %d completion)", u.Model, u.Summaries, u.PromptTokens, u.CompletionTokens)
}
