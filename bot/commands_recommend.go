package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/paperboy-bot/paperboy"
)

// Limits of `recommend` in chat.
const (
	defaultRecommendN     = 5
	maxRecommendN         = 20
	defaultRecommendSince = "7d"
)

// recommend is `/papers recommend [N] [since:7d]`: the papers stored recently that this
// channel's votes say it wants, each with why.
func (b *Bot) recommend(ctx context.Context, c Command, args string) (Reply, error) {
	cmd := b.commands["recommend"]
	n, sinceArg := defaultRecommendN, defaultRecommendSince
	for _, tok := range strings.Fields(args) {
		low := strings.ToLower(tok)
		if v, ok := strings.CutPrefix(low, "since:"); ok {
			sinceArg = v
			continue
		}
		k, err := strconv.Atoi(tok)
		if err != nil || k < 1 || k > maxRecommendN {
			return Reply{}, cmd.usageError("%s is not a number of papers (1-%d) or since:…", Code(Truncate(tok, 40)), maxRecommendN)
		}
		n = k
	}
	since, err := paperboy.ParseSince(sinceArg, b.now())
	if err != nil {
		return Reply{}, err
	}
	if b.cfg.Recommender == nil {
		return Reply{}, paperboy.Errorf(paperboy.EUNAVAILABLE, "Recommendations are not available here.")
	}
	key := paperboy.ChannelKey(c.Platform, c.Channel)
	recs, err := b.cfg.Recommender.Recommend(ctx, key, since, n)
	if paperboy.ErrorCode(err) == paperboy.ENOTFOUND {
		// No votes yet: a normal answer, saying how to start.
		msg := strings.ReplaceAll(paperboy.ErrorMessage(err), "--channel KEY", "--channel "+key)
		return Reply{Text: msg}, nil
	}
	if err != nil {
		return Reply{}, err
	}
	if len(recs) == 0 {
		return Reply{Text: fmt.Sprintf("No papers stored since %s to pick from. Try %s.", since.Format("2006-01-02"), Code("recommend since:30d"))}, nil
	}
	var s strings.Builder
	s.WriteString(Bold("Picked for this channel from its votes") + " (papers stored since " + since.Format("Jan 2") + "):")
	papers := make([]*paperboy.Paper, 0, len(recs))
	for i, r := range recs {
		papers = append(papers, r.Paper)
		fmt.Fprintf(&s, "\n%d. %s\n    ↳ %s", i+1, paperLine(r.Paper, 0, false), Truncate(r.Reason, 200))
	}
	return Reply{Text: s.String(), Papers: papers}, nil
}

// similarRanked is `similar` through the Recommender: the same vectors as recommend, and
// what each paper shares with the one asked about.
func (b *Bot) similarRanked(ctx context.Context, p *paperboy.Paper) (Reply, error) {
	recs, err := b.cfg.Recommender.Similar(ctx, p.ID, 5)
	if err != nil {
		return Reply{}, err
	}
	if len(recs) == 0 {
		return Reply{Text: fmt.Sprintf("I found nothing like %s yet.", Link(p.Title, p.URL()))}, nil
	}
	var s strings.Builder
	fmt.Fprintf(&s, "Papers like %s:", Link(Truncate(p.Title, 100), p.URL()))
	papers := make([]*paperboy.Paper, 0, len(recs))
	for i, r := range recs {
		papers = append(papers, r.Paper)
		fmt.Fprintf(&s, "\n%d. %s\n    ↳ %s", i+1, paperLine(r.Paper, 0, false), Truncate(r.Reason, 200))
	}
	return Reply{Text: s.String(), Papers: papers}, nil
}
