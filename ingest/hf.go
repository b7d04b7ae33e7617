package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// DefaultHFURL is the Hugging Face hub.
const DefaultHFURL = "https://huggingface.co"

// HFDaily reads Hugging Face's daily papers:
// GET {BaseURL}/api/daily_papers?date=YYYY-MM-DD&limit=N&p=PAGE.
type HFDaily struct {
	Client  *Client
	BaseURL string // default DefaultHFURL
	// Limit is the page size asked for (the API's default is 50, its maximum 100);
	// default 100. A full page makes Fetch ask for the next one.
	Limit       int
	MinInterval time.Duration // spacing of requests; default none
	Logger      *slog.Logger

	once sync.Once
}

// hfMaxPages bounds the pages of one day, in case a server ignores the page parameter.
const hfMaxPages = 20

func (h *HFDaily) init() {
	h.once.Do(func() {
		if h.Client == nil {
			h.Client = NewClient(ClientOptions{Logger: h.Logger})
		}
		if h.BaseURL == "" {
			h.BaseURL = DefaultHFURL
		}
		if h.Limit <= 0 {
			h.Limit = 100
		}
		if h.Logger == nil {
			h.Logger = slog.New(slog.DiscardHandler)
		}
	})
}

// URL returns the API URL of one page (from 0) of a day's papers (date taken in UTC).
func (h *HFDaily) URL(date time.Time, page int) string {
	h.init()
	v := url.Values{}
	v.Set("date", date.UTC().Format(time.DateOnly))
	v.Set("limit", strconv.Itoa(h.Limit))
	v.Set("p", strconv.Itoa(page))
	return strings.TrimRight(h.BaseURL, "/") + "/api/daily_papers?" + v.Encode()
}

// Fetch reads the papers of one day and calls emit for each. A day without papers is
// not an error.
func (h *HFDaily) Fetch(ctx context.Context, date time.Time, emit func(paperboy.Paper) error) error {
	h.init()
	if date.IsZero() {
		return paperboy.Errorf(paperboy.EINVALID, "Hugging Face daily papers: no date given")
	}
	seen := make(map[string]bool)
	for pageNo := 0; pageNo < hfMaxPages; pageNo++ {
		u := h.URL(date, pageNo)
		body, err := h.Client.Get(ctx, Request{Source: paperboy.SourceHF, URL: u, Accept: "application/json",
			MinInterval: max(h.MinInterval, 0)})
		if err != nil {
			return err
		}
		page, err := ParseHFDaily(body)
		if err != nil {
			return withSource(err, paperboy.SourceHF, u)
		}
		for _, reason := range page.Skipped {
			h.Logger.Warn("ingest: hf entry skipped", slog.String("source", paperboy.SourceHF), slog.String("reason", reason))
		}
		fresh := 0
		for _, p := range page.Papers {
			if seen[p.ID] {
				continue
			}
			seen[p.ID] = true
			fresh++
			if err := emit(p); err != nil {
				return err
			}
		}
		if page.Entries < h.Limit || fresh == 0 {
			return nil
		}
	}
	return nil
}

type hfEntry struct {
	Paper       *hfPaper     `json:"paper"`
	PublishedAt string       `json:"publishedAt"`
	Title       string       `json:"title"`
	NumComments *json.Number `json:"numComments"`
}

type hfPaper struct {
	ID          string          `json:"id"`
	Title       string          `json:"title"`
	Summary     string          `json:"summary"`
	Authors     []hfAuthor      `json:"authors"`
	PublishedAt string          `json:"publishedAt"`
	Upvotes     json.Number     `json:"upvotes"`
	AISummary   string          `json:"ai_summary"`
	AIKeywords  json.RawMessage `json:"ai_keywords"` // a list of strings (a string in old answers)
	GithubRepo  string          `json:"githubRepo"`
	GithubStars json.Number     `json:"githubStars"`
	ProjectPage string          `json:"projectPage"`
	Org         *struct {
		Name     string `json:"name"`
		Fullname string `json:"fullname"`
	} `json:"organization"`
}

