package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/paperboy-bot/paperboy"
	"github.com/paperboy-bot/paperboy/analysis"
)

// This file keeps each paper's term vector (migration 016, table paper_vectors) for recommendations and
// "similar papers": written with the paper (prepare/upsert), read here.

// encodeVector is the stored vector of p, from its index columns ix (already computed for
// the full-text index, so the text is tokenized and stemmed once).
func encodeVector(p *paperboy.Paper, ix indexed) []byte {
	return analysis.Build(analysis.Terms{Title: ix.title, Abstract: ix.abstract, Authors: p.Authors, Categories: p.Categories}).Encode(nil)
}

// maxVectors bounds what one RecentVectors call returns.
const maxVectors = 100_000

// RecentVectors returns the vectors of the papers stored at or after since, newest first, at
// most limit (and at most maxVectors).
func (db *DB) RecentVectors(ctx context.Context, since time.Time, limit int) ([]analysis.Doc, error) {
	if limit <= 0 || limit > maxVectors {
		limit = maxVectors
	}
	var docs []analysis.Doc
	err := db.view(ctx, func(tx *sql.Tx) error {
		// Rows are numbered in the order they were stored, so the scan stops at the first
		// row older than since instead of reading the whole table.
		rows, err := tx.QueryContext(ctx, `SELECT p.seq, p.id, v.vec, p.created_at FROM papers p
			LEFT JOIN paper_vectors v ON v.seq = p.seq ORDER BY p.seq DESC`)
		if err != nil {
			return err
		}
		defer rows.Close()
		cut := toUnix(since)
		var missing []int
		for rows.Next() && len(docs) < limit {
			var seq, at int64
			var id string
			var blob []byte
			if err := rows.Scan(&seq, &id, &blob, &at); err != nil {
				return err
			}
			if at < cut {
				break
			}
			d := analysis.Doc{ID: id, Seq: seq}
			if d.Vec, err = analysis.Decode(blob); err != nil {
				missing = append(missing, len(docs))
			}
			docs = append(docs, d)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		return fillMissingVectors(ctx, tx, docs, missing)
	})
	if err != nil {
		return nil, wrapErr("recent vectors", err)
	}
	return docs, nil
}

// PaperVectors returns the vectors of the papers with the given ids (papers.id); unknown ids
// are left out.
func (db *DB) PaperVectors(ctx context.Context, ids []string) ([]analysis.Doc, error) {
	var docs []analysis.Doc
	err := db.view(ctx, func(tx *sql.Tx) error {
		list, err := json.Marshal(ids)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT p.seq, p.id, v.vec FROM papers p LEFT JOIN paper_vectors v ON v.seq = p.seq
			WHERE p.id IN (SELECT value FROM json_each(?)) ORDER BY p.seq`, string(list))
		if err != nil {
			return err
		}
		defer rows.Close()
		var missing []int
		for rows.Next() {
			var d analysis.Doc
			var blob []byte
			if err := rows.Scan(&d.Seq, &d.ID, &blob); err != nil {
				return err
			}
			if d.Vec, err = analysis.Decode(blob); err != nil {
				missing = append(missing, len(docs))
			}
			docs = append(docs, d)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		return fillMissingVectors(ctx, tx, docs, missing)
	})
	if err != nil {
		return nil, wrapErr("paper vectors", err)
	}
	return docs, nil
}

// fillMissingVectors computes the vectors of docs[i] for i in missing (rows stored before
// migration 016, not backfilled yet) from their text.
func fillMissingVectors(ctx context.Context, tx *sql.Tx, docs []analysis.Doc, missing []int) error {
	if len(missing) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, `SELECT `+paperColumns+` FROM papers WHERE seq = ?`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, i := range missing {
		r, err := scanPaper(st.QueryRowContext(ctx, docs[i].Seq))
		if err != nil {
			return fmt.Errorf("paper %s: %w", docs[i].ID, err)
		}
		docs[i].Vec = analysis.PaperVector(r.Paper)
	}
	return nil
}

// backfillBatch is how many papers BackfillVectors computes per transaction.
const backfillBatch = 2000

// BackfillVectors stores the vectors of papers that have none (stored before migration 016)
// or an outdated encoding, a batch per transaction, calling progress after each batch with
// the papers done and the total to do. It returns how many it filled.
func (db *DB) BackfillVectors(ctx context.Context, progress func(done, total int)) (int, error) {
	var total int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM papers p LEFT JOIN paper_vectors v ON v.seq = p.seq
		WHERE v.vec IS NULL OR substr(v.vec, 1, 1) != ?`, []byte{analysis.EncodingVersion}).Scan(&total); err != nil {
		return 0, wrapErr("count papers without vectors", err)
	}
	done := 0
	last := int64(0)
	for done < total {
		n := 0
		err := db.update(ctx, func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT `+paperColumns+` FROM papers WHERE seq IN (
				SELECT p.seq FROM papers p LEFT JOIN paper_vectors v ON v.seq = p.seq
				WHERE p.seq > ? AND (v.vec IS NULL OR substr(v.vec, 1, 1) != ?) ORDER BY p.seq LIMIT ?) ORDER BY seq`,
				last, []byte{analysis.EncodingVersion}, backfillBatch)
			if err != nil {
				return err
			}
			var papers []*paperboy.Paper
			for rows.Next() {
				r, err := scanPaper(rows)
				if err != nil {
					rows.Close()
					return err
				}
				papers = append(papers, r.Paper)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			st, err := tx.PrepareContext(ctx, `INSERT INTO paper_vectors (seq, vec) VALUES (?2, ?1)
				ON CONFLICT (seq) DO UPDATE SET vec = excluded.vec`)
			if err != nil {
				return err
			}
			defer st.Close()
			for _, p := range papers {
				if _, err := st.ExecContext(ctx, encodeVector(p, indexColumns(p)), p.Seq); err != nil {
					return err
				}
				last = p.Seq
			}
			n = len(papers)
			return nil
		})
		if err != nil {
			return done, wrapErr("backfill vectors", err)
		}
		if n == 0 {
			break
		}
		done += n
		if progress != nil {
			progress(done, total)
		}
	}
	return done, nil
}

// ChannelInterest returns what channel has shown about papers: per paper, its votes there
// (sum and count) and its thread replies there. Nothing of any other channel is read.
func (db *DB) ChannelInterest(ctx context.Context, channel string) ([]paperboy.Interest, error) {
	var out []paperboy.Interest
	err := db.view(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT paper_id, SUM(net), SUM(votes), SUM(replies) FROM (
				SELECT paper_id, SUM(value) AS net, COUNT(*) AS votes, 0 AS replies FROM votes WHERE channel = ?1 GROUP BY paper_id
				UNION ALL
				SELECT paper_id, 0, 0, COUNT(*) FROM discussion WHERE channel = ?1 GROUP BY paper_id)
			GROUP BY paper_id ORDER BY paper_id`, channel)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var in paperboy.Interest
			if err := rows.Scan(&in.PaperID, &in.Net, &in.Votes, &in.Replies); err != nil {
				return err
			}
			out = append(out, in)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, wrapErr("channel interest "+strings.TrimSpace(channel), err)
	}
	return out, nil
}

// FindPaperByTitle finds a stored paper by its title (compared normalized, as dedupe does:
// paperboy.TitleHash). Errors: ENOTFOUND.
func (db *DB) FindPaperByTitle(ctx context.Context, title string) (*paperboy.Paper, error) {
	if strings.TrimSpace(title) == "" {
		return nil, paperboy.Errorf(paperboy.EINVALID, "Give a title.")
	}
	var found []*paperboy.Paper
	err := db.view(ctx, func(tx *sql.Tx) error {
		var err error
		found, err = queryPapers(ctx, tx, `WHERE title_hash = ? ORDER BY seq LIMIT 1`, paperboy.TitleHash(title))
		return err
	})
	if err != nil {
		return nil, wrapErr("find paper by title", err)
	}
	if len(found) == 0 {
		return nil, paperboy.Errorf(paperboy.ENOTFOUND, "No paper titled %q in the store.", clipRef(title, 80))
	}
	return found[0], nil
}
