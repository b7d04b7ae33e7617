package bot

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// maxDailyCap bounds cap:N.
const maxDailyCap = 1000

// SubscribeKeys are the key:value options subscribe takes beside the filter, and
// RankWords the words that make a subscription ranked (for-you, trending). Discord's typed
// /papers subscribe options follow them (TestSubcommandsCoverGrammar).
var (
	SubscribeKeys = []string{"digest", "cap", "top", "min"}
	RankWords     = []string{"for-you", "trending"}
)

// maxTop bounds top:N.
const maxTop = 100

// minLevels are the named thresholds of an immediate for-you subscription (min:), in
// standard deviations of the channel's model score above the average recent paper.
var minLevels = map[string]float64{"low": 0, "medium": 1, "high": 2}

// defaultMin is the threshold of an immediate for-you subscription without min:.
const defaultMin = "medium"

func (b *Bot) subscribe(ctx context.Context, c Command, args string) (Reply, error) {
	cmd := b.commands["subscribe"]
	args, forYou, trending := cutRankWords(args)
	q, err := paperboy.ParseQuery(args, b.now(), SubscribeKeys...)
	if err != nil {
		return Reply{}, err
	}
	ranked := forYou || trending
	if q.IsEmpty() && len(q.Ignored) == 0 && !ranked {
		return Reply{}, cmd.usageError("A subscription needs a filter: words, \"phrases\", author: or cat:, or for-you or trending.")
	}
	// One that looks for nothing would post every paper (-survey) or none (a word too
	// long to be one): refused as a search is. A ranked one may have no filter at all.
	if !(ranked && q.IsEmpty() && len(q.Ignored) == 0) {
		if err := q.Usable(); err != nil {
			return Reply{}, err
		}
	}
	if !q.Since.IsZero() {
		return Reply{}, cmd.usageError("since: does not apply to a subscription: it follows new papers.")
	}
	q.Sort = ""
	digest, err := ParseDigest(q.Options["digest"])
	if err != nil {
		return Reply{}, err
	}
	s := paperboy.Subscription{ForYou: forYou, Trending: trending}
	if err := parseRankOptions(&s, q.Options, digest); err != nil {
		return Reply{}, err
	}
	dailyCap := 0 // the default, which follows bot.daily_cap
	if v, ok := q.Options["cap"]; ok {
		if ranked && digest.Every != paperboy.DigestNone {
			return Reply{}, cmd.usageError("cap: does not apply to a for-you or trending digest: top:N bounds it.")
		}
		if dailyCap, err = parseCap(v); err != nil {
			return Reply{}, err
		}
	}
	q.Options = nil
	key := paperboy.ChannelKey(c.Platform, c.Channel)
	ch, err := b.cfg.Subs.Channel(ctx, key)
	if err != nil {
		return Reply{}, err
	}
	s.Channel, s.Filter, s.Query, s.Digest, s.DailyCap = key, q.String(), q, digest, dailyCap
	s.CreatedBy = paperboy.ChannelKey(c.Platform, c.User)
	if err := b.cfg.Subs.CreateSubscription(ctx, &s); err != nil {
		return Reply{}, err
	}
	b.log.Info("bot: subscribed", slog.String("channel", key), slog.Int64("subscription_id", s.ID), slog.String("filter", s.Filter))
	var msg strings.Builder
	fmt.Fprintf(&msg, "Subscribed %s (id %d): %s; %s", channelName(c, ch), s.ID, describeSubscription(s), describeDigest(digest))
	if digest.Every != paperboy.DigestNone && ch.TimeZone != "" {
		fmt.Fprintf(&msg, " (%s)", ch.TimeZone)
	}
	msg.WriteString("; " + b.describeLimit(s) + ".")
	if note := ignoredNote(q); note != "" {
		msg.WriteString(" " + strings.TrimPrefix(note, "\n"))
	}
	if forYou && b.cfg.Recommender != nil {
		if _, err := b.cfg.Recommender.Recommend(ctx, key, b.now(), 1); paperboy.ErrorCode(err) == paperboy.ENOTFOUND {
			msg.WriteString(" " + forYouStart(digest))
		}
	}
	if b.cfg.Backfiller != nil && !s.Ranked() { // a ranked one is not caught up by recency
		n, err := b.cfg.Backfiller.Backfill(ctx, s)
		switch {
		case err != nil:
			msg.WriteString(" (Recent papers could not be queued: " + b.userError("backfill", err) + ")")
		case n == 0:
			msg.WriteString(" No recent papers match yet; new ones will come as they are announced.")
		default:
			fmt.Fprintf(&msg, " Queued %s matching recent %s.", strconv.Itoa(n), map[bool]string{true: "paper", false: "papers"}[n == 1])
		}
	}
	return Reply{Text: msg.String(), InChannel: true}, nil
}

