package bot

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"

	"github.com/paperboy-bot/paperboy"
)

// pickRanked keeps, for every ranked (for-you or trending) subscription among the due
// digest deliveries, the best TopN of them and records the rest as skipped with the
// reason, so a ranked digest holds at most its top:N and nothing is silently dropped.
// It returns the deliveries left to send. A set already tried (keyed) goes as it was.
// When the subscription cannot be read the deliveries wait for the next round; when
// papers cannot be ranked (no likes yet, no ranker) for-you keeps the order of arrival.
func (d *Dispatcher) pickRanked(ctx context.Context, due []paperboy.Delivery) []paperboy.Delivery {
	bySub := map[int64][]int{} // subscription -> indexes into due
	for i, g := range due {
		if g.DigestKey == "" && g.SubscriptionID != 0 {
			if _, ok := d.channelID(g.Channel); ok {
				bySub[g.SubscriptionID] = append(bySub[g.SubscriptionID], i)
			}
		}
	}
	drop := map[int]bool{}
	for id, idx := range bySub {
		s, err := d.cfg.Store.Subscription(ctx, id)
		if err != nil {
			d.log.Warn("reading a digest's subscription failed; its papers wait", slog.Int64("subscription_id", id), slog.Any("error", err))
			for _, i := range idx {
				drop[i] = true
			}
			continue
		}
		if !s.Ranked() || len(idx) <= s.TopN() {
			continue
		}
		ds := make([]paperboy.Delivery, len(idx))
		for j, i := range idx {
			ds[j] = due[i]
		}
		order, ok := d.rankFor(ctx, s, ds)
		if !ok {
			for _, i := range idx {
				drop[i] = true
			}
			continue
		}
		var skip []int64
		for _, j := range order[s.TopN():] {
			skip = append(skip, ds[j].ID)
			drop[idx[j]] = true
		}
		reason := fmt.Sprintf("not in the top %d of %d papers of %s digest (subscription #%d)", s.TopN(), len(ds), rankedName(s), s.ID)
		if err := d.cfg.Store.MarkSkipped(ctx, skip, reason); err != nil {
			d.log.Warn("recording a ranked digest's skipped papers failed; the digest waits", slog.Int64("subscription_id", id), slog.Any("error", err))
			for _, i := range idx {
				drop[i] = true
			}
		}
	}
	if len(drop) == 0 {
		return due
	}
	out := make([]paperboy.Delivery, 0, len(due)-len(drop))
	for i, g := range due {
		if !drop[i] {
			out = append(out, g)
		}
	}
	return out
}

// rankedName names a ranked subscription's kind for people: "the for-you", "the trending".
func rankedName(s paperboy.Subscription) string {
	switch {
	case s.ForYou && s.Trending:
		return "the trending for-you"
	case s.Trending:
		return "the trending"
	}
	return "the for-you"
}

// rankFor returns the indexes of ds, best first, for subscription s: by the channel's
// model (for-you), by current Hugging Face upvotes (trending, read now, so counts that
// grew through the day count), or both (trending for-you): the sum of the two scores,
// each standardized over the digest's papers (upvotes on a log scale, so 200 against 100
// weighs as 20 against 10), which gives the trend and the taste equal say; without likes
// it is the trend alone. ok is false when a paper could not be read (the digest waits).
func (d *Dispatcher) rankFor(ctx context.Context, s paperboy.Subscription, ds []paperboy.Delivery) (order []int, ok bool) {
	if !s.Trending {
		return d.modelOrder(ctx, s.Channel, ds), true
	}
	n := len(ds)
	score := make([]float64, n)
	for i, x := range ds {
		p, err := d.cfg.Papers.FindPaper(ctx, x.PaperID)
		if err != nil {
			d.log.Warn("loading a trending paper failed; the digest waits", slog.String("paper_id", x.PaperID), slog.Any("error", err))
			return nil, false
		}
		score[i] = math.Log1p(float64(max(p.Upvotes, 0)))
	}
	standardize(score)
	if s.ForYou {
		if taste, ok := d.modelScores(ctx, s.Channel, ds); ok {
			standardize(taste)
			for i := range score {
				score[i] += taste[i]
			}
		}
	}
	order = indexes(n)
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(score[b], score[a]) })
	return order, true
}

// standardize turns xs into z-scores in place (all zero when they do not vary).
func standardize(xs []float64) {
	if len(xs) == 0 {
		return
	}
	var mean, sq float64
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		sq += (x - mean) * (x - mean)
	}
	sd := math.Sqrt(sq / float64(len(xs)))
	for i, x := range xs {
		if sd == 0 {
			xs[i] = 0
		} else {
			xs[i] = (x - mean) / sd
		}
	}
}

// modelScores returns the channel's model score of each of ds (the lowest given for any
// the ranker left out); ok is false without a ranker or likes.
func (d *Dispatcher) modelScores(ctx context.Context, channel string, ds []paperboy.Delivery) ([]float64, bool) {
	if d.cfg.Ranker == nil {
		return nil, false
	}
	ids := make([]string, len(ds))
	for i, x := range ds {
		ids[i] = x.PaperID
	}
	recs, err := d.cfg.Ranker.Rank(ctx, channel, ids)
	if err != nil || len(recs) == 0 {
		if err != nil && paperboy.ErrorCode(err) != paperboy.ENOTFOUND {
			d.log.Warn("ranking a trending digest by votes failed; by upvotes alone", slog.String("channel", channel), slog.Any("error", err))
		}
		return nil, false
	}
	by := make(map[string]float64, len(recs))
	low := math.Inf(1)
	for _, r := range recs {
		by[r.Paper.ID] = r.Score
		low = min(low, r.Score)
	}
	out := make([]float64, len(ds))
	for i, id := range ids {
		if v, ok := by[id]; ok {
			out[i] = v
		} else {
			out[i] = low
		}
	}
	return out, true
}

// modelOrder returns the indexes of ds by the channel's model, best first; without a
// ranker or likes, the order of arrival.
func (d *Dispatcher) modelOrder(ctx context.Context, channel string, ds []paperboy.Delivery) []int {
	order := indexes(len(ds))
	if d.cfg.Ranker == nil {
		return order
	}
	ids := make([]string, len(ds))
	at := make(map[string]int, len(ds))
	for i, x := range ds {
		ids[i] = x.PaperID
		at[x.PaperID] = i
	}
	recs, err := d.cfg.Ranker.Rank(ctx, channel, ids)
	if err != nil {
		if paperboy.ErrorCode(err) != paperboy.ENOTFOUND {
			d.log.Warn("ranking a for-you digest failed; keeping the order of arrival", slog.String("channel", channel), slog.Any("error", err))
		}
		return order
	}
	seen := make([]bool, len(ds))
	order = order[:0]
	for _, r := range recs {
		if i, ok := at[r.Paper.ID]; ok && !seen[i] {
			seen[i] = true
			order = append(order, i)
		}
	}
	for i := range ds { // any the ranker left out, in the order of arrival
		if !seen[i] {
			order = append(order, i)
		}
	}
	return order
}

func indexes(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}
