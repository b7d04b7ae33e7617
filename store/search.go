package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/paperboy-bot/paperboy"
)

// Search limits. User text is cut to these sizes before anything reaches SQLite.
const (
	maxSearchTerms   = 16
	maxSearchPhrases = 8
	maxSearchExclude = 16
	maxSearchFilters = 8
	maxSearchLimit   = 100
	// searchBudget is Search's own deadline; the caller's ctx may be shorter.
	searchBudget = 250 * time.Millisecond
)

// bm25 column weights, in papers_fts column order (title, abstract, authors, categories).
// Query words only search title and abstract; a title match weighs ten abstract matches.
const bm25Weights = `10.0, 1.0, 0.0, 0.0`

// Search ranks papers for req.Query. Words are matched with porter stemming in titles and
// abstracts (titles weigh more); papers with all words come first, then papers with some;
// the last word also matches as a prefix; words absent from the corpus are replaced by
// the nearest frequent word (SearchResult.Corrected). It answers within ctx's deadline and
// searchBudget, returning the best hits found so far marked Partial when time runs out.
func (db *DB) Search(ctx context.Context, req paperboy.SearchRequest) (*paperboy.SearchResult, error) {
	limit := req.Limit
	if limit <= 0 {
		limit = 10
	}
	if limit > maxSearchLimit {
		limit = maxSearchLimit
	}
	ctx, cancel := context.WithTimeout(ctx, searchBudget)
	defer cancel()

	res := &paperboy.SearchResult{}
	var hits []paperboy.SearchHit
	err := db.view(ctx, func(tx *sql.Tx) error {
		s := &searcher{ctx: ctx, tx: tx, db: db, channel: req.Channel, limit: limit}
		s.prepare(req.Query)
		if err := s.correct(); err != nil {
			return err
		}
		if s.corrected {
			res.Corrected = s.correctedText()
		}
		err := s.run()
		hits = s.hits
		return err
	})
	res.Hits = hits
	if err != nil {
		if isInterrupt(ctx, err) {
			res.Partial = true
			return res, nil
		}
		return nil, wrapErr("search", err)
	}
	return res, nil
}

// isInterrupt reports whether err comes from the search deadline (or the caller giving
// up), which ends a search with its best answer so far rather than an error.
func isInterrupt(ctx context.Context, err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true
	}
	var serr sqlite3.Error
	if errors.As(err, &serr) && serr.Code == sqlite3.ErrInterrupt {
		return true
	}
	return ctx.Err() != nil
}

// searcher is one search: the cleaned query, its FTS5 expressions and the hits so far.
type searcher struct {
	ctx     context.Context
	tx      *sql.Tx
	db      *DB
	channel string
	limit   int
	sort    string

	terms     []string // words, lower case, deduplicated, at most maxSearchTerms
	original  []string // terms before spelling correction
	corrected bool
	prefix    bool // the last term also matches as a prefix
	phrases   []string
	exclude   []string
	authors   []string
	cats      []string
	since     int64
	upvotes   int

	hits []paperboy.SearchHit
	seen map[int64]bool
}

func (s *searcher) prepare(q paperboy.Query) {
	s.sort = q.Sort
	seen := map[string]bool{}
	for _, t := range q.Terms {
		for _, w := range paperboy.Words(t) {
			if len(s.terms) < maxSearchTerms && !seen[w] && len(w) <= 64 {
				seen[w] = true
				s.terms = append(s.terms, w)
			}
		}
	}
	s.original = append([]string(nil), s.terms...)
	// The last word typed may be unfinished: match it as a prefix too (short stubs would
	// match half the vocabulary, so only from three letters).
	if n := len(s.terms); n > 0 && len(s.terms[n-1]) >= 3 && len(q.Phrases) == 0 {
		s.prefix = true
	}
	for _, p := range q.Phrases {
		if w := paperboy.Words(p); len(w) > 0 && len(s.phrases) < maxSearchPhrases {
			if len(w) > maxSearchTerms {
				w = w[:maxSearchTerms]
			}
			s.phrases = append(s.phrases, strings.Join(w, " "))
		}
	}
	for _, e := range q.Exclude {
		if w := paperboy.Words(e); len(w) > 0 && len(s.exclude) < maxSearchExclude {
			if len(w) > maxSearchTerms {
				w = w[:maxSearchTerms]
			}
			s.exclude = append(s.exclude, strings.Join(w, " "))
		}
	}
	for _, a := range q.Authors {
		if len(s.authors) < maxSearchFilters && strings.TrimSpace(a) != "" {
			s.authors = append(s.authors, a)
		}
	}
	for _, c := range q.Categories {
		if len(s.cats) < maxSearchFilters && strings.TrimSpace(c) != "" {
			s.cats = append(s.cats, strings.ToLower(strings.TrimSpace(c)))
		}
	}
	if !q.Since.IsZero() {
		s.since = q.Since.Unix()
	}
	s.upvotes = q.MinUpvotes
}

