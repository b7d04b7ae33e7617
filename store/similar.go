package store

import (
	"context"
	"database/sql"
	"sort"
	"strings"

	"github.com/paperboy-bot/paperboy"
)

// similarTerms is how many distinctive words of a paper make its "more like this" query.
const similarTerms = 12

// SimilarPapers returns papers like the given one: its most distinctive title and abstract
// words (rarest in the corpus, title words favoured) searched with OR, itself excluded.
func (db *DB) SimilarPapers(ctx context.Context, id string, limit int) ([]paperboy.SearchHit, error) {
	p, err := db.FindPaper(ctx, id)
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 10
	}
	if limit > maxSearchLimit {
		limit = maxSearchLimit
	}
	var hits []paperboy.SearchHit
	err = db.view(ctx, func(tx *sql.Tx) error {
		terms, err := distinctiveTerms(ctx, tx, db, p, similarTerms)
		if err != nil || len(terms) == 0 {
			return err
		}
		sctx, cancel := context.WithTimeout(ctx, searchBudget)
		defer cancel()
		s := &searcher{ctx: sctx, tx: tx, db: db, limit: limit + 1, terms: terms, seen: map[int64]bool{}}
		if err := s.rank("OR"); err != nil && !isInterrupt(sctx, err) {
			return err
		}
		for _, h := range s.hits {
			if h.Paper.Seq != p.Seq && len(hits) < limit {
				hits = append(hits, h)
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrapErr("similar papers "+p.ID, err)
	}
	return hits, nil
}

// distinctiveTerms picks up to n words of p with the highest inverse document frequency
// (from the words table), counting title words double.
func distinctiveTerms(ctx context.Context, tx *sql.Tx, db *DB, p *paperboy.Paper, n int) ([]string, error) {
	weight := map[string]float64{}
	for _, w := range paperboy.Words(p.Title) {
		if len(w) > 2 && !isNumber(w) && !stopWords[w] {
			weight[w] = 2
		}
	}
	for _, w := range paperboy.Words(p.Abstract) {
		if len(w) > 2 && !isNumber(w) && !stopWords[w] && weight[w] == 0 {
			weight[w] = 1
		}
	}
	if len(weight) == 0 {
		return nil, nil
	}
	var total float64
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM papers`).Scan(&total); err != nil {
		return nil, err
	}
	st, err := tx.PrepareContext(ctx, `SELECT df FROM words WHERE word = ?`)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	type scored struct {
		w string
		s float64
	}
	var list []scored
	for w, wt := range weight {
		var df float64
		if err := st.QueryRowContext(ctx, w).Scan(&df); err != nil && err != sql.ErrNoRows {
			return nil, err
		}
		df += float64(db.pendingDF(w))
		if df <= 1 {
			continue // only this paper has it: it cannot find another
		}
		list = append(list, scored{w, wt * bm25IDF(total, df)})
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].s != list[j].s {
			return list[i].s > list[j].s
		}
		return list[i].w < list[j].w
	})
	var out []string
	for _, sc := range list {
		if len(out) == n {
			break
		}
		out = append(out, sc.w)
	}
	return out, nil
}

// stopWords are English function words that never make a paper distinctive.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an and are as at be been but by can could do does for from had has have
		how in into is it its may more most not of on or our over such than that the their them then there
		these they this those through to under up us via was we were what when where which while who why will
		with within without would also both each however here other only some very between using based show
		shows shown propose proposed present paper results approach method methods new`) {
		m[w] = true
	}
	return m
}()
