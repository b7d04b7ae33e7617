package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// WatcherCursor is the name of the watcher's progress marker in the store.
const WatcherCursor = "watcher"

// WatcherConfig configures a Watcher. Store and Subs are required.
type WatcherConfig struct {
	Store paperboy.OutboxService
	Subs  paperboy.SubscriptionService
	Log   *slog.Logger
	Now   func() time.Time
	// Poll is how often the store is checked for new papers (default 1 s).
	Poll time.Duration
	// Backfill is how many recent matching papers a new subscription gets (0 = none;
	// config's default is 5). BackfillAge bounds how old they may be (default 14 days).
	Backfill    int
	BackfillAge time.Duration
	// DailyCap applies to subscriptions that ask for the default (DailyCap 0); 0 here
	// means no cap.
	DailyCap int
	// DefaultTimeZone is the IANA zone for digests of channels without one ("" = UTC).
	DefaultTimeZone string
	// Batch is how many papers one transaction handles (default 200).
	Batch int
	// Notify is called after deliveries were queued (e.g. Dispatcher.Wake).
	Notify func()
	// Ranker scores papers for immediate for-you subscriptions (their min: threshold);
	// nil, or a channel without likes, posts nothing for them.
	Ranker paperboy.Recommender
}

// Watcher turns new papers into outbox rows. It follows papers.seq with a cursor kept in
// the store: matching and the cursor move are committed together, so a crash neither
// loses nor repeats a paper, and papers written by another process (a cron `paperboy
// ingest`) are seen at the next poll. A new version of a paper keeps its seq and is never
// seen again.
type Watcher struct {
	cfg WatcherConfig
	log *slog.Logger
	loc *time.Location
}