func (s *searcher) correctedText() string {
	parts := append([]string(nil), s.terms...)
	for _, p := range s.phrases {
		parts = append(parts, `"`+p+`"`)
	}
	return strings.Join(parts, " ")
}

// quote makes one FTS5 string token of already word-split text.
func ftsQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// textExpr is the FTS5 expression for the query words and phrases joined by op ("AND" or
// "OR"), restricted to title and abstract; "" when there are no words.
func (s *searcher) textExpr(op string) string {
	var parts []string
	for i, t := range s.terms {
		if i == len(s.terms)-1 && s.prefix {
			// Exact matches count twice: "graph" ranks above "graphene".
			parts = append(parts, "("+ftsQuote(t)+" OR "+ftsQuote(t)+"*)")
			continue
		}
		parts = append(parts, ftsQuote(t))
	}
	for _, p := range s.phrases {
		parts = append(parts, ftsQuote(p))
	}
	if len(parts) == 0 {
		return ""
	}
	return "{title abstract} : (" + strings.Join(parts, " "+op+" ") + ")"
}

// filterExpr narrows by author and category tokens in FTS (exact semantics are checked
// again in SQL by filterSQL).
func (s *searcher) filterExpr() string {
	var parts []string
	if len(s.authors) > 0 {
		var alts []string
		for _, a := range s.authors {
			if w := paperboy.Words(a); len(w) > 0 {
				if len(w) > 8 {
					w = w[:8]
				}
				alts = append(alts, "("+quoteAll(w)+")")
			}
		}
		if len(alts) > 0 {
			parts = append(parts, "{authors} : ("+strings.Join(alts, " OR ")+")")
		}
	}
	if len(s.cats) > 0 {
		var alts []string
		for _, c := range s.cats {
			if w := paperboy.Words(c); len(w) > 0 {
				if len(w) > 4 {
					w = w[:4]
				}
				alts = append(alts, ftsQuote(strings.Join(w, " ")))
			}
		}
		if len(alts) > 0 {
			parts = append(parts, "{categories} : ("+strings.Join(alts, " OR ")+")")
		}
	}
	return strings.Join(parts, " AND ")
}

func quoteAll(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = ftsQuote(w)
	}
	return strings.Join(q, " AND ")
}

func (s *searcher) excludeExpr() string {
	if len(s.exclude) == 0 {
		return ""
	}
	q := make([]string, len(s.exclude))
	for i, e := range s.exclude {
		q[i] = ftsQuote(e)
	}
	return "{title abstract} : (" + strings.Join(q, " OR ") + ")"
}

// matchExpr combines text, filters and exclusions into one FTS5 query; "" if nothing
// to match.
func (s *searcher) matchExpr(op string) string {
	var parts []string
	if t := s.textExpr(op); t != "" {
		parts = append(parts, "("+t+")")
	}
	if f := s.filterExpr(); f != "" {
		parts = append(parts, "("+f+")")
	}
	if len(parts) == 0 {
		return ""
	}
	expr := strings.Join(parts, " AND ")
	if x := s.excludeExpr(); x != "" {
		expr = "(" + expr + ") NOT (" + x + ")"
	}
	return expr
}

// filterSQL is the SQL condition (on alias p) for filters FTS cannot state exactly.
func (s *searcher) filterSQL() (string, []any) {
	var conds []string
	var args []any
	if len(s.cats) > 0 {
		var alts []string
		for _, c := range s.cats {
			pat := " " + c + " "
			if !strings.Contains(c, ".") {
				pat = " " + c + "."
			}
			alts = append(alts, `instr(' ' || lower(p.categories) || ' ', ?) > 0`)
			args = append(args, pat)
		}
		conds = append(conds, "("+strings.Join(alts, " OR ")+")")
	}
	if s.since != 0 {
		conds = append(conds, `(p.published = 0 OR p.published >= ?)`)
		args = append(args, s.since)
	}
	if s.upvotes > 0 {
		conds = append(conds, `p.upvotes >= ?`)
		args = append(args, s.upvotes)
	}
	if len(conds) == 0 {
		return "1", nil
	}
	return strings.Join(conds, " AND "), args
}

