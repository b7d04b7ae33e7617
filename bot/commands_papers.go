package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/cite"
)

// searchLimit is how many results a search shows; chat replies stay compact.
const searchLimit = 8

func (b *Bot) search(ctx context.Context, c Command, args string) (Reply, error) {
	cmd := b.commands["search"]
	q, err := paperboy.ParseQuery(args, b.now())
	if err != nil {
		return Reply{}, err
	}
	if q.IsEmpty() && len(q.Ignored) == 0 {
		return Reply{}, cmd.usageError("Tell me what to look for.")
	}
	if err := q.Usable(); err != nil {
		return Reply{}, err
	}
	key := paperboy.ChannelKey(c.Platform, c.Channel)
	res, err := b.cfg.Papers.Search(ctx, paperboy.SearchRequest{Query: q, Limit: searchLimit, Channel: key})
	if err != nil {
		return Reply{}, err
	}
	var s strings.Builder
	if res.Corrected != "" {
		fmt.Fprintf(&s, "Showing results for %s\n", Bold(res.Corrected))
	}
	if len(res.Hits) == 0 {
		fmt.Fprintf(&s, "No papers match %s.", Code(Truncate(paperboy.CollapseSpace(args), 120)))
		s.WriteString(searchHint(q))
		s.WriteString(ignoredNote(q))
		return Reply{Text: s.String()}, nil
	}
	papers := make([]*paperboy.Paper, 0, len(res.Hits))
	for i, h := range res.Hits {
		if h.Paper == nil {
			continue
		}
		papers = append(papers, h.Paper)
		fmt.Fprintf(&s, "%d. %s\n", i+1, paperLine(h.Paper, h.Votes, true))
	}
	if res.Partial {
		s.WriteString("(The search stopped early; these are the best matches found in time.)\n")
	}
	s.WriteString("See a paper with " + Code("show <id>") + ", vote on it in its thread.")
	s.WriteString(ignoredNote(q))
	return Reply{Text: s.String(), Papers: papers}, nil
}

// ignoredNote tells what the query parser left out of the user's text (q.Ignored), or "".
func ignoredNote(q paperboy.Query) string {
	if len(q.Ignored) == 0 {
		return ""
	}
	return "\nIgnored: " + strings.Join(q.Ignored, "; ") + "."
}

// searchHint suggests how to broaden a query that found nothing.
func searchHint(q paperboy.Query) string {
	var tips []string
	if len(q.Terms)+len(q.Phrases) > 2 {
		tips = append(tips, "use fewer words")
	}
	if len(q.Phrases) > 0 {
		tips = append(tips, "drop the quotes")
	}
	if len(q.Categories) > 0 {
		tips = append(tips, "try a broader cat: (cs instead of cs.LG)")
	}
	if !q.Since.IsZero() {
		tips = append(tips, "try an older since:")
	}
	if len(q.Authors) > 0 {
		tips = append(tips, "use only the author's last name")
	}
	if len(tips) == 0 {
		tips = append(tips, "check the spelling or use other words")
	}
	return " Hint: " + strings.Join(tips, ", ") + ". New papers are added as they are announced; " + Code("add <arxiv id>") + " fetches one."
}

// paperArg parses the <arxiv-id|url> argument of cmd and finds the paper.
func (b *Bot) paperArg(ctx context.Context, cmd *command, args string) (*paperboy.Paper, error) {
	ref, rest := cutWord(args)
	if ref == "" {
		return nil, cmd.usageError("Which paper?")
	}
	if rest != "" {
		return nil, cmd.usageError("Give one paper id or link.")
	}
	ref = strings.Trim(ref, "<>")
	p, err := b.cfg.Papers.FindPaper(ctx, ref)
	switch paperboy.ErrorCode(err) {
	case "":
		return p, nil
	case paperboy.ENOTFOUND:
		return nil, paperboy.Errorf(paperboy.ENOTFOUND, "I don't have %s. Share it with %s, or %s to look for it.",
			Code(Truncate(ref, 80)), Code("add "+Truncate(ref, 80)), Code("search <words>"))
	case paperboy.EINVALID:
		return nil, cmd.usageError("%s is not an arXiv id or a paper link.", Code(Truncate(ref, 80)))
	}
	return nil, err
}