// NewWatcher returns a Watcher. Errors: EINVALID (missing store, bad time zone).
func NewWatcher(cfg WatcherConfig) (*Watcher, error) {
	if cfg.Store == nil || cfg.Subs == nil {
		return nil, paperboy.Errorf(paperboy.EINVALID, "watcher: a store and a subscription service are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.BackfillAge <= 0 {
		cfg.BackfillAge = 14 * 24 * time.Hour
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 200
	}
	loc := time.UTC
	if cfg.DefaultTimeZone != "" {
		var err error
		if loc, err = time.LoadLocation(cfg.DefaultTimeZone); err != nil {
			return nil, paperboy.Errorf(paperboy.EINVALID, "time_zone: %q is not an IANA time zone (e.g. Europe/Paris)", cfg.DefaultTimeZone)
		}
	}
	return &Watcher{cfg: cfg, log: cfg.Log.With(slog.String("component", "watcher")), loc: loc}, nil
}

// Run polls until ctx ends. Errors are logged and retried at the next poll.
func (w *Watcher) Run(ctx context.Context) error {
	t := time.NewTicker(w.cfg.Poll)
	defer t.Stop()
	for {
		if _, err := w.Poll(ctx); err != nil && ctx.Err() == nil {
			w.log.Error("watch failed; retrying", slog.Any("error", err))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Poll handles every paper stored since the last poll, queues trending digests whose
// slot has passed (trending), and returns how many deliveries it queued. On the very first run it only records the current position: the existing
// store is not posted.
func (w *Watcher) Poll(ctx context.Context) (int, error) {
	cursor, found, err := w.cfg.Store.Cursor(ctx, WatcherCursor)
	if err != nil {
		return 0, fmt.Errorf("bot: watcher: %w", err)
	}
	max, err := w.cfg.Store.MaxSeq(ctx)
	if err != nil {
		return 0, fmt.Errorf("bot: watcher: %w", err)
	}
	if !found {
		if _, err := w.cfg.Store.CommitWatch(ctx, WatcherCursor, 0, max, nil); err != nil {
			return 0, fmt.Errorf("bot: watcher: start: %w", err)
		}
		w.log.Info("watcher started; existing papers are not announced", slog.Int64("seq", max))
		return 0, nil
	}
	subs, err := w.cfg.Subs.Subscriptions(ctx, "")
	if err != nil {
		return 0, fmt.Errorf("bot: watcher: %w", err)
	}
	total, err := w.trending(ctx, subs)
	if err != nil {
		return total, err
	}
	if total > 0 && w.cfg.Notify != nil && max <= cursor {
		w.cfg.Notify()
	}
	if max <= cursor {
		return total, nil
	}
	for cursor < max {
		papers, last, err := w.cfg.Store.PapersAfter(ctx, cursor, w.cfg.Batch)
		if err != nil {
			return total, fmt.Errorf("bot: watcher: %w", err)
		}
		if last <= cursor {
			break
		}
		ds, err := w.plan(ctx, subs, papers)
		if err != nil {
			return total, err
		}
		n, err := w.cfg.Store.CommitWatch(ctx, WatcherCursor, cursor, last, ds)
		if paperboy.ErrorCode(err) == paperboy.ECONFLICT {
			// Another watcher (a second process) moved the cursor: start over from it.
			w.log.Warn("watcher cursor moved by someone else; re-reading", slog.Any("error", err))
			return total, nil
		}
		if err != nil {
			return total, fmt.Errorf("bot: watcher: %w", err)
		}
		if len(papers) > 0 {
			w.log.Info("new papers matched", slog.Int("papers", len(papers)), slog.Int("deliveries", n),
				slog.Int64("from_seq", cursor), slog.Int64("to_seq", last))
		}
		total += n
		cursor = last
	}
	if total > 0 && w.cfg.Notify != nil {
		w.cfg.Notify()
	}
	return total, nil
}

// planner holds per-batch caches for matching.
type planner struct {
	w      *Watcher
	ctx    context.Context
	now    time.Time
	locs   map[string]*time.Location
	counts map[int64]int // deliveries of the day per subscription, this batch included
}

func (w *Watcher) newPlanner(ctx context.Context) *planner {
	return &planner{w: w, ctx: ctx, now: w.cfg.Now(), locs: map[string]*time.Location{}, counts: map[int64]int{}}
}

// plan matches papers against subscriptions: at most one delivery per (paper, channel).
func (w *Watcher) plan(ctx context.Context, subs []paperboy.Subscription, papers []*paperboy.Paper) ([]paperboy.Delivery, error) {
	p := w.newPlanner(ctx)
	// Group subscriptions by channel, keeping id order.
	var channels []string
	byChannel := map[string][]paperboy.Subscription{}
	for _, s := range subs {
		if _, ok := byChannel[s.Channel]; !ok {
			channels = append(channels, s.Channel)
		}
		byChannel[s.Channel] = append(byChannel[s.Channel], s)
	}
	scores, err := p.forYouScores(channels, byChannel, papers)
	if err != nil {
		return nil, err
	}
	var ds []paperboy.Delivery
	for _, paper := range papers {
		var text paperboy.MatchText // the paper's terms, computed once for all filters
		for _, ch := range channels {
			var matched []paperboy.Subscription
			for _, s := range byChannel[ch] {
				if matchRanked(s, paper, &text, scores[ch]) {
					matched = append(matched, s)
				}
			}
			if len(matched) == 0 {
				continue
			}
			d, err := p.deliveryFor(paper, matched)
			if err != nil {
				return nil, err
			}
			ds = append(ds, d)
		}
	}
	return ds, nil
}

// immediateForYou reports whether s posts papers as they arrive when the channel's
// model scores them at least s.MinScore.
func immediateForYou(s paperboy.Subscription) bool {
	return s.ForYou && s.Digest.Every == paperboy.DigestNone
}

// matchRanked reports whether paper is for s: its filter; for an immediate for-you
// subscription, a model score of at least its threshold (scores holds the channel's; a
// paper without one is not posted). Trending subscriptions take papers at their digest
// slot instead (Watcher.trending). A for-you digest takes every match: it picks its best at digest time.
func matchRanked(s paperboy.Subscription, paper *paperboy.Paper, text *paperboy.MatchText, scores map[string]float64) bool {
	if !s.Query.MatchCached(paper, text) {
		return false
	}
	if s.Trending {
		return false // queued at its digest slot (Watcher.trending)
	}
	if immediateForYou(s) {
		score, ok := scores[paper.ID]
		return ok && score >= s.MinScore
	}
	return true
}

// forYouScores scores, for every channel with an immediate for-you subscription, the
// papers its filters match, by the channel's model: one Rank call per channel and batch.
// A channel without likes gets no scores (nothing posts until it votes).
func (p *planner) forYouScores(channels []string, byChannel map[string][]paperboy.Subscription, papers []*paperboy.Paper) (map[string]map[string]float64, error) {
	if p.w.cfg.Ranker == nil {
		return nil, nil
	}
	out := map[string]map[string]float64{}
	for _, ch := range channels {
		var ids []string
		for _, paper := range papers {
			var text paperboy.MatchText
			for _, s := range byChannel[ch] {
				if immediateForYou(s) && s.Query.MatchCached(paper, &text) {
					ids = append(ids, paper.ID)
					break
				}
			}
		}
		if len(ids) == 0 {
			continue
		}
		recs, err := p.w.cfg.Ranker.Rank(p.ctx, ch, ids)
		if paperboy.ErrorCode(err) == paperboy.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("bot: rank papers for %s: %w", ch, err)
		}
		m := make(map[string]float64, len(recs))
		for _, r := range recs {
			m[r.Paper.ID] = r.Score
		}
		out[ch] = m
	}
	return out, nil
}

// deliveryFor picks the subscription that posts paper in its channel: the first one under
// its daily cap, immediate ones before digests, ranked digests last. When every match is
// capped the delivery is recorded as skipped, with the reason.
func (p *planner) deliveryFor(paper *paperboy.Paper, matched []paperboy.Subscription) (paperboy.Delivery, error) {
	var chosen *paperboy.Subscription
	var capped []string
	// Pass 0: immediate; 1: digests; 2: ranked digests, last because they may skip the
	// paper (below their top:N), which would keep it from a plain digest of the channel.
	pass := func(s *paperboy.Subscription) int {
		switch {
		case s.Digest.Every == paperboy.DigestNone:
			return 0
		case s.Ranked():
			return 2
		}
		return 1
	}
	for digestPass := range 3 {
		for i := range matched {
			s := &matched[i]
			if pass(s) != digestPass {
				continue
			}
			ok, err := p.underCap(s)
			if err != nil {
				return paperboy.Delivery{}, err
			}
			if !ok {
				capped = append(capped, fmt.Sprintf("#%d (%d a day)", s.ID, p.capOf(s)))
				continue
			}
			chosen = s
			break
		}
		if chosen != nil {
			break
		}
	}
	if chosen == nil {
		return paperboy.Delivery{PaperID: paper.ID, Channel: matched[0].Channel, SubscriptionID: matched[0].ID,
			State: paperboy.DeliverySkipped, LastError: "daily cap reached for subscription " + strings.Join(capped, ", ")}, nil
	}
	p.counts[chosen.ID]++
	d := paperboy.Delivery{PaperID: paper.ID, Channel: chosen.Channel, SubscriptionID: chosen.ID}
	if chosen.Digest.Every != paperboy.DigestNone {
		loc, err := p.location(chosen.Channel)
		if err != nil {
			return paperboy.Delivery{}, err
		}
		d.DigestAt = NextDigest(chosen.Digest, p.now, loc)
	}
	return d, nil
}

// capOf is the daily cap that applies to s (0 = none): its own, none, or the default.
// A ranked (for-you, trending) digest has none: its top:N bounds it, and it must see
// every match of the period to pick the best.
func (p *planner) capOf(s *paperboy.Subscription) int {
	if s.Ranked() && s.Digest.Every != paperboy.DigestNone {
		return 0
	}
	return EffectiveDailyCap(s.DailyCap, p.w.cfg.DailyCap)
}

// EffectiveDailyCap is the cap a subscription's DailyCap comes to with def the default
// (bot.daily_cap): 0 when there is none.
func EffectiveDailyCap(own, def int) int {
	switch {
	case own == paperboy.NoDailyCap:
		return 0
	case own > 0:
		return own
	}
	return max(def, 0)
}

func (p *planner) underCap(s *paperboy.Subscription) (bool, error) {
	limit := p.capOf(s)
	if limit <= 0 {
		return true, nil
	}
	n, ok := p.counts[s.ID]
	if !ok {
		loc, err := p.location(s.Channel)
		if err != nil {
			return false, err
		}
		y, m, d := p.now.In(loc).Date()
		dayStart := time.Date(y, m, d, 0, 0, 0, 0, loc)
		if n, err = p.w.cfg.Store.CountDeliveries(p.ctx, s.ID, dayStart); err != nil {
			return false, fmt.Errorf("bot: watcher: %w", err)
		}
		p.counts[s.ID] = n
	}
	return n < limit, nil
}

// location returns the channel's time zone, the default when it has none or a bad one.
func (p *planner) location(channel string) (*time.Location, error) {
	if loc, ok := p.locs[channel]; ok {
		return loc, nil
	}
	c, err := p.w.cfg.Subs.Channel(p.ctx, channel)
	if err != nil {
		return nil, fmt.Errorf("bot: watcher: %w", err)
	}
	loc := p.w.loc
	if c.TimeZone != "" {
		if l, err := time.LoadLocation(c.TimeZone); err == nil {
			loc = l
		} else {
			p.w.log.Warn("channel has an unknown time zone; using the default", slog.String("channel", channel),
				slog.String("time_zone", c.TimeZone))
		}
	}
	p.locs[channel] = loc
	return loc, nil
}

// Backfill queues up to the configured number of the most recent papers matching a new
// subscription (published within BackfillAge), oldest first, so that subscribing shows
// something without flooding the channel. It returns how many were queued; papers already
// queued or posted in the channel are not counted.
func (w *Watcher) Backfill(ctx context.Context, sub paperboy.Subscription) (int, error) {
	limit := w.cfg.Backfill
	if sub.Ranked() {
		return 0, nil // ranked by votes or upvotes, not by recency: nothing to catch up on
	}
	p := w.newPlanner(ctx)
	if c := p.capOf(&sub); c > 0 && c < limit {
		limit = c
	}
	if limit <= 0 {
		return 0, nil
	}
	papers, err := w.cfg.Store.RecentPapers(ctx, p.now.Add(-w.cfg.BackfillAge), 5000)
	if err != nil {
		return 0, fmt.Errorf("bot: backfill: %w", err)
	}
	var picked []*paperboy.Paper
	for _, paper := range papers {
		if len(picked) == limit {
			break
		}
		if sub.Query.Match(paper) {
			picked = append(picked, paper)
		}
	}
	var digestAt time.Time
	if sub.Digest.Every != paperboy.DigestNone {
		loc, err := p.location(sub.Channel)
		if err != nil {
			return 0, err
		}
		digestAt = NextDigest(sub.Digest, p.now, loc)
	}
	ds := make([]paperboy.Delivery, 0, len(picked))
	for i := len(picked) - 1; i >= 0; i-- {
		ds = append(ds, paperboy.Delivery{PaperID: picked[i].ID, Channel: sub.Channel, SubscriptionID: sub.ID, DigestAt: digestAt})
	}
	n, err := w.cfg.Store.EnqueueDeliveries(ctx, ds)
	if err != nil {
		return 0, fmt.Errorf("bot: backfill: %w", err)
	}
	w.log.Info("backfill queued", slog.Int64("subscription_id", sub.ID), slog.String("channel", sub.Channel), slog.Int("papers", n))
	if n > 0 && w.cfg.Notify != nil {
		w.cfg.Notify()
	}
	return n, nil
}