// cutRankWords takes the words for-you (also foryou, for_you) and trending out of a
// subscribe command's text, outside quotes, and says which it saw.
func cutRankWords(args string) (rest string, forYou, trending bool) {
	var keep []string
	inQuote := false
	for _, f := range strings.Fields(args) {
		if !inQuote {
			switch strings.ToLower(f) {
			case "for-you", "foryou", "for_you":
				forYou = true
				continue
			case "trending":
				trending = true
				continue
			}
		}
		if strings.Count(f, `"`)%2 == 1 {
			inQuote = !inQuote
		}
		keep = append(keep, f)
	}
	return strings.Join(keep, " "), forYou, trending
}

// parseRankOptions sets s.Top and s.MinScore from top: and min:. top:N belongs to a
// ranked digest, min: to an immediate for-you subscription (default medium).
func parseRankOptions(s *paperboy.Subscription, opts map[string]string, digest paperboy.Digest) error {
	isDigest := digest.Every != paperboy.DigestNone
	if s.Trending && !isDigest {
		return paperboy.Errorf(paperboy.EINVALID, "trending needs a digest: the day's most upvoted papers are known at the end of it (e.g. %s).", Code("subscribe trending top:5 digest:daily@09:00"))
	}
	if v, ok := opts["top"]; ok {
		if !s.Ranked() || !isDigest {
			return paperboy.Errorf(paperboy.EINVALID, "top:N applies to a for-you or trending digest (e.g. %s).", Code("subscribe for-you top:5 digest:daily@09:00"))
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 || n > maxTop {
			return paperboy.Errorf(paperboy.EINVALID, "top:%s is not a number of papers; use 1 to %d (e.g. top:10).", Truncate(v, 20), maxTop)
		}
		s.Top = n
	}
	v, hasMin := opts["min"]
	if hasMin && (!s.ForYou || isDigest) {
		return paperboy.Errorf(paperboy.EINVALID, "min: applies to a for-you subscription without digest: (e.g. %s); a digest holds its top:N instead.", Code("subscribe for-you cat:cs.CL min:high"))
	}
	if !s.ForYou || isDigest {
		return nil
	}
	if !hasMin {
		v = defaultMin
	}
	if lv, ok := minLevels[strings.ToLower(strings.TrimSpace(v))]; ok {
		s.MinScore = lv
		return nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(f) || f < -3 || f > 10 {
		return paperboy.Errorf(paperboy.EINVALID, "min:%s is not a threshold; use min:low, min:medium or min:high, or a score from -3 to 10 (standard deviations above the average recent paper, e.g. min:0.5).", Truncate(v, 20))
	}
	s.MinScore = f
	return nil
}

// describeSubscription says what a subscription posts: its filter, ranked or not.
func describeSubscription(s paperboy.Subscription) string {
	var what string
	switch {
	case s.ForYou && s.Trending:
		what = "trending papers on Hugging Face blended with this channel's taste"
	case s.Trending:
		what = "the most upvoted papers on Hugging Face Daily Papers"
	case s.ForYou:
		what = "papers this channel's votes say it wants"
	default:
		return s.Query.Describe()
	}
	if !s.Query.IsEmpty() {
		what += " among " + strings.Replace(s.Query.Describe(), "Papers", "papers", 1)
	}
	return what
}

// describeLimit says what bounds a subscription's posts: a ranked digest's top:N, an
// immediate for-you's threshold, else the daily cap.
func (b *Bot) describeLimit(s paperboy.Subscription) string {
	switch {
	case s.Ranked() && s.Digest.Every != paperboy.DigestNone:
		return fmt.Sprintf("the best %d of each digest's papers, the rest recorded as skipped (no daily cap)", s.TopN())
	case s.ForYou:
		level := strconv.FormatFloat(s.MinScore, 'g', 3, 64)
		for name, v := range minLevels {
			if v == s.MinScore {
				level = name
			}
		}
		return "only papers scoring at least min:" + level + " for this channel; " + b.describeCap(s.DailyCap)
	}
	return b.describeCap(s.DailyCap)
}

// forYouStart tells a channel without likes how a for-you subscription starts to post.
func forYouStart(digest paperboy.Digest) string {
	until := "Until then it posts nothing"
	if digest.Every != paperboy.DigestNone {
		until = "Until then its digest holds papers in the order they arrived"
	}
	return "This channel has no votes yet. Vote 👍 or 👎 on a few posted papers (or reply +1 / -1 in their threads), or import a library: " +
		Code("paperboy votes import --channel KEY FILE") + " (BibTeX or JSONL). " + until + "."
}

// parseCap parses a cap: value: a number of posts a day (1 to maxDailyCap), none / off /
// unlimited / 0 for no cap (people typed cap:0 when the README said "0 = none"), or
// default for the bot's default.
func parseCap(v string) (int, error) {
	switch v = strings.ToLower(strings.TrimSpace(v)); v {
	case "none", "no", "off", "unlimited", "0":
		return paperboy.NoDailyCap, nil
	case "default":
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxDailyCap {
		return 0, paperboy.Errorf(paperboy.EINVALID, "cap:%s is not a daily cap; use a number of posts a day from 1 to %d (e.g. cap:10), or cap:none for no cap.", Truncate(v, 20), maxDailyCap)
	}
	return n, nil
}

// describeCap says what the daily cap of a subscription with DailyCap own comes to, naming
// the default when it applies: "at most 25 a day (the default cap)".
func (b *Bot) describeCap(own int) string {
	n := EffectiveDailyCap(own, b.cfg.DailyCap)
	s := "no daily cap"
	if n > 0 {
		s = fmt.Sprintf("at most %d a day", n)
	}
	if own == 0 {
		if n > 0 {
			return s + " (the default cap)"
		}
		return s + " (the default)"
	}
	return s
}

// channelName is how replies name the command's channel: its stored name or "#id".
func channelName(c Command, ch paperboy.Channel) string {
	if ch.Name != "" {
		if strings.HasPrefix(ch.Name, "#") {
			return ch.Name
		}
		return "#" + ch.Name
	}
	return "#" + c.Channel
}

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "sunday": time.Sunday, "mon": time.Monday, "monday": time.Monday,
	"tue": time.Tuesday, "tues": time.Tuesday, "tuesday": time.Tuesday,
	"wed": time.Wednesday, "wednesday": time.Wednesday, "thu": time.Thursday, "thur": time.Thursday,
	"thurs": time.Thursday, "thursday": time.Thursday, "fri": time.Friday, "friday": time.Friday,
	"sat": time.Saturday, "saturday": time.Saturday,
}

// ParseDigest parses a digest: value: "" / none / off / instant (post as they arrive),
// daily, daily@09:00, weekly, weekly@mon, weekly@mon@09:00 (also weekly@09:00@mon).
// Daily and weekly default to 09:00, weekly to Monday.
func ParseDigest(v string) (paperboy.Digest, error) {
	bad := paperboy.Errorf(paperboy.EINVALID, "digest:%s is not a schedule; use digest:daily@09:00, digest:weekly@mon or digest:weekly@mon@09:00 (or no digest: to post papers as they arrive).", Truncate(v, 40))
	v = strings.ToLower(strings.TrimSpace(v))
	var d paperboy.Digest
	parts := strings.Split(v, "@")
	switch parts[0] {
	case "", "none", "off", "no", "instant", "immediate":
		if len(parts) > 1 {
			return d, bad
		}
		return d, nil
	case "daily", "day":
		d.Every = paperboy.DigestDaily
	case "weekly", "week":
		d.Every, d.Weekday = paperboy.DigestWeekly, time.Monday
	default:
		return d, bad
	}
	d.Hour = 9
	if len(parts) > 3 {
		return d, bad
	}
	sawDay, sawTime := false, false
	for _, p := range parts[1:] {
		if wd, ok := weekdays[p]; ok && d.Every == paperboy.DigestWeekly && !sawDay {
			d.Weekday, sawDay = wd, true
			continue
		}
		h, m, ok := parseClock(p)
		if !ok || sawTime {
			return d, bad
		}
		d.Hour, d.Minute, sawTime = h, m, true
	}
	return d, nil
}

// parseClock parses 09:00, 9:30, 9, 17h, 9am, 5pm.
func parseClock(s string) (h, m int, ok bool) {
	pm, am := strings.HasSuffix(s, "pm"), strings.HasSuffix(s, "am")
	if pm || am {
		s = s[:len(s)-2]
	}
	s = strings.TrimSuffix(s, "h")
	hs, ms, hasMin := strings.Cut(s, ":")
	h, err := strconv.Atoi(hs)
	if err != nil || len(hs) > 2 {
		return 0, 0, false
	}
	if hasMin {
		if m, err = strconv.Atoi(ms); err != nil || len(ms) != 2 {
			return 0, 0, false
		}
	}
	if pm || am {
		if h < 1 || h > 12 {
			return 0, 0, false
		}
		h %= 12
		if pm {
			h += 12
		}
	}
	if h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, 0, false
	}
	return h, m, true
}

func (b *Bot) unsubscribe(ctx context.Context, c Command, args string) (Reply, error) {
	cmd := b.commands["unsubscribe"]
	word, rest := cutWord(args)
	id, err := strconv.ParseInt(strings.TrimPrefix(word, "#"), 10, 64)
	if word == "" || rest != "" || err != nil || id <= 0 {
		return Reply{}, cmd.usageError("Give the id of a subscription (see %s).", Code("subscriptions"))
	}
	key := paperboy.ChannelKey(c.Platform, c.Channel)
	subs, err := b.cfg.Subs.Subscriptions(ctx, key)
	if err != nil {
		return Reply{}, err
	}
	var desc string
	for _, s := range subs {
		if s.ID == id {
			desc = s.Query.Describe()
		}
	}
	if err := b.cfg.Subs.DeleteSubscription(ctx, key, id); err != nil {
		if paperboy.ErrorCode(err) == paperboy.ENOTFOUND {
			return Reply{}, paperboy.Errorf(paperboy.ENOTFOUND, "This channel has no subscription %d; %s lists them.", id, Code("subscriptions"))
		}
		return Reply{}, err
	}
	b.log.Info("bot: unsubscribed", slog.String("channel", key), slog.Int64("subscription_id", id))
	msg := fmt.Sprintf("Unsubscribed: subscription %d", id)
	if desc != "" {
		msg += " (" + desc + ")"
	}
	return Reply{Text: msg + " is removed; papers already queued for it will not be posted.", InChannel: true}, nil
}

func (b *Bot) subscriptions(ctx context.Context, c Command, args string) (Reply, error) {
	key := paperboy.ChannelKey(c.Platform, c.Channel)
	subs, err := b.cfg.Subs.Subscriptions(ctx, key)
	if err != nil {
		return Reply{}, err
	}
	ch, err := b.cfg.Subs.Channel(ctx, key)
	if err != nil {
		return Reply{}, err
	}
	if len(subs) == 0 {
		return Reply{Text: fmt.Sprintf("%s has no subscriptions. Add one with %s.", channelName(c, ch),
			Code(`subscribe cat:cs.LG "mixture of experts"`))}, nil
	}
	var s strings.Builder
	fmt.Fprintf(&s, "%s for %s:", Bold("Subscriptions"), channelName(c, ch))
	for _, sub := range subs {
		fmt.Fprintf(&s, "\n- %s %s: %s — %s, %s", Bold(strconv.FormatInt(sub.ID, 10)), Code(subscriptionText(sub)), describeSubscription(sub),
			describeDigest(sub.Digest), b.describeLimit(sub))
	}
	tz := ch.TimeZone
	if tz == "" {
		tz = b.location("").String() + " (default)"
	}
	fmt.Fprintf(&s, "\nTime zone: %s. Remove one with %s.", tz, Code("unsubscribe <id>"))
	return Reply{Text: s.String()}, nil
}

func (b *Bot) timezone(ctx context.Context, c Command, args string) (Reply, error) {
	cmd := b.commands["timezone"]
	key := paperboy.ChannelKey(c.Platform, c.Channel)
	ch, err := b.cfg.Subs.Channel(ctx, key)
	if err != nil {
		return Reply{}, err
	}
	name, rest := cutWord(args)
	if name == "" {
		tz := ch.TimeZone
		if tz == "" {
			tz = b.location("").String() + " (the default)"
		}
		return Reply{Text: fmt.Sprintf("Digests in %s use the time zone %s. Change it with %s.", channelName(c, ch), tz, Code("timezone Europe/Berlin"))}, nil
	}
	if rest != "" {
		return Reply{}, cmd.usageError("Give one IANA time zone name.")
	}
	loc, err := loadZone(name)
	if err != nil {
		return Reply{}, err
	}
	ch.Key = key
	ch.TimeZone = loc.String()
	if err := b.cfg.Subs.SaveChannel(ctx, ch); err != nil {
		return Reply{}, err
	}
	return Reply{Text: fmt.Sprintf("Digests in %s now go out in %s (it is %s there now).", channelName(c, ch), ch.TimeZone,
		b.now().In(loc).Format("Mon 15:04")), InChannel: true}, nil
}

// loadZone accepts IANA names ("Europe/Berlin", "utc") but not "Local" or paths.
func loadZone(name string) (*time.Location, error) {
	bad := paperboy.Errorf(paperboy.EINVALID, "%s is not an IANA time zone; try Europe/Berlin, America/New_York or UTC.", Code(Truncate(name, 60)))
	if strings.EqualFold(name, "utc") || strings.EqualFold(name, "gmt") {
		return time.UTC, nil
	}
	if name == "" || strings.EqualFold(name, "local") || strings.HasPrefix(name, "/") || strings.Contains(name, "..") ||
		strings.ContainsAny(name, "\\\x00") || len(name) > 64 {
		return nil, bad
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, bad
	}
	return loc, nil
}

// weekendNote says why nothing new arrives on arXiv weekends, or "" on other days.
func weekendNote(now time.Time) string {
	eastern, err := time.LoadLocation("America/New_York")
	if err != nil {
		eastern = time.FixedZone("EST", -5*3600)
	}
	t := now.In(eastern)
	if wd := t.Weekday(); wd == time.Saturday || (wd == time.Sunday && t.Hour() < 20) {
		return "arXiv does not announce on Saturdays and Sundays; new papers arrive Sunday evening (US Eastern)."
	}
	return ""
}

func (b *Bot) status(ctx context.Context, c Command, args string) (Reply, error) {
	key := paperboy.ChannelKey(c.Platform, c.Channel)
	st, err := b.cfg.Outbox.DeliveryStatus(ctx, key)
	if err != nil {
		return Reply{}, err
	}
	subs, err := b.cfg.Subs.Subscriptions(ctx, key)
	if err != nil {
		return Reply{}, err
	}
	now := b.now()
	var s strings.Builder
	fmt.Fprintf(&s, "%s: %d pending, %d sending, %d sent, %d failed, %d skipped; %s here.",
		Bold("Deliveries"), st.Pending, st.Sending, st.Sent, st.Failed, st.Skipped, plural(len(subs), "subscription"))
	if len(st.RecentFailures) > 0 {
		s.WriteString("\nRecent failures:")
		for _, d := range firstN2(st.RecentFailures, 5) {
			reason := d.LastError
			if reason == "" {
				reason = "unknown reason"
			}
			when := ""
			if !d.CreatedAt.IsZero() {
				when = " (" + ago(now, d.CreatedAt) + ")"
			}
			fmt.Fprintf(&s, "\n- %s, %s: %s%s", d.PaperID, d.State, Truncate(reason, 160), when)
		}
	}
	if st.LastIngest.IsZero() {
		s.WriteString("\nNo papers stored yet.")
	} else {
		fmt.Fprintf(&s, "\nLast paper stored %s; %s in the store.", ago(now, st.LastIngest), plural(st.Papers, "paper"))
	}
	if note := weekendNote(now); note != "" {
		s.WriteString("\n" + note)
	}
	if b.cfg.Status != nil {
		for _, line := range b.cfg.Status(ctx) {
			if line = strings.TrimSpace(line); line != "" {
				s.WriteString("\n" + line)
			}
		}
	}
	return Reply{Text: s.String()}, nil
}

func firstN2(ds []paperboy.Delivery, n int) []paperboy.Delivery {
	if len(ds) > n {
		return ds[:n]
	}
	return ds
}

// ago renders a past time relative to now: "5 min ago", "3 h ago", "2 days ago".
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago (%s)", int(d.Hours()/24), t.UTC().Format("2006-01-02"))
}

// subscriptionText is a subscription as one would type it again: the filter, then
// for-you / trending and top: or min:.
func subscriptionText(s paperboy.Subscription) string {
	parts := []string{}
	if s.Filter != "" {
		parts = append(parts, s.Filter)
	}
	if s.Trending {
		parts = append(parts, "trending")
	}
	if s.ForYou {
		parts = append(parts, "for-you")
	}
	switch {
	case s.Ranked() && s.Digest.Every != paperboy.DigestNone:
		parts = append(parts, "top:"+strconv.Itoa(s.TopN()))
	case s.ForYou:
		parts = append(parts, "min:"+strconv.FormatFloat(s.MinScore, 'g', 3, 64))
	}
	return strings.Join(parts, " ")
}
