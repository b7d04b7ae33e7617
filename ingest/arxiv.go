package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// arXiv API defaults.
const (
	DefaultArxivAPI      = "https://export.arxiv.org/api/query"
	DefaultArxivPageSize = 100
	// ArxivInterval is the spacing arXiv asks of API clients: one request every 3 s.
	ArxivInterval = 3 * time.Second
	// DefaultArxivLookback is the window of ArxivQuery when Since is zero: three days
	// covers a weekend.
	DefaultArxivLookback = 72 * time.Hour
)

// ArxivQuery selects papers by category and submission date.
type ArxivQuery struct {
	Category string    // e.g. "cs.LG", "hep-th", "astro-ph.CO"
	Since    time.Time // inclusive; zero means Until - DefaultArxivLookback
	Until    time.Time // exclusive; zero means the client's Now
	Max      int       // stop after this many papers; 0 means no limit
	// Start is the offset of the first result to fetch: where an interrupted backfill of
	// the same Category and Since stopped (results come oldest first, so offsets hold
	// while Until grows).
	Start int
	// Checkpoint, when set, is called after the papers of each page have been emitted,
	// with the offset to continue from; done is true when the window has no more
	// results. The caller stores the page and records next there; an error stops the
	// fetch.
	Checkpoint func(next int, done bool) error
}

// Arxiv reads the arXiv API. Set Client to share spacing and retries with other
// sources; a nil Client gets a default one on first use.
type Arxiv struct {
	Client   *Client
	BaseURL  string // default DefaultArxivAPI
	PageSize int    // max_results per request; default DefaultArxivPageSize
	// MinInterval spaces requests; default ArxivInterval. Negative disables spacing.
	MinInterval time.Duration
	Logger      *slog.Logger

	once sync.Once
}

var _ paperboy.PaperFetcher = (*Arxiv)(nil)

var categoryRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z\-]*(\.[a-zA-Z][a-zA-Z\-]*)?$`)

func (a *Arxiv) init() {
	a.once.Do(func() {
		if a.Client == nil {
			a.Client = NewClient(ClientOptions{Logger: a.Logger})
		}
		if a.BaseURL == "" {
			a.BaseURL = DefaultArxivAPI
		}
		if a.PageSize <= 0 {
			a.PageSize = DefaultArxivPageSize
		}
		if a.MinInterval == 0 {
			a.MinInterval = ArxivInterval
		}
		if a.Logger == nil {
			a.Logger = slog.New(slog.DiscardHandler)
		}
	})
}

// arxivDate is the submittedDate form of the API: YYYYMMDDHHMM in GMT.
const arxivDate = "200601021504"

// SearchQuery returns the API search_query for q (with Since and Until filled in).
func (q ArxivQuery) SearchQuery() string {
	return fmt.Sprintf("cat:%s AND submittedDate:[%s TO %s]", q.Category,
		q.Since.UTC().Format(arxivDate), q.Until.UTC().Format(arxivDate))
}

// Fetch pages through the papers of q, oldest submission first, calling emit for each.
// A window without papers (a weekend) is not an error. It stops at the first error of
// emit and returns it.
func (a *Arxiv) Fetch(ctx context.Context, q ArxivQuery, emit func(paperboy.Paper) error) error {
	a.init()
	if !categoryRE.MatchString(q.Category) {
		return paperboy.Errorf(paperboy.EINVALID, "%q is not an arXiv category (like cs.LG)", truncate(q.Category, 40))
	}
	if q.Until.IsZero() {
		q.Until = a.Client.Now()
	}
	if q.Since.IsZero() {
		q.Since = q.Until.Add(-DefaultArxivLookback)
	}
	if !q.Since.Before(q.Until) {
		return paperboy.Errorf(paperboy.EINVALID, "since (%s) must be before until (%s)",
			q.Since.UTC().Format(time.RFC3339), q.Until.UTC().Format(time.RFC3339))
	}
	checkpoint := q.Checkpoint
	if checkpoint == nil {
		checkpoint = func(int, bool) error { return nil }
	}
	emitted := 0
	for start := max(q.Start, 0); ; {
		v := url.Values{}
		v.Set("search_query", q.SearchQuery())
		v.Set("sortBy", "submittedDate")
		v.Set("sortOrder", "ascending")
		v.Set("start", strconv.Itoa(start))
		v.Set("max_results", strconv.Itoa(a.PageSize))
		page, err := a.get(ctx, v)
		if err != nil {
			return err
		}
		a.logSkipped(page)
		for i, p := range page.Papers {
			if err := emit(p); err != nil {
				return err
			}
			emitted++
			if q.Max > 0 && emitted >= q.Max {
				// Offsets count entries; with skipped entries before it, a paper's
				// index i is below its entry's, so this resumes early, never late.
				return checkpoint(start+i+1, false)
			}
		}
		if page.Entries == 0 {
			return checkpoint(start, true)
		}
		start += page.Entries
		if page.Total > 0 && start >= page.Total {
			return checkpoint(start, true)
		}
		if err := checkpoint(start, false); err != nil {
			return err
		}
	}
}

func (a *Arxiv) logSkipped(page *Parsed) {
	for _, reason := range page.Skipped {
		a.Logger.Warn("ingest: arxiv entry skipped", slog.String("source", paperboy.SourceArxiv), slog.String("reason", reason))
	}
}

func (a *Arxiv) get(ctx context.Context, v url.Values) (*Parsed, error) {
	u := a.BaseURL + "?" + v.Encode()
	body, err := a.Client.Get(ctx, Request{Source: paperboy.SourceArxiv, URL: u,
		Accept: "application/atom+xml", MinInterval: max(a.MinInterval, 0)})
	if err != nil {
		// The API answers a bad query with HTTP 400 and an error feed.
		var he *HTTPError
		if errors.As(err, &he) && he.Status == 400 && len(he.Body) > 0 {
			if _, perr := ParseArxivAPI(he.Body); perr != nil {
				var ae *ArxivAPIError
				if errors.As(perr, &ae) {
					return nil, ae
				}
			}
		}
		return nil, err
	}
	page, err := ParseArxivAPI(body)
	if err != nil {
		return nil, withSource(err, paperboy.SourceArxiv, u)
	}
	logWarnings(a.Logger, paperboy.SourceArxiv, u, page)
	return page, nil
}

// FetchPaper fetches one paper by arXiv id or URL (any form paperboy.ParseArxivID
// accepts). Errors: EINVALID (not an arXiv reference), ENOTFOUND, EUNAVAILABLE.
func (a *Arxiv) FetchPaper(ctx context.Context, ref string) (*paperboy.Paper, error) {
	a.init()
	id, _, ok := paperboy.ParseArxivID(ref)
	if !ok {
		return nil, paperboy.Errorf(paperboy.EINVALID, "%q is not an arXiv id or URL", truncate(strings.TrimSpace(ref), 80))
	}
	v := url.Values{}
	v.Set("id_list", id)
	v.Set("max_results", "1")
	page, err := a.get(ctx, v)
	if err != nil {
		var pe *ParseError
		var ae *ArxivAPIError
		switch {
		case errors.As(err, &ae):
			return nil, fmt.Errorf("%w: %w", paperboy.Errorf(paperboy.ENOTFOUND, "arXiv has no paper %s", id), err)
		case errors.As(err, &pe):
			return nil, fmt.Errorf("%w: %w", paperboy.Errorf(paperboy.EUNAVAILABLE, "arXiv sent an unreadable answer; try again later"), err)
		}
		return nil, err
	}
	for i := range page.Papers {
		if page.Papers[i].ArxivID == id {
			return &page.Papers[i], nil
		}
	}
	return nil, paperboy.Errorf(paperboy.ENOTFOUND, "arXiv has no paper %s", id)
}

// ArxivAPIError is the API's own error report: an Atom entry titled "Error" (a bad
// query or id). It carries an EINVALID *paperboy.Error.
type ArxivAPIError struct {
	Message string
}

func (e *ArxivAPIError) Error() string { return "ingest: arxiv: API error: " + e.Message }

// Unwrap gives the user-facing error.
func (e *ArxivAPIError) Unwrap() error {
	return paperboy.Errorf(paperboy.EINVALID, "arXiv rejected the query: %s", e.Message)
}

// ParseArxivAPI reads one page of the arXiv API (Atom with arxiv: and opensearch:
// extensions). An error entry becomes an *ArxivAPIError; an empty feed is not an error.
func ParseArxivAPI(data []byte) (*Parsed, error) {
	doc, damage, err := decodeDoc(data)
	if err != nil {
		return nil, err
	}
	if doc.XMLName.Local != "feed" {
		return nil, &ParseError{Format: "XML", Line: 1, Msg: fmt.Sprintf("root element is <%s>, want an Atom <feed>", truncate(doc.XMLName.Local, 40))}
	}
	out := &Parsed{Title: textOf(pickText(doc.Title)), Entries: len(doc.Entries), Damage: damage, Guessed: doc.Guessed}
	if s := strings.TrimSpace(doc.TotalResults); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return nil, &ParseError{Format: "XML", Msg: fmt.Sprintf("opensearch:totalResults %q is not a count", truncate(s, 20))}
		}
		out.Total = n
	}
	for i := range doc.Entries {
		it := &doc.Entries[i]
		rawID := strings.TrimSpace(textOf(pickText(it.ID)))
		if strings.Contains(rawID, "/api/errors") || (textOf(pickText(it.Title)) == "Error" && !strings.Contains(rawID, "/abs/")) {
			msg := firstText(it.Summary)
			if msg == "" {
				msg = "unknown error"
			}
			return nil, &ArxivAPIError{Message: truncate(msg, 300)}
		}
		p, err := arxivEntry(it, rawID)
		if err != nil {
			out.Skipped = append(out.Skipped, err.Error())
			continue
		}
		out.Papers = append(out.Papers, p)
	}
	return out, nil
}

func arxivEntry(it *xmlItem, rawID string) (paperboy.Paper, error) {
	id, version, ok := paperboy.ParseArxivID(rawID)
	if !ok {
		return paperboy.Paper{}, fmt.Errorf("entry id %q is not an arXiv id", truncate(rawID, 80))
	}
	p := paperboy.Paper{
		ArxivID:    id,
		Version:    version,
		Title:      textOf(pickText(it.Title)),
		Abstract:   firstText(it.Summary),
		Comment:    it.Comment,
		JournalRef: it.JournalRef,
		Sources:    []string{paperboy.SourceArxiv},
	}
	if len(it.DOI) > 0 {
		p.DOI = it.DOI[0]
	}
	p.Published, _ = ParseDate(it.Published)
	p.Updated, _ = ParseDate(it.Updated)
	for _, a := range it.Authors {
		p.Authors = append(p.Authors, a.Name)
	}
	if it.PrimaryCategory != nil && it.PrimaryCategory.Term != "" {
		p.Categories = append(p.Categories, it.PrimaryCategory.Term)
	}
	for _, c := range it.Categories {
		p.Categories = append(p.Categories, c.Term)
	}
	for _, l := range it.Links {
		if l.Title == "doi" && p.DOI == "" {
			p.DOI = l.Href
		}
	}
	// Version-less links (not the entry's versioned ones): a new version must not
	// change them.
	arxivPaperURLs(&p)
	if err := p.Normalize(); err != nil {
		return paperboy.Paper{}, fmt.Errorf("entry %s: %w", id, err)
	}
	return p, nil
}
