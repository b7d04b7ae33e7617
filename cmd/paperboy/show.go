package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/paperboy-bot/paperboy/config"
	"github.com/paperboy-bot/paperboy/summarize"
)

// showResult is `show --json`: a stable contract for scripts. Fields are only added,
// never renamed or removed; id, title, authors, abstract, summary, url, published and
// categories are always present (empty when unknown).
type showResult struct {
	ID           string     `json:"id"`
	Title        string     `json:"title"`
	Authors      []string   `json:"authors"`
	Abstract     string     `json:"abstract"`
	Summary      string     `json:"summary"`
	SummaryModel string     `json:"summary_model,omitempty"` // "extractive" or the model's name
	URL          string     `json:"url"`
	Published    string     `json:"published"` // YYYY-MM-DD, "" when unknown
	Updated      string     `json:"updated,omitempty"`
	Categories   []string   `json:"categories"`
	ArxivID      string     `json:"arxiv_id,omitempty"`
	Version      int        `json:"version,omitempty"`
	DOI          string     `json:"doi,omitempty"`
	PDFURL       string     `json:"pdf_url,omitempty"`
	HFURL        string     `json:"hf_url,omitempty"`
	RepoURL      string     `json:"repo_url,omitempty"`
	Comment      string     `json:"comment,omitempty"`
	JournalRef   string     `json:"journal_ref,omitempty"`
	Upvotes      int        `json:"upvotes,omitempty"`
	Sources      []string   `json:"sources,omitempty"`
	Votes        *showVotes `json:"votes,omitempty"` // with --channel
}

// showVotes are a paper's votes in one channel.
type showVotes struct {
	Channel string `json:"channel"`
	Up      int    `json:"up"`
	Down    int    `json:"down"`
	Replies int    `json:"replies"`
}

// runShow prints one paper's full record with its summary: the cached one, or one made
// now (by the configured model, else extractive) and cached for the bot too.
func (m *Main) runShow(ctx context.Context, args []string) error {
	var c common
	fs := m.newFlags("show", "<arxiv-id|url|doi>", &c)
	asJSON := fs.Bool("json", false, "print one JSON object (id, title, authors, abstract, summary, url, published, categories, ...)")
	channel := fs.String("channel", "", "also show the paper's votes in this channel `key` (slack:C0123)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	cfg, err := m.loadConfig(&c, config.Summaries)
	if err != nil {
		return err
	}
	log := m.logger(cfg)
	db, err := m.openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := db.FindPaper(ctx, pos[0])
	if err != nil {
		return shownError{userError(err), err}
	}
	r := showResult{ID: p.ID, Title: p.Title, Authors: nonNil(p.Authors), Abstract: p.Abstract, URL: p.URL(),
		Categories: nonNil(p.Categories), ArxivID: p.ArxivID, Version: p.Version, DOI: p.DOI, PDFURL: p.PDFURL,
		HFURL: p.HFURL, RepoURL: p.RepoURL, Comment: p.Comment, JournalRef: p.JournalRef, Upvotes: p.Upvotes, Sources: p.Sources}
	if !p.Published.IsZero() {
		r.Published = p.Published.Format("2006-01-02")
	}
	if !p.Updated.IsZero() {
		r.Updated = p.Updated.Format("2006-01-02")
	}
	if p.Abstract != "" {
		sum, err := summarize.New(summarizeConfig(cfg), db, log).Summarize(ctx, p)
		if err != nil {
			// The record is still worth printing; say why the summary is missing.
			fmt.Fprintf(m.Stderr, "paperboy: no summary: %s\n", userError(err))
		} else {
			r.Summary, r.SummaryModel = sum.Text, sum.Model
		}
	}
	if *channel != "" {
		t, err := db.Tally(ctx, p.ID, *channel)
		if err != nil {
			return err
		}
		r.Votes = &showVotes{Channel: *channel, Up: t.Up, Down: t.Down, Replies: t.Replies}
	}
	w := bufio.NewWriter(m.Stdout)
	defer w.Flush()
	if *asJSON {
		enc := json.NewEncoder(jsonOut(w))
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	fmt.Fprintln(w, r.Title)
	line := func(label, v string) {
		if v != "" {
			fmt.Fprintf(w, "%-11s %s\n", label+":", v)
		}
	}
	line("Authors", strings.Join(r.Authors, ", "))
	line("Published", r.Published)
	if r.Updated != r.Published {
		line("Updated", r.Updated)
	}
	line("Categories", strings.Join(r.Categories, ", "))
	if r.ArxivID != "" {
		id := r.ArxivID
		if r.Version > 0 {
			id += fmt.Sprintf("v%d", r.Version)
		}
		line("arXiv", id)
	}
	line("DOI", r.DOI)
	line("URL", r.URL)
	if r.PDFURL != r.URL {
		line("PDF", r.PDFURL)
	}
	if r.HFURL != r.URL {
		line("HF", r.HFURL)
	}
	line("Code", r.RepoURL)
	line("Comment", r.Comment)
	line("Journal", r.JournalRef)
	if r.Upvotes > 0 {
		line("HF upvotes", fmt.Sprint(r.Upvotes))
	}
	if v := r.Votes; v != nil {
		line("Votes", fmt.Sprintf("▲%d ▼%d, %d replies in %s", v.Up, v.Down, v.Replies, v.Channel))
	}
	if r.Abstract != "" {
		fmt.Fprintf(w, "\nAbstract:\n%s\n", r.Abstract)
	}
	if r.Summary != "" {
		fmt.Fprintf(w, "\nSummary (%s):\n%s\n", r.SummaryModel, r.Summary)
	}
	return nil
}

// nonNil keeps a list's JSON form an array ("[]", not null) for scripts.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
