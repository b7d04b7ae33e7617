package discord

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
)

// Discord's limits (characters; counted here in UTF-16 code units, as Discord's clients
// count them, which is never fewer than the runes).
const (
	maxContent     = 2000 // message content
	maxEmbedTitle  = 256
	maxEmbedDesc   = 4096
	maxEmbedFields = 25
	maxFieldName   = 256
	maxFieldValue  = 1024
	maxFooter      = 2048
	maxEmbedTotal  = 6000 // title + description + field names and values + footer + author
	maxThreadName  = 100  // thread and forum post names: 1-100
	maxCustomID    = 100
	maxButtonLabel = 80
	maxRowButtons  = 5 // buttons per action row
	maxAppliedTags = 5 // tags on one forum post
	maxSnippet     = 600
	maxAuthors     = 3
)

// Button custom_ids. Every button paperboy puts on a message has the custom_id
// "<action>:<paper id>", where action is the bot.Event Action the click stands for
// ("upvote", "read_later", "not_relevant", "share") and the paper id is omitted (the
// custom_id is "<action>:") when it would not fit in Discord's 100 characters. The inbound
// half turns a click (interaction type 3, data.custom_id) into a bot.EventButton with
// parseCustomID: Action from the first part, Value from the second. Post buttons are
// found by the message they are on (bot.Social.FindPost), so Value is only a fallback for
// them; "share" buttons on command replies need it.
const (
	actionUpvote      = "upvote"
	actionReadLater   = "read_later"
	actionNotRelevant = "not_relevant"
	actionShare       = "share"
)

// customID builds a button's custom_id (see the constants above).
func customID(action, paperID string) string {
	id := action + ":" + paperID
	if utf16Len(id) > maxCustomID {
		return action + ":" // a cut paper id could name another paper
	}
	return id
}

// parseCustomID splits a custom_id built by customID into the bot action and the paper
// id ("" when absent). Custom ids of other actions come back with ok false.
func parseCustomID(id string) (action, paperID string, ok bool) {
	action, paperID, _ = strings.Cut(strings.TrimSpace(id), ":")
	switch action {
	case actionUpvote, actionReadLater, actionNotRelevant, actionShare, "downvote":
		return action, paperID, true // "upvote" alone counts too: the paper id is optional
	}
	return "", "", false
}

// keyMark is how a keyed text message carries its key durably: a last line in Discord's
// small "subtext" markdown. Posts carry it at the end of the embed footer instead. The
// nonce carries it too, but Discord keeps nonces for a few minutes and never returns
// them when messages are read back.
const keyMark = "-# "

// embedColor is the side bar of paper embeds (arXiv's red).
const embedColor = 0xB31B1B

// postMessage is the body of a message create or edit, and of a forum post's message.
type postMessage struct {
	Content         string                       `json:"content,omitempty"`
	Embeds          []*discordgo.MessageEmbed    `json:"embeds,omitempty"`
	Components      []discordgo.MessageComponent `json:"components,omitempty"`
	AllowedMentions *allowedMentions             `json:"allowed_mentions,omitempty"`
	// Nonce with EnforceNonce makes the create idempotent for a few minutes: the same
	// nonce returns the message already created (not accepted in forum posts).
	Nonce        string `json:"nonce,omitempty"`
	EnforceNonce bool   `json:"enforce_nonce,omitempty"`
}

// allowedMentions {"parse": []} keeps "@everyone" in a title or abstract from pinging.
type allowedMentions struct {
	Parse []string `json:"parse"`
}

var noMentions = &allowedMentions{Parse: []string{}}

