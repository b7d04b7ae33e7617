package bot

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/paperboy-bot/paperboy"
)

// maxCommandLen bounds the command text the router looks at; longer input is cut, and
// the reply says so.
const maxCommandLen = 4 << 10

// command is one entry of the grammar.
type command struct {
	name    string
	args    string   // usage after the name: "<words> [author:NAME] ..."
	summary string   // one line for help
	example []string // example argument strings
	manage  bool     // changes channel settings: subject to SubscribePolicy
	run     func(ctx context.Context, c Command, args string) (Reply, error)
}

func (c *command) usage() string {
	if c.args == "" {
		return c.name
	}
	return c.name + " " + c.args
}

// usageError is the EINVALID error for a command used wrongly.
func (c *command) usageError(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if msg != "" {
		msg += " "
	}
	ex := ""
	if len(c.example) > 0 {
		ex = ", e.g. " + Code(strings.TrimSpace(c.name+" "+c.example[0]))
	}
	return paperboy.Errorf(paperboy.EINVALID, "%sUsage: %s%s", msg, Code(c.usage()), ex)
}

func commandTable(b *Bot) (map[string]*command, []string) {
	list := []*command{
		{name: "search", args: "<words> [author:NAME] [cat:cs.LG] [since:7d|2024-01-01] [sort:relevance|new|votes]",
			summary: "search the stored papers", example: []string{`speculative decoding since:1y`, `author:"Tri Dao" cat:cs.LG sort:new`}, run: b.search},
		{name: "show", args: "<arxiv-id|url>", summary: "a paper's full record, votes and links", example: []string{"2401.01234"}, run: b.show},
		{name: "bib", args: "<arxiv-id|url>", summary: "a paper's BibTeX entry, to paste into a .bib file", example: []string{"2401.01234"}, run: b.bib},
		{name: "summary", args: "<arxiv-id|url>", summary: "a short summary of a paper", example: []string{"https://arxiv.org/abs/2401.01234"}, run: b.summary},
		{name: "similar", args: "<arxiv-id|url>", summary: "papers like this one", example: []string{"2401.01234"}, run: b.similar},
		{name: "recommend", args: "[N] [since:7d]", summary: "papers this channel's votes say it wants, each with why", example: []string{"5 since:3d"}, run: b.recommend},
		{name: "top", args: "[day|week|month]", summary: "this channel's most voted papers", example: []string{"week"}, run: b.top},
		{name: "add", args: "<arxiv url or id>", summary: "share a paper here: fetch, store and post it with a thread", example: []string{"https://arxiv.org/abs/2401.01234"}, run: b.add},
		{name: "subscribe", args: "<filter> [for-you|trending] [digest:daily@09:00|weekly@mon|weekly@mon@09:00] [top:N] [min:low|medium|high] [cap:N|none]", manage: true,
			summary: "post papers matching a filter in this channel", example: []string{`cat:cs.LG "mixture of experts" -survey digest:daily@09:00`, `author:"Yann LeCun" cap:5`,
				"for-you top:10 digest:daily@09:00", "trending top:5 digest:daily@09:00"}, run: b.subscribe},
		{name: "unsubscribe", args: "<id>", summary: "remove a subscription of this channel", manage: true, example: []string{"3"}, run: b.unsubscribe},
		{name: "subscriptions", summary: "list this channel's subscriptions", run: b.subscriptions},
		{name: "status", summary: "deliveries, failures and the last ingest", run: b.status},
		{name: "timezone", args: "[IANA name]", summary: "show or set this channel's time zone for digests", manage: true, example: []string{"Europe/Berlin"}, run: b.timezone},
		{name: "readlist", args: "[bib]", summary: "your read-later list (bib: as BibTeX)", example: []string{"bib"}, run: b.readlist},
		{name: "help", args: "[command]", summary: "this help, or one command's", example: []string{"subscribe"}, run: b.help},
	}
	m := make(map[string]*command, len(list))
	names := make([]string, len(list))
	for i, c := range list {
		m[c.name] = c
		names[i] = c.name
	}
	// Aliases people type.
	for alias, name := range map[string]string{
		"find": "search", "s": "search", "info": "show", "tldr": "summary", "summarize": "summary",
		"related": "similar", "share": "add", "sub": "subscribe", "unsub": "unsubscribe",
		"subs": "subscriptions", "list": "subscriptions", "tz": "timezone", "readinglist": "readlist",
		"reading": "readlist", "later": "readlist", "?": "help", "bibtex": "bib", "cite": "bib",
		"for-you": "recommend", "foryou": "recommend",
	} {
		m[alias] = m[name]
	}
	return m, names
}

