package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/paperboy-bot/paperboy"
)

var _ paperboy.PaperService = (*DB)(nil)

// paperColumns are the columns queryPapers selects, in scanPaper's order.
const paperColumns = `seq, id, arxiv_id, version, doi, title, abstract, authors, categories,
	comment, journal_ref, published, updated, abs_url, pdf_url, hf_url, repo_url, upvotes,
	extra, sources, announce, created_at`

// queryPapers runs SELECT <paper columns> FROM papers <clause> and returns full papers
// (Seq, CreatedAt and Quiet included). clause is WHERE/ORDER BY/LIMIT text; values go in
// args, never into clause.
func queryPapers(ctx context.Context, tx *sql.Tx, clause string, args ...any) ([]*paperboy.Paper, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+paperColumns+` FROM papers `+clause, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*paperboy.Paper
	for rows.Next() {
		r, err := scanShownPaper(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r.Paper)
	}
	return out, rows.Err()
}

// paperRow is a stored paper with its authors and categories columns as stored (an
// update re-indexes the paper only when one of its indexed fields changed).
type paperRow struct {
	*paperboy.Paper
	authorsCol    string
	categoriesCol string
}

type rowScanner interface{ Scan(dest ...any) error }

func scanPaper(s rowScanner) (paperRow, error) {
	p := &paperboy.Paper{}
	r := paperRow{Paper: p}
	var published, updated, createdAt int64
	var extra, sources string
	var announce int
	err := s.Scan(&p.Seq, &p.ID, &p.ArxivID, &p.Version, &p.DOI, &p.Title, &p.Abstract,
		&r.authorsCol, &r.categoriesCol, &p.Comment, &p.JournalRef, &published, &updated,
		&p.AbsURL, &p.PDFURL, &p.HFURL, &p.RepoURL, &p.Upvotes, &extra, &sources, &announce, &createdAt)
	if err != nil {
		return r, err
	}
	p.Published = fromUnix(published)
	p.Updated = fromUnix(updated)
	p.CreatedAt = fromUnix(createdAt)
	p.Quiet = announce == 0
	if r.authorsCol != "" && r.authorsCol != "[]" {
		if err := json.Unmarshal([]byte(r.authorsCol), &p.Authors); err != nil {
			return r, fmt.Errorf("paper %s: authors: %w", p.ID, err)
		}
	}
	p.Categories = strings.Fields(r.categoriesCol)
	if extra != "" && extra != "{}" {
		if err := json.Unmarshal([]byte(extra), &p.Extra); err != nil {
			return r, fmt.Errorf("paper %s: extra: %w", p.ID, err)
		}
	}
	p.Sources = strings.Fields(sources)
	return r, nil
}

// scanShownPaper is scanPaper for papers on their way out of the store (to a chat
// platform, a terminal, an export). Rows stored before ingest stripped control characters
// still hold them; they are dropped here. The upsert reads rows with scanPaper, as stored,
// since it matches them by DOI and title.
func scanShownPaper(s rowScanner) (paperRow, error) {
	r, err := scanPaper(s)
	if err == nil {
		r.StripControlFields()
	}
	return r, err
}

func fromUnix(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}

func toUnix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// FindPaper finds a paper by id, arXiv id or URL (any version), DOI, or a stored link
// (abs, PDF, Hugging Face or repository URL).
func (db *DB) FindPaper(ctx context.Context, ref string) (*paperboy.Paper, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, paperboy.Errorf(paperboy.EINVALID, "Give an arXiv id or URL, a DOI, or a paper link.")
	}
	if len(ref) > 2048 {
		return nil, paperboy.Errorf(paperboy.EINVALID, "That is too long to be a paper id or URL.")
	}
	var clause string
	var args []any
	if id, _, ok := paperboy.ParseArxivID(ref); ok {
		clause, args = `WHERE seq IN (SELECT seq FROM papers WHERE id = ?1 UNION ALL SELECT seq FROM papers WHERE arxiv_id = ?1 AND arxiv_id != '') LIMIT 1`, []any{id}
	} else if doi := paperboy.NormalizeDOI(ref); doi != "" {
		clause, args = `WHERE doi = ? LIMIT 1`, []any{doi}
	} else if strings.HasPrefix(ref, "title:") || strings.HasPrefix(ref, "doi:") {
		clause, args = `WHERE id = ? LIMIT 1`, []any{ref}
	} else if strings.Contains(ref, "://") {
		clause = `WHERE seq IN (SELECT seq FROM papers WHERE abs_url = ?1 UNION ALL SELECT seq FROM papers WHERE pdf_url = ?1
			UNION ALL SELECT seq FROM papers WHERE hf_url = ?1 UNION ALL SELECT seq FROM papers WHERE repo_url = ?1) LIMIT 1`
		args = []any{ref}
	} else {
		return nil, paperboy.Errorf(paperboy.EINVALID, "%q is not an arXiv id, a DOI or a paper URL.", clipRef(ref, 80))
	}
	var found []*paperboy.Paper
	err := db.view(ctx, func(tx *sql.Tx) error {
		var err error
		found, err = queryPapers(ctx, tx, clause, args...)
		return err
	})
	if err != nil {
		return nil, wrapErr("find paper "+clipRef(ref, 80), err)
	}
	if len(found) == 0 {
		return nil, paperboy.Errorf(paperboy.ENOTFOUND, "No paper %s in the store yet.", clipRef(ref, 80))
	}
	return found[0], nil
}

