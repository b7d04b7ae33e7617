package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// indexed is one paper's full-text index columns, as papers_fts is fed them (see
// migrations/006_index.sql): Go computes them, SQLite's ascii tokenizer only splits.
type indexed struct {
	title, abstract, authors, categories string
}

// indexColumns computes the index columns of a paper. It is pure Go, so UpsertPapers runs
// it before taking the write lock (and PreparePapers on the caller's goroutine).
func indexColumns(p *paperboy.Paper) indexed {
	return indexed{
		title:      paperboy.IndexText(p.Title),
		abstract:   paperboy.IndexText(p.Abstract),
		authors:    paperboy.NameText(strings.Join(p.Authors, " ")),
		categories: paperboy.NameText(strings.Join(p.Categories, " ")),
	}
}

// indexAndCount computes the index columns of a paper and counts the words of its title
// and abstract in words (as one paper): in one pass over each text when it is pure ASCII,
// as nearly every abstract is, else the general way.
func indexAndCount(p *paperboy.Paper, words *wordCounter) indexed {
	words.doc++
	title, ok1 := paperboy.IndexTextWords(p.Title, words)
	abstract, ok2 := paperboy.IndexTextWords(p.Abstract, words)
	if !ok1 || !ok2 {
		words.doc-- // countWords counts the paper again, as a whole
		words.countWords(p.Title, p.Abstract, 1)
		title, abstract = paperboy.IndexText(p.Title), paperboy.IndexText(p.Abstract)
	}
	return indexed{
		title:      title,
		abstract:   abstract,
		authors:    paperboy.NameText(strings.Join(p.Authors, " ")),
		categories: paperboy.NameText(strings.Join(p.Categories, " ")),
	}
}

// postMigrate holds Go steps that run right after a migration's SQL, in its transaction.
var postMigrate = map[int]func(ctx context.Context, tx *sql.Tx, log *slog.Logger) error{
	6: reindexAll,
}

// reindexAll fills an empty papers_fts from papers (after migration 006 replaced the
// index, and when a bulk import's side index could not be copied in).
func reindexAll(ctx context.Context, tx *sql.Tx, log *slog.Logger) error {
	return reindexPapers(ctx, tx, log, nil)
}

// reindexPapers is reindexAll that also counts every paper's words into count, if not nil.
func reindexPapers(ctx context.Context, tx *sql.Tx, log *slog.Logger, count *wordCounter) error {
	var total int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM papers`).Scan(&total); err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	if total == 0 {
		return nil
	}
	start := time.Now()
	log.Info("rebuilding the search index (about 2 minutes per million papers)", "papers", total)
	defer func() {
		log.Info("search index rebuilt", "papers", total, "took", time.Since(start).Round(time.Second))
	}()
	var after int64
	for {
		last, n, err := indexPapers(ctx, tx, after, 2000, false, count)
		if err != nil || n < 2000 {
			return err
		}
		after = last
	}
}

// indexPapers adds to papers_fts up to n papers with seq above after, in seq order: all
// of them, or with missingOnly those papers_fts lacks (no papers_fts_docsize row: every
// writer indexes a paper's current text, so a paper the index has is up to date). It
// counts their words into count, if not nil, and returns the last seq read and how many
// it read.
func indexPapers(ctx context.Context, tx *sql.Tx, after int64, n int, missingOnly bool, count *wordCounter) (last int64, read int, err error) {
	ins, err := tx.PrepareContext(ctx, `INSERT INTO papers_fts (rowid, title, abstract, authors, categories) VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		return 0, 0, fmt.Errorf("reindex: %w", err)
	}
	defer ins.Close()
	err = scanPapersText(ctx, tx, after, n, missingOnly, func(seq int64, p *paperboy.Paper) error {
		if count != nil {
			count.countWords(p.Title, p.Abstract, 1)
		}
		ix := indexColumns(p)
		if _, err := ins.ExecContext(ctx, seq, ix.title, ix.abstract, ix.authors, ix.categories); err != nil {
			return fmt.Errorf("reindex paper %d: %w", seq, err)
		}
		last, read = seq, read+1
		return nil
	})
	return last, read, err
}

// scanPapersText calls fn with the indexed fields of up to n papers with seq above after,
// in seq order (with missingOnly, only papers papers_fts lacks). The rows are read before
// fn runs, so fn may write.
func scanPapersText(ctx context.Context, tx *sql.Tx, after int64, n int, missingOnly bool, fn func(seq int64, p *paperboy.Paper) error) error {
	q := `SELECT seq, title, abstract, authors, categories FROM papers WHERE seq > ? ORDER BY seq LIMIT ?`
	if missingOnly {
		q = `SELECT seq, title, abstract, authors, categories FROM papers p WHERE seq > ?
			AND NOT EXISTS (SELECT 1 FROM papers_fts_docsize d WHERE d.id = p.seq) ORDER BY seq LIMIT ?`
	}
	rows, err := tx.QueryContext(ctx, q, after, n)
	if err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	type row struct {
		seq int64
		p   paperboy.Paper
	}
	var batch []row
	for rows.Next() {
		var r row
		var authors, cats string
		if err := rows.Scan(&r.seq, &r.p.Title, &r.p.Abstract, &authors, &cats); err != nil {
			rows.Close()
			return fmt.Errorf("reindex: %w", err)
		}
		if authors != "" && authors != "[]" {
			if err := json.Unmarshal([]byte(authors), &r.p.Authors); err != nil {
				rows.Close()
				return fmt.Errorf("reindex paper %d: authors: %w", r.seq, err)
			}
		}
		r.p.Categories = strings.Fields(cats)
		batch = append(batch, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	for i := range batch {
		if err := fn(batch[i].seq, &batch[i].p); err != nil {
			return err
		}
	}
	return nil
}
