package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// searchResult is one element of `search --json`: a stable contract for scripts.
type searchResult struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Score      float64  `json:"score"`
	URL        string   `json:"url"`
	ArxivID    string   `json:"arxiv_id,omitempty"`
	Authors    []string `json:"authors,omitempty"`
	Categories []string `json:"categories,omitempty"`
	Published  string   `json:"published,omitempty"`
	Upvotes    int      `json:"upvotes,omitempty"`
	Votes      int      `json:"votes,omitempty"`
}

func (m *Main) runSearch(ctx context.Context, args []string) error {
	var c common
	fs := m.newFlags("search", "WORDS...", &c)
	asJSON := fs.Bool("json", false, "print a JSON array (id, title, score, url, ...), best first")
	limit := fs.Int("limit", 10, "number of results (1-100)")
	words, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(words) == 0 {
		fs.Usage()
		return errUsage
	}
	if *limit < 1 || *limit > 100 {
		return fmt.Errorf("--limit %d: must be between 1 and 100", *limit)
	}
	cfg, err := m.loadConfig(&c)
	if err != nil {
		return err
	}
	q, err := paperboy.ParseQuery(strings.Join(words, " "), time.Now())
	if err == nil {
		err = q.Usable()
	}
	if err != nil {
		return fmt.Errorf("%s", paperboy.ErrorMessage(err))
	}
	db, err := m.openReadDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if note := unindexedNote(ctx, db); note != "" {
		fmt.Fprintln(m.Stderr, "note:", note)
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	res, err := db.Search(ctx, paperboy.SearchRequest{Query: q, Limit: *limit})
	if err != nil {
		return err
	}
	w := bufio.NewWriter(m.Stdout)
	defer w.Flush()
	if *asJSON {
		out := make([]searchResult, 0, len(res.Hits))
		for _, h := range res.Hits {
			p := h.Paper
			r := searchResult{ID: p.ID, Title: p.Title, Score: h.Score, URL: p.URL(), ArxivID: p.ArxivID,
				Authors: p.Authors, Categories: p.Categories, Upvotes: p.Upvotes, Votes: h.Votes}
			if !p.Published.IsZero() {
				r.Published = p.Published.Format("2006-01-02")
			}
			out = append(out, r)
		}
		enc := json.NewEncoder(jsonOut(w))
		enc.SetIndent("", "  ")
		if len(q.Ignored) > 0 { // stdout is the JSON contract
			fmt.Fprintf(m.Stderr, "paperboy: ignored %s\n", strings.Join(q.Ignored, "; "))
		}
		return enc.Encode(out)
	}
	if len(q.Ignored) > 0 {
		defer fmt.Fprintf(w, "Ignored: %s.\n", strings.Join(q.Ignored, "; "))
	}
	if res.Corrected != "" {
		fmt.Fprintf(w, "Showing results for %q\n", res.Corrected)
	}
	if len(res.Hits) == 0 {
		fmt.Fprintf(w, "No papers match %q.\n", strings.Join(words, " "))
		return nil
	}
	for i, h := range res.Hits {
		p := h.Paper
		fmt.Fprintf(w, "%2d. %s\n", i+1, p.Title)
		var meta []string
		if u := p.URL(); u != "" {
			meta = append(meta, u)
		}
		if !p.Published.IsZero() {
			meta = append(meta, p.Published.Format("2006-01-02"))
		}
		if c := p.PrimaryCategory(); c != "" {
			meta = append(meta, c)
		}
		if len(p.Authors) > 0 {
			meta = append(meta, authorLine(p.Authors))
		}
		if len(meta) > 0 {
			fmt.Fprintf(w, "    %s\n", strings.Join(meta, " · "))
		}
	}
	if res.Partial {
		fmt.Fprintln(w, "(search stopped at its time limit; these are the best results found so far)")
	}
	return nil
}

func authorLine(a []string) string {
	if len(a) <= 3 {
		return strings.Join(a, ", ")
	}
	return strings.Join(a[:3], ", ") + " et al."
}

// jsonOut is where JSON goes to standard output: encoding/json escapes C0 controls but
// writes DEL, C1 and bidi controls raw, so they are escaped too (losslessly: they occur
// only inside strings). Each Encode is one Write, as the escaper needs.
func jsonOut(w io.Writer) io.Writer { return paperboy.NewJSONControlWriter(w) }