func (b *Bot) show(ctx context.Context, c Command, args string) (Reply, error) {
	p, err := b.paperArg(ctx, b.commands["show"], args)
	if err != nil {
		return Reply{}, err
	}
	t, err := b.cfg.Social.Tally(ctx, p.ID, paperboy.ChannelKey(c.Platform, c.Channel))
	if err != nil {
		return Reply{}, err
	}
	return Reply{Text: formatPaper(p, t), Papers: []*paperboy.Paper{p}}, nil
}

func (b *Bot) summary(ctx context.Context, c Command, args string) (Reply, error) {
	p, err := b.paperArg(ctx, b.commands["summary"], args)
	if err != nil {
		return Reply{}, err
	}
	if b.cfg.Summarizer == nil {
		return Reply{}, paperboy.Errorf(paperboy.EUNAVAILABLE, "Summaries are not configured here.")
	}
	sum, err := b.cfg.Summarizer.Summarize(ctx, p)
	if err != nil {
		if paperboy.ErrorCode(err) == paperboy.EINVALID {
			return Reply{}, paperboy.Errorf(paperboy.EINVALID, "I can't summarize %s: it has no abstract. %s", Link(p.Title, p.URL()), Code("show "+p.ID)+" has what I know.")
		}
		return Reply{}, err
	}
	by := ""
	if sum.Model != "" {
		by = " (" + sum.Model + ")"
	}
	return Reply{Text: fmt.Sprintf("%s%s\n%s", Bold("Summary of "+Link(p.Title, p.URL())), by, sum.Text), Papers: []*paperboy.Paper{p}}, nil
}

func (b *Bot) similar(ctx context.Context, c Command, args string) (Reply, error) {
	p, err := b.paperArg(ctx, b.commands["similar"], args)
	if err != nil {
		return Reply{}, err
	}
	if b.cfg.Recommender != nil {
		return b.similarRanked(ctx, p)
	}
	hits, err := b.cfg.Papers.SimilarPapers(ctx, p.ID, 5)
	if err != nil {
		return Reply{}, err
	}
	if len(hits) == 0 {
		return Reply{Text: fmt.Sprintf("I found nothing like %s yet.", Link(p.Title, p.URL()))}, nil
	}
	var s strings.Builder
	fmt.Fprintf(&s, "Papers like %s:", Link(Truncate(p.Title, 100), p.URL()))
	papers := make([]*paperboy.Paper, 0, len(hits))
	for i, h := range hits {
		if h.Paper == nil {
			continue
		}
		papers = append(papers, h.Paper)
		fmt.Fprintf(&s, "\n%d. %s", i+1, paperLine(h.Paper, h.Votes, false))
	}
	return Reply{Text: s.String(), Papers: papers}, nil
}

// topPeriods maps `top` arguments to how far back they look.
var topPeriods = map[string]struct {
	days int
	name string
}{
	"day": {1, "today"}, "today": {1, "today"}, "24h": {1, "today"},
	"week": {7, "this week"}, "7d": {7, "this week"},
	"month": {30, "this month"}, "30d": {30, "this month"},
}

func (b *Bot) top(ctx context.Context, c Command, args string) (Reply, error) {
	cmd := b.commands["top"]
	word, rest := cutWord(strings.ToLower(args))
	if word == "" {
		word = "week"
	}
	period, ok := topPeriods[word]
	if !ok || rest != "" {
		return Reply{}, cmd.usageError("%s is not a period.", Code(Truncate(args, 40)))
	}
	key := paperboy.ChannelKey(c.Platform, c.Channel)
	ranked, err := b.cfg.Social.Top(ctx, key, b.now().Add(-time.Duration(period.days)*24*time.Hour), 10)
	if err != nil {
		return Reply{}, err
	}
	if len(ranked) == 0 {
		return Reply{Text: fmt.Sprintf("No votes or discussion here %s yet. Vote with 👍 on a post, or reply %s in its thread.", period.name, Code("+1"))}, nil
	}
	var s strings.Builder
	s.WriteString(Bold("Top papers "+period.name) + ":")
	papers := make([]*paperboy.Paper, 0, len(ranked))
	for i, r := range ranked {
		papers = append(papers, r.Paper)
		fmt.Fprintf(&s, "\n%d. %s %s · %s — %s", i+1, VoteCounts(r.Tally), fmt.Sprintf("(net %+d)", r.Tally.Net()),
			plural(r.Tally.Replies, "reply"), Link(Truncate(r.Paper.Title, 140), r.Paper.URL()))
	}
	return Reply{Text: s.String(), Papers: papers, InChannel: true}, nil
}

