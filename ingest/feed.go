package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// Feed reads generic RSS 2.0, RSS 1.0 (RDF) and Atom feeds of blogs and journals.
// Items linking to arXiv get the arXiv identity; DOIs come from prism:doi,
// dc:identifier and doi.org links.
type Feed struct {
	Client      *Client
	MinInterval time.Duration // spacing of requests to feeds; default none
	Logger      *slog.Logger

	once sync.Once
}

func (f *Feed) init() {
	f.once.Do(func() {
		if f.Client == nil {
			f.Client = NewClient(ClientOptions{Logger: f.Logger})
		}
		if f.Logger == nil {
			f.Logger = slog.New(slog.DiscardHandler)
		}
	})
}

// Fetch reads the feed at feedURL and calls emit for each item that is a paper.
func (f *Feed) Fetch(ctx context.Context, feedURL string, emit func(paperboy.Paper) error) error {
	f.init()
	u, err := url.Parse(strings.TrimSpace(feedURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return paperboy.Errorf(paperboy.EINVALID, "%q is not an http(s) feed URL", truncate(RedactURL(feedURL), 120))
	}
	body, err := f.Client.Get(ctx, Request{Source: paperboy.SourceRSS, URL: u.String(),
		Accept:      "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.8",
		MinInterval: max(f.MinInterval, 0)})
	if err != nil {
		return err
	}
	page, err := ParseFeed(body)
	if err != nil {
		return withSource(err, paperboy.SourceRSS, u.String())
	}
	logWarnings(f.Logger, paperboy.SourceRSS, u.String(), page)
	for _, reason := range page.Skipped {
		f.Logger.Warn("ingest: feed item skipped", slog.String("source", paperboy.SourceRSS),
			slog.String("url", RedactURL(u.String())), slog.String("reason", reason))
	}
	for _, p := range page.Papers {
		if err := emit(p); err != nil {
			return err
		}
	}
	return nil
}

// ParseFeed reads an RSS 2.0, RSS 1.0 or Atom feed. Titles and abstracts come out as
// plain text; the feed's title is kept in Extra["feed"].
func ParseFeed(data []byte) (*Parsed, error) {
	return parseItems(data, feedItem)
}

func feedItem(it *xmlItem, feedTitle string) (paperboy.Paper, error) {
	link := strings.TrimSpace(itemLink(it))
	if link == "" && strings.HasPrefix(it.About, "http") {
		link = it.About
	}
	guid := strings.TrimSpace(it.GUID)
	if guid == "" {
		guid = strings.TrimSpace(textOf(pickText(it.ID)))
	}
	p := paperboy.Paper{
		Title:   textOf(pickText(it.Title)),
		Sources: []string{paperboy.SourceRSS},
	}
	abstract := firstText(it.Description, it.Summary)
	if abstract == "" {
		abstract = StripHTML(it.Encoded)
	}
	if abstract == "" {
		abstract = firstText(it.Content)
	}
	p.Abstract = cutText(abstract, MaxAbstract)

	// Identity: an arXiv link or id, else a DOI.
	for _, cand := range []string{link, guid} {
		if id, v, ok := arxivRef(cand); ok {
			p.ArxivID, p.Version = id, v
			break
		}
	}
	for _, cand := range append(append([]string{}, it.DOI...), it.DOIUpper) {
		if d := paperboy.NormalizeDOI(cand); d != "" {
			p.DOI = d
			break
		}
	}
	if p.DOI == "" {
		for _, cand := range append(append([]string{}, it.Identifiers...), link, guid) {
			if d := doiRef(cand); d != "" {
				p.DOI = d
				break
			}
		}
	}
	if p.ArxivID != "" {
		arxivPaperURLs(&p)
	} else if link != "" {
		p.AbsURL = link
	}

	for _, a := range it.Authors {
		if name := personName(a); name != "" {
			p.Authors = append(p.Authors, name)
		}
	}
	if len(p.Authors) == 0 {
		if len(it.Creators) == 1 {
			p.Authors = SplitAuthors(it.Creators[0])
		} else {
			p.Authors = append(p.Authors, it.Creators...)
		}
	}
	for _, c := range it.Categories {
		p.Categories = append(p.Categories, firstNonEmpty(c.Term, c.Text))
	}
	p.Categories = append(p.Categories, it.Subjects...)
	dates := append([]string{it.Published, it.PubDate}, it.Date...)
	p.Published, _ = ParseDate(firstNonEmpty(dates...))
	p.Updated, _ = ParseDate(it.Updated)
	if p.Published.IsZero() {
		p.Published = p.Updated
	}
	setExtra(&p, "feed", feedTitle)
	if p.Title == "" {
		return paperboy.Paper{}, fmt.Errorf("no title (link %q)", truncate(RedactURL(link), 120))
	}
	if err := p.Normalize(); err != nil {
		return paperboy.Paper{}, err
	}
	return p, nil
}

// arxivRef recognises arXiv links and ids in links and guids, and nothing else (a
// journal's own "1234.5678" must not pass for an arXiv id).
func arxivRef(s string) (string, int, bool) {
	s = strings.TrimSpace(s)
	if id, v, ok := parseOAIID(s); ok {
		return id, v, true
	}
	lower := strings.ToLower(s)
	if strings.HasPrefix(lower, "arxiv:") {
		return paperboy.ParseArxivID(s)
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", 0, false
	}
	host := strings.ToLower(strings.TrimPrefix(u.Hostname(), "www."))
	if host != "arxiv.org" && host != "export.arxiv.org" {
		return "", 0, false
	}
	return paperboy.ParseArxivID(s)
}

// doiRef finds a DOI in a dc:identifier ("doi:10.1/x", "10.1/x") or a doi.org link.
func doiRef(s string) string {
	s = strings.TrimSpace(s)
	lower := strings.ToLower(s)
	switch {
	case strings.HasPrefix(lower, "doi:"), strings.HasPrefix(lower, "10."):
		return paperboy.NormalizeDOI(s)
	case strings.Contains(lower, "doi.org/10."):
		return paperboy.NormalizeDOI(s[strings.Index(lower, "doi.org/")+len("doi.org/"):])
	case strings.HasPrefix(lower, "info:doi/"):
		return paperboy.NormalizeDOI(s[len("info:doi/"):])
	}
	return ""
}

// personName reads an Atom author (<name>) or an RSS author ("mail@x.org (Jane Doe)").
func personName(a xmlPerson) string {
	if n := paperboy.CollapseSpace(a.Name); n != "" {
		return n
	}
	t := paperboy.CollapseSpace(a.Text)
	if i, j := strings.IndexByte(t, '('), strings.LastIndexByte(t, ')'); i >= 0 && j > i {
		return strings.TrimSpace(t[i+1 : j])
	}
	if strings.Contains(t, "@") && !strings.Contains(t, " ") {
		return "" // a bare e-mail address is not a name
	}
	return t
}
