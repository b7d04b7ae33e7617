package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/paperboy-bot/paperboy"
)

// Search limits. User text is cut to these sizes before anything reaches SQLite.
const (
	maxSearchTerms   = paperboy.MaxQueryWords // ParseQuery keeps to these and says what it left out
	maxSearchPhrases = paperboy.MaxQueryPhrases
	maxSearchExclude = paperboy.MaxQueryExclude
	maxSearchFilters = paperboy.MaxQueryFilters
	maxSearchLimit   = 100
	// searchBudget is Search's own deadline; the caller's ctx may be shorter.
	searchBudget = 250 * time.Millisecond
)

// bm25 column weights, in papers_fts column order (title, abstract, authors, categories).
// Query words only search title and abstract; a title match weighs ten abstract matches.
const bm25Weights = `10.0, 1.0, 0.0, 0.0`

// Search ranks papers for req.Query. Words are matched by Porter stems in titles and
// abstracts (titles weigh more); coverage of the query words weighs strongly but is not a
// tier when every any-word match can be scored (see blend), else papers with all words
// come first, then papers with some; the last word also matches its most frequent
// completions (an unfinished word); words absent from the corpus are replaced by the
// nearest frequent word (SearchResult.Corrected). Words too common to score every match
// rank their newest matches (see rank). It answers
// within ctx's deadline and searchBudget, returning the best hits found so far marked
// Partial when time runs out.
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
	// One pooled connection in autocommit mode: a search's few statements need no
	// transaction of their own (BEGIN and ROLLBACK would double a rare word's cost).
	err := func() error {
		conn, err := db.read.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		s := &searcher{ctx: ctx, tx: conn, db: db, channel: req.Channel, limit: limit}
		s.prepare(req.Query)
		if err := s.correct(); err != nil {
			return err
		}
		if s.corrected {
			res.Corrected = s.correctedText()
		}
		err = s.run()
		hits = s.hits
		return err
	}()
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
	tx      querier
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

	dfs         map[string]int // document counts of the query words (loadDF)
	floor       string         // lowest seq that can pass the since: filter (seqFloor), as SQL
	noCatFTS    bool           // leave cat: filters to SQL alone (see rank)
	matches     int            // estimated matches of the current expression (cheap)
	sinceDone   bool
	sinceNone   bool
	sinceFloor  int64
	completions []string // frequent completions of an unfinished last word

	hits []paperboy.SearchHit
	seen map[int64]bool
}

