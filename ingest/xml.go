package ingest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"

	"github.com/paperboy-bot/paperboy"
)

// XML namespaces the parsers care about.
const (
	nsAtom  = "http://www.w3.org/2005/Atom"
	nsArxiv = "http://arxiv.org/schemas/atom"
	nsRSS1  = "http://purl.org/rss/1.0/"
	nsDC    = "http://purl.org/dc/elements/1.1/"
)

// ParseError is a payload that could not be read. Line and Offset locate the problem
// (1-based line; byte offset into the payload) when known.
type ParseError struct {
	Source string // filled in by the fetchers: "arxiv", "rss", ...
	URL    string // redacted; "" when parsing bytes directly
	Format string // "XML", "JSON"
	Line   int
	Offset int64
	Msg    string
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("ingest: ")
	if e.Source != "" {
		b.WriteString(e.Source)
		b.WriteString(": ")
	}
	if e.URL != "" {
		b.WriteString(e.URL)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "malformed %s", e.Format)
	if e.Line > 0 {
		fmt.Fprintf(&b, " at line %d", e.Line)
		if e.Offset > 0 {
			fmt.Fprintf(&b, " (byte %d)", e.Offset)
		}
	} else if e.Offset > 0 {
		fmt.Fprintf(&b, " at byte %d", e.Offset)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap gives the user-facing error: the source sent something that is not what it
// should be (EINVALID, so a mistyped feed URL reads as the user's to fix).
func (e *ParseError) Unwrap() error {
	src := e.Source
	if src == "" {
		src = "the source"
	}
	where := ""
	if e.Line > 0 {
		where = fmt.Sprintf(" (line %d)", e.Line)
	}
	return paperboy.Errorf(paperboy.EINVALID, "%s sent malformed %s%s: %s", src, e.Format, where, truncate(e.Msg, 200))
}

// withSource fills Source and URL of a *ParseError in err's chain.
func withSource(err error, source, rawURL string) error {
	var pe *ParseError
	if errors.As(err, &pe) {
		pe.Source = source
		pe.URL = RedactURL(rawURL)
	}
	return err
}

// Parsed is what a parser made of one payload.
type Parsed struct {
	Papers []paperboy.Paper
	// Skipped holds one reason per entry that could not become a paper (no title, bad id).
	Skipped []string
	// Entries counts the entries in the payload (papers + skipped).
	Entries int
	// Total is the arXiv API's opensearch:totalResults (0 elsewhere).
	Total int
	// Title is the feed's title, when it has one.
	Title string
	// Damage, when set, locates where the payload broke off (a bare '&', a cut-off
	// CDATA section, a truncated download): Papers hold the entries before it. A
	// payload with no entry before the damage is an error instead.
	Damage *ParseError
	// Guessed names the encoding an undeclared, non-UTF-8 payload was read as.
	Guessed string
}

// Warnings says what the caller should log about a payload that was read but not
// cleanly: the damage and its position, an encoding guess.
func (p *Parsed) Warnings() []string {
	var w []string
	if p.Damage != nil {
		w = append(w, p.Damage.Error()+"; kept the entries before it")
	}
	if p.Guessed != "" {
		w = append(w, "no encoding declared and not UTF-8; read as "+p.Guessed)
	}
	return w
}

// logWarnings logs what Warnings reports of page, fetched from rawURL by source: a
// payload damaged part way (its position, and that the entries before it are kept)
// and an encoding guess.
func logWarnings(log *slog.Logger, source, rawURL string, page *Parsed) {
	if d := page.Damage; d != nil {
		d.Source, d.URL = source, RedactURL(rawURL)
		log.Warn("ingest: payload damaged; kept the entries before the damage", slog.String("source", source),
			slog.String("url", d.URL), slog.Int("line", d.Line), slog.Int64("byte", d.Offset),
			slog.String("reason", d.Msg), slog.Int("kept", len(page.Papers)))
	}
	if page.Guessed != "" {
		log.Warn("ingest: no encoding declared and not UTF-8; guessed one", slog.String("source", source),
			slog.String("url", RedactURL(rawURL)), slog.String("encoding", page.Guessed))
	}
}

// decodeDoc is decodeXML for the parsers: damage after at least one entry is kept in
// Parsed.Damage, damage before any is the error.
func decodeDoc(data []byte) (*xmlDoc, *ParseError, error) {
	doc, err := decodeXML(data)
	if err == nil {
		return doc, nil, nil
	}
	var pe *ParseError
	if doc == nil || !errors.As(err, &pe) {
		return nil, nil, err
	}
	items, _ := doc.items()
	if len(items) == 0 {
		return nil, nil, err
	}
	return doc, pe, nil
}

// xmlDoc covers the roots of RSS 2.0 (<rss><channel><item>), RSS 1.0 (<rdf:RDF><item>)
// and Atom (<feed><entry>), including the arXiv API's and listings' extensions. Elements
// are matched by local name; fields that more than one namespace uses keep the element
// name so the reader can prefer the feed's own.
type xmlDoc struct {
	XMLName      xml.Name
	Title        []xmlText `xml:"title"`
	Channel      *xmlChan  `xml:"channel"`
	Items        []xmlItem `xml:"item"`
	Entries      []xmlItem `xml:"entry"`
	TotalResults string    `xml:"totalResults"`
	// Guessed names the encoding the bytes were read as when the document declared
	// none and was not UTF-8 ("" otherwise).
	Guessed string `xml:"-"`
}

type xmlChan struct {
	Title []xmlText `xml:"title"`
	Items []xmlItem `xml:"item"`
}

type xmlText struct {
	XMLName xml.Name
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
	Inner   string `xml:",innerxml"`
}

type xmlLink struct {
	XMLName xml.Name
	Href    string `xml:"href,attr"`
	Rel     string `xml:"rel,attr"`
	Type    string `xml:"type,attr"`
	Title   string `xml:"title,attr"`
	Text    string `xml:",chardata"`
}

type xmlPerson struct {
	Name string `xml:"name"`
	Text string `xml:",chardata"`
}

type xmlCategory struct {
	Term string `xml:"term,attr"`
	Text string `xml:",chardata"`
}

type xmlItem struct {
	ID               []xmlText     `xml:"id"`
	GUID             string        `xml:"guid"`
	About            string        `xml:"about,attr"` // RSS 1.0 rdf:about
	Title            []xmlText     `xml:"title"`
	Links            []xmlLink     `xml:"link"`
	Summary          []xmlText     `xml:"summary"`
	Description      []xmlText     `xml:"description"`
	Content          []xmlText     `xml:"content"`
	Encoded          string        `xml:"encoded"` // content:encoded
	Authors          []xmlPerson   `xml:"author"`
	Creators         []string      `xml:"creator"` // dc:creator
	Published        string        `xml:"published"`
	Updated          string        `xml:"updated"`
	PubDate          string        `xml:"pubDate"`
	Date             []string      `xml:"date"`       // dc:date
	Identifiers      []string      `xml:"identifier"` // dc:identifier
	DOI              []string      `xml:"doi"`        // arxiv:doi, prism:doi
	DOIUpper         string        `xml:"DOI"`        // arxiv:DOI in listings
	Categories       []xmlCategory `xml:"category"`
	Subjects         []string      `xml:"subject"` // dc:subject
	PrimaryCategory  *xmlCategory  `xml:"primary_category"`
	Comment          string        `xml:"comment"`
	JournalRef       string        `xml:"journal_ref"`
	JournalReference string        `xml:"journal_reference"`
	AnnounceType     string        `xml:"announce_type"`
}

// decodeXML parses data into doc, turning decoder errors into *ParseError. The root's
// children are decoded one at a time, so a document damaged part way (a bare '&', a
// CDATA section cut off, a truncated download) still gives the items before the
// damage: decodeXML then returns doc with them and the *ParseError that locates the
// damage. A nil doc means nothing before the damage was usable.
func decodeXML(data []byte) (*xmlDoc, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &ParseError{Format: "XML", Msg: "empty document"}
	}
	data, guessed := sniffCharset(data)
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.Entity = xml.HTMLEntity // &nbsp; and friends appear in real feeds
	dec.CharsetReader = charsetReader
	doc := &xmlDoc{Guessed: guessed}
	root, err := rootElement(dec)
	if err != nil {
		return nil, xmlError(dec, data, err)
	}
	doc.XMLName = root.Name
	err = eachChild(dec, func(se *xml.StartElement) error {
		switch se.Name.Local {
		case "title":
			return decodeAppend(dec, se, &doc.Title)
		case "item":
			return decodeAppend(dec, se, &doc.Items)
		case "entry":
			return decodeAppend(dec, se, &doc.Entries)
		case "totalResults":
			return dec.DecodeElement(&doc.TotalResults, se)
		case "channel":
			if doc.Channel == nil {
				doc.Channel = &xmlChan{}
			}
			return eachChild(dec, func(se *xml.StartElement) error {
				switch se.Name.Local {
				case "title":
					return decodeAppend(dec, se, &doc.Channel.Title)
				case "item":
					return decodeAppend(dec, se, &doc.Channel.Items)
				}
				return dec.Skip()
			})
		}
		return dec.Skip()
	})
	if err != nil {
		return doc, xmlError(dec, data, err)
	}
	return doc, nil
}

// rootElement reads up to the document's root element.
func rootElement(dec *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := dec.Token()
		if err != nil {
			return xml.StartElement{}, err
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se, nil
		}
	}
}