// splitCommand returns the lower-cased command word and the rest of text. A leading
// "/papers" or "papers" (people paste the whole slash command) is dropped.
func splitCommand(text string) (verb, args string) {
	if len(text) > maxCommandLen {
		text = text[:maxCommandLen]
	}
	text = strings.TrimSpace(strings.ToValidUTF8(text, " "))
	for range 2 {
		verb, args = cutWord(text)
		if v := strings.ToLower(verb); v == "/papers" || v == "papers" || v == "/paper" {
			text = args
			continue
		}
		break
	}
	verb = strings.ToLower(strings.TrimPrefix(verb, "/"))
	return verb, args
}

func cutWord(s string) (word, rest string) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

// HandleCommand answers a slash command. Work that takes longer than the ack budget
// continues in the background and its reply goes through c.Respond (or Adapter.Send).
func (b *Bot) HandleCommand(ctx context.Context, c Command) Reply {
	verb, args := splitCommand(c.Text)
	if verb == "" {
		verb = "help"
	}
	cmd, ok := b.commands[verb]
	if !ok {
		return Reply{Text: b.unknown(verb)}
	}
	if cmd.manage && !b.mayManage(c) && (args != "" || cmd.name != "timezone") {
		err := paperboy.Errorf(paperboy.EFORBIDDEN, "Only admins can change this channel's %s here (subscribe policy: admins). Ask an admin, or see `subscriptions`.",
			map[bool]string{true: "time zone", false: "subscriptions"}[cmd.name == "timezone"])
		return Reply{Text: paperboy.ErrorMessage(err)}
	}
	return b.deferrable(ctx, c, cmd, args)
}

// deferrable runs cmd, answering directly when it finishes within the ack budget and
// otherwise replying Deferred and delivering the answer later.
func (b *Bot) deferrable(ctx context.Context, c Command, cmd *command, args string) Reply {
	budget := b.cfg.AckBudget
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl) - 300*time.Millisecond; left < budget {
			budget = max(left, 0)
		}
	}
	// The work outlives the ack: detach from ctx's cancellation, bound it on its own.
	work, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	done := make(chan Reply, 1)
	b.bg.Add(1)
	go func() {
		defer b.bg.Done()
		defer cancel()
		done <- b.run(work, c, cmd, args)
	}()
	timer := time.NewTimer(budget)
	defer timer.Stop()
	select {
	case r := <-done:
		return r
	case <-timer.C:
	}
	b.bg.Add(1)
	go func() {
		defer b.bg.Done()
		r := <-done
		b.respond(work, c, r)
	}()
	return Reply{Deferred: true, Text: fmt.Sprintf("Working on %s…", Code(cmd.name))}
}

// run executes one command, turning errors and panics into user-safe replies.
func (b *Bot) run(ctx context.Context, c Command, cmd *command, args string) (r Reply) {
	defer func() {
		if p := recover(); p != nil {
			b.log.Error("bot: command panicked", slog.String("command", cmd.name), slog.Any("panic", p),
				slog.String("stack", string(debug.Stack())))
			r = Reply{Text: paperboy.ErrorMessage(fmt.Errorf("bot: panic in %s", cmd.name))}
		}
	}()
	r, err := cmd.run(ctx, c, args)
	if err != nil {
		r = Reply{Text: b.userError(cmd.name, err, slog.String("channel", paperboy.ChannelKey(c.Platform, c.Channel)))}
	}
	if len(c.Text) > maxCommandLen { // splitCommand cut it: say so
		r.Text += fmt.Sprintf("\n(The command was longer than %d bytes: only its start was read, the rest was ignored.)", maxCommandLen)
	}
	return r
}

// respond delivers a deferred reply.
func (b *Bot) respond(ctx context.Context, c Command, r Reply) {
	var err error
	a := b.adapter(c.Platform)
	switch {
	case c.Respond != nil:
		err = c.Respond(ctx, r)
	case a != nil:
		_, err = a.Send(ctx, c.Channel, Message{Text: r.Text})
	default:
		b.log.Warn("bot: deferred reply has nowhere to go", slog.String("channel", c.Channel))
		return
	}
	if err != nil {
		b.log.Warn("bot: deferred reply failed", slog.String("channel", c.Channel), slog.String("error", err.Error()))
	}
}

