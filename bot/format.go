package bot

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paperboy-bot/paperboy"
)

// Replies use the neutral markup described on Adapter: **bold**, [text](url), `code`
// and "- " bullets. Adapters convert it; PlainText converts it for terminals.

// Link renders [text](url), keeping brackets in text from breaking the markup. Without a
// url it returns the text alone.
func Link(text, url string) string {
	text = strings.NewReplacer("[", "(", "]", ")", "\n", " ").Replace(text)
	if url == "" {
		return text
	}
	url = strings.NewReplacer("(", "%28", ")", "%29", " ", "%20").Replace(url)
	return "[" + text + "](" + url + ")"
}

// Bold renders **text**.
func Bold(text string) string {
	if text == "" {
		return ""
	}
	return "**" + strings.ReplaceAll(text, "*", "∗") + "**"
}

// Code renders `text`.
func Code(text string) string { return "`" + strings.ReplaceAll(text, "`", "'") + "`" }

// CodeBlock renders text as a fenced block ("```" lines around it), shown verbatim in a
// fixed-width font: adapters convert no markup inside it. A "```" in text is broken up
// so it cannot end the block early.
func CodeBlock(text string) string {
	return "```\n" + strings.ReplaceAll(strings.TrimRight(text, "\n"), "```", "`\u200b``") + "\n```"
}

// Truncate cuts s to at most n runes, ending with "…" when it cut.
func Truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	cut := string(r[:n-1])
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)*3/4 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:.") + "…"
}

// Authors renders the first three authors and "et al." for more.
func Authors(authors []string) string {
	switch n := len(authors); {
	case n == 0:
		return "unknown authors"
	case n <= 3:
		return strings.Join(authors, ", ")
	default:
		return strings.Join(authors[:3], ", ") + " et al."
	}
}

// VoteCounts renders "▲3 ▼0".
func VoteCounts(t paperboy.Tally) string { return fmt.Sprintf("▲%d ▼%d", t.Up, t.Down) }

// paperDate is the date to show for a paper.
func paperDate(p *paperboy.Paper) string {
	switch {
	case !p.Published.IsZero():
		return p.Published.UTC().Format("2006-01-02")
	case p.Extra["date"] != "":
		return p.Extra["date"]
	case !p.CreatedAt.IsZero():
		// No publication date known (seed corpus, some feeds): say when it was stored
		// rather than pass that off as the publication date.
		return "added " + p.CreatedAt.UTC().Format("2006-01-02")
	}
	return ""
}