func clipRef(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// UpsertPapers stores a batch in one transaction (all or nothing). Each paper is matched
// to a stored row by arXiv id, then DOI, then title hash (only against rows whose ids do
// not contradict it); see mergePaper for how fields combine. It is PreparePapers followed
// by UpsertPrepared.
func (db *DB) UpsertPapers(ctx context.Context, papers []paperboy.Paper) (paperboy.UpsertStats, error) {
	if len(papers) == 0 {
		return paperboy.UpsertStats{}, nil
	}
	b, err := PreparePapers(papers)
	if err != nil {
		return paperboy.UpsertStats{}, err
	}
	return db.UpsertPrepared(ctx, b)
}

// PreparedPapers is a batch made ready for UpsertPrepared: normalized, hashed, encoded,
// its index terms computed. Preparing touches no database, so a bulk import prepares the
// next batch on other cores while SQLite writes this one.
type PreparedPapers struct {
	prep []preparedPaper
	keys keySets
	// words counts the words of the titles and abstracts, one counter per preparing
	// goroutine, as if every paper were new (the writer corrects for the others).
	words []*wordCounter
	used  bool // stored (or tried): a batch goes to the store once
}

// Len is the number of papers in the batch.
func (b *PreparedPapers) Len() int { return len(b.prep) }

// PreparePapers does the Go-side work of storing papers (everything but SQL). The input
// slice is not modified.
func PreparePapers(papers []paperboy.Paper) (*PreparedPapers, error) {
	return PreparePapersWith(papers, PrepareOptions{})
}

// PrepareOptions tune PreparePapersWith.
type PrepareOptions struct {
	// NoVectors leaves the papers' recommendation vectors out: they are computed when a
	// ranking first needs them (RecentVectors, PaperVectors) or by BackfillVectors. The
	// first bulk load of a snapshot into an empty store uses it: building the vectors
	// took a third of that import's speed (BENCHMARKS.md, "Import cost of the vectors").
	NoVectors bool
}

// PreparePapersWith is PreparePapers with options.
func PreparePapersWith(papers []paperboy.Paper, opt PrepareOptions) (*PreparedPapers, error) {
	b := &PreparedPapers{prep: make([]preparedPaper, len(papers))}
	// The per-paper work is split over the cores; large batches only, where the
	// goroutines pay for themselves. Each goroutine counts its papers' words in its own
	// counter (the index terms come from the same pass); the writer merges them.
	workers := 1
	if len(papers) >= 256 {
		workers = runtime.GOMAXPROCS(0)
	}
	errs := make([]error, workers)
	b.words = make([]*wordCounter, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		b.words[w] = getWordCounter()
		go func() {
			defer wg.Done()
			for i := w; i < len(papers); i += workers {
				if err := b.prep[i].prepare(&papers[i], b.words[w], !opt.NoVectors); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, wrapErr("upsert papers", err)
	}
	var err error
	if b.keys, err = batchKeys(b.prep); err != nil {
		return nil, wrapErr("upsert papers", err)
	}
	return b, nil
}

// UpsertPrepared stores a prepared batch in one transaction (all or nothing). One query
// finds which of the batch's keys are already stored, so a new paper costs two INSERTs
// (row and index) and no lookups. A prepared batch can be passed once: after a failure,
// prepare it again.
func (db *DB) UpsertPrepared(ctx context.Context, b *PreparedPapers) (paperboy.UpsertStats, error) {
	if b == nil || len(b.prep) == 0 {
		return paperboy.UpsertStats{}, nil
	}
	w, err := db.beginWriter(ctx)
	if err != nil {
		return paperboy.UpsertStats{}, wrapErr("upsert papers", err)
	}
	if err := w.write(b); err != nil {
		w.rollback()
		return paperboy.UpsertStats{}, wrapErr("upsert papers", err)
	}
	stats, err := w.commit(ctx)
	return stats, wrapErr("upsert papers", err)
}

// BulkWriter stores prepared batches for a bulk import in large transactions: it keeps
// one write transaction open across Write calls and commits it once it holds PerTx
// papers. Fewer, larger transactions make the full-text index write fewer, larger
// segments (a third less work per paper than transactions of 5000). A failing Write rolls
// back the open transaction, so the database is as it was after the last commit. Use it
// between BeginBulk and EndBulk, from one goroutine.
type BulkWriter struct {
	db    *DB
	PerTx int
	w     *txWriter
}

// NewBulkWriter returns a BulkWriter committing every perTx papers.
func (db *DB) NewBulkWriter(perTx int) *BulkWriter {
	return &BulkWriter{db: db, PerTx: max(perTx, 1)}
}

// Write adds a prepared batch to the open transaction (beginning one if needed) and
// commits when the transaction holds PerTx papers. It returns the counts of the papers
// committed by this call (zero while the transaction stays open).
func (bw *BulkWriter) Write(ctx context.Context, b *PreparedPapers) (paperboy.UpsertStats, error) {
	if b == nil || len(b.prep) == 0 {
		return paperboy.UpsertStats{}, nil
	}
	if bw.w == nil {
		w, err := bw.db.beginWriter(ctx)
		if err != nil {
			return paperboy.UpsertStats{}, wrapErr("upsert papers", err)
		}
		bw.db.bulkMu.Lock()
		bw.db.bulkTx = w
		bw.db.bulkMu.Unlock()
		bw.w = w
	}
	w := bw.w
	w.use.Lock()
	if w.ended {
		w.use.Unlock()
		bw.w = nil
		return paperboy.UpsertStats{}, errBulkClosed
	}
	err := w.write(b)
	w.use.Unlock()
	if err != nil {
		bw.Rollback()
		return paperboy.UpsertStats{}, wrapErr("upsert papers", err)
	}
	if bw.w.papers < bw.PerTx {
		return paperboy.UpsertStats{}, nil
	}
	return bw.Commit(ctx)
}

// Commit commits the open transaction, if any, and returns its counts.
func (bw *BulkWriter) Commit(ctx context.Context) (paperboy.UpsertStats, error) {
	if bw.w == nil {
		return paperboy.UpsertStats{}, nil
	}
	w := bw.take()
	if w == nil {
		return paperboy.UpsertStats{}, errBulkClosed
	}
	stats, err := w.commit(ctx)
	return stats, wrapErr("upsert papers", err)
}

// Rollback abandons the open transaction, if any.
func (bw *BulkWriter) Rollback() {
	if w := bw.take(); w != nil {
		w.rollback()
	}
}

// take ends bw's hold on its open transaction and returns it; nil when there is none or
// when Close has taken it (to roll it back).
func (bw *BulkWriter) take() *txWriter {
	w := bw.w
	if w == nil {
		return nil
	}
	bw.w = nil
	bw.db.bulkMu.Lock()
	defer bw.db.bulkMu.Unlock()
	if bw.db.bulkTx != w {
		return nil
	}
	bw.db.bulkTx = nil
	return w
}

// rollbackBulk rolls back a BulkWriter's open transaction, if any, for Close: after a
// Write in progress (from another goroutine) has finished.
func (db *DB) rollbackBulk() {
	db.bulkMu.Lock()
	w := db.bulkTx
	db.bulkTx = nil
	db.bulkMu.Unlock()
	if w == nil {
		return
	}
	// Its writer ends it only after take, which now finds it gone: Close alone ends it.
	w.use.Lock()
	defer w.use.Unlock()
	w.rollback()
}

// errBulkClosed: the store was closed while a BulkWriter's transaction was open.
var errBulkClosed = errors.New("store: upsert papers: the store was closed before this transaction committed; its papers were not stored")

// errBulkOpen: EndBulk while a BulkWriter's transaction is open.
var errBulkOpen = errors.New("store: end bulk: an import transaction is still open; commit or roll back its BulkWriter first")

// Pending is the number of papers written to the open transaction and not yet committed.
func (bw *BulkWriter) Pending() int {
	if bw.w == nil {
		return 0
	}
	return bw.w.papers
}

// txWriter stores prepared batches in one open write transaction.
type txWriter struct {
	db     *DB
	ctx    context.Context
	tx     *sql.Tx
	u      *upserter
	papers int
	// counted holds the transaction's word counts as if every paper were new; each
	// batch's counts are merged in on a goroutine while its SQL runs (counting). The upserter's
	// counter holds the corrections (duplicates, updates).
	counted  *wordCounter // from txCounters; back to the pool once merged or dropped
	counting sync.WaitGroup

	// use is held by a BulkWriter's Write and by Close's rollback (rollbackBulk), so the
	// two never run at once. ended is set by commit and rollback. A BulkWriter's open
	// transaction is ended either by Close (which found it in DB.bulkTx) or by its writer
	// (after take removed it from there), never by both.
	use   sync.Mutex
	ended bool
}

func (db *DB) beginWriter(ctx context.Context) (*txWriter, error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	// Statements run without ctx: go-sqlite3 watches a cancellable context with a
	// goroutine per statement, two per paper here. write checks ctx between batches.
	u, err := newUpserter(context.WithoutCancel(ctx), tx, db.now())
	if err != nil {
		tx.Rollback()
		return nil, err
	}
	db.sideMu.Lock()
	u.side = db.side
	db.sideMu.Unlock()
	if u.side != nil {
		u.side.session.Lock() // released by end, at commit or rollback
	}
	return &txWriter{db: db, ctx: ctx, tx: tx, u: u, counted: getTxCounter()}, nil
}

// write stores one prepared batch in the open transaction.
func (w *txWriter) write(b *PreparedPapers) error {
	if b.used {
		return fmt.Errorf("prepared batch used twice")
	}
	b.used = true
	if err := w.ctx.Err(); err != nil {
		return err
	}
	w.counting.Wait()
	w.counting.Add(1)
	go func() {
		defer w.counting.Done()
		for _, c := range b.words {
			w.counted.merge(c)
			putWordCounter(c)
		}
	}()
	w.papers += len(b.prep)
	if err := w.u.loadKnown(b.keys); err != nil {
		return err
	}
	for i := range b.prep {
		if err := w.u.upsert(&b.prep[i]); err != nil {
			return err
		}
	}
	if w.u.side != nil {
		w.u.side.send(w.u.sideOps)
		w.u.sideOps = nil
	}
	return nil
}

// endSide tells the side index, if any, how the transaction ended.
func (w *txWriter) endSide(committed bool) {
	if w.u.side != nil {
		w.u.side.end(committed)
		w.u.side = nil
	}
}

func (w *txWriter) rollback() {
	w.ended = true
	w.counting.Wait()
	putTxCounter(w.counted)
	w.counted = nil
	w.u.close()
	w.tx.Rollback()
	w.endSide(false)
}

// commit writes word counts when they are due, commits, and records the counts as
// pending; merging them runs beside the next transaction's SQL (settledWords waits).
func (w *txWriter) commit(ctx context.Context) (paperboy.UpsertStats, error) {
	w.ended = true
	db := w.db
	w.counting.Wait()
	counts := w.counted
	counts.merge(&w.u.wordCounter)
	written := db.wordsToWrite(counts, w.papers, false)
	if written != nil {
		if err := writeWords(ctx, w.tx, written); err != nil {
			w.rollback()
			return paperboy.UpsertStats{}, err
		}
	}
	w.u.close()
	if err := w.tx.Commit(); err != nil {
		w.endSide(false)
		return paperboy.UpsertStats{}, fmt.Errorf("commit: %w", err)
	}
	w.endSide(true)
	ws := db.words()
	ws.mu.Lock()
	if ws.bulk {
		ws.bulkWritten += w.u.stats.New + w.u.stats.Updated
	}
	ws.mu.Unlock()
	ws.merging.Add(1)
	go func() {
		defer ws.merging.Done()
		db.afterCommit(counts, written)
		putTxCounter(counts)
	}()
	return w.u.stats, nil
}

// preparedPaper is an input paper normalized and encoded for the store, before any SQL.
type preparedPaper struct {
	p          paperboy.Paper
	titleHash  string
	authors    string // JSON, as stored and indexed
	categories string
	extra      string
	ix         indexed // full-text index columns
	vec        []byte  // encoded analysis.Vector
}

func (pp *preparedPaper) prepare(in *paperboy.Paper, words *wordCounter, vectors bool) error {
	pp.p = *in
	p := &pp.p
	if p.ID == "" {
		p.Authors, p.Categories = slices.Clone(p.Authors), slices.Clone(p.Categories)
		if err := p.Normalize(); err != nil {
			return err
		}
	}
	if strings.TrimSpace(p.Title) == "" {
		return paperboy.Errorf(paperboy.EINVALID, "paper %s has no title", p.ID)
	}
	// The store keeps seconds; compare like with like.
	p.Published = fromUnix(toUnix(p.Published))
	p.Updated = fromUnix(toUnix(p.Updated))
	pp.titleHash = paperboy.TitleHash(p.Title)
	var err error
	pp.authors, pp.categories, pp.extra, err = encodeLists(p)
	pp.ix = indexAndCount(p, words)
	if vectors {
		pp.vec = encodeVector(p, pp.ix)
	}
	return err
}

// keySets are the arXiv ids, DOIs and title hashes a batch looks up, as JSON arrays for
// json_each. probeAll is set when a key is not valid UTF-8 (JSON would alter it): then
// every paper of the batch is looked up one by one.
type keySets struct {
	arxiv, doi, title string
	probeAll          bool
}

func batchKeys(prep []preparedPaper) (keySets, error) {
	var a, d, t []string
	for i := range prep {
		p := &prep[i]
		if !utf8.ValidString(p.p.ArxivID) || !utf8.ValidString(p.p.DOI) || !utf8.ValidString(p.titleHash) {
			return keySets{probeAll: true}, nil
		}
		if p.p.ArxivID != "" {
			a = append(a, p.p.ArxivID)
		}
		if p.p.DOI != "" {
			d = append(d, p.p.DOI)
		}
		t = append(t, p.titleHash)
	}
	var ks keySets
	for _, x := range []struct {
		dst *string
		v   []string
	}{{&ks.arxiv, a}, {&ks.doi, d}, {&ks.title, t}} {
		if x.v == nil {
			*x.dst = "[]"
			continue
		}
		b, err := json.Marshal(x.v)
		if err != nil {
			return ks, fmt.Errorf("encode keys: %w", err)
		}
		*x.dst = string(b)
	}
	return ks, nil
}

func (db *DB) now() time.Time {
	if db.Now != nil {
		return db.Now()
	}
	return time.Now()
}

type rowState int

const (
	stateNew rowState = iota + 1
	stateUpdated
	stateDuplicate
)

// upserter holds one batch's prepared statements and bookkeeping.
type upserter struct {
	ctx   context.Context
	tx    *sql.Tx
	now   int64
	stats paperboy.UpsertStats

	byArxiv, byDOI, byTitle *sql.Stmt
	insert, update          *sql.Stmt
	ftsInsert, ftsDelete    *sql.Stmt
	vecUpsert               *sql.Stmt

	// side, when set, receives the index changes instead of papers_fts (sideindex.go):
	// sideOps collects them until the batch is written.
	side    *sideIndex
	sideOps []sideOp

	// seen records what the batch already did to a row (by seq): a row counts once as
	// New or Updated; later copies in the batch are duplicates.
	seen map[int64]rowState
	// wordCounter accumulates document-frequency corrections for the words table.
	wordCounter

	// known holds the keys ("a:" arXiv id, "d:" DOI, "t:" title hash) that a stored row
	// may carry: those found by loadKnown plus those the batch wrote. A paper none of
	// whose keys is known is new without any lookup.
	known    map[string]struct{}
	probeAll bool
}

func newUpserter(ctx context.Context, tx *sql.Tx, now time.Time) (*upserter, error) {
	u := &upserter{ctx: ctx, tx: tx, now: now.Unix(), seen: map[int64]rowState{}, known: map[string]struct{}{}}
	stmts := []struct {
		dst **sql.Stmt
		sql string
	}{
		{&u.byArxiv, `SELECT ` + paperColumns + ` FROM papers WHERE arxiv_id = ? AND arxiv_id != ''`},
		{&u.byDOI, `SELECT ` + paperColumns + ` FROM papers WHERE doi = ? AND doi != ''`},
		{&u.byTitle, `SELECT ` + paperColumns + ` FROM papers WHERE title_hash = ?`},
		{&u.insert, `INSERT INTO papers (id, arxiv_id, version, doi, title_hash, title, abstract, authors,
			categories, comment, journal_ref, published, updated, abs_url, pdf_url, hf_url, repo_url,
			upvotes, extra, sources, announce, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&u.update, `UPDATE papers SET id = ?, arxiv_id = ?, version = ?, doi = ?, title_hash = ?, title = ?,
			abstract = ?, authors = ?, categories = ?, comment = ?, journal_ref = ?, published = ?,
			updated = ?, abs_url = ?, pdf_url = ?, hf_url = ?, repo_url = ?, upvotes = ?, extra = ?,
			sources = ?, updated_at = ? WHERE seq = ?`},
		{&u.vecUpsert, `INSERT INTO paper_vectors (seq, vec) VALUES (?, ?) ON CONFLICT (seq) DO UPDATE SET vec = excluded.vec`},
		{&u.ftsInsert, `INSERT INTO papers_fts (rowid, title, abstract, authors, categories) VALUES (?, ?, ?, ?, ?)`},
		{&u.ftsDelete, `DELETE FROM papers_fts WHERE rowid = ?`},
	}
	for _, s := range stmts {
		st, err := tx.PrepareContext(ctx, s.sql)
		if err != nil {
			u.close()
			return nil, fmt.Errorf("prepare: %w", err)
		}
		*s.dst = st
	}
	return u, nil
}

func (u *upserter) close() {
	for _, st := range []*sql.Stmt{u.byArxiv, u.byDOI, u.byTitle, u.insert, u.update, u.ftsInsert, u.ftsDelete, u.vecUpsert} {
		if st != nil {
			st.Close()
		}
	}
}

// loadKnown records which of the batch's keys are stored already, in one query.
func (u *upserter) loadKnown(ks keySets) error {
	if ks.probeAll {
		u.probeAll = true
		return nil
	}
	rows, err := u.tx.QueryContext(u.ctx, `SELECT arxiv_id, doi, title_hash FROM papers
			WHERE arxiv_id IN (SELECT value FROM json_each(?1)) AND arxiv_id != ''
		UNION ALL SELECT arxiv_id, doi, title_hash FROM papers
			WHERE doi IN (SELECT value FROM json_each(?2)) AND doi != ''
		UNION ALL SELECT arxiv_id, doi, title_hash FROM papers
			WHERE title_hash IN (SELECT value FROM json_each(?3))`, ks.arxiv, ks.doi, ks.title)
	if err != nil {
		return fmt.Errorf("look up batch: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a, d, t string
		if err := rows.Scan(&a, &d, &t); err != nil {
			return fmt.Errorf("look up batch: %w", err)
		}
		u.markKnown(a, d, t)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("look up batch: %w", err)
	}
	return nil
}

func (u *upserter) markKnown(arxivID, doi, titleHash string) {
	if arxivID != "" {
		u.known["a:"+arxivID] = struct{}{}
	}
	if doi != "" {
		u.known["d:"+doi] = struct{}{}
	}
	u.known["t:"+titleHash] = struct{}{}
}

// mayExist reports whether a stored row could match p (else p is certainly new).
func (u *upserter) mayExist(pp *preparedPaper) bool {
	if u.probeAll {
		return true
	}
	if len(u.known) == 0 {
		return false
	}
	if _, ok := u.known["t:"+pp.titleHash]; ok {
		return true
	}
	if pp.p.ArxivID != "" {
		if _, ok := u.known["a:"+pp.p.ArxivID]; ok {
			return true
		}
	}
	if pp.p.DOI != "" {
		if _, ok := u.known["d:"+pp.p.DOI]; ok {
			return true
		}
	}
	return false
}

// addWords records a document-frequency change beyond the batch's precomputed counts.
func (u *upserter) addWords(title, abstract string, delta int) {
	u.countWords(title, abstract, delta)
}

// upsert stores one prepared paper.
func (u *upserter) upsert(pp *preparedPaper) error {
	p := &pp.p
	if !u.mayExist(pp) {
		return u.insertNew(pp)
	}
	old, err := u.lookup(pp)
	if err != nil {
		return fmt.Errorf("look up %s: %w", p.ID, err)
	}
	if old.Paper == nil {
		return u.insertNew(pp)
	}
	u.addWords(p.Title, p.Abstract, -1) // counted as new by PreparePapers; it is not
	merged := mergePaper(old.Paper, p)
	if samePaper(old.Paper, merged) {
		u.count(old.Seq, stateDuplicate)
		return nil
	}
	if err := u.write(old, merged); err != nil {
		return err
	}
	u.count(old.Seq, stateUpdated)
	return nil
}

// count updates the stats for a row touched again by this batch.
func (u *upserter) count(seq int64, st rowState) {
	prev, ok := u.seen[seq]
	switch {
	case !ok:
		u.seen[seq] = st
		u.add(st, 1)
	case prev == stateDuplicate && st == stateUpdated:
		// The first copy changed nothing, this one does: the row was updated.
		u.seen[seq] = stateUpdated
		u.add(stateDuplicate, -1)
		u.add(stateUpdated, 1)
		u.add(stateDuplicate, 1)
	default:
		u.add(stateDuplicate, 1)
	}
}

func (u *upserter) add(st rowState, n int) {
	switch st {
	case stateNew:
		u.stats.New += n
	case stateUpdated:
		u.stats.Updated += n
	default:
		u.stats.Duplicates += n
	}
}

// lookup finds the stored row for p: by arXiv id, then DOI, then title hash among rows
// whose arXiv id and DOI do not contradict p's.
func (u *upserter) lookup(pp *preparedPaper) (paperRow, error) {
	p := &pp.p
	type probe struct {
		st  *sql.Stmt
		arg string
	}
	probes := make([]probe, 0, 3)
	if p.ArxivID != "" {
		probes = append(probes, probe{u.byArxiv, p.ArxivID})
	}
	if p.DOI != "" {
		probes = append(probes, probe{u.byDOI, p.DOI})
	}
	probes = append(probes, probe{u.byTitle, pp.titleHash})
	for _, pr := range probes {
		r, err := u.firstCompatible(pr.st, pr.arg, p)
		if err != nil || r.Paper != nil {
			return r, err
		}
	}
	return paperRow{}, nil
}

func (u *upserter) firstCompatible(st *sql.Stmt, arg string, p *paperboy.Paper) (paperRow, error) {
	rows, err := st.QueryContext(u.ctx, arg)
	if err != nil {
		return paperRow{}, err
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanPaper(rows)
		if err != nil {
			return paperRow{}, err
		}
		if compatible(r.Paper, p) {
			return r, nil
		}
	}
	return paperRow{}, rows.Err()
}

// compatible reports whether a and b may be the same paper: no differing arXiv ids or DOIs.
func compatible(a, b *paperboy.Paper) bool {
	if a.ArxivID != "" && b.ArxivID != "" && a.ArxivID != b.ArxivID {
		return false
	}
	if a.DOI != "" && b.DOI != "" && a.DOI != b.DOI {
		return false
	}
	return true
}

func (u *upserter) insertNew(pp *preparedPaper) error {
	p := &pp.p
	p.Sources = sortedUnion(nil, p.Sources)
	announce := 1
	if p.Quiet {
		announce = 0
	}
	p.ID = p.Key()
	res, err := u.insert.ExecContext(u.ctx, p.ID, p.ArxivID, p.Version, p.DOI, pp.titleHash,
		p.Title, p.Abstract, pp.authors, pp.categories, p.Comment, p.JournalRef, toUnix(p.Published),
		toUnix(p.Updated), p.AbsURL, p.PDFURL, p.HFURL, p.RepoURL, p.Upvotes, pp.extra,
		strings.Join(p.Sources, " "), announce, u.now, u.now)
	if err != nil {
		return fmt.Errorf("insert %s: %w", p.ID, err)
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("insert %s: %w", p.ID, err)
	}
	if err := u.index(seq, pp.ix); err != nil {
		return fmt.Errorf("index %s: %w", p.ID, err)
	}
	if pp.vec != nil { // nil: left for later (PrepareOptions.NoVectors)
		if _, err := u.vecUpsert.ExecContext(u.ctx, seq, pp.vec); err != nil {
			return fmt.Errorf("vector %s: %w", p.ID, err)
		}
	}
	u.markKnown(p.ArxivID, p.DOI, pp.titleHash)
	u.seen[seq] = stateNew
	u.stats.New++
	return nil
}

func (u *upserter) write(old paperRow, m *paperboy.Paper) error {
	authors, categories, extra, err := encodeLists(m)
	if err != nil {
		return err
	}
	_, err = u.update.ExecContext(u.ctx, m.ID, m.ArxivID, m.Version, m.DOI, paperboy.TitleHash(m.Title),
		m.Title, m.Abstract, authors, categories, m.Comment, m.JournalRef, toUnix(m.Published),
		toUnix(m.Updated), m.AbsURL, m.PDFURL, m.HFURL, m.RepoURL, m.Upvotes, extra,
		strings.Join(m.Sources, " "), u.now, old.Seq)
	if err != nil {
		return fmt.Errorf("update %s: %w", old.ID, err)
	}
	u.markKnown(m.ArxivID, m.DOI, paperboy.TitleHash(m.Title))
	if m.Title != old.Title || m.Abstract != old.Abstract || authors != old.authorsCol || categories != old.categoriesCol {
		if err := u.unindex(old.Seq); err != nil {
			return fmt.Errorf("unindex %s: %w", old.ID, err)
		}
		ix := indexColumns(m)
		if err := u.index(old.Seq, ix); err != nil {
			return fmt.Errorf("index %s: %w", old.ID, err)
		}
		if _, err := u.vecUpsert.ExecContext(u.ctx, old.Seq, encodeVector(m, ix)); err != nil {
			return fmt.Errorf("vector %s: %w", old.ID, err)
		}
		if m.Title != old.Title || m.Abstract != old.Abstract {
			u.addWords(old.Title, old.Abstract, -1)
			u.addWords(m.Title, m.Abstract, 1)
		}
	}
	return nil
}

// index adds paper seq to the full-text index (or to the side index's next batch).
func (u *upserter) index(seq int64, ix indexed) error {
	if u.side != nil {
		u.sideOps = append(u.sideOps, sideOp{seq: seq, ix: ix})
		return nil
	}
	_, err := u.ftsInsert.ExecContext(u.ctx, seq, ix.title, ix.abstract, ix.authors, ix.categories)
	return err
}

// unindex removes paper seq from the full-text index (or the side index).
func (u *upserter) unindex(seq int64) error {
	if u.side != nil {
		u.sideOps = append(u.sideOps, sideOp{seq: seq, del: true})
		return nil
	}
	_, err := u.ftsDelete.ExecContext(u.ctx, seq)
	return err
}

func encodeLists(p *paperboy.Paper) (authors, categories, extra string, err error) {
	authors = "[]"
	if len(p.Authors) > 0 {
		b, err := json.Marshal(p.Authors)
		if err != nil {
			return "", "", "", fmt.Errorf("encode authors of %s: %w", p.ID, err)
		}
		authors = string(b)
	}
	extra = "{}"
	if len(p.Extra) > 0 {
		b, err := json.Marshal(p.Extra)
		if err != nil {
			return "", "", "", fmt.Errorf("encode extra of %s: %w", p.ID, err)
		}
		extra = string(b)
	}
	return authors, strings.Join(p.Categories, " "), extra, nil
}

// Word counts are kept in memory across large batches and written when many have piled
// up, by a small batch (incremental ingest), or by Optimize: writing every distinct word
// of every bulk batch would cost as much as the full-text index itself. Counts only
// steer spelling correction and term rarity, so a crash losing a few is harmless.
const (
	wordsFlushAt     = 200_000   // pending distinct words that force a write
	bulkWordsFlushAt = 1_000_000 // the same during a bulk import (about 80 MB of counts)
	smallBatchWords  = 500       // batches up to this many papers write their counts at once
)

// wordState is a DB's word counts not yet written (DB.pendingWords).
type wordState struct {
	mu      sync.Mutex
	pending *wordCounter // nil until the first commit; entries may hold 0
	bulk    bool         // BeginBulk: write counts at EndBulk unless bulkWordsFlushAt pile up
	// bulkWritten counts the papers stored (new or updated) since BeginBulk: EndBulk
	// merges the whole index only when they are a good part of it.
	bulkWritten int
	// merging counts afterCommit goroutines still running; settle waits for them.
	merging sync.WaitGroup
}

// settledWords returns the pending word counts once every committed batch is merged into them.
func (db *DB) settledWords() *wordState {
	ws := &db.pendingWords
	ws.merging.Wait()
	return ws
}

func (db *DB) words() *wordState { return &db.pendingWords }

// wordsToWrite merges the pending counts with a transaction's when they must be written
// now (force, a small transaction, or too many pending); nil otherwise.
func (db *DB) wordsToWrite(counts *wordCounter, papers int, force bool) map[string]int {
	ws := db.settledWords()
	ws.mu.Lock()
	defer ws.mu.Unlock()
	limit := wordsFlushAt
	if ws.bulk {
		limit = bulkWordsFlushAt
	}
	n := ws.pending.Len() + counts.Len()
	if !force && papers > smallBatchWords && n < limit {
		return nil
	}
	out := make(map[string]int, n)
	ws.pending.each(func(w string, df int) {
		if df != 0 {
			out[w] = df
		}
	})
	counts.each(func(w string, df int) { out[w] += df })
	return out
}

// afterCommit records a committed transaction's counts as pending, less what it wrote.
func (db *DB) afterCommit(counts *wordCounter, written map[string]int) {
	ws := db.words()
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.pending == nil {
		c := newWordCounter(0)
		ws.pending = &c
	}
	if counts != nil {
		ws.pending.merge(counts)
	}
	if written == nil {
		return
	}
	for w, d := range written {
		ws.pending.addCount(w, -d)
	}
	if !ws.pending.nonZero() {
		ws.pending.reset() // all written: drop the zero entries
	}
}

// wordsPerInsert is how many words one INSERT of writeWords carries (two parameters each,
// well under SQLite's limit of 32 766): a bulk import writes hundreds of thousands of
// counts, and one statement per word spent most of the time in database/sql and cgo
// round trips rather than in SQLite.
const wordsPerInsert = 500

// writeWords adds document-frequency changes to the words table.
func writeWords(ctx context.Context, tx *sql.Tx, words map[string]int) error {
	// In key order: each insert lands next to the previous one in the words B-tree.
	keys := make([]string, 0, len(words))
	for w, d := range words {
		if d != 0 {
			keys = append(keys, w)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	slices.Sort(keys)
	// Statements run without ctx (go-sqlite3 would start a goroutine per statement to
	// watch it); ctx is checked between statements instead.
	stop := ctx
	ctx = context.WithoutCancel(ctx)
	var full *sql.Stmt // the statement for wordsPerInsert words, prepared once
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, 2*wordsPerInsert)
	var gone bool
	for from := 0; from < len(keys); from += wordsPerInsert {
		if err := stop.Err(); err != nil {
			return err
		}
		chunk := keys[from:min(from+wordsPerInsert, len(keys))]
		args = args[:0]
		for _, w := range chunk {
			d := words[w]
			gone = gone || d < 0
			args = append(args, w, d)
		}
		var err error
		if len(chunk) == wordsPerInsert {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, insertWordsSQL(wordsPerInsert)); err != nil {
					return fmt.Errorf("prepare words: %w", err)
				}
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, insertWordsSQL(len(chunk)), args...)
		}
		if err != nil {
			return fmt.Errorf("count words: %w", err)
		}
	}
	if gone {
		if _, err := tx.ExecContext(ctx, `DELETE FROM words WHERE df <= 0`); err != nil {
			return fmt.Errorf("count words: %w", err)
		}
	}
	return nil
}

// insertWordsSQL is the upsert of n (word, df) pairs into the words table.
func insertWordsSQL(n int) string {
	return `INSERT INTO words (word, df) VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?),", n), ",") +
		` ON CONFLICT (word) DO UPDATE SET df = df + excluded.df`
}

// flushWords writes pending word counts in their own transaction.
func (db *DB) flushWords(ctx context.Context) error {
	var written map[string]int
	err := db.update(ctx, func(tx *sql.Tx) error {
		written = db.wordsToWrite(nil, 0, true)
		return writeWords(ctx, tx, written)
	})
	if err != nil {
		return wrapErr("count words", err)
	}
	db.afterCommit(nil, written)
	return nil
}

// mergePaper combines a stored paper with a new sighting. A newer version (higher Version;
// same or unknown versions: later Updated) replaces title, abstract and the other
// version-bound fields; any sighting fills empty fields; Upvotes is the maximum, Sources
// the sorted union, Extra merged with the newest values winning; Published is the earliest
// known date. A record without a version never overrides one with a version. The id moves
// to a better key (title hash -> DOI -> arXiv id) when one becomes known.
func mergePaper(old, in *paperboy.Paper) *paperboy.Paper {
	m := *old
	var newer bool
	switch {
	case in.Version > 0 && old.Version > 0:
		newer = in.Version > old.Version || (in.Version == old.Version && in.Updated.After(old.Updated))
	case in.Version > 0:
		newer = true
	case old.Version > 0:
		newer = false
	default:
		newer = in.Updated.After(old.Updated)
	}
	pick := func(dst *string, v string) {
		if v != "" && (newer || *dst == "") {
			*dst = v
		}
	}
	fill := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	pick(&m.Title, in.Title)
	pick(&m.Abstract, in.Abstract)
	pick(&m.Comment, in.Comment)
	pick(&m.JournalRef, in.JournalRef)
	pick(&m.AbsURL, in.AbsURL)
	pick(&m.PDFURL, in.PDFURL)
	fill(&m.ArxivID, in.ArxivID)
	fill(&m.DOI, in.DOI)
	fill(&m.HFURL, in.HFURL)
	fill(&m.RepoURL, in.RepoURL)
	if len(in.Authors) > 0 && (newer || len(m.Authors) == 0) {
		m.Authors = in.Authors
	}
	if len(in.Categories) > 0 && (newer || len(m.Categories) == 0) {
		m.Categories = in.Categories
	}
	if in.Version > m.Version {
		m.Version = in.Version
	}
	if in.Updated.After(m.Updated) {
		m.Updated = in.Updated
	}
	if !in.Published.IsZero() && (m.Published.IsZero() || in.Published.Before(m.Published)) {
		m.Published = in.Published
	}
	if in.Upvotes > m.Upvotes {
		m.Upvotes = in.Upvotes
	}
	m.Sources = sortedUnion(old.Sources, in.Sources)
	if len(in.Extra) > 0 {
		e := make(map[string]string, len(old.Extra)+len(in.Extra))
		maps.Copy(e, old.Extra)
		// A newer copy's extras win. Another copy's only fill a missing value or raise a
		// count (HF's github_stars and num_comments only grow), so two copies of a paper
		// that disagree (the seed corpus lists 54 papers twice, from different source
		// files) do not overwrite each other back and forth: importing the same file
		// again changes nothing.
		for k, v := range in.Extra {
			if v != "" && (newer || e[k] == "" || largerCount(v, e[k])) {
				e[k] = v
			}
		}
		m.Extra = e
	}
	if k := m.Key(); keyRank(k) > keyRank(old.ID) {
		m.ID = k
	}
	return &m
}

// largerCount reports whether v and old are both whole numbers and v is larger.
func largerCount(v, old string) bool {
	a, err1 := strconv.ParseUint(v, 10, 64)
	b, err2 := strconv.ParseUint(old, 10, 64)
	return err1 == nil && err2 == nil && a > b
}

func keyRank(id string) int {
	switch {
	case strings.HasPrefix(id, "title:"):
		return 0
	case strings.HasPrefix(id, "doi:"):
		return 1
	}
	return 2
}

func sortedUnion(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	out := make([]string, 0, len(a)+len(b))
	out = append(out, a...)
	for _, s := range b {
		if s = strings.TrimSpace(s); s != "" && !strings.ContainsRune(s, ' ') {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// samePaper reports whether merging changed nothing that is stored.
func samePaper(a, b *paperboy.Paper) bool {
	return a.ID == b.ID && a.ArxivID == b.ArxivID && a.Version == b.Version && a.DOI == b.DOI &&
		a.Title == b.Title && a.Abstract == b.Abstract && slices.Equal(a.Authors, b.Authors) &&
		slices.Equal(a.Categories, b.Categories) && a.Comment == b.Comment && a.JournalRef == b.JournalRef &&
		a.Published.Equal(b.Published) && a.Updated.Equal(b.Updated) && a.AbsURL == b.AbsURL &&
		a.PDFURL == b.PDFURL && a.HFURL == b.HFURL && a.RepoURL == b.RepoURL && a.Upvotes == b.Upvotes &&
		maps.Equal(a.Extra, b.Extra) && slices.Equal(a.Sources, b.Sources)
}

// errStop ends a streaming callback loop early without an error.
var errStop = errors.New("stop")

// Optimize writes pending word counts, merges the full-text index into one segment and refreshes the query planner's
// statistics; worth running after a bulk import (searches read fewer segments).
func (db *DB) Optimize(ctx context.Context) error {
	if err := db.flushWords(ctx); err != nil {
		return err
	}
	err := db.update(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO papers_fts (papers_fts) VALUES ('optimize')`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `PRAGMA optimize`)
		return err
	})
	return wrapErr("optimize", err)
}

// pendingDF is the count of word w not yet written to the words table.
func (db *DB) pendingDF(w string) int {
	ws := db.settledWords()
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return ws.pending.get(w)
}

// pendingScan calls fn for every word with counts not yet written that starts with
// prefix and is minLen to maxLen bytes long.
func (db *DB) pendingScan(prefix string, minLen, maxLen int, fn func(word string, df int)) {
	ws := db.settledWords()
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ws.pending.eachPrefix(prefix, minLen, maxLen, fn)
}

// hasPendingWords reports whether some word counts are not yet written.
func (db *DB) hasPendingWords() bool {
	ws := db.settledWords()
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return ws.pending.nonZero()
}

// Bulk-import settings. During a bulk import the full-text index does no incremental
// merging (automerge 0): each batch's commit writes one level-0 segment and only a
// crisis merge of bulkCrisisMerge segments of one level rewrites them, so the index is
// rewritten about once during the import and once by EndBulk's optimize instead of at
// every level of an 8-way merge. Normal operation uses the schema's settings.
const (
	normalAutomerge   = 8  // 001_papers.sql
	normalCrisisMerge = 16 // FTS5 default
	bulkCrisisMerge   = 64
	bulkCacheKiB      = 32768 // page cache of the writer connection during a bulk import
	normalCacheKiB    = 2000  // SQLite default
)

// BeginBulk prepares the store for a large import (a BulkWriter, or UpsertPapers): no incremental
// index merging and a larger page cache on the writer connection. Every BeginBulk must be
// followed by EndBulk, which merges the index and writes word counts. A process that dies
// in between leaves merging off until the next Open (which restores it) or EndBulk.
func (db *DB) BeginBulk(ctx context.Context) error {
	db.setBulkWords(true)
	if err := db.setBulk(ctx, 0, bulkCrisisMerge, bulkCacheKiB); err != nil {
		return wrapErr("begin bulk", err)
	}
	if s := db.startSide(ctx); s != nil {
		db.sideMu.Lock()
		db.side = s
		db.sideMu.Unlock()
	}
	return nil
}

// BulkIntoEmpty reports whether the bulk import BeginBulk started is the first load of an
// empty store (its index is built in a side file): the import then leaves the
// recommendation vectors for later (PrepareOptions.NoVectors).
func (db *DB) BulkIntoEmpty() bool {
	db.sideMu.Lock()
	defer db.sideMu.Unlock()
	return db.side != nil
}

// setBulkWords turns bulk mode on or off and returns the papers written since it was
// turned on.
func (db *DB) setBulkWords(on bool) (written int) {
	ws := db.words()
	ws.mu.Lock()
	defer ws.mu.Unlock()
	written, ws.bulk, ws.bulkWritten = ws.bulkWritten, on, 0
	return written
}

// EndBulk restores normal settings and writes pending word counts. When the import
// wrote at least a quarter of the stored papers it also merges the full-text index into
// one segment (Optimize), so searches after a large import read one segment. A smaller
// import leaves its few new segments to the index's incremental merging: optimize
// rewrites the whole index, which made importing 1 000 papers into a store of 1M take
// 12 s (BENCHMARKS.md). Call it after the import's BulkWriter has committed (or failed):
// while that writer's transaction is open EndBulk returns an error and changes nothing
// (the transaction holds the writer connection that EndBulk needs).
func (db *DB) EndBulk(ctx context.Context) error {
	db.bulkMu.Lock()
	open := db.bulkTx != nil
	db.bulkMu.Unlock()
	if open {
		return errBulkOpen // nothing changed: commit, then call EndBulk again
	}
	// A side index's worker drains its queue and merges the index on its own thread; the
	// words table does not depend on the index, so this goroutine writes it meanwhile
	// (otherwise one core idles for the whole merge: BENCHMARKS.md, session 9).
	db.sideMu.Lock()
	if db.side != nil {
		db.side.shut(true)
	}
	db.sideMu.Unlock()
	t0 := time.Now()
	flushErr := db.flushWords(ctx)
	db.log.Debug("word counts written", "took", time.Since(t0).Round(time.Millisecond))
	if err := db.endSide(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	written := db.setBulkWords(false)
	if err := db.setBulk(context.WithoutCancel(ctx), normalAutomerge, normalCrisisMerge, normalCacheKiB); err != nil {
		return wrapErr("end bulk", err)
	}
	if flushErr != nil {
		return flushErr // the counts stay pending: Close writes them
	}
	var total int
	if err := db.write.QueryRowContext(ctx, `SELECT COUNT(*) FROM papers`).Scan(&total); err != nil {
		return wrapErr("end bulk", err)
	}
	if written*optimizeShare >= total {
		return db.Optimize(ctx)
	}
	return db.flushWords(ctx)
}

// optimizeShare: EndBulk merges the whole index when the import wrote at least
// 1/optimizeShare of the stored papers.
const optimizeShare = 4

func (db *DB) setBulk(ctx context.Context, automerge, crisis, cacheKiB int) error {
	if _, err := db.write.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = -%d`, cacheKiB)); err != nil {
		return err
	}
	return db.update(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO papers_fts (papers_fts, rank) VALUES ('automerge', ?)`, automerge); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO papers_fts (papers_fts, rank) VALUES ('crisismerge', ?)`, crisis)
		return err
	})
}

// restoreMerging turns incremental index merging back on when a bulk import died before
// EndBulk (automerge left at 0).
func (db *DB) restoreMerging(ctx context.Context) error {
	var v int
	err := db.write.QueryRowContext(ctx, `SELECT v FROM papers_fts_config WHERE k = 'automerge'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) || err == nil && v != 0 {
		return nil
	}
	if err != nil {
		return wrapErr("check index settings", err)
	}
	return wrapErr("restore index settings", db.setBulk(ctx, normalAutomerge, normalCrisisMerge, normalCacheKiB))
}