// unknown answers a command word that is not in the grammar.
func (b *Bot) unknown(verb string) string {
	shown := verb
	if utf8.RuneCountInString(shown) > 30 {
		shown = string([]rune(shown)[:30]) + "…"
	}
	msg := fmt.Sprintf("I don't know the command %s.", Code(shown))
	if s := closest(verb, b.names); s != "" {
		msg += fmt.Sprintf(" Did you mean %s?", Code(s))
	}
	return msg + " Try " + Code("help") + " for the list."
}

// closest returns the name nearest to word (edit distance ≤ 2, or a prefix), or "".
func closest(word string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if len(word) >= 2 && strings.HasPrefix(n, word) {
			return n
		}
		if d := editDistance(word, n, bestD); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, or limit when it is at least limit.
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || abs(len(ra)-len(rb)) >= limit {
		return limit
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return min(prev[len(rb)], limit)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// help lists every command with an example, or explains one.
func (b *Bot) help(_ context.Context, _ Command, args string) (Reply, error) {
	if name, _ := cutWord(args); name != "" {
		name = strings.ToLower(strings.TrimPrefix(name, "/"))
		cmd, ok := b.commands[name]
		if !ok {
			return Reply{Text: b.unknown(name)}, nil
		}
		var s strings.Builder
		fmt.Fprintf(&s, "%s — %s", Code(cmd.usage()), cmd.summary)
		for _, ex := range cmd.example {
			fmt.Fprintf(&s, "\n- %s", Code(strings.TrimSpace(cmd.name+" "+ex)))
		}
		if extra := helpDetail[cmd.name]; extra != "" {
			s.WriteString("\n" + extra)
		}
		if cmd.manage && b.cfg.SubscribePolicy == PolicyAdmins {
			s.WriteString("\nOnly admins may use it with arguments in this workspace.")
		}
		return Reply{Text: s.String()}, nil
	}
	var s strings.Builder
	s.WriteString(Bold("paperboy commands") + " (type " + Code("/papers <command>") + "):")
	for _, n := range b.names {
		cmd := b.commands[n]
		ex := ""
		if len(cmd.example) > 0 {
			ex = " — e.g. " + Code(strings.TrimSpace(n+" "+cmd.example[0]))
		}
		fmt.Fprintf(&s, "\n- %s: %s%s", Bold(n), cmd.summary, ex)
	}
	s.WriteString("\nVote on a post with 👍/👎, its buttons, or a " + Code("+1") + "/" + Code("-1") + " reply in its thread.")
	return Reply{Text: s.String()}, nil
}

var helpDetail = map[string]string{
	"search": "Words match titles and abstracts; " + Code(`"quoted phrases"`) + " match exactly; " + Code("-word") + " excludes. " +
		Code("since:") + " takes an age (7d, 2w, 3m, 1y) or a date (2024-01-01).",
	"subscribe": "The filter uses the search grammar (words, phrases, -exclusions, author:, cat:, upvotes:N). " +
		"Without digest: papers are posted as they arrive; " + Code("digest:daily@09:00") + " or " + Code("digest:weekly@mon@09:00") +
		" collects them into one message in the channel's time zone. " + Code("cap:N") + " limits posts per day (without it the" +
		" bot's default cap applies); " + Code("cap:none") + " (or " + Code("cap:0") + ") posts every match. " +
		Code("for-you") + " (alone or with a filter) ranks by this channel's votes: a digest holds the best " + Code("top:N") +
		" (default 10) of its papers, the rest recorded as skipped, with no daily cap; without digest: only papers scoring at least " +
		Code("min:low|medium|high") + " (default medium) are posted. " + Code("trending") + " with a digest holds the most upvoted papers on" +
		" Hugging Face Daily Papers (upvotes as they are at digest time); " + Code("trending for-you") + " blends both orders.",
	"top":  "Ranks papers posted or voted on here by net votes, then replies. Default: week.",
	"add":  "Accepts arXiv ids (2401.01234, hep-th/9901001) and arxiv.org, alphaxiv.org or huggingface.co/papers links.",
	"show": "Accepts arXiv ids and URLs, DOIs and Hugging Face paper pages.",
}
