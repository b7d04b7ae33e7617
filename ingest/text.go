package ingest

import (
	"html"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paperboy-bot/paperboy"
)

// MaxAbstract bounds the abstract taken from a generic feed (whose "content" may be a
// whole blog post), in bytes; longer text is cut at a word boundary.
const MaxAbstract = 16 << 10

// inlineTags are dropped without a space ("H<sub>2</sub>O" reads "H2O"); every other tag
// becomes a space so that "<p>a</p><p>b</p>" reads "a b".
var inlineTags = map[string]bool{
	"a": true, "abbr": true, "b": true, "bdi": true, "cite": true, "code": true, "em": true,
	"font": true, "i": true, "kbd": true, "mark": true, "q": true, "s": true, "samp": true,
	"small": true, "span": true, "strong": true, "sub": true, "sup": true, "tt": true,
	"u": true, "var": true, "mi": true, "mo": true, "mn": true,
}

// StripHTML turns an HTML fragment into plain text: tags removed (script and style
// with their content), entities decoded, white space collapsed. Text without markup
// comes back with only its white space collapsed.
func StripHTML(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return paperboy.CollapseSpace(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != '<' || i+1 >= len(s) || !isTagStart(s[i+1]) {
			b.WriteByte(c)
			i++
			continue
		}
		if strings.HasPrefix(s[i:], "<!--") {
			end := strings.Index(s[i+4:], "-->")
			if end < 0 {
				break
			}
			i += 4 + end + 3
			continue
		}
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			// An unclosed "<tag" at the end: drop it.
			break
		}
		name := tagName(s[i+1 : i+end])
		i += end + 1
		if name == "script" || name == "style" {
			closeTag := "</" + name
			j := indexFold(s[i:], closeTag)
			if j < 0 {
				break
			}
			i += j
			if k := strings.IndexByte(s[i:], '>'); k >= 0 {
				i += k + 1
			} else {
				break
			}
			b.WriteByte(' ')
			continue
		}
		if !inlineTags[name] {
			b.WriteByte(' ')
		}
	}
	return paperboy.CollapseSpace(html.UnescapeString(b.String()))
}

func isTagStart(c byte) bool {
	return c == '/' || c == '!' || c == '?' || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

// tagName returns the lower-cased element name of a tag body ("/P class=x" -> "p").
func tagName(body string) string {
	body = strings.TrimPrefix(body, "/")
	n := 0
	for n < len(body) && (isAlnum(body[n]) || body[n] == ':' || body[n] == '-') {
		n++
	}
	name := strings.ToLower(body[:n])
	if k := strings.IndexByte(name, ':'); k >= 0 {
		name = name[k+1:] // m:mi, xhtml:p
	}
	return name
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z'
}

func indexFold(s, sub string) int {
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		if strings.EqualFold(s[i:i+n], sub) {
			return i
		}
	}
	return -1
}

// cutText bounds s to max bytes, cutting at a space and marking the cut.
func cutText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if sp := strings.LastIndexByte(s[:cut], ' '); sp > max/2 {
		cut = sp
	}
	return s[:cut] + " …"
}

// dateLayouts are the date forms seen in RSS, Atom, Dublin Core and JSON payloads.
var dateLayouts = []string{
	time.RFC3339Nano,
	time.RFC3339,
	time.RFC1123Z,
	time.RFC1123,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04 -0700",
	"Mon, 2 Jan 2006 15:04 MST",
	"Mon, 02 Jan 2006 15:04:05 -0700 (MST)",
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 MST",
	"Monday, 02-Jan-06 15:04:05 MST",
	time.RFC822Z,
	time.RFC822,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05",
	"2006-01-02",
	"2 January 2006",
	"January 2, 2006",
	"Jan 2, 2006",
	"2006-01",
}

// zoneOffsets are the abbreviations time.Parse would otherwise read as UTC.
var zoneOffsets = map[string]string{
	"UT": "+0000", "GMT": "+0000", "UTC": "+0000", "Z": "+0000",
	"EST": "-0500", "EDT": "-0400", "CST": "-0600", "CDT": "-0500",
	"MST": "-0700", "MDT": "-0600", "PST": "-0800", "PDT": "-0700",
	"CET": "+0100", "CEST": "+0200", "BST": "+0100", "IST": "+0530", "JST": "+0900",
}

// ParseDate reads a date in any of the layouts feeds use and returns it in UTC.
func ParseDate(s string) (time.Time, bool) {
	s = paperboy.CollapseSpace(s)
	if s == "" || len(s) > 64 {
		return time.Time{}, false
	}
	// Replace a trailing zone abbreviation with its offset.
	if sp := strings.LastIndexByte(s, ' '); sp > 0 {
		if off, ok := zoneOffsets[strings.ToUpper(s[sp+1:])]; ok {
			s = s[:sp+1] + off
		}
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	// Day names are sometimes wrong or missing: retry without "Mon, ".
	if c := strings.IndexByte(s, ','); c > 0 && c <= 10 {
		if t, ok := ParseDate(strings.TrimSpace(s[c+1:])); ok {
			return t, true
		}
	}
	return time.Time{}, false
}

// nameSuffixes glue back to the name before them when splitting "A, Jr., B".
var nameSuffixes = map[string]bool{"jr": true, "jr.": true, "sr": true, "sr.": true, "ii": true, "iii": true, "iv": true}

// SplitAuthors splits an author list as arXiv writes it: "A, B and C", "A, B, C",
// "A and B". Suffixes such as "Jr." stay with their name.
func SplitAuthors(s string) []string {
	s = paperboy.CollapseSpace(s)
	if s == "" {
		return nil
	}
	var out []string
	for _, part := range strings.Split(s, ",") {
		for _, name := range splitAnd(part) {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			if nameSuffixes[strings.ToLower(name)] && len(out) > 0 {
				out[len(out)-1] += ", " + name
				continue
			}
			out = append(out, name)
		}
	}
	return out
}

func splitAnd(s string) []string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "and ") {
		s = s[4:]
	}
	return strings.Split(s, " and ")
}

// arxivPaperURLs sets the canonical abs and PDF links of an arXiv paper.
func arxivPaperURLs(p *paperboy.Paper) {
	if p.ArxivID == "" {
		return
	}
	if p.AbsURL == "" {
		p.AbsURL = "https://arxiv.org/abs/" + p.ArxivID
	}
	if p.PDFURL == "" {
		p.PDFURL = "https://arxiv.org/pdf/" + p.ArxivID
	}
}

// setExtra sets p.Extra[k] = v when v is not empty.
func setExtra(p *paperboy.Paper, k, v string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return
	}
	if p.Extra == nil {
		p.Extra = make(map[string]string)
	}
	p.Extra[k] = v
}

// httpsURL upgrades http:// links of hosts known to serve https.
func httpsURL(s string) string {
	s = strings.TrimSpace(s)
	for _, host := range []string{"arxiv.org/", "export.arxiv.org/", "dx.doi.org/", "doi.org/", "huggingface.co/", "github.com/"} {
		if strings.HasPrefix(s, "http://"+host) {
			return "https://" + s[len("http://"):]
		}
	}
	return s
}