func (b *Bot) add(ctx context.Context, c Command, args string) (Reply, error) {
	cmd := b.commands["add"]
	ref, rest := cutWord(args)
	if ref == "" || rest != "" {
		return Reply{}, cmd.usageError("Give one arXiv id or link.")
	}
	ref = strings.Trim(ref, "<>")
	p, err := b.cfg.Papers.FindPaper(ctx, ref)
	switch code := paperboy.ErrorCode(err); {
	case code == paperboy.ENOTFOUND || code == paperboy.EINVALID:
		if _, _, ok := paperboy.ParseArxivID(ref); !ok {
			if code == paperboy.ENOTFOUND {
				return Reply{}, paperboy.Errorf(paperboy.ENOTFOUND, "I don't have %s, and only arXiv papers can be fetched. %s", Code(Truncate(ref, 80)), "Give an arXiv id or link.")
			}
			return Reply{}, cmd.usageError("%s is not an arXiv id or link.", Code(Truncate(ref, 80)))
		}
		if p, err = b.fetch(ctx, ref); err != nil {
			return Reply{}, err
		}
	case err != nil:
		return Reply{}, err
	}
	return b.share(ctx, c, p)
}

// fetch gets a paper from arXiv and stores it.
func (b *Bot) fetch(ctx context.Context, ref string) (*paperboy.Paper, error) {
	if b.cfg.Fetcher == nil {
		return nil, paperboy.Errorf(paperboy.EUNAVAILABLE, "%s is not in the store and fetching from arXiv is not configured here.", Code(Truncate(ref, 80)))
	}
	p, err := b.cfg.Fetcher.FetchPaper(ctx, ref)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, paperboy.Errorf(paperboy.ENOTFOUND, "arXiv has no paper %s.", Code(Truncate(ref, 80)))
	}
	if !containsString(p.Sources, paperboy.SourceChat) {
		p.Sources = append(p.Sources, paperboy.SourceChat)
	}
	if err := p.Normalize(); err != nil {
		return nil, err
	}
	if _, err := b.cfg.Papers.UpsertPapers(ctx, []paperboy.Paper{*p}); err != nil {
		return nil, err
	}
	stored, err := b.cfg.Papers.FindPaper(ctx, p.ID)
	if err != nil {
		return nil, fmt.Errorf("bot: find added paper %s: %w", p.ID, err)
	}
	return stored, nil
}

// share queues p for posting in the command's channel, unless it is already there.
func (b *Bot) share(ctx context.Context, c Command, p *paperboy.Paper) (Reply, error) {
	key := paperboy.ChannelKey(c.Platform, c.Channel)
	if post, err := b.cfg.Social.FindPostByPaper(ctx, key, p.ID); err == nil {
		return Reply{Text: fmt.Sprintf("Already posted here: %s (post %s). Vote or discuss in its thread.", Link(p.Title, p.URL()), post.MessageID)}, nil
	} else if paperboy.ErrorCode(err) != paperboy.ENOTFOUND {
		return Reply{}, err
	}
	d, err := b.cfg.Outbox.EnqueueDelivery(ctx, paperboy.Delivery{PaperID: p.ID, Channel: key})
	if paperboy.ErrorCode(err) == paperboy.ECONFLICT {
		return Reply{Text: fmt.Sprintf("%s %s", Link(p.Title, p.URL()), lowerFirst(paperboy.ErrorMessage(err)))}, nil
	}
	if err != nil {
		return Reply{}, err
	}
	b.log.Info("bot: paper shared", slog.String("paper_id", p.ID), slog.String("channel", key), slog.Int64("delivery_id", d.ID))
	who := c.UserName
	if who == "" {
		who = c.User
	}
	return Reply{Text: fmt.Sprintf("Queued %s (shared by %s); it will be posted here with a thread in a moment.", Link(p.Title, p.URL()), who), InChannel: true}, nil
}

