package store

import (
	"database/sql"

	"github.com/paperboy-bot/paperboy"
)

// Spelling correction: a query word that no stored title or abstract contains is replaced
// by the vocabulary word (words table plus counts not yet written) within edit distance 1
// (words up to 4 letters) or 2, preferring the smallest distance, then the most frequent
// word. Candidates share the first two letters, or failing that the first letter, which
// keeps each scan to a range of the words index (a few thousand rows at 1M papers). A typo
// in the first letter is not corrected: scanning the whole vocabulary does not fit a
// search's budget.

// correct applies spelling correction to s.terms, setting s.corrected when it changed any.
func (s *searcher) correct() error {
	if err := s.loadDF(); err != nil {
		return err
	}
	for i, t := range s.terms {
		if isNumber(t) || len(t) < 3 || len(t) > maxWordLen || s.dfs[t] > 0 {
			continue
		}
		last := i == len(s.terms)-1
		if last && s.prefix && len(s.completions) > 0 {
			continue // an unfinished word
		}
		// Another form of a stored word ("translating" when papers say "translates")
		// is not a typo: Porter stemming finds it.
		var one int
		err := s.tx.QueryRowContext(s.ctx, `SELECT 1 FROM papers_fts WHERE papers_fts MATCH ? LIMIT 1`,
			"{title abstract} : "+ftsText(t)).Scan(&one)
		if err == nil {
			continue
		}
		if err != sql.ErrNoRows {
			return err
		}
		best, df, err := s.nearest(t)
		if err != nil {
			return err
		}
		if best != "" && best != t {
			s.terms[i] = best
			s.dfs[best] = df
			s.corrected = true
			if last {
				s.prefix = false // a corrected word is complete
				s.completions = nil
			}
		}
	}
	return nil
}

// nearest finds the best correction for w, or "".
func (s *searcher) nearest(w string) (string, int, error) {
	maxDist := 2
	if len(w) <= 4 {
		maxDist = 1
	}
	type cand struct {
		word string
		dist int
		df   int
	}
	var best cand
	consider := func(word string, df int) {
		if df <= 0 || word == w || paperboy.IndexText(word) == "" {
			return // a stop word is not in the index: it would match nothing
		}
		d := editDistance(w, word, maxDist)
		if d > maxDist {
			return
		}
		if best.word == "" || d < best.dist || d == best.dist && (df > best.df || df == best.df && word < best.word) {
			best = cand{word, d, df}
		}
	}
	scan := func(q string, args ...any) error {
		rows, err := s.tx.QueryContext(s.ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var word string
			var df int
			if err := rows.Scan(&word, &df); err != nil {
				return err
			}
			consider(word, df)
		}
		return rows.Err()
	}
	lo, hi := len(w)-maxDist, len(w)+maxDist
	// Words sharing the first two letters, then the first letter: a typo rarely hits
	// the start of a word, and each range is a slice of the words index.
	for _, n := range []int{2, 1} {
		if len(w) <= n || w[n-1] >= 0x7f {
			continue
		}
		start := w[:n]
		end := w[:n-1] + string(rune(w[n-1]+1))
		if err := scan(`SELECT word, df FROM words WHERE word >= ? AND word < ? AND length(word) BETWEEN ? AND ?`,
			start, end, lo, hi); err != nil {
			return "", 0, err
		}
		if s.db != nil {
			s.db.pendingScan(start, lo, hi, consider)
		}
		if best.word != "" {
			break
		}
	}
	return best.word, best.df, nil
}

// editDistance is the optimal-string-alignment distance between a and b (insertions,
// deletions, substitutions and adjacent transpositions), or max+1 once it exceeds max.
func editDistance(a, b string, max int) int {
	if d := len(a) - len(b); d > max || -d > max {
		return max + 1
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
