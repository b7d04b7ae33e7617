package paperboy

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Source names recorded on papers.
const (
	SourceArxiv        = "arxiv"         // arXiv API (Atom)
	SourceArxivListing = "arxiv-listing" // rss.arxiv.org announcement feed
	SourceHF           = "hf"            // Hugging Face daily papers
	SourceRSS          = "rss"           // generic RSS 2.0 / Atom
	SourceKaggle       = "kaggle"        // Kaggle arXiv snapshot JSONL
	SourceJSONL        = "jsonl"         // paperboy's own JSONL / seed corpus shape
	SourceChat         = "chat"          // shared in chat with `add`
)

// Paper is one paper, whatever the sources it was seen in. ID is its identity (see Key).
type Paper struct {
	ID         string    `json:"id"`                    // canonical key: arXiv id, "doi:<doi>" or "title:<hash>"
	ArxivID    string    `json:"arxiv_id,omitempty"`    // without version, e.g. 2401.01234 or hep-th/9901001
	Version    int       `json:"version,omitempty"`     // latest arXiv version seen (0 = unknown)
	DOI        string    `json:"doi,omitempty"`         // lower-cased, without https://doi.org/
	Title      string    `json:"title"`                 // whitespace collapsed
	Abstract   string    `json:"abstract,omitempty"`    // whitespace collapsed
	Authors    []string  `json:"authors,omitempty"`     // "First Last", in paper order
	Categories []string  `json:"categories,omitempty"`  // primary category first
	Comment    string    `json:"comment,omitempty"`     // arXiv comments ("12 pages, ICLR 2024")
	JournalRef string    `json:"journal_ref,omitempty"` // arXiv journal reference
	Published  time.Time `json:"published,omitzero"`    // first version / publication date
	Updated    time.Time `json:"updated,omitzero"`      // latest version date
	AbsURL     string    `json:"abs_url,omitempty"`     // landing page
	PDFURL     string    `json:"pdf_url,omitempty"`
	HFURL      string    `json:"hf_url,omitempty"`   // huggingface.co/papers/<id>
	RepoURL    string    `json:"repo_url,omitempty"` // GitHub (or other) code repository
	Upvotes    int       `json:"upvotes,omitempty"`  // Hugging Face upvotes (max seen)
	// Extra keeps other fields a source offers that users see, keyed in snake_case:
	// "org", "ai_summary", "ai_keywords", "num_comments", "submitter", "authors_count",
	// "date" (as shown), "listing" (seed corpus page) ...
	Extra map[string]string `json:"extra,omitempty"`
	// Sources lists every source the paper was seen in (SourceArxiv, ...), sorted.
	Sources []string `json:"sources,omitempty"`

	// Quiet marks a paper that must never be announced by the watcher: bulk imports and
	// papers first seen as an arXiv "replace" (an old paper's new version). Write-only
	// hint for the store; a paper once announced-eligible stays so.
	Quiet bool `json:"-"`
	// Seq is assigned by the store when the paper is first stored; it never changes on
	// updates, so the watcher (which follows Seq) never posts a new version again.
	Seq int64 `json:"-"`
	// CreatedAt is when the store first saw the paper.
	CreatedAt time.Time `json:"-"`
}

// URL is the best link to show for the paper: abs page, else HF page, else PDF, else repo.
func (p *Paper) URL() string {
	switch {
	case p.AbsURL != "":
		return p.AbsURL
	case p.ArxivID != "":
		return "https://arxiv.org/abs/" + p.ArxivID
	case p.HFURL != "":
		return p.HFURL
	case p.PDFURL != "":
		return p.PDFURL
	case p.DOI != "":
		return "https://doi.org/" + p.DOI
	}
	return p.RepoURL
}

// PrimaryCategory returns the first category or "".
func (p *Paper) PrimaryCategory() string {
	if len(p.Categories) == 0 {
		return ""
	}
	return p.Categories[0]
}