// querier is what a search reads through: a read transaction or a single connection.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *searcher) prepare(q paperboy.Query) {
	s.sort = q.Sort
	seen := map[string]bool{}
	for _, t := range q.Terms {
		for _, w := range paperboy.Words(t) {
			// Stop words are not in the index (paperboy.IndexText): they match nothing. The
			// check is on the index form: "Ï" folds to the stop word "i".
			if len(s.terms) < maxSearchTerms && !seen[w] && len(w) <= paperboy.MaxWordLen && paperboy.IndexText(w) != "" {
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
		if w := paperboy.Words(p); len(w) > 0 && len(s.phrases) < maxSearchPhrases && paperboy.IndexText(p) != "" {
			if len(w) > maxSearchTerms {
				w = w[:maxSearchTerms]
			}
			s.phrases = append(s.phrases, strings.Join(w, " "))
		}
	}
	for _, e := range q.Exclude {
		if w := paperboy.Words(e); len(w) > 0 && len(s.exclude) < maxSearchExclude && paperboy.IndexText(e) != "" {
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

// ftsQuote makes one FTS5 string of index terms (letters, digits and single spaces, so
// nothing in it is FTS5 syntax; quotes are doubled all the same).
func ftsQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// ftsText is the FTS5 phrase for words searched in titles and abstracts: their index
// terms (paperboy.IndexText: stop words dropped, Porter stems), as the index holds them;
// "" when only stop words remain.
func ftsText(s string) string {
	t := paperboy.IndexText(s)
	if t == "" {
		return ""
	}
	return ftsQuote(t)
}

// ftsName is the FTS5 phrase for author and category words (paperboy.NameText).
func ftsName(s string) string {
	t := paperboy.NameText(s)
	if t == "" {
		return ""
	}
	return ftsQuote(t)
}

// textExpr is the FTS5 expression for the query words and phrases joined by op ("AND" or
// "OR"), restricted to title and abstract; "" when there are no words.
func (s *searcher) textExpr(op string) string {
	var parts []string
	for i := range s.terms {
		if e := s.termExpr(i); e != "" {
			parts = append(parts, e)
		}
	}
	for _, p := range s.phrases {
		if e := ftsText(p); e != "" {
			parts = append(parts, e)
		}
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
	if len(s.cats) > 0 && !s.noCatFTS {
		var alts []string
		for _, c := range s.cats {
			if w := paperboy.Words(c); len(w) > 0 {
				if len(w) > 4 {
					w = w[:4]
				}
				alts = append(alts, ftsName(strings.Join(w, " ")))
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
		q[i] = ftsName(w)
	}
	return strings.Join(q, " AND ")
}

func (s *searcher) excludeExpr() string {
	if len(s.exclude) == 0 {
		return ""
	}
	var q []string
	for _, e := range s.exclude {
		if x := ftsText(e); x != "" {
			q = append(q, x)
		}
	}
	if len(q) == 0 {
		return ""
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

// Cost model. FTS5's bm25 first counts every row of every phrase (about 0.1 µs a row)
// and then scores each matching row it orders (a few µs a row), so ranking with bm25 is
// only done when both stay small; otherwise the newest matches are ranked by a cheaper
// score (see rankBig). Counts come from the words table (surface forms, so a stem's true
// count is larger: the limits leave room for that).
var (
	maxCountRows = 60000     // sum of the query words' document counts bm25 may count
	maxScoreRows = 4000      // matching rows bm25 may score (tests lower it)
	denseSpan    = int64(50) // candidates within 50x their number of rowids count as dense
)

const (
	candidates = 1000  // newest matches ranked when bm25 is too costly
	maxCatSQL  = 20000 // matches up to which cat: is checked in SQL rather than FTS
)

// run fills s.hits. Ranked by relevance with any-word matches cheap to score (see
// blend), all matches are ranked together with coverage of the query words as a factor;
// otherwise all-words matches come first, then any-word matches.
func (s *searcher) run() error {
	s.seen = map[int64]bool{}
	and := s.matchExpr("AND")
	if and == "" {
		return s.browse()
	}
	if done, err := s.blend(); done || err != nil {
		return err
	}
	if err := s.rank("AND"); err != nil {
		return err
	}
	if len(s.hits) >= s.limit || len(s.terms)+len(s.phrases) < 2 {
		return nil
	}
	return s.rank("OR")
}

// loadDF reads the document counts of all query words (and the completions of an
// unfinished last word) in one query.
func (s *searcher) loadDF() error {
	if s.dfs != nil {
		return nil
	}
	s.dfs = map[string]int{}
	words := append([]string(nil), s.terms...)
	for _, p := range s.phrases {
		words = append(words, strings.Fields(p)...)
	}
	if len(words) == 0 {
		return nil
	}
	ph := strings.TrimSuffix(strings.Repeat("?,", len(words)), ",")
	args := make([]any, 0, len(words)+2)
	for _, w := range words {
		args = append(args, w)
	}
	q := `SELECT word, df FROM words WHERE word IN (` + ph + `)`
	last := ""
	if s.prefix {
		// The last word may be unfinished: its most frequent completions join it.
		last = s.terms[len(s.terms)-1]
		q += ` UNION ALL SELECT * FROM (SELECT word, df FROM words WHERE word > ? AND word < ? ORDER BY df DESC LIMIT ` + fmt.Sprint(maxCompletions) + `)`
		args = append(args, last, last+"\U0010FFFF")
	}
	ctx, err := s.bounded()
	if err != nil {
		return err
	}
	rows, err := s.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	s.completions = nil
	for rows.Next() {
		var w string
		var df int
		if err := rows.Scan(&w, &df); err != nil {
			return err
		}
		if last != "" && w != last && strings.HasPrefix(w, last) {
			s.completions = append(s.completions, w)
		}
		s.dfs[w] = df
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if s.db != nil {
		for _, w := range words {
			s.dfs[w] += s.db.pendingDF(w)
		}
	}
	return nil
}

// maxCompletions is how many completions of an unfinished last word a query adds.
const maxCompletions = 3

// termDF is the document count of query term i (with its completions for the last one).
func (s *searcher) termDF(i int) int {
	df := s.dfs[s.terms[i]]
	if i == len(s.terms)-1 && s.prefix {
		for _, c := range s.completions {
			df += s.dfs[c]
		}
	}
	return df
}

// phraseDF bounds a phrase's document count by its rarest word.
func (s *searcher) phraseDF(p string) int {
	df := -1
	for _, w := range strings.Fields(p) {
		if d := s.dfs[w]; df < 0 || d < df {
			df = d
		}
	}
	return max(df, 0)
}

// cheap reports whether bm25 can rank all matches of the words joined by op in time.
func (s *searcher) cheap(op string) bool {
	sum, least, most := 0, -1, 0
	add := func(df int) {
		sum += df
		most = max(most, df)
		if least < 0 || df < least {
			least = df
		}
	}
	for i := range s.terms {
		add(s.termDF(i))
	}
	for _, p := range s.phrases {
		for _, w := range strings.Fields(p) {
			sum += s.dfs[w] // a phrase's words are all read
		}
		add(s.phraseDF(p))
	}
	matches := least // AND: at most the rarest word's count
	if op == "OR" {
		matches = sum
	}
	s.matches = matches
	return sum <= maxCountRows && matches <= maxScoreRows
}

// rank appends the best matches of the query words joined by op ("AND" or "OR") that
// are not already in s.hits.
func (s *searcher) rank(op string) error {
	if err := s.loadDF(); err != nil {
		return err
	}
	floor, none, err := s.seqFloor()
	if err != nil || none {
		return err
	}
	cheap := s.cheap(op)
	// bm25 would count every paper of a category phrase ("cs cv"), and FTS5 reads its
	// positions in nearly every paper: with few matches, the exact SQL check of the
	// category is cheaper than intersecting in FTS.
	s.noCatFTS = cheap || s.matches <= maxCatSQL
	expr := s.matchExpr(op)
	if expr == "" {
		return s.browse() // cat: alone
	}
	s.floor = fmt.Sprint(floor) // FTS5 seeks to a rowid bound
	if s.sort == paperboy.SortVotes {
		if err := s.rankVoted(expr); err != nil {
			return err
		}
		if len(s.hits) >= s.limit {
			return nil
		}
	}
	if !cheap {
		return s.rankBig(expr, op)
	}
	// One statement: bm25 over all matches, then the top rows loaded. Votes come from a
	// second query over those rows: as a correlated subquery here, SQLite made rare-word
	// searches several times slower.
	filter, fargs := s.filterSQL()
	k := s.limit + len(s.hits)
	inner := `SELECT rowid, -bm25(papers_fts, ` + bm25Weights + `) AS score FROM papers_fts
		WHERE papers_fts MATCH ? AND rowid >= ` + s.floor + ` ORDER BY score DESC LIMIT ?`
	order := `c.score DESC, c.rowid DESC`
	if s.sort == paperboy.SortNew {
		order = `p.published DESC, c.rowid DESC`
	}
	args := []any{expr}
	if filter != "1" || s.sort == paperboy.SortNew {
		innerOrder := `score DESC`
		if s.sort == paperboy.SortNew {
			innerOrder = `p.published DESC, f.rowid DESC`
		}
		inner = `SELECT f.rowid AS rowid, -bm25(papers_fts, ` + bm25Weights + `) AS score FROM papers_fts f JOIN papers p ON p.seq = f.rowid
			WHERE papers_fts MATCH ? AND f.rowid >= ` + s.floor + ` AND ` + filter + ` ORDER BY ` + innerOrder + ` LIMIT ?`
		args = append(args, fargs...)
	}
	args = append(args, k)
	q := `SELECT ` + prefixed("p", paperColumns) + `, c.score, 0 FROM (` + inner + `) c
		JOIN papers p ON p.seq = c.rowid ORDER BY ` + order
	from := len(s.hits)
	ctx, err := s.bounded()
	if err != nil {
		return err
	}
	if err := s.collectCtx(ctx, q, args...); err != nil {
		return err
	}
	return s.fillVotes(s.hits[from:])
}

// fillVotes sets the net votes (in the request's channel) of hits, in one query.
func (s *searcher) fillVotes(hits []paperboy.SearchHit) error {
	if len(hits) == 0 {
		return nil
	}
	ids := make([]any, 0, len(hits)+1)
	for _, h := range hits {
		ids = append(ids, h.Paper.ID)
	}
	q := `SELECT paper_id, SUM(value) FROM votes WHERE paper_id IN (` + strings.TrimSuffix(strings.Repeat("?,", len(hits)), ",") + `)`
	if s.channel != "" {
		q += ` AND channel = ?`
		ids = append(ids, s.channel)
	}
	ctx, err := s.bounded()
	if err != nil {
		return err
	}
	rows, err := s.tx.QueryContext(ctx, q+` GROUP BY paper_id`, ids...)
	if err != nil {
		return fmt.Errorf("votes: %w", err)
	}
	defer rows.Close()
	votes := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return fmt.Errorf("votes: %w", err)
		}
		votes[id] = n
	}
	for i := range hits {
		hits[i].Votes = votes[hits[i].Paper.ID]
	}
	return rows.Err()
}

// sinceScan bounds the index entries seqFloor reads.
const sinceScan = 50000

// seqFloor is the lowest seq of a paper passing the since: filter when few do (so that
// FTS5 can skip straight past older rows rather than test them one by one), 0 when there
// is no such filter or many papers pass it; none reports that no paper passes.
func (s *searcher) seqFloor() (floor int64, none bool, err error) {
	if s.since == 0 {
		return 0, false, nil
	}
	if s.sinceDone {
		return s.sinceFloor, s.sinceNone, nil
	}
	var n int
	var lo sql.NullInt64
	err = s.tx.QueryRowContext(s.ctx, `SELECT count(*), min(seq) FROM (SELECT seq FROM papers
		WHERE published = 0 OR published >= ? LIMIT `+fmt.Sprint(sinceScan+1)+`)`, s.since).Scan(&n, &lo)
	if err != nil {
		return 0, false, err
	}
	s.sinceDone = true
	switch {
	case n == 0:
		s.sinceNone = true
	case n <= sinceScan:
		s.sinceFloor = lo.Int64
	}
	return s.sinceFloor, s.sinceNone, nil
}

// rankVoted appends the matching papers that have votes, most votes first.
func (s *searcher) rankVoted(expr string) error {
	filter, fargs := s.filterSQL()
	votes, vargs := s.votesSQL()
	k := s.limit + len(s.hits)
	// Voted papers are few: test each against the expression rather than the reverse.
	// No bm25 here: inside a per-paper subquery it would recount every phrase's rows for
	// each voted paper. Voted hits are ordered by votes and carry score 0.
	// Arguments follow the order of the placeholders in the text.
	q := `SELECT ` + prefixed("p", paperColumns) + `, 0.0 AS score, ` + votes + ` AS votes
		FROM papers p WHERE p.id IN (SELECT paper_id FROM votes) AND ` + filter + `
		AND EXISTS (SELECT 1 FROM papers_fts WHERE papers_fts MATCH ? AND rowid = p.seq)
		ORDER BY votes DESC, p.seq DESC LIMIT ?`
	var args []any
	args = append(args, vargs...)
	args = append(args, fargs...)
	args = append(args, expr, k)
	return s.collect(q, args...)
}

// rankBig ranks the newest matches of expr (at most candidates of them) by a score that
// needs no full doclist scan: for each query word, its IDF (from the words table), ten
// times over when it is in the title, as bm25's column weights would.
func (s *searcher) rankBig(expr, op string) error {
	filter, fargs := s.filterSQL()
	k := s.limit - len(s.hits)
	if k <= 0 {
		return nil
	}
	var q string
	args := []any{expr}
	switch {
	case s.sort == paperboy.SortNew:
		q = `SELECT c.rowid FROM (SELECT f.rowid AS rowid FROM papers_fts f JOIN papers p ON p.seq = f.rowid
				WHERE papers_fts MATCH ? AND f.rowid >= ` + s.floor + ` AND ` + filter + ` ORDER BY f.rowid DESC LIMIT ` + fmt.Sprint(candidates) + `) c
			JOIN papers p ON p.seq = c.rowid ORDER BY p.published DESC, c.rowid DESC`
		args = append(args, fargs...)
	case filter != "1":
		q = `SELECT f.rowid FROM papers_fts f JOIN papers p ON p.seq = f.rowid
			WHERE papers_fts MATCH ? AND f.rowid >= ` + s.floor + ` AND ` + filter + ` ORDER BY f.rowid DESC LIMIT ` + fmt.Sprint(candidates)
		args = append(args, fargs...)
	default:
		q = `SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? AND rowid >= ` + s.floor + ` ORDER BY rowid DESC LIMIT ` + fmt.Sprint(candidates)
	}
	cands, err := s.rowids(q, args...)
	if err != nil {
		return err
	}
	var seqs []int64
	for _, seq := range cands {
		if !s.seen[seq] {
			seqs = append(seqs, seq)
		}
	}
	if len(seqs) == 0 {
		return nil
	}
	scores := make(map[int64]float64, len(seqs))
	if s.sort != paperboy.SortNew {
		lo := slices.Min(seqs)
		var total float64
		if err := s.tx.QueryRowContext(s.ctx, `SELECT COALESCE(MAX(seq), 0) FROM papers`).Scan(&total); err != nil {
			return err
		}
		// Dense candidates (the newest matches of a common word) span a short rowid
		// range, which FTS5 title queries walk quickly; spread ones (a rare match set)
		// are checked on their loaded titles instead.
		dense := slices.Max(seqs)-lo <= denseSpan*int64(len(seqs))
		var titles map[int64]map[string]bool
		if !dense {
			var err error
			if titles, err = s.titleStems(seqs); err != nil {
				return err
			}
		}
		type part struct {
			expr   string
			df     int
			stems  []string // all must be in the title (crude stems)
			prefix string   // or a title word starting with it
		}
		var parts []part
		for i, t := range s.terms {
			p := part{expr: s.termExpr(i), df: s.termDF(i), stems: []string{crudeStem(t)}}
			if i == len(s.terms)-1 && s.prefix {
				p.prefix = t
			}
			parts = append(parts, p)
		}
		for _, ph := range s.phrases {
			p := part{expr: ftsText(ph), df: s.phraseDF(ph)}
			for _, w := range strings.Fields(ph) {
				p.stems = append(p.stems, crudeStem(w))
			}
			parts = append(parts, p)
		}
		for _, p := range parts {
			idf := bm25IDF(total, float64(p.df))
			// Title: weight 10 (9 on top of the 1 of being matched at all), checked on
			// the candidates' titles: an FTS5 title query would walk the word's whole
			// doclist when the candidates are spread over the table.
			if dense {
				in, err := s.rowids(`SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? AND rowid >= ?`,
					"({title} : "+p.expr+") AND ("+expr+")", lo)
				if err != nil {
					return err
				}
				for _, seq := range in {
					scores[seq] += 9 * idf
				}
			} else {
				for _, seq := range seqs {
					if titleHas(titles[seq], p.stems, p.prefix) {
						scores[seq] += 9 * idf
					}
				}
			}
			if op == "AND" {
				for _, seq := range seqs {
					scores[seq] += idf
				}
				continue
			}
			// Any-word candidates are the newest matches of a common word, so this
			// range is short.
			in, err := s.rowids(`SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? AND rowid >= ?`,
				"{title abstract} : "+p.expr, lo)
			if err != nil {
				return err
			}
			for _, seq := range in {
				scores[seq] += idf
			}
		}
		slices.SortStableFunc(seqs, func(a, b int64) int {
			if sa, sb := scores[a], scores[b]; sa != sb {
				if sa > sb {
					return -1
				}
				return 1
			}
			return 0 // newest first already
		})
	}
	if len(seqs) > k {
		seqs = seqs[:k]
	}
	return s.load(seqs, scores)
}

// titleStems loads the crude stems of the candidates' title words.
func (s *searcher) titleStems(seqs []int64) (map[int64]map[string]bool, error) {
	out := make(map[int64]map[string]bool, len(seqs))
	const chunk = 500
	for from := 0; from < len(seqs); from += chunk {
		part := seqs[from:min(from+chunk, len(seqs))]
		args := make([]any, len(part))
		for i, seq := range part {
			args[i] = seq
		}
		ph := strings.TrimSuffix(strings.Repeat("?,", len(part)), ",")
		rows, err := s.tx.QueryContext(s.ctx, `SELECT seq, title FROM papers WHERE seq IN (`+ph+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var seq int64
			var title string
			if err := rows.Scan(&seq, &title); err != nil {
				rows.Close()
				return nil, err
			}
			stems := map[string]bool{}
			for _, w := range paperboy.Words(title) {
				stems[crudeStem(w)] = true
				stems[w] = true
			}
			out[seq] = stems
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// titleHas reports whether a title (its word stems) has all stems, or a word starting
// with prefix when prefix is set.
func titleHas(title map[string]bool, stems []string, prefix string) bool {
	if prefix != "" {
		for w := range title {
			if strings.HasPrefix(w, prefix) {
				return true
			}
		}
	}
	for _, st := range stems {
		if !title[st] {
			return false
		}
	}
	return len(stems) > 0
}

// crudeStem strips common English inflections so that a query word and a title word of
// the same stem compare equal ("images"/"image", "learning"/"learned"). It approximates
// the index's Porter stems (paperboy.PorterStem) for ranking only; matching itself is FTS5's.
func crudeStem(w string) string {
	for _, r := range crudeSuffixes {
		if len(w)-len(r[0]) >= 3 && strings.HasSuffix(w, r[0]) {
			return w[:len(w)-len(r[0])] + r[1]
		}
	}
	return w
}

// crudeSuffixes are suffixes and their replacements, longest first.
var crudeSuffixes = [][2]string{
	{"ations", "at"}, {"ation", "at"}, {"ings", ""}, {"ing", ""}, {"ies", "y"}, {"es", ""},
	{"ed", ""}, {"s", ""}, {"e", ""},
}

// termExpr is the FTS5 string (or alternatives) for query term i.
func (s *searcher) termExpr(i int) string {
	t := s.terms[i]
	// The last word may be unfinished: its completions join it, and exact matches count
	// twice ("graph" ranks above "graphene"; a stub stands in for a completion). A lone
	// word with no completions needs neither: doubling its one phrase ranks nothing
	// differently but doubles bm25's work.
	if i != len(s.terms)-1 || !s.prefix || len(s.terms) == 1 && len(s.phrases) == 0 && len(s.completions) == 0 {
		return ftsText(t)
	}
	alts := []string{ftsText(t), ftsText(t)}
	for _, c := range s.completions {
		if e := ftsText(c); e != "" {
			alts = append(alts, e)
		}
	}
	return "(" + strings.Join(alts, " OR ") + ")"
}

// rowids runs a query returning one integer column.
func (s *searcher) rowids(q string, args ...any) ([]int64, error) {
	rows, err := s.tx.QueryContext(s.ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// load appends the papers seqs (in that order) as hits with the given scores.
func (s *searcher) load(seqs []int64, scores map[int64]float64) error {
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
		if h, ok := byseq[seq]; ok && !s.seen[seq] && len(s.hits) < s.limit {
			s.seen[seq] = true
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
	// Exclusions with filters alone ("cat:cs.LG -survey"): a correlated FTS lookup per
	// row, which the LIMIT keeps to about as many rows as it keeps papers.
	if x := s.excludeExpr(); x != "" {
		filter = "(" + filter + `) AND NOT EXISTS (SELECT 1 FROM papers_fts WHERE papers_fts MATCH ? AND rowid = p.seq)`
		args = append(args, x)
	}
	args = append(args, s.limit)
	q := `SELECT ` + prefixed("p", paperColumns) + `, 0.0 AS score, ` + votes + ` AS votes
		FROM papers p WHERE ` + filter + ` ORDER BY ` + order + ` LIMIT ?`
	return s.collect(q, args...)
}

func (s *searcher) collect(q string, args ...any) error {
	return s.collectCtx(s.ctx, q, args...)
}

// bounded is the context for statements whose work the cost model bounds (the words
// lookup, a bm25 ranking of at most maxScoreRows rows, the votes of the hits): they run
// without the search deadline, which spares go-sqlite3's watcher goroutine per statement
// (a quarter of a rare-word search); the deadline is checked before each of them.
func (s *searcher) bounded() (context.Context, error) {
	if err := s.ctx.Err(); err != nil {
		return nil, err
	}
	return context.WithoutCancel(s.ctx), nil
}

func (s *searcher) collectCtx(ctx context.Context, q string, args ...any) error {
	rows, err := s.tx.QueryContext(ctx, q, args...)
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
	return scanShownPaper(plusScanner{rows, extra})
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

// Coverage of the query words in a blended ranking (see blend). A word in the title covers
// fully, a word only in the abstract covers coverAbstract; words weigh by their IDF, so
// missing a rare word costs more than missing a common one. The blended score is bm25 ×
// coverage^coverPower: a strong factor (a paper with three of four equally rare words,
// all in its title, keeps 0.56 of its bm25; one with all four once in a long abstract,
// 0.09 of a bm25 that is already low), not a tier that puts every all-words match first.
// Chosen on the seed corpus (TestRelevance, TestCoverageNotATier): abstract weights 0.3
// to 0.5 and powers 1 to 2 were tried; 0.4 and above failed the coverage test at power
// 1.5 or less, 0.3 passed both tests at every power.
const (
	coverAbstract = 0.3
	coverPower    = 2.0
	blendPool     = 50 // the best any-word and the best all-words matches by bm25, each
)

// blend ranks all matches of two or more query words together, by bm25 weighted by
// coverage, when the order is by relevance and bm25 can score every any-word match in
// time (cheap); done is false when it does not apply and the tiers of run are used.
// Candidates are the blendPool best any-word matches by bm25 and the blendPool best
// all-words ones (a long all-words abstract can be out of the first, and its coverage can
// still put it first); coverage is read from their index terms (paperboy.IndexText, as
// the index holds them), so it is exact for stems, completions and phrases.
func (s *searcher) blend() (done bool, err error) {
	if s.sort != "" && s.sort != paperboy.SortRelevance || len(s.terms)+len(s.phrases) < 2 {
		return false, nil
	}
	if err := s.loadDF(); err != nil {
		return true, err
	}
	if !s.cheap("OR") {
		return false, nil
	}
	floor, none, err := s.seqFloor()
	if err != nil || none {
		return true, err
	}
	s.noCatFTS = true // few matches: cat: is checked in SQL (see rank)
	s.floor = fmt.Sprint(floor)
	pool := max(blendPool, s.limit)
	scores := map[int64]float64{}
	for _, op := range []string{"OR", "AND"} {
		// The same rows get the same bm25 from either expression: each sums its matched
		// phrases, with IDFs over the whole table.
		if err := s.bm25Top(s.matchExpr(op), pool, scores); err != nil {
			return true, err
		}
	}
	if len(scores) == 0 {
		return true, nil
	}
	seqs := make([]int64, 0, len(scores))
	for seq := range scores {
		seqs = append(seqs, seq)
	}
	cover, err := s.coverage(seqs)
	if err != nil {
		return true, err
	}
	for _, seq := range seqs {
		scores[seq] *= math.Pow(cover[seq], coverPower)
	}
	slices.SortFunc(seqs, func(a, b int64) int {
		if sa, sb := scores[a], scores[b]; sa != sb {
			if sa > sb {
				return -1
			}
			return 1
		}
		if a > b { // newest first among equals
			return -1
		}
		return 1
	})
	if len(seqs) > s.limit {
		seqs = seqs[:s.limit]
	}
	return true, s.load(seqs, scores)
}

// bm25Top adds to scores the k best matches of expr by bm25 (filters applied in SQL).
func (s *searcher) bm25Top(expr string, k int, scores map[int64]float64) error {
	filter, fargs := s.filterSQL()
	q := `SELECT rowid, -bm25(papers_fts, ` + bm25Weights + `) AS score FROM papers_fts
		WHERE papers_fts MATCH ? AND rowid >= ` + s.floor + ` ORDER BY score DESC LIMIT ?`
	args := []any{expr}
	if filter != "1" {
		q = `SELECT f.rowid, -bm25(papers_fts, ` + bm25Weights + `) AS score FROM papers_fts f JOIN papers p ON p.seq = f.rowid
			WHERE papers_fts MATCH ? AND f.rowid >= ` + s.floor + ` AND ` + filter + ` ORDER BY score DESC LIMIT ?`
		args = append(args, fargs...)
	}
	args = append(args, k)
	ctx, err := s.bounded()
	if err != nil {
		return err
	}
	rows, err := s.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var score float64
		if err := rows.Scan(&seq, &score); err != nil {
			return err
		}
		scores[seq] = score
	}
	return rows.Err()
}

// coverage is, for each paper seqs, the IDF-weighted share of the query words and phrases
// it has: 1 for one in its title, coverAbstract for one only in its abstract.
func (s *searcher) coverage(seqs []int64) (map[int64]float64, error) {
	type part struct {
		alts []string // index terms, " "-padded: any of them matches
		idf  float64
	}
	var total float64
	if err := s.tx.QueryRowContext(s.ctx, `SELECT COALESCE(MAX(seq), 0) FROM papers`).Scan(&total); err != nil {
		return nil, err
	}
	var parts []part
	var sum float64
	add := func(words []string, df int) {
		p := part{idf: bm25IDF(total, float64(df))}
		for _, w := range words {
			if t := paperboy.IndexText(w); t != "" {
				p.alts = append(p.alts, " "+t+" ")
			}
		}
		if len(p.alts) > 0 && p.idf > 0 {
			parts = append(parts, p)
			sum += p.idf
		}
	}
	for i, t := range s.terms {
		words := []string{t}
		if i == len(s.terms)-1 && s.prefix {
			words = append(words, s.completions...)
		}
		add(words, s.termDF(i))
	}
	for _, ph := range s.phrases {
		add([]string{ph}, s.phraseDF(ph))
	}
	out := make(map[int64]float64, len(seqs))
	if sum == 0 {
		for _, seq := range seqs {
			out[seq] = 1
		}
		return out, nil
	}
	args := make([]any, len(seqs))
	for i, seq := range seqs {
		args[i] = seq
	}
	ph := strings.TrimSuffix(strings.Repeat("?,", len(seqs)), ",")
	rows, err := s.tx.QueryContext(s.ctx, `SELECT seq, title, abstract FROM papers WHERE seq IN (`+ph+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("coverage: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var title, abstract string
		if err := rows.Scan(&seq, &title, &abstract); err != nil {
			return nil, err
		}
		ti, ab := " "+paperboy.IndexText(title)+" ", ""
		var got float64
		for _, p := range parts {
			switch {
			case containsAny(ti, p.alts):
				got += p.idf
			default:
				if ab == "" {
					ab = " " + paperboy.IndexText(abstract) + " " // only when a title misses a word
				}
				if containsAny(ab, p.alts) {
					got += coverAbstract * p.idf
				}
			}
		}
		out[seq] = got / sum
	}
	return out, rows.Err()
}

func containsAny(text string, alts []string) bool {
	for _, a := range alts {
		if strings.Contains(text, a) {
			return true
		}
	}
	return false
}