type hfAuthor struct {
	Name string `json:"name"`
}

// ParseHFDaily reads the JSON list of the daily papers API.
func ParseHFDaily(data []byte) (*Parsed, error) {
	var entries []hfEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, jsonParseError(data, err)
	}
	out := &Parsed{Entries: len(entries)}
	for i := range entries {
		p, err := hfEntryPaper(&entries[i])
		if err != nil {
			out.Skipped = append(out.Skipped, fmt.Sprintf("entry %d: %v", i, err))
			continue
		}
		out.Papers = append(out.Papers, p)
	}
	return out, nil
}

func hfEntryPaper(e *hfEntry) (paperboy.Paper, error) {
	hp := e.Paper
	if hp == nil {
		return paperboy.Paper{}, errors.New("no paper object")
	}
	p := paperboy.Paper{
		Title:    hp.Title,
		Abstract: hp.Summary,
		RepoURL:  httpsURL(hp.GithubRepo),
		Sources:  []string{paperboy.SourceHF},
	}
	if p.Title == "" {
		p.Title = e.Title
	}
	if id, v, ok := paperboy.ParseArxivID(hp.ID); ok {
		p.ArxivID, p.Version = id, v
		arxivPaperURLs(&p)
	}
	switch id := strings.TrimSpace(hp.ID); {
	case p.ArxivID != "":
		p.HFURL = "https://huggingface.co/papers/" + p.ArxivID
	case id != "" && !strings.ContainsAny(id, "/?#% "):
		p.HFURL = "https://huggingface.co/papers/" + id // a paper without an arXiv id
	}
	for _, a := range hp.Authors {
		p.Authors = append(p.Authors, a.Name)
	}
	p.Published, _ = ParseDate(firstNonEmpty(hp.PublishedAt, e.PublishedAt))
	if n, err := hp.Upvotes.Int64(); err == nil && n > 0 && n < 1<<31 {
		p.Upvotes = int(n)
	}
	setExtra(&p, "ai_summary", hp.AISummary)
	setExtra(&p, "ai_keywords", strings.Join(stringList(hp.AIKeywords), ", "))
	setExtra(&p, "project_page", hp.ProjectPage)
	if n, err := hp.GithubStars.Int64(); err == nil && n > 0 {
		setExtra(&p, "github_stars", strconv.FormatInt(n, 10))
	}
	if hp.Org != nil {
		setExtra(&p, "org", firstNonEmpty(hp.Org.Fullname, hp.Org.Name))
	}
	if e.NumComments != nil {
		if n, err := e.NumComments.Int64(); err == nil && n >= 0 {
			setExtra(&p, "num_comments", strconv.FormatInt(n, 10))
		}
	}
	if err := p.Normalize(); err != nil {
		return paperboy.Paper{}, err
	}
	return p, nil
}

// stringList reads a JSON list of strings, or one string, ignoring anything else.
func stringList(raw json.RawMessage) []string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		out := list[:0]
		for _, s := range list {
			if s = paperboy.CollapseSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	var one string
	if json.Unmarshal(raw, &one) == nil && strings.TrimSpace(one) != "" {
		return []string{strings.TrimSpace(one)}
	}
	return nil
}

// jsonParseError turns an encoding/json error into a *ParseError with a position.
func jsonParseError(data []byte, err error) error {
	pe := &ParseError{Format: "JSON", Msg: err.Error()}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		pe.Offset = se.Offset
	case errors.As(err, &te):
		pe.Offset = te.Offset
		pe.Msg = fmt.Sprintf("%s is a JSON %s, want %s", fieldName(te.Field), te.Value, jsonKind(te.Type))
	}
	if pe.Offset > 0 {
		end := min(int(pe.Offset), len(data))
		pe.Line = 1 + bytes.Count(data[:end], []byte{'\n'})
	}
	if len(bytes.TrimSpace(data)) == 0 {
		pe.Msg = "empty document"
	}
	return pe
}

// jsonKind names a Go type the way JSON would.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "a number"
}

func fieldName(f string) string {
	if f == "" {
		return "the document"
	}
	return strconv.Quote(f)
}
