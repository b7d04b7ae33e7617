package slack

import (
	"fmt"
	"strconv"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/bot"
)

// Button action ids on posts; block_actions clicks come back with them.
const (
	actionUpvote      = "upvote"
	actionReadLater   = "read_later"
	actionNotRelevant = "not_relevant"
	actionShare       = "share" // per-result buttons are "share:<n>" (ids are unique per block)
)

// metadataEventType marks paperboy's posts in Slack message metadata, and
// messageEventType its other keyed messages (thread replies, summaries, digests), so
// FindMessage can recognize them after a crash.
const (
	metadataEventType = "paperboy_post"
	messageEventType  = "paperboy_message"
)

const maxAuthors = 3

// renderPost builds the Block Kit blocks and the plain-text fallback of a paper post. It
// always returns valid blocks within Slack's limits, whatever the input size.
func renderPost(p bot.Post) ([]slackapi.Block, string) {
	paper := p.Paper
	if paper == nil {
		paper = &paperboy.Paper{}
	}
	title := paperboy.CollapseSpace(paper.Title)
	if title == "" {
		title = "(untitled)"
	}
	title = truncatePlain(title, 280)
	url := paper.URL()

	var head strings.Builder
	head.WriteString("*" + link(url, title) + "*")
	if a := authorLine(paper.Authors); a != "" {
		head.WriteString("\n" + escapeText(a))
	}
	if m := metaLine(paper); m != "" {
		head.WriteString("\n" + m)
	}
	blocks := []slackapi.Block{
		section("paper_title", truncate(head.String(), maxSectionText)),
	}

	if snippet := postSnippet(p.Summary, paper.Abstract); snippet != "" {
		blocks = append(blocks, section("paper_summary", truncate(snippet, maxSectionText)))
	}
	if l := linksLine(paper); l != "" {
		blocks = append(blocks, contextBlock("paper_links", l))
	}
	if r := paperboy.CollapseSpace(p.Reason); r != "" {
		blocks = append(blocks, contextBlock("paper_reason", "Posted for "+escapeText(r)))
	}
	blocks = append(blocks, contextBlock("paper_votes", tallyLine(p.Tally)))
	id := truncatePlain(paper.ID, maxActionValue)
	blocks = append(blocks, slackapi.NewActionBlock("paper_actions",
		button(actionUpvote, id, ":+1: Upvote", slackapi.StylePrimary),
		button(actionReadLater, id, ":bookmark: Read later", ""),
		button(actionNotRelevant, id, ":see_no_evil: Not relevant", ""),
	))

	fallback := "New paper: " + escapeText(title)
	if url != "" {
		fallback += " " + escapeURL(url)
	}
	return blocks, truncate(fallback, maxPlainText)
}

// postSnippet is the summary when there is one (neutral markup), else the start of the
// abstract (plain text).
func postSnippet(summary, abstract string) string {
	if s := strings.TrimSpace(summary); s != "" {
		return Mrkdwn(truncatePlain(s, maxSectionText))
	}
	if a := paperboy.CollapseSpace(abstract); a != "" {
		return escapeText(truncatePlain(a, maxSnippet))
	}
	return ""
}

// authorLine lists the first authors and "et al." for the rest.
func authorLine(authors []string) string {
	switch {
	case len(authors) == 0:
		return ""
	case len(authors) <= maxAuthors:
		return truncatePlain(strings.Join(authors, ", "), 500)
	}
	return truncatePlain(strings.Join(authors[:maxAuthors], ", "), 500) + " et al."
}

// metaLine shows categories and the publication date: "`cs.LG` `cs.AI` · 2024-01-02".
func metaLine(p *paperboy.Paper) string {
	var parts []string
	var cats []string
	for i, c := range p.Categories {
		if i == 5 {
			break
		}
		cats = append(cats, "`"+escapeText(truncatePlain(c, 40))+"`")
	}
	if len(cats) > 0 {
		parts = append(parts, strings.Join(cats, " "))
	}
	switch {
	case !p.Published.IsZero():
		parts = append(parts, p.Published.UTC().Format("2006-01-02"))
	case !p.Updated.IsZero():
		parts = append(parts, p.Updated.UTC().Format("2006-01-02"))
	}
	return strings.Join(parts, " · ")
}

