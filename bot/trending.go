package bot

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// trendingWindow is how far back, before a trending digest's slot, papers may have been
// published and still count as trending: Hugging Face Daily Papers features papers
// days after arXiv announced them.
const trendingWindow = 7 * 24 * time.Hour

// trendingCandidates bounds the recent papers a trending digest looks through.
const trendingCandidates = 20_000

// trending queues, for every trending subscription whose digest slot has passed since it
// was last served, the papers on Hugging Face Daily Papers that match its filter and
// were published within trendingWindow of the slot, as deliveries of that slot. They are
// chosen at the slot, not when first stored, because most papers reach HF after arXiv
// (the watcher sees a paper once, when first stored) and because their upvotes grow
// through the day (a scheduled HF ingest refetches today's and yesterday's lists and
// raises the stored counts). The dispatcher then keeps the best top:N by the upvotes of
// that moment (pickRanked); the rest are recorded as skipped. A paper the channel
// already got (from any subscription) is not queued again. Each subscription has a
// cursor, trending:<id>, holding the last slot served, moved with the inserts.
func (w *Watcher) trending(ctx context.Context, subs []paperboy.Subscription) (int, error) {
	p := w.newPlanner(ctx)
	total := 0
	var recent []*paperboy.Paper // loaded once, when a slot is due
	var recentSince time.Time
	for _, s := range subs {
		if !s.Trending || s.Digest.Every == paperboy.DigestNone {
			continue
		}
		loc, err := p.location(s.Channel)
		if err != nil {
			return total, err
		}
		slot := lastDigest(s.Digest, p.now, loc)
		if slot.IsZero() || slot.Before(s.CreatedAt) {
			continue // the first slot after subscribing is the first digest
		}
		name := "trending:" + strconv.FormatInt(s.ID, 10)
		done, found, err := w.cfg.Store.Cursor(ctx, name)
		if err != nil {
			return total, fmt.Errorf("bot: trending: %w", err)
		}
		if found && done >= slot.Unix() {
			continue
		}
		since := slot.Add(-trendingWindow)
		if recent == nil || since.Before(recentSince) {
			if recent, err = w.cfg.Store.RecentPapers(ctx, since, trendingCandidates); err != nil {
				return total, fmt.Errorf("bot: trending: %w", err)
			}
			recentSince = since
		}
		var ds []paperboy.Delivery
		var text paperboy.MatchText
		for _, paper := range recent {
			text = paperboy.MatchText{}
			if onHF(paper) && paper.Upvotes > 0 && s.Query.MatchCached(paper, &text) {
				ds = append(ds, paperboy.Delivery{PaperID: paper.ID, Channel: s.Channel, SubscriptionID: s.ID, DigestAt: slot})
			}
		}
		var from int64
		if found {
			from = done
		}
		n, err := w.cfg.Store.CommitWatch(ctx, name, from, slot.Unix(), ds)
		if paperboy.ErrorCode(err) == paperboy.ECONFLICT {
			continue // another watcher served it
		}
		if err != nil {
			return total, fmt.Errorf("bot: trending: %w", err)
		}
		w.log.Info("trending digest queued", slog.Int64("subscription_id", s.ID), slog.Int("candidates", len(ds)), slog.Int("deliveries", n))
		total += n
	}
	return total, nil
}

// onHF reports whether paper was seen on Hugging Face Daily Papers.
func onHF(paper *paperboy.Paper) bool {
	return paper.HFURL != "" || slices.Contains(paper.Sources, paperboy.SourceHF)
}

// lastDigest returns the latest digest slot at or before now (zero for DigestNone).
func lastDigest(d paperboy.Digest, now time.Time, loc *time.Location) time.Time {
	step := 24 * time.Hour
	if d.Every == paperboy.DigestWeekly {
		step = 7 * 24 * time.Hour
	}
	// The slot after a time a period (and a daylight-saving hour) earlier; stepping back
	// again when that is still after now.
	for back := step + 2*time.Hour; back <= 3*step; back += step {
		if slot := NextDigest(d, now.Add(-back), loc); !slot.After(now) {
			if next := NextDigest(d, slot, loc); !next.After(now) {
				slot = next
			}
			return slot
		}
	}
	return time.Time{}
}

// trendingOrder orders a digest whose papers all come from one trending subscription as
// its digest was picked (rankFor: upvotes now, blended with the channel's model for
// trending for-you); ok is false for any other digest.
func (d *Dispatcher) trendingOrder(ctx context.Context, ds []paperboy.Delivery, papers []*paperboy.Paper) (rankedDigest, bool) {
	id := ds[0].SubscriptionID
	for _, x := range ds {
		if x.SubscriptionID != id || id == 0 {
			return rankedDigest{}, false
		}
	}
	s, err := d.cfg.Store.Subscription(ctx, id)
	if err != nil || !s.Trending {
		return rankedDigest{}, false
	}
	order, ok := d.rankFor(ctx, s, ds)
	if !ok {
		return rankedDigest{}, false
	}
	r := rankedDigest{trending: "most upvoted on Hugging Face first"}
	if s.ForYou {
		r.trending = "Hugging Face upvotes blended with this channel's votes"
	}
	for _, i := range order {
		r.ds = append(r.ds, ds[i])
		r.papers = append(r.papers, papers[i])
	}
	return r, true
}