// Key computes the paper's identity from its fields: the arXiv id without version, else
// "doi:" + DOI, else "title:" + a hash of the normalized title. Sources call Normalize,
// which sets ID from Key.
func (p *Paper) Key() string {
	switch {
	case p.ArxivID != "":
		return p.ArxivID
	case p.DOI != "":
		return "doi:" + p.DOI
	}
	return "title:" + TitleHash(p.Title)
}

// Normalize cleans the fields every source fills (whitespace, control characters, arXiv
// id and version, DOI, empty authors and categories) and sets ID. It returns an EINVALID
// error when the paper has no usable title. Every source's papers pass through it before
// the store, so it is where control characters (IsControl) are stripped from every text
// field: no platform is handed them.
func (p *Paper) Normalize() error {
	p.Title = CollapseSpace(p.Title)
	p.Abstract = CollapseSpace(p.Abstract)
	p.Comment = CollapseSpace(p.Comment)
	p.JournalRef = CollapseSpace(p.JournalRef)
	for _, u := range []*string{&p.AbsURL, &p.PDFURL, &p.HFURL, &p.RepoURL} {
		*u = StripControl(*u)
	}
	p.Extra = stripControlMap(p.Extra)
	if p.ArxivID != "" {
		id, v, ok := ParseArxivID(p.ArxivID)
		if !ok {
			return Errorf(EINVALID, "%q is not an arXiv id", p.ArxivID)
		}
		p.ArxivID = id
		if v > p.Version {
			p.Version = v
		}
	}
	p.DOI = NormalizeDOI(StripControl(p.DOI))
	p.Authors = cleanList(p.Authors)
	p.Categories = cleanList(p.Categories)
	if p.Title == "" {
		return Errorf(EINVALID, "paper has no title")
	}
	p.ID = p.Key()
	return nil
}

// stripControlMap strips control characters from m's keys and values (newlines and tabs
// stay: ai_summary may have paragraphs); m itself is changed only when one has any.
func stripControlMap(m map[string]string) map[string]string {
	dirty := false
	for k, v := range m {
		if hasControl(k) || hasControl(v) {
			dirty = true
			break
		}
	}
	if !dirty {
		return m
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if k = StripControl(k); k != "" {
			out[k] = StripControl(v)
		}
	}
	return out
}

func cleanList(in []string) []string {
	out := in[:0]
	seen := make(map[string]bool, len(in))
	for _, s := range in {
		s = CollapseSpace(s)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// CollapseSpace trims s, replaces every run of white space with one space and drops the
// other control characters (IsControl): the one-line form of a title, an author, a
// comment.
func CollapseSpace(s string) string {
	// Fast path: most fields are already clean (single ASCII spaces, no ends).
	if isCollapsed(s) {
		return s
	}
	// ASCII text (most of it: Kaggle abstracts are indented and end in a newline) in one
	// pass; other text the general way.
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return collapseUnicode(s)
		}
		if c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' {
			if len(b) > 0 && b[len(b)-1] != ' ' {
				b = append(b, ' ')
			}
			continue
		}
		if c < 0x20 || c == 0x7f {
			continue // a control character: dropped
		}
		b = append(b, c)
	}
	if len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return string(b)
}

