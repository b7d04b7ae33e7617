package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// NextDigest returns the first digest slot strictly after now, at d's wall-clock time in
// loc (daily, or weekly on d.Weekday). It returns the zero time for DigestNone.
func NextDigest(d paperboy.Digest, now time.Time, loc *time.Location) time.Time {
	if d.Every == paperboy.DigestNone {
		return time.Time{}
	}
	local := now.In(loc)
	y, m, day := local.Date()
	step := 1
	if d.Every == paperboy.DigestWeekly {
		day += (int(d.Weekday) - int(local.Weekday()) + 7) % 7
		step = 7
	}
	slot := time.Date(y, m, day, d.Hour, d.Minute, 0, 0, loc)
	if !slot.After(now) {
		slot = time.Date(y, m, day+step, d.Hour, d.Minute, 0, 0, loc)
	}
	return slot.UTC()
}

// digest sends one digest message listing ds and marks them sent together.
func (d *Dispatcher) digest(ctx context.Context, channel string, ds []paperboy.Delivery) time.Duration {
	log := d.log.With(slog.String("channel", channel), slog.Int("papers", len(ds)))
	chID, _ := d.channelID(channel)
	papers := make([]*paperboy.Paper, 0, len(ds))
	for _, x := range ds {
		p, err := d.cfg.Papers.FindPaper(ctx, x.PaperID)
		if err != nil {
			log.Error("loading a digest paper failed; retrying", slog.String("paper_id", x.PaperID), slog.Any("error", err))
			return d.backoff(1, 0)
		}
		papers = append(papers, p)
	}
	ids := make([]int64, len(ds))
	for i, x := range ds {
		ids[i] = x.ID
	}
	text := d.digestText(ctx, d.rankDigest(ctx, channel, ds, papers))
	// A set tried before keeps its key: the message may exist (a lost answer) and is
	// looked up before it is sent again.
	key, tried := ds[0].DigestKey, ds[0].DigestKey != ""
	if !tried {
		key = DigestKey(ds[0].ID)
	}
	if err := d.cfg.Store.MarkDigestSending(ctx, key, ids); err != nil {
		log.Error("recording the intent to send a digest failed; retrying", slog.Any("error", err))
		return d.backoff(1, 0)
	}
	var msgID string
	found := false
	var err error
	if finder, ok := d.cfg.Adapter.(MessageFinder); ok && tried {
		var ref PostRef
		ref, found, err = finder.FindMessage(ctx, chID, "", key, digestSince(ds))
		msgID = ref.MessageID
	}
	if err == nil && !found {
		msgID, err = d.cfg.Adapter.Send(ctx, chID, Message{Text: text, Key: key})
		d.called(err)
	}
	if err != nil {
		if ctx.Err() != nil {
			return 0
		}
		return d.failed(ctx, log, ds, err)
	}
	if err := d.cfg.Store.MarkDigestSent(context.WithoutCancel(ctx), ids, msgID, d.cfg.Now()); err != nil {
		log.Error("recording a digest failed; it will be reconciled at start", slog.Any("error", err))
	}
	log.Info("digest sent", slog.String("message_id", msgID))
	return 0
}

// rankedDigest is a digest's papers in the order shown, with the delivery of each.
type rankedDigest struct {
	ds      []paperboy.Delivery
	papers  []*paperboy.Paper
	byVotes bool // ordered by the channel's model
	// trending, when set, says how a trending digest is ordered.
	trending string
}

// rankDigest orders a digest's papers by the channel's model (DispatcherConfig.Ranker).
// Only the text follows this order: the set, its key and its bookkeeping keep the order of
// arrival, so a retried digest is the same set under the same key. Without a ranker, likes
// or on any error the order of arrival stays; a digest never waits for the ranking.
func (d *Dispatcher) rankDigest(ctx context.Context, channel string, ds []paperboy.Delivery, papers []*paperboy.Paper) rankedDigest {
	out := rankedDigest{ds: ds, papers: papers}
	if len(ds) < 2 {
		return out
	}
	if r, ok := d.trendingOrder(ctx, ds, papers); ok {
		return r
	}
	if d.cfg.Ranker == nil {
		return out
	}
	ids := make([]string, len(papers))
	at := make(map[string]int, len(papers))
	for i, p := range papers {
		ids[i] = p.ID
		at[p.ID] = i
	}
	recs, err := d.cfg.Ranker.Rank(ctx, channel, ids)
	if err != nil {
		if paperboy.ErrorCode(err) != paperboy.ENOTFOUND {
			d.log.Warn("ranking a digest failed; keeping the order of arrival", slog.String("channel", channel), slog.Any("error", err))
		}
		return out
	}
	seen := make(map[int]bool, len(papers))
	ranked := rankedDigest{byVotes: true}
	for _, r := range recs {
		if i, ok := at[r.Paper.ID]; ok && !seen[i] {
			seen[i] = true
			ranked.ds = append(ranked.ds, ds[i])
			ranked.papers = append(ranked.papers, papers[i])
		}
	}
	for i := range papers { // any the ranker left out, in the order of arrival
		if !seen[i] {
			ranked.ds = append(ranked.ds, ds[i])
			ranked.papers = append(ranked.papers, papers[i])
		}
	}
	return ranked
}

// digestText lists papers: title with link, then one line (summary or reason).
func (d *Dispatcher) digestText(ctx context.Context, r rankedDigest) string {
	ds, papers := r.ds, r.papers
	var b strings.Builder
	noun := "papers"
	if len(papers) == 1 {
		noun = "paper"
	}
	fmt.Fprintf(&b, "**Digest: %d new %s**", len(papers), noun)
	switch {
	case r.trending != "":
		b.WriteString(" (" + r.trending + ")")
	case r.byVotes:
		b.WriteString(" (most likely wanted first, from this channel's votes)")
	}
	b.WriteString("\n")
	for i, p := range papers {
		fmt.Fprintf(&b, "- [%s](%s)", snippet(p.Title, 160), p.URL())
		line := d.quickSummary(ctx, p)
		if line == "" {
			line = d.reason(ctx, ds[i].SubscriptionID)
		}
		if line = snippet(firstLine(line), 160); line != "" {
			b.WriteString(" — " + line)
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
