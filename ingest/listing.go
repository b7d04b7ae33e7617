package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// DefaultListingURL is the arXiv announcement feed server.
const DefaultListingURL = "https://rss.arxiv.org"

// Announce types of the arXiv listing feeds.
const (
	AnnounceNew          = "new"           // first announcement
	AnnounceCross        = "cross"         // new paper cross-listed into this category
	AnnounceReplace      = "replace"       // new version of an old paper
	AnnounceReplaceCross = "replace-cross" // new version of an old cross-listed paper
)

// ExtraAnnounceType is the Paper.Extra key under which Listing records the announce type.
const ExtraAnnounceType = "announce_type"

// Listing reads the arXiv announcement feeds (rss.arxiv.org/atom/<cat> or /rss/<cat>),
// one per category per day, empty on weekends and holidays. Papers announced as replace
// or replace-cross come out with Quiet set: they update a stored paper and are never
// announced as new.
type Listing struct {
	Client  *Client
	BaseURL string // default DefaultListingURL
	Format  string // "atom" (default) or "rss"; the parser reads both
	// MinInterval spaces requests; default ArxivInterval (arXiv's politeness rule).
	MinInterval time.Duration
	Logger      *slog.Logger

	once sync.Once
}

func (l *Listing) init() {
	l.once.Do(func() {
		if l.Client == nil {
			l.Client = NewClient(ClientOptions{Logger: l.Logger})
		}
		if l.BaseURL == "" {
			l.BaseURL = DefaultListingURL
		}
		if l.Format == "" {
			l.Format = "atom"
		}
		if l.MinInterval == 0 {
			l.MinInterval = ArxivInterval
		}
		if l.Logger == nil {
			l.Logger = slog.New(slog.DiscardHandler)
		}
	})
}