// votesSQL is the net vote count of paper p, scoped to the request's channel.
func (s *searcher) votesSQL() (string, []any) {
	if s.channel != "" {
		return `(SELECT COALESCE(SUM(v.value), 0) FROM votes v WHERE v.paper_id = p.id AND v.channel = ?)`, []any{s.channel}
	}
	return `(SELECT COALESCE(SUM(v.value), 0) FROM votes v WHERE v.paper_id = p.id)`, nil
}

// run fills s.hits: all-words matches first, then any-word matches.
func (s *searcher) run() error {
	s.seen = map[int64]bool{}
	and := s.matchExpr("AND")
	if and == "" {
		return s.browse()
	}
	if err := s.rank(and); err != nil {
		return err
	}
	if len(s.hits) >= s.limit || len(s.terms)+len(s.phrases) < 2 {
		return nil
	}
	return s.rank(s.matchExpr("OR"))
}

// bigDF is the document frequency above which a term's full doclist is too long to score
// within the budget: such queries rank a bounded candidate set (the newest matches).
const (
	bigDF      = 20000
	candidates = 4000
)

// rank appends the best matches of an FTS5 expression not already in s.hits. Scoring
// reads only the FTS index (and papers' filter columns); full rows are loaded for the
// final hits alone.
func (s *searcher) rank(expr string) error {
	filter, fargs := s.filterSQL()
	k := s.limit + len(s.hits)
	big, err := s.isBig()
	if err != nil {
		return err
	}
	args := []any{expr}
	args = append(args, fargs...)
	var q string
	switch {
	case s.sort == paperboy.SortVotes:
		// Voted papers are few: rank those that match by votes, then fill by relevance.
		votes, vargs := s.votesSQL()
		q = `SELECT f.rowid, -bm25(papers_fts, ` + bm25Weights + `) AS score FROM papers_fts f JOIN papers p ON p.seq = f.rowid
			WHERE papers_fts MATCH ? AND ` + filter + ` AND p.id IN (SELECT paper_id FROM votes)
			ORDER BY ` + votes + ` DESC, score DESC LIMIT ?`
		vq := append(append([]any{}, args...), vargs...)
		if err := s.collectSeqs(q, append(vq, k)...); err != nil {
			return err
		}
		if len(s.hits) >= s.limit {
			return nil
		}
		fallthrough
	case !big:
		order := `score DESC`
		if s.sort == paperboy.SortNew {
			order = `p.published DESC, f.rowid DESC`
		}
		q = `SELECT f.rowid, -bm25(papers_fts, ` + bm25Weights + `) AS score FROM papers_fts f JOIN papers p ON p.seq = f.rowid
			WHERE papers_fts MATCH ? AND ` + filter + ` ORDER BY ` + order + ` LIMIT ?`
		if filter == "1" && s.sort != paperboy.SortNew {
			q = `SELECT rowid, -bm25(papers_fts, ` + bm25Weights + `) AS score FROM papers_fts
				WHERE papers_fts MATCH ? ORDER BY score DESC LIMIT ?`
		}
		return s.collectSeqs(q, append(args, k)...)
	default:
		// A very common term: score the newest matches only (seq follows arrival).
		order := `score DESC`
		if s.sort == paperboy.SortNew {
			order = `p.published DESC, c.rowid DESC`
		}
		q = `SELECT c.rowid, c.score FROM (SELECT rowid, -bm25(papers_fts, ` + bm25Weights + `) AS score FROM papers_fts
				WHERE papers_fts MATCH ? ORDER BY rowid DESC LIMIT ` + fmt.Sprint(candidates) + `) c
			JOIN papers p ON p.seq = c.rowid WHERE ` + filter + ` ORDER BY ` + order + ` LIMIT ?`
		return s.collectSeqs(q, append(args, k)...)
	}
}

