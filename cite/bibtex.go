package cite

import (
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/paperboy-bot/paperboy"
)

// BibTeX returns one paper as a BibTeX entry in arXiv's own style:
//
//	@misc{vaswani2017attention,
//	  title = {Attention Is All You Need},
//	  author = {Ashish Vaswani and Noam Shazeer},
//	  year = {2017},
//	  eprint = {1706.03762},
//	  archivePrefix = {arXiv},
//	  primaryClass = {cs.CL},
//	  url = {https://arxiv.org/abs/1706.03762},
//	}
//
// Text fields have LaTeX's special characters escaped; names stay UTF-8 (biber, Zotero
// and Mendeley read it; classic BibTeX with inputenc too). Every brace in the entry is
// balanced, counting escaped ones, as BibTeX counts them.
func BibTeX(p *paperboy.Paper) string {
	return bibEntry(p, Key(p))
}

// BibWriter writes a stream of entries, keeping citation keys unique within it (a
// second "smith2024deep" becomes "smith2024deepb", and so on), so a file of many papers
// imports without collisions. Keys stay stable for the same papers in the same order.
type BibWriter struct {
	w    io.Writer
	used map[string]bool
	n    int
}

// NewBibWriter returns a BibWriter on w.
func NewBibWriter(w io.Writer) *BibWriter { return &BibWriter{w: w, used: map[string]bool{}} }

// Write writes p's entry, preceded by a blank line after the first.
func (bw *BibWriter) Write(p *paperboy.Paper) error {
	key := Key(p)
	if bw.used[key] {
		for suffix := 'b'; ; suffix++ {
			k := key + string(suffix)
			if suffix > 'z' {
				k = key + "x" + strconv.Itoa(int(suffix-'z'))
			}
			if !bw.used[k] {
				key = k
				break
			}
		}
	}
	bw.used[key] = true
	sep := ""
	if bw.n > 0 {
		sep = "\n"
	}
	bw.n++
	_, err := io.WriteString(bw.w, sep+bibEntry(p, key))
	return err
}

func bibEntry(p *paperboy.Paper, key string) string {
	var b strings.Builder
	b.WriteString("@misc{" + key + ",\n")
	field := func(name, value string) {
		if value != "" {
			b.WriteString("  " + name + " = {" + value + "},\n")
		}
	}
	field("title", EscapeLaTeX(p.Title))
	names := make([]string, 0, len(p.Authors))
	for _, a := range p.Authors {
		if a = EscapeLaTeX(a); a != "" {
			// A name with " and " in it (a consortium) would split into two authors,
			// one with more than two commas is an error ("Last, Jr, First" is the
			// most BibTeX reads): braces make it one name, taken as written.
			if strings.Contains(" "+strings.ToLower(a)+" ", " and ") || strings.Count(a, ",") > 2 {
				a = "{" + a + "}"
			}
			names = append(names, a)
		}
	}
	field("author", strings.Join(names, " and "))
	if y := year(p); y != "" {
		field("year", y)
	}
	if eprint := verbatim(p.ArxivID); eprint != "" {
		field("eprint", eprint)
		field("archivePrefix", "arXiv")
		field("primaryClass", verbatim(p.PrimaryCategory()))
	}
	field("doi", verbatim(p.DOI))
	field("url", verbatim(p.URL()))
	b.WriteString("}\n")
	return b.String()
}

// year is the year of first publication (or of the latest version when that is all we
// have), "" when unknown.
func year(p *paperboy.Paper) string {
	switch {
	case !p.Published.IsZero():
		return strconv.Itoa(p.Published.Year())
	case !p.Updated.IsZero():
		return strconv.Itoa(p.Updated.Year())
	}
	return ""
}

// latex maps LaTeX's special characters to text that prints them. Braces become
// \textbraceleft{} rather than \{: BibTeX counts \{ as an opening brace, so one lone
// brace in a title would end (or never end) the field.
var latex = strings.NewReplacer(
	`\`, `\textbackslash{}`,
	`{`, `\textbraceleft{}`,
	`}`, `\textbraceright{}`,
	`#`, `\#`, `$`, `\$`, `%`, `\%`, `&`, `\&`, `_`, `\_`,
	`~`, `\textasciitilde{}`,
	`^`, `\textasciicircum{}`,
)

// EscapeLaTeX returns s, whitespace collapsed and control characters dropped, with
// LaTeX's special characters (# $ % & _ { } ~ ^ \) escaped. Other characters, non-ASCII
// letters included, are kept as they are.
func EscapeLaTeX(s string) string {
	return latex.Replace(paperboy.CollapseSpace(paperboy.StripControl(s)))
}

// verbatim prepares a URL, DOI or identifier for a field BibLaTeX reads verbatim: no
// LaTeX escaping (a DOI's "_" must stay), but braces, backslashes and spaces, which
// would break the entry, are percent-encoded.
var verbatimReplacer = strings.NewReplacer(`{`, "%7B", `}`, "%7D", `\`, "%5C", " ", "%20")

func verbatim(s string) string {
	return verbatimReplacer.Replace(paperboy.CollapseSpace(paperboy.StripControl(s)))
}

// Key is p's citation key in the usual Google Scholar / arXiv shape: the first author's
// family name, the year and the first significant title word, lower-case ASCII
// ("vaswani2017attention"). Accented letters lose their accents; a paper with nothing
// usable gets "paper" and its id's letters and digits.
func Key(p *paperboy.Paper) string {
	var b strings.Builder
	if len(p.Authors) > 0 {
		b.WriteString(keyWord(lastWord(p.Authors[0])))
	}
	b.WriteString(year(p))
	for _, w := range strings.Fields(p.Title) {
		w = keyWord(w)
		if len(w) > 2 && !stopWords[w] {
			b.WriteString(w)
			break
		}
	}
	key := b.String()
	if key == "" || key == year(p) {
		key = "paper" + keyWord(p.ID) + key
	}
	return key
}

// lastWord is the family name of "First Last" (the last word), or the part before the
// comma of "Last, First".
func lastWord(name string) string {
	if last, _, ok := strings.Cut(name, ","); ok {
		return last
	}
	f := strings.Fields(name)
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}

// keyWord keeps the ASCII letters and digits of s, lower-cased, with common Latin
// accented letters folded to their base letter.
func keyWord(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if f, ok := fold[r]; ok {
			b.WriteString(f)
			continue
		}
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var fold = func() map[rune]string {
	m := map[rune]string{'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d", 'þ': "th", 'ı': "i"}
	for base, letters := range map[string]string{
		"a": "àáâãäåāăą", "c": "çćĉċč", "e": "èéêëēĕėęě", "g": "ĝğġģ", "i": "ìíîïĩīĭį",
		"n": "ñńņňŉ", "o": "òóôõöōŏő", "r": "ŕŗř", "s": "śŝşš", "t": "ţťŧ", "u": "ùúûüũūŭůűų",
		"y": "ýÿŷ", "z": "źżž", "h": "ĥħ", "j": "ĵ", "k": "ķ", "l": "ĺļľŀ", "d": "ď", "w": "ŵ",
	} {
		for _, r := range letters {
			m[r] = base
		}
	}
	return m
}()

// stopWords are title words a key skips ("A Survey of ..." keys on "survey").
var stopWords = map[string]bool{
	"the": true, "and": true, "for": true, "with": true, "from": true, "into": true, "via": true,
	"are": true, "you": true, "all": true, "how": true, "what": true, "why": true, "when": true,
	"its": true, "our": true, "not": true, "does": true, "can": true, "towards": true, "toward": true,
	"on": true, "of": true, "in": true, "to": true, "is": true, "an": true,
}