// renderPost builds the message of a paper post: one embed and a row of buttons, within
// Discord's limits whatever the input size.
func renderPost(p bot.Post) postMessage {
	paper := p.Paper
	if paper == nil {
		paper = &paperboy.Paper{}
	}
	title := paperboy.CollapseSpace(paper.Title)
	if title == "" {
		title = "(untitled)"
	}
	e := &discordgo.MessageEmbed{
		Type:  discordgo.EmbedTypeRich,
		Title: cutWords(title, maxEmbedTitle),
		URL:   paper.URL(),
		Color: embedColor,
	}
	if s := postSnippet(p.Summary, paper.Abstract); s != "" {
		e.Description = s
	}
	field := func(name, value string, inline bool) {
		if strings.TrimSpace(value) != "" && len(e.Fields) < maxEmbedFields {
			e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: cutWords(name, maxFieldName), Value: cutWords(value, maxFieldValue), Inline: inline})
		}
	}
	field("Authors", authorLine(paper.Authors), false)
	field("Categories", categoryLine(paper.Categories), true)
	switch {
	case !paper.Published.IsZero():
		field("Published", paper.Published.UTC().Format("2006-01-02"), true)
	case !paper.Updated.IsZero():
		field("Updated", paper.Updated.UTC().Format("2006-01-02"), true)
	}
	if paper.Upvotes > 0 {
		field("Hugging Face", mdLink(countNoun(paper.Upvotes, "upvote"), paper.HFURL), true)
	} else if paper.HFURL != "" {
		field("Hugging Face", mdLink("paper page", paper.HFURL), true)
	}
	if paper.RepoURL != "" {
		name := "code"
		if strings.Contains(paper.RepoURL, "github.com/") {
			name = "GitHub"
		}
		field("Code", mdLink(name, paper.RepoURL), true)
	}
	field("Votes", tallyLine(p.Tally), false)
	if f := footerText(p.Reason, p.Key); f != "" {
		e.Footer = &discordgo.MessageEmbedFooter{Text: f}
	}
	fitEmbed(e)

	return postMessage{
		Embeds:          []*discordgo.MessageEmbed{e},
		Components:      postButtons(paper.ID),
		AllowedMentions: noMentions,
	}
}

// postButtons is the row under a post: upvote, read later, not relevant.
func postButtons(paperID string) []discordgo.MessageComponent {
	return []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{Label: "Upvote", Style: discordgo.SuccessButton, Emoji: &discordgo.ComponentEmoji{Name: "👍"}, CustomID: customID(actionUpvote, paperID)},
		discordgo.Button{Label: "Read later", Style: discordgo.SecondaryButton, Emoji: &discordgo.ComponentEmoji{Name: "🔖"}, CustomID: customID(actionReadLater, paperID)},
		discordgo.Button{Label: "Not relevant", Style: discordgo.SecondaryButton, Emoji: &discordgo.ComponentEmoji{Name: "🙈"}, CustomID: customID(actionNotRelevant, paperID)},
	}}}
}

// footerText is "Posted for <reason> · <key>": the key stays whole at the end, where
// FindMessage reads it back; the reason is cut to make room.
func footerText(reason, key string) string {
	reason = paperboy.CollapseSpace(reason)
	var parts []string
	if reason != "" {
		parts = append(parts, "Posted for "+reason)
	}
	if key != "" {
		parts = append(parts, key)
	}
	if key != "" && len(parts) == 2 {
		room := maxFooter - utf16Len(" · "+key)
		parts[0] = cutWords(parts[0], room)
	}
	return cutWords(strings.Join(parts, " · "), maxFooter)
}

// footerKey returns the key at the end of a post's footer ("" when none).
func footerKey(footer string) string {
	i := strings.LastIndex(footer, " · ")
	k := footer
	if i >= 0 {
		k = footer[i+len(" · "):]
	}
	if strings.HasPrefix(k, "pb-") && !strings.ContainsAny(k, " \n") {
		return k
	}
	return ""
}

// embedTotal is what Discord counts towards an embed's 6000 characters.
func embedTotal(e *discordgo.MessageEmbed) int {
	n := utf16Len(e.Title) + utf16Len(e.Description)
	for _, f := range e.Fields {
		n += utf16Len(f.Name) + utf16Len(f.Value)
	}
	if e.Footer != nil {
		n += utf16Len(e.Footer.Text)
	}
	if e.Author != nil {
		n += utf16Len(e.Author.Name)
	}
	return n
}