// lowerFirst turns "Paper x is already ..." into "is already ..." style continuations
// only when it starts with "Paper <id>"; otherwise it returns s unchanged.
func lowerFirst(s string) string {
	if strings.HasPrefix(s, "Paper ") {
		if _, rest, ok := strings.Cut(s[len("Paper "):], " "); ok {
			return rest
		}
	}
	return "— " + s
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// bib answers a paper's BibTeX entry in a code block (cite.BibTeX: arXiv's @misc style).
func (b *Bot) bib(ctx context.Context, c Command, args string) (Reply, error) {
	p, err := b.paperArg(ctx, b.commands["bib"], args)
	if err != nil {
		return Reply{}, err
	}
	return Reply{Text: CodeBlock(cite.BibTeX(forChat(p, maxBibReply)))}, nil
}

// maxBibReply bounds the BibTeX one reply carries, so that one Discord message (2000
// characters) or one Slack section (3000) holds the whole code block and no platform
// splits it (a split block loses its fences). `paperboy export --format bibtex` has no
// such bound.
const maxBibReply = 1800

// maxBibListEntry is the length beyond which `readlist bib` shortens an entry's authors.
const maxBibListEntry = 600

// forChat returns p, or, when its entry is longer than limit (a collaboration's hundreds
// of authors), a copy naming the first ten authors and "others", BibTeX's "et al.".
func forChat(p *paperboy.Paper, limit int) *paperboy.Paper {
	if len(p.Authors) <= 10 || len(cite.BibTeX(p)) <= limit {
		return p
	}
	q := *p
	q.Authors = append(p.Authors[:10:10], "others")
	return &q
}

func (b *Bot) readlist(ctx context.Context, c Command, args string) (Reply, error) {
	asBib := false
	switch strings.ToLower(strings.TrimSpace(args)) {
	case "":
	case "bib", "bibtex":
		asBib = true
	default:
		return Reply{}, b.commands["readlist"].usageError("readlist takes no arguments but %s.", Code("bib"))
	}
	limit := 20
	if asBib {
		limit = 21 // one more than a reply shows: to know that there are more
	}
	papers, err := b.cfg.Social.ReadingList(ctx, paperboy.ChannelKey(c.Platform, c.User), limit)
	if err != nil {
		return Reply{}, err
	}
	if len(papers) == 0 {
		return Reply{Text: "Your read-later list is empty. Click " + Bold("Read later") + " on a post to add one."}, nil
	}
	if asBib {
		var s strings.Builder
		w := cite.NewBibWriter(&s)
		n := 0
		for _, p := range papers[:min(len(papers), 20)] {
			p = forChat(p, maxBibListEntry)
			if n > 0 && s.Len()+len(cite.BibTeX(p))+8 > maxBibReply {
				break
			}
			_ = w.Write(p) // a strings.Builder does not fail
			n++
		}
		more := ""
		if n < len(papers) {
			more = fmt.Sprintf("\nThe newest %d are here; %s writes the whole list.", n,
				Code("paperboy export --format bibtex --readlist "+paperboy.ChannelKey(c.Platform, c.User)))
		}
		return Reply{Text: Bold("Your read-later list") + " as BibTeX:\n" + CodeBlock(s.String()) + more}, nil
	}
	var s strings.Builder
	s.WriteString(Bold("Your read-later list") + ":")
	for i, p := range papers {
		fmt.Fprintf(&s, "\n%d. %s", i+1, paperLine(p, 0, false))
	}
	return Reply{Text: s.String(), Papers: papers}, nil
}