// collapseUnicode is CollapseSpace for text with non-ASCII characters. White space
// (Unicode's, which has U+0085 among the C1 controls) separates words first; then the other
// control characters are dropped, so "a\x1b b" and "a \x1b b" both give "a b".
func collapseUnicode(s string) string {
	f := strings.Fields(s)
	out := f[:0]
	for _, w := range f {
		if w = StripControl(w); w != "" {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

// isCollapsed reports whether CollapseSpace would return s as it is: ASCII with no
// control characters (DEL included), no space at either end and no two spaces in a row. It tests 8 bytes
// at a time, since nearly every title and abstract of an import is clean already (the
// JSONL decoder collapses them) and this check was 2-4% of an import's CPU. A false
// answer may be wrong (for a space followed by '!'; the general path then changes
// nothing); a true one never is.
func isCollapsed(s string) bool {
	n := len(s)
	if n == 0 {
		return true
	}
	if s[0] == ' ' || s[n-1] == ' ' {
		return false
	}
	const lo, hi, sp, del = 0x0101010101010101, 0x8080808080808080, 0x2020202020202020, 0x7f7f7f7f7f7f7f7f
	var prev uint64 // 0x80 when the byte before the current 8 is a space
	i := 0
	for ; i+8 <= n; i += 8 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if x&hi != 0 || (x-sp)&^x&hi != 0 { // a byte >= 0x80, or one < 0x20
			return false
		}
		if d := x ^ del; (d-lo)&^d&hi != 0 { // a DEL (exact: no byte has its high bit)
			return false
		}
		t := x ^ sp
		z := (t - lo) &^ t & hi // the high bit of every space's byte (and of a '!' after one)
		if z&(z<<8|prev) != 0 {
			return false
		}
		prev = z >> 56
	}
	space := prev != 0
	for ; i < n; i++ {
		c := s[i]
		if c >= utf8.RuneSelf || c < 0x20 || c == 0x7f || c == ' ' && space {
			return false
		}
		space = c == ' '
	}
	return true
}

var (
	newArxivID = regexp.MustCompile(`^(\d{4}\.\d{4,5})(?:v(\d+))?$`)
	oldArxivID = regexp.MustCompile(`^([a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v(\d+))?$`)
)

// ParseArxivID accepts an arXiv identifier in any form users paste: "2401.01234",
// "2401.01234v2", "arXiv:2401.01234", "hep-th/9901001v1", or an arxiv.org abs/pdf/html URL
// (also alphaxiv.org, huggingface.co/papers). It returns the id without version and the
// version (0 when absent).
func ParseArxivID(s string) (id string, version int, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 512 {
		return "", 0, false
	}
	if strings.Contains(s, "://") || strings.HasPrefix(s, "arxiv.org/") || strings.HasPrefix(s, "www.arxiv.org/") {
		if !strings.Contains(s, "://") {
			s = "https://" + s
		}
		u, err := url.Parse(s)
		if err != nil {
			return "", 0, false
		}
		path := strings.Trim(u.Path, "/")
		for _, prefix := range []string{"abs/", "pdf/", "html/", "papers/", "paper/", "format/"} {
			if strings.HasPrefix(path, prefix) {
				path = strings.TrimPrefix(path, prefix)
				break
			}
		}
		s = strings.TrimSuffix(path, ".pdf")
	}
	if len(s) > 6 && strings.EqualFold(s[:6], "arxiv:") {
		s = s[6:]
	}
	for _, re := range []*regexp.Regexp{newArxivID, oldArxivID} {
		if m := re.FindStringSubmatch(s); m != nil {
			if m[2] != "" {
				v, err := strconv.Atoi(m[2])
				if err != nil || v > 1000 {
					return "", 0, false
				}
				version = v
			}
			return m[1], version, true
		}
	}
	return "", 0, false
}

// NormalizeDOI lower-cases a DOI and strips resolver prefixes; "" if s is not a DOI.
func NormalizeDOI(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, p := range []string{"https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:"} {
		s = strings.TrimPrefix(s, p)
	}
	if !strings.HasPrefix(s, "10.") || !strings.Contains(s, "/") {
		return ""
	}
	return s
}

// NormalizeTitle folds a title for identity: lower case, letters and digits only, single
// spaces. "Attention Is All You Need." and "attention is  all you need" are equal.
func NormalizeTitle(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		} else {
			space = true
		}
	}
	return b.String()
}

// TitleHash is a short stable hash of NormalizeTitle(title).
func TitleHash(title string) string {
	sum := sha256.Sum256([]byte(NormalizeTitle(title)))
	return hex.EncodeToString(sum[:8])
}