// fitEmbed shortens the description, then the longest fields, until the embed is within
// the 6000-character total.
func fitEmbed(e *discordgo.MessageEmbed) {
	if over := embedTotal(e) - maxEmbedTotal; over > 0 {
		e.Description = cutWords(e.Description, max(utf16Len(e.Description)-over, 0))
	}
	for embedTotal(e) > maxEmbedTotal && len(e.Fields) > 0 {
		longest := 0
		for i, f := range e.Fields {
			if utf16Len(f.Value) > utf16Len(e.Fields[longest].Value) {
				longest = i
			}
		}
		f := e.Fields[longest]
		over := embedTotal(e) - maxEmbedTotal
		if utf16Len(f.Value) <= 1 {
			e.Fields = append(e.Fields[:longest], e.Fields[longest+1:]...)
			continue
		}
		f.Value = cutWords(f.Value, max(utf16Len(f.Value)-over, 1))
	}
}

// postSnippet is the summary when there is one (neutral markup is Discord markdown
// already), else the start of the abstract.
func postSnippet(summary, abstract string) string {
	if s := strings.TrimSpace(summary); s != "" {
		return cutWords(s, maxEmbedDesc)
	}
	if a := paperboy.CollapseSpace(abstract); a != "" {
		return cutWords(escapeMarkdown(a), maxSnippet)
	}
	return ""
}

// authorLine lists the first authors and "et al." for the rest.
func authorLine(authors []string) string {
	var names []string
	for _, a := range authors {
		if a = paperboy.CollapseSpace(a); a != "" {
			names = append(names, a)
		}
	}
	if len(names) > maxAuthors {
		return escapeMarkdown(strings.Join(names[:maxAuthors], ", ")) + " et al."
	}
	return escapeMarkdown(strings.Join(names, ", "))
}

// categoryLine shows at most five categories as code.
func categoryLine(cats []string) string {
	var out []string
	for _, c := range cats {
		if c = strings.ReplaceAll(paperboy.CollapseSpace(c), "`", ""); c != "" && len(out) < 5 {
			out = append(out, "`"+cutWords(c, 40)+"`")
		}
	}
	return strings.Join(out, " ")
}

// tallyLine is the vote count shown on a post.
func tallyLine(t paperboy.Tally) string {
	if t.Up == 0 && t.Down == 0 && t.Replies == 0 {
		return "No votes yet: react 👍 / 👎, use the buttons, or reply +1 in the thread"
	}
	s := fmt.Sprintf("👍 %d · 👎 %d", t.Up, t.Down)
	if t.Replies > 0 {
		s += " · 💬 " + countNoun(t.Replies, "reply")
	}
	return s
}