// eachChild calls child for each child element of the element just opened, up to its
// end tag; child must consume the element (DecodeElement or Skip).
func eachChild(dec *xml.Decoder, child func(*xml.StartElement) error) error {
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := child(&t); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// decodeAppend decodes the element se into a new element of list. An element that
// breaks off is not appended.
func decodeAppend[T any](dec *xml.Decoder, se *xml.StartElement, list *[]T) error {
	var v T
	if err := dec.DecodeElement(&v, se); err != nil {
		return err
	}
	*list = append(*list, v)
	return nil
}

// xmlError turns a decoder error into a *ParseError with the position of the damage.
func xmlError(dec *xml.Decoder, data []byte, err error) *ParseError {
	pe := &ParseError{Format: "XML", Offset: dec.InputOffset(), Msg: err.Error()}
	var se *xml.SyntaxError
	switch {
	case errors.As(err, &se):
		pe.Line = se.Line
		pe.Msg = se.Msg
	default:
		pe.Line = 1 + bytes.Count(data[:min(int(max(pe.Offset, 0)), len(data))], []byte{'\n'})
	}
	if errors.Is(err, io.EOF) {
		pe.Msg = "no root element"
	}
	return pe
}

// rootKind says which feed grammar doc follows: "atom", "rss" or "rdf".
func (d *xmlDoc) rootKind() (string, error) {
	switch d.XMLName.Local {
	case "feed":
		return "atom", nil
	case "rss":
		return "rss", nil
	case "RDF":
		return "rdf", nil
	}
	return "", &ParseError{Format: "XML", Line: 1, Msg: fmt.Sprintf("root element is <%s>, not an RSS or Atom feed", truncate(d.XMLName.Local, 40))}
}

// items returns the entries or items of any kind of feed, and the feed title.
func (d *xmlDoc) items() ([]xmlItem, string) {
	switch {
	case d.Channel != nil:
		items := d.Channel.Items
		if len(items) == 0 {
			items = d.Items // RSS 0.9x puts items beside the channel
		}
		return items, textOf(pickText(d.Channel.Title))
	case len(d.Entries) > 0:
		return d.Entries, textOf(pickText(d.Title))
	}
	return d.Items, textOf(pickText(d.Title))
}

// pickText prefers an element in the feed's own namespaces over media:, dc: and others.
func pickText(ts []xmlText) *xmlText {
	for i := range ts {
		switch ts[i].XMLName.Space {
		case "", nsAtom, nsRSS1:
			return &ts[i]
		}
	}
	for i := range ts {
		if ts[i].XMLName.Space == nsDC {
			return &ts[i]
		}
	}
	if len(ts) > 0 {
		return &ts[0]
	}
	return nil
}

// textOf returns the plain text of an element: HTML and XHTML content lose their tags.
func textOf(t *xmlText) string {
	if t == nil {
		return ""
	}
	if t.Type == "xhtml" {
		return StripHTML(t.Inner)
	}
	return StripHTML(t.Text)
}

// firstText returns the text of the first list with a non-empty element.
func firstText(lists ...[]xmlText) string {
	for _, l := range lists {
		if s := textOf(pickText(l)); s != "" {
			return s
		}
	}
	return ""
}

// charsetReader decodes the encoding a document declares (EUC-KR, ISO-8859-7,
// windows-1251, ...) with the WHATWG encodings of x/net/html/charset, which are what
// browsers and feed readers apply to these labels.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	r, err := charset.NewReaderLabel(label, input)
	if err != nil {
		return nil, fmt.Errorf("unsupported charset %q", truncate(label, 40))
	}
	return r, nil
}

