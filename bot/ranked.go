package bot

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/paperboy-bot/paperboy"
)

// rrfK is the constant of reciprocal rank fusion, which blends the trend (upvotes) with
// the channel's taste (its model) in a trending for-you digest: a paper scores
// 1/(rrfK+its rank by upvotes) + 1/(rrfK+its rank by the model). Ranks, not raw scores,
// are blended because upvotes and model scores have unrelated scales; 60 is the usual
// constant, which lets a paper high in one order and low in the other still place well.
const rrfK = 60

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
// grew through the day count), or both blended by reciprocal rank fusion. ok is false
// when a paper could not be read (the digest waits).
func (d *Dispatcher) rankFor(ctx context.Context, s paperboy.Subscription, ds []paperboy.Delivery) (order []int, ok bool) {
	n := len(ds)
	score := make([]float64, n)
	if s.Trending {
		ups := make([]int, n)
		for i, x := range ds {
			p, err := d.cfg.Papers.FindPaper(ctx, x.PaperID)
			if err != nil {
				d.log.Warn("loading a trending paper failed; the digest waits", slog.String("paper_id", x.PaperID), slog.Any("error", err))
				return nil, false
			}
			ups[i] = p.Upvotes
		}
		byUp := indexes(n)
		slices.SortStableFunc(byUp, func(a, b int) int { return cmp.Compare(ups[b], ups[a]) })
		for r, i := range byUp {
			score[i] += 1 / float64(rrfK+r+1)
		}
	}
	if s.ForYou {
		byModel := d.modelOrder(ctx, s.Channel, ds)
		for r, i := range byModel {
			score[i] += 1 / float64(rrfK+r+1)
		}
	}
	order = indexes(n)
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(score[b], score[a]) })
	return order, true
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