// linksLine shows Hugging Face upvotes and the code, PDF and HF links when known.
func linksLine(p *paperboy.Paper) string {
	var parts []string
	if p.Upvotes > 0 {
		up := strconv.Itoa(p.Upvotes) + " HF upvotes"
		if p.Upvotes == 1 {
			up = "1 HF upvote"
		}
		parts = append(parts, ":hugging_face: "+link(p.HFURL, up))
	} else if p.HFURL != "" {
		parts = append(parts, link(p.HFURL, "Hugging Face"))
	}
	if p.RepoURL != "" {
		name := "Code"
		if strings.Contains(p.RepoURL, "github.com/") {
			name = "GitHub"
		}
		parts = append(parts, ":computer: "+link(p.RepoURL, name))
	}
	if p.PDFURL != "" {
		parts = append(parts, link(p.PDFURL, "PDF"))
	}
	return truncate(strings.Join(parts, " · "), maxContextText)
}

// tallyLine is the vote count shown on a post.
func tallyLine(t paperboy.Tally) string {
	if t.Up == 0 && t.Down == 0 && t.Replies == 0 {
		return "No votes yet: react :+1: / :-1:, use the buttons, or reply +1 in the thread"
	}
	s := fmt.Sprintf(":+1: %d · :-1: %d", t.Up, t.Down)
	switch t.Replies {
	case 0:
	case 1:
		s += " · :speech_balloon: 1 reply"
	default:
		s += fmt.Sprintf(" · :speech_balloon: %d replies", t.Replies)
	}
	return s
}

func section(blockID, mrkdwn string) *slackapi.SectionBlock {
	if strings.TrimSpace(mrkdwn) == "" {
		mrkdwn = " " // Slack rejects empty text; a space is the smallest valid value
	}
	return slackapi.NewSectionBlock(slackapi.NewTextBlockObject(slackapi.MarkdownType, mrkdwn, false, false), nil, nil, slackapi.SectionBlockOptionBlockID(blockID))
}

func contextBlock(blockID, mrkdwn string) *slackapi.ContextBlock {
	return slackapi.NewContextBlock(blockID, slackapi.NewTextBlockObject(slackapi.MarkdownType, truncate(mrkdwn, maxContextText), false, false))
}

func button(actionID, value, label string, style slackapi.Style) *slackapi.ButtonBlockElement {
	b := slackapi.NewButtonBlockElement(actionID, value, slackapi.NewTextBlockObject(slackapi.PlainTextType, truncatePlain(label, maxButtonText), true, false))
	if style != "" {
		b.Style = style
	}
	return b
}

// message is a slash-command answer or a response_url payload.
type message struct {
	ResponseType string           `json:"response_type,omitempty"`
	Text         string           `json:"text"`
	Blocks       []slackapi.Block `json:"blocks,omitempty"`
}

const workingText = "Working on it…"

// renderReply turns a bot reply into a Slack message: mrkdwn text, visible to the asker
// only unless InChannel, and with "Share in channel" buttons for listed papers.
func renderReply(r bot.Reply) message {
	m := message{ResponseType: "ephemeral"}
	if r.InChannel {
		m.ResponseType = "in_channel"
	}
	text := r.Text
	if strings.TrimSpace(text) == "" && r.Deferred {
		text = workingText
	}
	mr := Mrkdwn(text)
	m.Text = truncate(mr, maxPlainText)
	if len(r.Papers) == 0 || r.Deferred {
		return m
	}
	// Text sections first (at most 40 blocks), then share buttons, 25 per actions block.
	for i, chunk := range splitSections(mr, maxSectionText) {
		if i == 40 {
			break
		}
		m.Blocks = append(m.Blocks, section("reply_"+strconv.Itoa(i), chunk))
	}
	var row []slackapi.BlockElement
	flush := func() {
		if len(row) > 0 && len(m.Blocks) < maxBlocks {
			m.Blocks = append(m.Blocks, slackapi.NewActionBlock("share_"+strconv.Itoa(len(m.Blocks)), row...))
		}
		row = nil
	}
	for i, p := range r.Papers {
		if p == nil || p.ID == "" {
			continue
		}
		label := fmt.Sprintf("Share %d: %s", i+1, paperboy.CollapseSpace(p.Title))
		row = append(row, button(actionShare+":"+strconv.Itoa(i+1), truncatePlain(p.ID, maxActionValue), label, ""))
		if len(row) == 25 {
			flush()
		}
	}
	flush()
	return m
}