// sniffCandidates are the encodings tried, in order, on a document that is not UTF-8
// and declares none: the legacy multi-byte encodings of East Asian feeds, where a
// missing declaration is common. Order breaks ties: Korean read as EUC-JP gives as many
// kanji as it has Hangul, while Japanese read as EUC-KR loses its kana's double score.
var sniffCandidates = []string{"shift_jis", "euc-kr", "euc-jp", "gb18030", "big5"}

// sniffCharset returns data as UTF-8 when it is not UTF-8 and declares no encoding
// (a UTF-16 byte order mark, or a guess), with the name of the encoding it read the
// bytes as ("" when data is returned as is). The guess takes the candidate that
// decodes every byte and rates best by cjkScore; when none decodes, windows-1252, as
// HTML does for undeclared pages. It is a guess, not chardet: Chinese text without a
// declaration may come out as Korean. Parsed.Guessed says it was one.
func sniffCharset(data []byte) ([]byte, string) {
	if utf8.Valid(data) {
		return data, ""
	}
	if e, name, _ := charset.DetermineEncoding(data[:min(len(data), 4)], ""); strings.HasPrefix(name, "utf-16") {
		if out, err := e.NewDecoder().Bytes(data); err == nil {
			return out, name
		}
	}
	if declaresEncoding(data) {
		return data, "" // the CharsetReader decodes it
	}
	best, bestName, bestScore := []byte(nil), "", -1
	for _, label := range sniffCandidates {
		e, name := charset.Lookup(label)
		if e == nil {
			continue
		}
		out, err := e.NewDecoder().Bytes(data)
		if err != nil || bytes.ContainsRune(out, utf8.RuneError) {
			continue
		}
		if s := cjkScore(out); s > bestScore {
			best, bestName, bestScore = out, name, s
		}
	}
	if best == nil {
		e, name := charset.Lookup("windows-1252")
		out, err := e.NewDecoder().Bytes(data)
		if err != nil {
			return data, ""
		}
		return out, name
	}
	return best, bestName
}