// listingCategoryRE accepts "cs.CL" and the feeds' combined form "cs.CL+cs.LG".
var listingCategoryRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z\-]*(\.[a-zA-Z][a-zA-Z\-]*)?(\+[a-zA-Z][a-zA-Z\-]*(\.[a-zA-Z][a-zA-Z\-]*)?)*$`)

// URL returns the feed URL of category.
func (l *Listing) URL(category string) string {
	l.init()
	return strings.TrimRight(l.BaseURL, "/") + "/" + l.Format + "/" + category
}

// Fetch reads today's listing of category and calls emit for each paper (with
// Extra["announce_type"] set). An empty listing is not an error.
func (l *Listing) Fetch(ctx context.Context, category string, emit func(paperboy.Paper) error) error {
	l.init()
	if !listingCategoryRE.MatchString(category) || len(category) > 200 {
		return paperboy.Errorf(paperboy.EINVALID, "%q is not an arXiv category (like cs.CL)", truncate(category, 40))
	}
	if l.Format != "atom" && l.Format != "rss" {
		return paperboy.Errorf(paperboy.EINVALID, "listing format %q: want atom or rss", truncate(l.Format, 20))
	}
	u := l.URL(category)
	body, err := l.Client.Get(ctx, Request{Source: paperboy.SourceArxivListing, URL: u,
		Accept: "application/atom+xml, application/rss+xml, application/xml;q=0.9", MinInterval: max(l.MinInterval, 0)})
	if err != nil {
		return err
	}
	page, err := ParseListing(body)
	if err != nil {
		return withSource(err, paperboy.SourceArxivListing, u)
	}
	logWarnings(l.Logger, paperboy.SourceArxivListing, u, page)
	for _, reason := range page.Skipped {
		l.Logger.Warn("ingest: listing entry skipped", slog.String("source", paperboy.SourceArxivListing),
			slog.String("category", category), slog.String("reason", reason))
	}
	for _, p := range page.Papers {
		if err := emit(p); err != nil {
			return err
		}
	}
	return nil
}

var (
	announceRE     = regexp.MustCompile(`(?i)Announce Type:\s*([a-z\-]+)`)
	oldTitleSuffix = regexp.MustCompile(`\s*\(arXiv:[^)]*\)\s*$`)
)

// ParseListing reads an arXiv announcement feed, Atom or RSS 2.0.
func ParseListing(data []byte) (*Parsed, error) {
	return parseItems(data, func(it *xmlItem, _ string) (paperboy.Paper, error) { return listingEntry(it) })
}

func listingEntry(it *xmlItem) (paperboy.Paper, error) {
	rawID := strings.TrimSpace(textOf(pickText(it.ID)))
	if rawID == "" {
		rawID = strings.TrimSpace(it.GUID)
	}
	id, version, ok := parseOAIID(rawID)
	if !ok {
		id, version, ok = paperboy.ParseArxivID(itemLink(it))
	}
	if !ok {
		return paperboy.Paper{}, fmt.Errorf("entry %q has no arXiv id", truncate(rawID, 80))
	}
	desc := firstText(it.Description, it.Summary)
	kind := strings.ToLower(strings.TrimSpace(it.AnnounceType))
	if kind == "" {
		if m := announceRE.FindStringSubmatch(desc); m != nil {
			kind = strings.ToLower(m[1])
		}
	}
	// "arXiv:2401.01234v2 Announce Type: replace Abstract: ..." -> the abstract.
	if strings.HasPrefix(desc, "arXiv:") {
		if k := strings.Index(desc, "Abstract:"); k >= 0 {
			desc = strings.TrimSpace(desc[k+len("Abstract:"):])
		}
	}
	p := paperboy.Paper{
		ArxivID:    id,
		Version:    version,
		Title:      oldTitleSuffix.ReplaceAllString(textOf(pickText(it.Title)), ""),
		Abstract:   desc,
		Comment:    it.Comment,
		JournalRef: it.JournalReference,
		DOI:        it.DOIUpper,
		Sources:    []string{paperboy.SourceArxivListing},
	}
	if p.JournalRef == "" {
		p.JournalRef = it.JournalRef
	}
	if p.DOI == "" && len(it.DOI) > 0 {
		p.DOI = it.DOI[0]
	}
	for _, c := range it.Creators {
		p.Authors = append(p.Authors, SplitAuthors(c)...)
	}
	for _, a := range it.Authors {
		if a.Name != "" {
			p.Authors = append(p.Authors, a.Name)
		}
	}
	for _, c := range it.Categories {
		if c.Term != "" {
			p.Categories = append(p.Categories, c.Term)
		} else {
			p.Categories = append(p.Categories, c.Text)
		}
	}
	date, _ := ParseDate(firstNonEmpty(it.PubDate, it.Published, it.Updated))
	switch kind {
	case AnnounceReplace, AnnounceReplaceCross:
		p.Updated = date
		p.Quiet = true
	default:
		p.Published = date
	}
	setExtra(&p, ExtraAnnounceType, kind)
	arxivPaperURLs(&p)
	if err := p.Normalize(); err != nil {
		return paperboy.Paper{}, fmt.Errorf("entry %s: %w", id, err)
	}
	return p, nil
}

// parseOAIID reads "oai:arXiv.org:2401.01234v2".
func parseOAIID(s string) (string, int, bool) {
	const prefix = "oai:arxiv.org:"
	if len(s) <= len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return "", 0, false
	}
	return paperboy.ParseArxivID(s[len(prefix):])
}

// itemLink returns the item's web page: RSS <link> text or the Atom alternate link.
func itemLink(it *xmlItem) string {
	var fallback string
	for _, l := range it.Links {
		href := strings.TrimSpace(l.Href)
		if href == "" {
			if t := strings.TrimSpace(l.Text); t != "" && l.XMLName.Space != nsAtom {
				return t
			}
			continue
		}
		switch l.Rel {
		case "", "alternate":
			return href
		}
		if fallback == "" && l.Rel != "self" && l.Rel != "enclosure" && l.Rel != "replies" {
			fallback = href
		}
	}
	return fallback
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}