func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "y") {
		return strconv.Itoa(n) + " " + strings.TrimSuffix(noun, "y") + "ies"
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// link is a markdown link, or the bare text without a usable URL.
func mdLink(text, url string) string {
	if url == "" || strings.ContainsAny(url, " ()") {
		return text
	}
	return "[" + text + "](" + url + ")"
}

// escapeMarkdown keeps plain text (titles, author names, abstracts) from turning into
// markup: \ * _ ` ~ | [ ] are escaped with a backslash, and so is a leading # > or - (the
// text is one line: headings, quotes and lists can only start there).
func escapeMarkdown(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '*', '_', '`', '~', '|', '[', ']':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	out := b.String()
	if out != "" && strings.ContainsRune("#>-", rune(out[0])) {
		out = "\\" + out
	}
	return out
}

// maxTextEmbeds bounds the embeds a long text continues in (Discord allows 10 per message).
const maxTextEmbeds = 10

// renderText is a plain message. Text that fits is the content, with the key on a last
// subtext line. Longer text (a digest of 20 papers, a long abstract with its links) is
// not cut: its first 2000 characters are the content and the rest continues in embeds
// below it (4096 characters each, 6000 in all), the key in the last one's footer, so one
// message of up to 8000 characters carries it whole under one key. Only beyond that is
// it cut, at a word, with "…".
func renderText(text, key string) postMessage {
	text = strings.TrimSpace(text)
	mark := ""
	if key != "" {
		mark = "\n" + keyMark + key
	}
	if utf16Len(text)+utf16Len(mark) <= maxContent {
		return postMessage{Content: text + mark, AllowedMentions: noMentions}
	}
	head, rest := splitText(text, maxContent)
	msg := postMessage{Content: head, AllowedMentions: noMentions}
	budget := maxEmbedTotal - utf16Len(key)
	for rest != "" && len(msg.Embeds) < maxTextEmbeds && (len(msg.Embeds) == 0 || budget >= 200) {
		var part string
		part, rest = splitText(rest, min(maxEmbedDesc, budget))
		budget -= utf16Len(part)
		msg.Embeds = append(msg.Embeds, &discordgo.MessageEmbed{Type: discordgo.EmbedTypeRich, Description: part})
	}
	last := msg.Embeds[len(msg.Embeds)-1]
	if rest != "" {
		last.Description = cutWords(last.Description+"\n"+rest, utf16Len(last.Description))
	}
	if key != "" {
		last.Footer = &discordgo.MessageEmbedFooter{Text: key}
	}
	return msg
}

// splitText returns the longest head of s within max UTF-16 units that ends at a line
// break (or else a space, or else anywhere between runes), and the rest. No text is lost
// but the break itself.
func splitText(s string, max int) (head, rest string) {
	if utf16Len(s) <= max {
		return s, ""
	}
	end, n := 0, 0
	for i, r := range s {
		w := runeUnits(r)
		if n+w > max {
			break
		}
		n += w
		_, size := utf8.DecodeRuneInString(s[i:])
		end = i + size
	}
	cut := end
	if nl := strings.LastIndexByte(s[:end], '\n'); nl > 0 && nl >= end/2 {
		cut = nl
	} else if sp := strings.LastIndexByte(s[:end], ' '); sp > 0 && sp >= end/2 {
		cut = sp
	}
	if cut == 0 {
		cut = end
	}
	head = strings.TrimRight(s[:cut], " \n")
	rest = strings.TrimLeft(s[cut:], " \n")
	return head, rest
}

// contentKey returns the key on the last line of a message's content ("" when none).
func contentKey(content string) string {
	last := content[strings.LastIndexByte(content, '\n')+1:]
	if k, ok := strings.CutPrefix(last, keyMark); ok && strings.HasPrefix(k, "pb-") && !strings.Contains(k, " ") {
		return k
	}
	return ""
}

// threadName is a thread or forum post name: the first line of s without markup, one
// line, 1-100 characters, cut at a word.
func threadName(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	s = strings.NewReplacer("**", "", "__", "", "`", "", "\\", "").Replace(s)
	s = paperboy.CollapseSpace(s)
	if s == "" {
		return "Paper"
	}
	return cutWords(s, maxThreadName)
}

// utf16Len counts s as Discord does (UTF-16 code units).
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += runeUnits(r)
	}
	return n
}

// runeUnits is r's length in UTF-16 (an invalid byte counts as one U+FFFD).
func runeUnits(r rune) int {
	if w := utf16.RuneLen(r); w > 0 {
		return w
	}
	return 1
}

// cutWords returns s if it fits in max UTF-16 units, else s cut at the last space or
// line break that keeps at least half of it, with "…" appended (within max). It never
// cuts a rune and never returns more than max.
func cutWords(s string, max int) string {
	if utf16Len(s) <= max {
		return s
	}
	if max <= 0 {
		return ""
	}
	// Byte offset where max-1 units end (one unit is left for "…").
	end, n := 0, 0
	for i, r := range s {
		w := runeUnits(r)
		if n+w > max-1 {
			break
		}
		n += w
		_, size := utf8.DecodeRuneInString(s[i:])
		end = i + size
	}
	cut := s[:end]
	if sp := strings.LastIndexFunc(cut, unicode.IsSpace); sp >= len(cut)/2 && sp > 0 {
		cut = cut[:sp]
	}
	cut = strings.TrimRightFunc(cut, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(",;:", r) })
	// Do not leave a dangling escape or half a markdown link.
	cut = strings.TrimSuffix(cut, "\\")
	if open := strings.LastIndex(cut, "]("); open >= 0 && !strings.Contains(cut[open:], ")") {
		if lb := strings.LastIndexByte(cut[:open], '['); lb >= 0 {
			cut = strings.TrimRightFunc(cut[:lb], unicode.IsSpace)
		}
	}
	return cut + "…"
}
