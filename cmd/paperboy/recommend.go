package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/recommend"
)

// recommendResult is one element of `recommend --json`: a stable contract for scripts.
type recommendResult struct {
	ID     string  `json:"id"`
	Title  string  `json:"title"`
	Score  float64 `json:"score"`
	URL    string  `json:"url"`
	Reason string  `json:"reason"`
}

// defaultRecommendSince is how far back `recommend` looks by default.
const defaultRecommendSince = "7d"

// runRecommend is `paperboy recommend --channel KEY`: the channel's ranking, from its votes.
func (m *Main) runRecommend(ctx context.Context, args []string) error {
	var c common
	fs := m.newFlags("recommend", "--channel KEY", &c)
	channel := fs.String("channel", "", "channel `key` as `status` shows it (slack:C0123, shell:terminal, ...)")
	asJSON := fs.Bool("json", false, "print a JSON array (id, title, score, url, reason), best first")
	limit := fs.Int("limit", 10, "number of papers (1-50)")
	since := fs.String("since", defaultRecommendSince, "rank papers stored since `D` (7d, 12h, 2024-01-01)")
	rest, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 || *channel == "" {
		fs.Usage()
		return errUsage
	}
	if err := checkChannelKey(*channel); err != nil {
		return err
	}
	if *limit < 1 || *limit > recommend.MaxLimit {
		return fmt.Errorf("--limit %d: must be between 1 and %d", *limit, recommend.MaxLimit)
	}
	from, err := paperboy.ParseSince(*since, time.Now())
	if err != nil {
		return fmt.Errorf("--since %s: %s", *since, paperboy.ErrorMessage(err))
	}
	cfg, db, err := m.openReader(ctx, &c)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := newRecommender(cfg, db)
	recs, err := svc.Recommend(ctx, *channel, from, *limit)
	if err != nil {
		if code := paperboy.ErrorCode(err); code != paperboy.EINTERNAL {
			return fmt.Errorf("%s", strings.ReplaceAll(paperboy.ErrorMessage(err), "--channel KEY", "--channel "+*channel))
		}
		return err
	}
	w := bufio.NewWriter(m.Stdout)
	defer w.Flush()
	if *asJSON {
		out := make([]recommendResult, 0, len(recs))
		for _, r := range recs {
			out = append(out, recommendResult{ID: r.Paper.ID, Title: r.Paper.Title, Score: round3(r.Score), URL: r.Paper.URL(), Reason: r.Reason})
		}
		enc := json.NewEncoder(jsonOut(w))
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(recs) == 0 {
		fmt.Fprintf(w, "No papers stored since %s to rank (try --since 30d).\n", from.Format("2006-01-02 15:04"))
		return nil
	}
	for i, r := range recs {
		fmt.Fprintf(w, "%2d. %s\n    %s · %s\n", i+1, r.Paper.Title, r.Paper.URL(), r.Reason)
	}
	return nil
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// checkChannelKey accepts "platform:id" keys (paperboy.ChannelKey).
func checkChannelKey(key string) error {
	platform, id, ok := strings.Cut(key, ":")
	if !ok || platform == "" || id == "" || strings.ContainsAny(key, " \t\r\n") {
		return fmt.Errorf("--channel %q: a channel key is platform:id, e.g. slack:C0123 or shell:terminal (see `paperboy status`)", key)
	}
	return nil
}

// runVectors is `paperboy vectors`: compute the stored vectors of papers stored before
// recommendations existed (they work without, computing them on the fly, but slower).
func (m *Main) runVectors(ctx context.Context, args []string) error {
	var c common
	fs := m.newFlags("vectors", "", &c)
	rest, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		fs.Usage()
		return errUsage
	}
	cfg, err := m.loadConfig(&c)
	if err != nil {
		return err
	}
	db, err := m.openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	n, err := db.BackfillVectors(ctx, func(done, total int) {
		fmt.Fprintf(m.Stderr, "\rvectors: %d/%d papers", done, total)
	})
	if n > 0 {
		fmt.Fprintln(m.Stderr)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%d papers given vectors in %s.\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}
