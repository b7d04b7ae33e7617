package store

import (
	"database/sql"
	"strings"
)

// Spelling correction: a query word that no stored title or abstract contains is replaced
// by the vocabulary word (words table plus counts not yet written) within edit distance 1
// (words up to 4 letters) or 2, preferring the smallest distance, then the most frequent
// word. Candidates share the first letter, which keeps the scan to a slice of the
// vocabulary; if none does, the whole vocabulary of similar length is tried.

// correct applies spelling correction to s.terms, setting s.corrected when it changed any.
func (s *searcher) correct() error {
	for i, t := range s.terms {
		if isNumber(t) || len(t) < 3 || len(t) > maxWordLen {
			continue
		}
		df, err := s.wordDF(t)
		if err != nil {
			return err
		}
		if df > 0 {
			continue
		}
		// Another form of a stored word ("translating" when papers say "translates")
		// is not a typo: porter stemming finds it.
		var one int
		err = s.tx.QueryRowContext(s.ctx, `SELECT 1 FROM papers_fts WHERE papers_fts MATCH ? LIMIT 1`,
			"{title abstract} : "+ftsQuote(t)).Scan(&one)
		if err == nil {
			continue
		}
		if err != sql.ErrNoRows {
			return err
		}
		if i == len(s.terms)-1 && s.prefix {
			ok, err := s.hasPrefix(t)
			if err != nil {
				return err
			}
			if ok {
				continue // an unfinished word
			}
		}
		best, err := s.nearest(t)
		if err != nil {
			return err
		}
		if best != "" && best != t {
			s.terms[i] = best
			s.corrected = true
			if i == len(s.terms)-1 {
				s.prefix = false // a corrected word is complete
			}
		}
	}
	return nil
}

// wordDF is the number of stored papers whose title or abstract has word w.
func (s *searcher) wordDF(w string) (int, error) {
	var df int
	err := s.tx.QueryRowContext(s.ctx, `SELECT df FROM words WHERE word = ?`, w).Scan(&df)
	if err != nil && err != sql.ErrNoRows {
		return 0, err
	}
	if s.db != nil {
		df += s.db.pendingDF(w)
	}
	return df, nil
}

func (s *searcher) hasPrefix(p string) (bool, error) {
	var one int
	err := s.tx.QueryRowContext(s.ctx, `SELECT 1 FROM words WHERE word > ? AND word < ? LIMIT 1`, p, p+"\xff").Scan(&one)
	if err == sql.ErrNoRows {
		return false, nil
	}
	return err == nil, err
}

// nearest finds the best correction for w, or "".
func (s *searcher) nearest(w string) (string, error) {
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
		if df <= 0 || word == w {
			return
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
	first := w[:1]
	if w[0] < 0x80 {
		if err := scan(`SELECT word, df FROM words WHERE word >= ? AND word < ? AND length(word) BETWEEN ? AND ?`,
			first, string(rune(w[0]+1)), lo, hi); err != nil {
			return "", err
		}
	}
	if s.db != nil {
		s.db.pendingScan(func(word string, df int) {
			if strings.HasPrefix(word, first) && len(word) >= lo && len(word) <= hi {
				consider(word, df)
			}
		})
	}
	if best.word == "" {
		// The first letter may be the typo.
		if err := scan(`SELECT word, df FROM words WHERE length(word) BETWEEN ? AND ? AND df >= 2`, lo, hi); err != nil {
			return "", err
		}
	}
	return best.word, nil
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