// declaresEncoding reports whether data's XML declaration names an encoding. Some
// feeds put a comment before the declaration, so the first KiB is searched.
func declaresEncoding(data []byte) bool {
	head := data[:min(len(data), 1024)]
	i := bytes.Index(head, []byte("<?xml"))
	if i < 0 {
		return false
	}
	decl := head[i:]
	if j := bytes.Index(decl, []byte("?>")); j >= 0 {
		decl = decl[:j]
	}
	return bytes.Contains(decl, []byte("encoding"))
}

// cjkScore rates s as text in the scripts the sniffed encodings are for. Kana count
// double: Japanese misread as GB18030 or EUC-KR gives ideographs or Hangul but never
// kana, while other text misread as Shift_JIS gives half-width katakana, which count
// against. Ties go to the earlier candidate. Text in those scripts has runs of such
// letters; Latin-1 misread as GB18030 (which takes almost any byte pair) gives single
// ideographs between ASCII letters, so without a run of two the score is -1.
func cjkScore(s []byte) int {
	n, run, longest := 0, 0, 0
	for _, r := range string(s) {
		run++
		switch {
		case r >= 0x3040 && r <= 0x30FF: // hiragana, katakana
			n += 2
		case r >= 0x4E00 && r <= 0x9FFF, // CJK unified ideographs
			r >= 0xAC00 && r <= 0xD7AF, // Hangul syllables
			r >= 0x3000 && r <= 0x303F, // CJK punctuation
			r >= 0xFF01 && r <= 0xFF5E: // full-width forms
			n++
		case r >= 0xFF61 && r <= 0xFF9F: // half-width katakana
			n -= 2
			run = 0
		default:
			run = 0
		}
		longest = max(longest, run)
	}
	if longest < 2 {
		return -1
	}
	return n
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// parseItems decodes an RSS or Atom document and converts each item with convert (which
// also gets the feed's title). An item that cannot become a paper is listed in Skipped
// with its position; it does not fail the feed.
func parseItems(data []byte, convert func(it *xmlItem, feedTitle string) (paperboy.Paper, error)) (*Parsed, error) {
	doc, damage, err := decodeDoc(data)
	if err != nil {
		return nil, err
	}
	if _, err := doc.rootKind(); err != nil {
		return nil, err
	}
	items, title := doc.items()
	out := &Parsed{Title: title, Entries: len(items), Damage: damage, Guessed: doc.Guessed}
	for i := range items {
		p, err := convert(&items[i], title)
		if err != nil {
			out.Skipped = append(out.Skipped, fmt.Sprintf("item %d: %v", i+1, err))
			continue
		}
		out.Papers = append(out.Papers, p)
	}
	return out, nil
}