// isBig reports whether some query word is so common that scoring all its matches would
// not fit the budget. Words table counts stand in for stem counts.
func (s *searcher) isBig() (bool, error) {
	for i, t := range s.terms {
		df, err := s.wordDF(t)
		if err != nil {
			return false, err
		}
		if df > bigDF || (i == len(s.terms)-1 && s.prefix && len(t) < 5 && df == 0) {
			return true, nil
		}
	}
	return false, nil
}

// collectSeqs runs a query returning (seq, score) rows and appends the papers as hits.
func (s *searcher) collectSeqs(q string, args ...any) error {
	rows, err := s.tx.QueryContext(s.ctx, q, args...)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	var seqs []int64
	scores := map[int64]float64{}
	for rows.Next() {
		var seq int64
		var score float64
		if err := rows.Scan(&seq, &score); err != nil {
			rows.Close()
			return err
		}
		if s.seen[seq] || len(s.hits)+len(seqs) >= s.limit {
			continue
		}
		s.seen[seq] = true
		seqs = append(seqs, seq)
		scores[seq] = score
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(seqs) == 0 {
		return nil
	}
	votes, vargs := s.votesSQL()
	ph := strings.TrimSuffix(strings.Repeat("?,", len(seqs)), ",")
	largs := append([]any{}, vargs...)
	for _, seq := range seqs {
		largs = append(largs, seq)
	}
	lrows, err := s.tx.QueryContext(s.ctx, `SELECT `+prefixed("p", paperColumns)+`, `+votes+` FROM papers p WHERE p.seq IN (`+ph+`)`, largs...)
	if err != nil {
		return fmt.Errorf("load hits: %w", err)
	}
	defer lrows.Close()
	byseq := map[int64]paperboy.SearchHit{}
	for lrows.Next() {
		var v int
		r, err := scanPaperPlus(lrows, &v)
		if err != nil {
			return err
		}
		byseq[r.Seq] = paperboy.SearchHit{Paper: r.Paper, Score: scores[r.Seq], Votes: v}
	}
	if err := lrows.Err(); err != nil {
		return err
	}
	for _, seq := range seqs {
		if h, ok := byseq[seq]; ok {
			s.hits = append(s.hits, h)
		}
	}
	return nil
}

// browse lists papers by filters alone (no words): newest first, or by votes.
func (s *searcher) browse() error {
	filter, fargs := s.filterSQL()
	votes, vargs := s.votesSQL()
	order := `p.published DESC, p.seq DESC`
	if s.sort == paperboy.SortVotes {
		order = `votes DESC, p.published DESC`
	}
	args := append([]any{}, vargs...)
	args = append(args, fargs...)
	args = append(args, s.limit)
	q := `SELECT ` + prefixed("p", paperColumns) + `, 0.0 AS score, ` + votes + ` AS votes
		FROM papers p WHERE ` + filter + ` ORDER BY ` + order + ` LIMIT ?`
	return s.collect(q, args...)
}

func (s *searcher) collect(q string, args ...any) error {
	rows, err := s.tx.QueryContext(s.ctx, q, args...)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var score float64
		var votes int
		r, err := scanPaperPlus(rows, &score, &votes)
		if err != nil {
			return err
		}
		if s.seen[r.Seq] || len(s.hits) >= s.limit {
			continue
		}
		s.seen[r.Seq] = true
		s.hits = append(s.hits, paperboy.SearchHit{Paper: r.Paper, Score: score, Votes: votes})
	}
	return rows.Err()
}

// scanPaperPlus scans paper columns followed by extra columns.
func scanPaperPlus(rows *sql.Rows, extra ...any) (paperRow, error) {
	return scanPaper(plusScanner{rows, extra})
}

type plusScanner struct {
	rows  *sql.Rows
	extra []any
}

func (p plusScanner) Scan(dest ...any) error { return p.rows.Scan(append(dest, p.extra...)...) }

// prefixed qualifies a comma-separated column list with a table alias.
func prefixed(alias, cols string) string {
	fs := strings.Split(cols, ",")
	for i, f := range fs {
		fs[i] = alias + "." + strings.TrimSpace(f)
	}
	return strings.Join(fs, ", ")
}

// idf is the BM25 inverse document frequency of a word in n documents of which df have it.
func bm25IDF(n, df float64) float64 {
	v := math.Log((n-df+0.5)/(df+0.5) + 1)
	if v < 0 {
		return 0
	}
	return v
}
