package slack

import (
	"strings"
	"unicode/utf8"
)

// Slack limits (https://docs.slack.dev/reference/block-kit): a message has at most 50
// blocks, a section's text at most 3000 characters, a header 150, a button label 75, a
// context element 3000 (we keep them far shorter). The plain text fallback is truncated
// by Slack after 40000 characters; we stay well below.
const (
	maxBlocks      = 50
	maxSectionText = 3000
	maxHeaderText  = 150
	maxButtonText  = 75
	maxContextText = 2000
	maxPlainText   = 12000
	maxActionValue = 2000
	maxSnippet     = 600 // abstract snippet in a post; the full abstract goes to the thread
)

// escapeText escapes the three characters Slack's mrkdwn treats as control characters.
func escapeText(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}

// escapeURL makes u safe inside <url|text>: & is escaped like text, and the characters
// that would end the link early are percent-encoded.
func escapeURL(u string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "%3C", ">", "%3E", "|", "%7C", " ", "%20")
	return r.Replace(u)
}

// link renders <url|text> with text escaped; text alone when url is empty.
func link(url, text string) string {
	text = escapeText(text)
	if url == "" || !(strings.HasPrefix(url, "http://") || strings.HasPrefix(url, "https://")) {
		return text
	}
	// "|" in the link text is fine for Slack (the first "|" splits), but keep it readable.
	return "<" + escapeURL(url) + "|" + text + ">"
}

// Mrkdwn converts the bot's neutral markup (CommonMark subset: **bold**, _italic_,
// `code`, ``` blocks, [text](url), "- " bullets) into Slack mrkdwn, escaping &, < and > everywhere
// else. Unbalanced markup is kept as literal text.
func Mrkdwn(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	lines := strings.Split(s, "\n")
	fenced := false
	for i, line := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		// A ``` block (bot.CodeBlock) is kept as Slack's own code block: its lines
		// are only escaped, never read as markup.
		if line == "```" {
			fenced = !fenced
			b.WriteString(line)
			continue
		}
		if fenced {
			b.WriteString(escapeText(line))
			continue
		}
		rest, indent := line, ""
		if t := strings.TrimLeft(line, " "); strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "* ") {
			indent = line[:len(line)-len(t)]
			b.WriteString(indent)
			b.WriteString("• ")
			rest = t[2:]
		}
		inline(&b, rest)
	}
	return b.String()
}

// inline converts one line's inline markup.
func inline(b *strings.Builder, s string) {
	for len(s) > 0 {
		switch {
		case s[0] == '`':
			if end := strings.IndexByte(s[1:], '`'); end >= 0 {
				b.WriteByte('`')
				b.WriteString(escapeText(s[1 : 1+end]))
				b.WriteByte('`')
				s = s[end+2:]
				continue
			}
		case strings.HasPrefix(s, "**"):
			if end := strings.Index(s[2:], "**"); end > 0 {
				b.WriteByte('*')
				inline(b, s[2:2+end])
				b.WriteByte('*')
				s = s[end+4:]
				continue
			}
		case s[0] == '[':
			if text, url, n, ok := mdLink(s); ok {
				b.WriteString(link(url, text))
				s = s[n:]
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(s)
		if r == utf8.RuneError && size == 1 {
			b.WriteString("\uFFFD")
		} else {
			b.WriteString(escapeText(s[:size]))
		}
		s = s[size:]
	}
}

// mdLink parses "[text](url)" at the start of s and returns its length in bytes.
func mdLink(s string) (text, url string, n int, ok bool) {
	close := strings.Index(s, "](")
	if close < 1 || strings.ContainsAny(s[1:close], "[]\n") {
		return "", "", 0, false
	}
	end := strings.IndexByte(s[close+2:], ')')
	if end < 1 {
		return "", "", 0, false
	}
	url = s[close+2 : close+2+end]
	if strings.ContainsAny(url, " \t\n(") {
		return "", "", 0, false
	}
	return s[1:close], url, close + 3 + end, true
}

// truncate shortens s to at most max runes, ending with "…" when it cut. It cuts on rune
// boundaries and never splits a mrkdwn link (<...>) or an entity (&amp;).
func truncate(s string, max int) string {
	if max <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	cut := 0
	for i := range s {
		if cut == max-1 {
			s = s[:i]
			break
		}
		cut++
	}
	// Do not leave half a link or entity behind.
	if lt := strings.LastIndexByte(s, '<'); lt >= 0 && lt > strings.LastIndexByte(s, '>') {
		s = s[:lt]
	}
	if amp := strings.LastIndexByte(s, '&'); amp >= 0 && amp > strings.LastIndexByte(s, ';') {
		s = s[:amp]
	}
	s = strings.TrimRight(s, " \n")
	return s + "…"
}

// truncatePlain shortens plain text (no markup) to max runes with "…".
func truncatePlain(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	if max <= 0 {
		return ""
	}
	n := 0
	for i := range s {
		if n == max-1 {
			return strings.TrimRight(s[:i], " ") + "…"
		}
		n++
	}
	return s
}

// splitSections cuts mrkdwn text into chunks of at most max runes, preferring line
// breaks, so a long reply becomes several sections instead of failing.
func splitSections(s string, max int) []string {
	var out []string
	for utf8.RuneCountInString(s) > max {
		// Byte offset of the max-th rune.
		off, n := len(s), 0
		for i := range s {
			if n == max {
				off = i
				break
			}
			n++
		}
		cut := strings.LastIndexByte(s[:off], '\n')
		if cut < off/2 {
			// No good line break: cut at the rune boundary, but not inside a <link>.
			cut = off
			if lt := strings.LastIndexByte(s[:off], '<'); lt > 0 && lt > strings.LastIndexByte(s[:off], '>') {
				cut = lt
			}
			out = append(out, s[:cut])
			s = s[cut:]
			continue
		}
		out = append(out, s[:cut])
		s = s[cut+1:]
	}
	if strings.TrimSpace(s) != "" {
		out = append(out, s)
	}
	return out
}