// paperLine is one compact result line: [Title](url) — authors — date · cat · votes.
func paperLine(p *paperboy.Paper, votes int, showVotes bool) string {
	parts := []string{Link(Truncate(p.Title, 160), p.URL())}
	if len(p.Authors) > 0 {
		parts = append(parts, Authors(firstN(p.Authors, 4)))
	}
	var meta []string
	if d := paperDate(p); d != "" {
		meta = append(meta, d)
	}
	if c := p.PrimaryCategory(); c != "" {
		meta = append(meta, c)
	}
	if showVotes {
		meta = append(meta, plural(votes, "vote"))
	}
	if p.Upvotes > 0 {
		meta = append(meta, fmt.Sprintf("%d HF upvotes", p.Upvotes))
	}
	if len(meta) > 0 {
		parts = append(parts, strings.Join(meta, " · "))
	}
	return strings.Join(parts, " — ")
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func plural(n int, word string) string {
	switch {
	case n == 1 || n == -1:
		return strconv.Itoa(n) + " " + word
	case strings.HasSuffix(word, "y"):
		return strconv.Itoa(n) + " " + word[:len(word)-1] + "ies"
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// formatPaper renders the full record of `show`.
func formatPaper(p *paperboy.Paper, t paperboy.Tally) string {
	var b strings.Builder
	b.WriteString(Bold(Link(p.Title, p.URL())) + "\n")
	if len(p.Authors) > 0 {
		authors := strings.Join(firstN(p.Authors, 12), ", ")
		if len(p.Authors) > 12 {
			authors += fmt.Sprintf(" and %d more", len(p.Authors)-12)
		}
		b.WriteString(authors + "\n")
	}
	var meta []string
	if p.ArxivID != "" {
		id := "arXiv:" + p.ArxivID
		if p.Version > 0 {
			id += fmt.Sprintf("v%d", p.Version)
		}
		meta = append(meta, id)
	} else if p.DOI != "" {
		meta = append(meta, "doi:"+p.DOI)
	}
	if d := paperDate(p); d != "" {
		meta = append(meta, "published "+d)
	}
	if !p.Updated.IsZero() && !p.Published.IsZero() && p.Updated.Sub(p.Published) > 24*time.Hour {
		meta = append(meta, "updated "+p.Updated.UTC().Format("2006-01-02"))
	}
	if len(p.Categories) > 0 {
		meta = append(meta, strings.Join(firstN(p.Categories, 6), ", "))
	}
	if len(meta) > 0 {
		b.WriteString(strings.Join(meta, " · ") + "\n")
	}
	if p.Comment != "" {
		b.WriteString("Comment: " + Truncate(p.Comment, 200) + "\n")
	}
	if p.JournalRef != "" {
		b.WriteString("Journal: " + Truncate(p.JournalRef, 200) + "\n")
	}
	if p.Abstract != "" {
		b.WriteString("\n" + Truncate(p.Abstract, 1200) + "\n\n")
	}
	var links []string
	for _, l := range []struct{ name, url string }{
		{"abstract", p.AbsURL}, {"PDF", p.PDFURL}, {"Hugging Face", p.HFURL}, {"code", p.RepoURL},
	} {
		if l.url != "" {
			links = append(links, Link(l.name, l.url))
		}
	}
	if len(links) == 0 && p.URL() != "" {
		links = append(links, Link("link", p.URL()))
	}
	if len(links) > 0 {
		b.WriteString("Links: " + strings.Join(links, " · ") + "\n")
	}
	votes := fmt.Sprintf("Votes here: %s (net %+d), %s", VoteCounts(t), t.Net(), plural(t.Replies, "reply"))
	if p.Upvotes > 0 {
		votes += fmt.Sprintf(" · %d HF upvotes", p.Upvotes)
	}
	b.WriteString(votes)
	return b.String()
}

// describeDigest renders a subscription's schedule for people.
func describeDigest(d paperboy.Digest) string {
	at := fmt.Sprintf("%02d:%02d", d.Hour, d.Minute)
	switch d.Every {
	case paperboy.DigestDaily:
		return "daily digest at " + at
	case paperboy.DigestWeekly:
		return fmt.Sprintf("weekly digest on %ss at %s", d.Weekday, at)
	}
	return "posted as they arrive"
}

// PlainText converts the neutral markup to plain text for terminals: **bold** and
// `code` lose their markers and [text](url) becomes "text <url>".
func PlainText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "```\n") && (i == 0 || s[i-1] == '\n'):
			// A code block: its text as it is, without the fences.
			body, _, _ := strings.Cut(s[i+4:], "\n```")
			b.WriteString(body)
			i += 4 + len(body) + 4
			i = min(i, len(s))
		case strings.HasPrefix(s[i:], "**"):
			i += 2
		case s[i] == '`':
			i++
		case s[i] == '[':
			if text, url, n, ok := parseLink(s[i:]); ok {
				if text == url || url == "" {
					b.WriteString(text)
				} else {
					b.WriteString(text + " <" + url + ">")
				}
				i += n
				continue
			}
			b.WriteByte(s[i])
			i++
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String()
}

// parseLink parses "[text](url)" at the start of s and returns its length.
func parseLink(s string) (text, url string, n int, ok bool) {
	end := strings.IndexByte(s, ']')
	if end < 1 || end+1 >= len(s) || s[end+1] != '(' || strings.ContainsAny(s[1:end], "[\n") {
		return "", "", 0, false
	}
	close := strings.IndexByte(s[end+2:], ')')
	if close < 0 || strings.ContainsAny(s[end+2:end+2+close], " \n") {
		return "", "", 0, false
	}
	text = strings.ReplaceAll(s[1:end], "**", "")
	return text, s[end+2 : end+2+close], end + 2 + close + 1, true
}
