package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/paperboy-bot/paperboy"
)

var _ paperboy.SummaryStore = (*DB)(nil)

// FindSummary returns the cached summary of a paper by model and prompt version.
// Errors: ENOTFOUND.
func (db *DB) FindSummary(ctx context.Context, paperID, model, promptVersion string) (paperboy.Summary, error) {
	var s paperboy.Summary
	err := db.view(ctx, func(tx *sql.Tx) error {
		var created int64
		err := tx.QueryRowContext(ctx, `SELECT paper_id, model, prompt_version, text, prompt_tokens, completion_tokens, created_at
			FROM summaries WHERE paper_id = ? AND model = ? AND prompt_version = ?`, paperID, model, promptVersion).
			Scan(&s.PaperID, &s.Model, &s.PromptVersion, &s.Text, &s.PromptTokens, &s.CompletionTokens, &created)
		if errors.Is(err, sql.ErrNoRows) {
			return paperboy.Errorf(paperboy.ENOTFOUND, "no %s summary of paper %s yet", model, paperID)
		}
		if err != nil {
			return err
		}
		s.CreatedAt = time.Unix(created, 0).UTC()
		return nil
	})
	if err != nil {
		return paperboy.Summary{}, wrapErr(fmt.Sprintf("find summary %s", paperID), err)
	}
	return s, nil
}

// SaveSummary stores a summary, replacing the one with the same paper, model and prompt
// version. A zero CreatedAt is set to now. Errors: EINVALID (missing key or text),
// ENOTFOUND (no such paper).
func (db *DB) SaveSummary(ctx context.Context, s paperboy.Summary) error {
	if s.PaperID == "" || s.Model == "" || s.PromptVersion == "" {
		return paperboy.Errorf(paperboy.EINVALID, "a summary needs a paper, a model and a prompt version")
	}
	if s.Text == "" {
		return paperboy.Errorf(paperboy.EINVALID, "summary of paper %s is empty", s.PaperID)
	}
	if s.PromptTokens < 0 || s.CompletionTokens < 0 {
		return paperboy.Errorf(paperboy.EINVALID, "summary of paper %s has negative token counts", s.PaperID)
	}
	created := s.CreatedAt
	if created.IsZero() {
		created = db.Now()
	}
	err := db.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO summaries (paper_id, model, prompt_version, text, prompt_tokens, completion_tokens, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (paper_id, model, prompt_version) DO UPDATE SET
				text = excluded.text, prompt_tokens = excluded.prompt_tokens,
				completion_tokens = excluded.completion_tokens, created_at = excluded.created_at`,
			s.PaperID, s.Model, s.PromptVersion, s.Text, s.PromptTokens, s.CompletionTokens, created.Unix())
		var serr sqlite3.Error
		if errors.As(err, &serr) && serr.ExtendedCode == sqlite3.ErrConstraintForeignKey {
			return paperboy.Errorf(paperboy.ENOTFOUND, "paper %s is not in the store", s.PaperID)
		}
		return err
	})
	return wrapErr(fmt.Sprintf("save summary %s", s.PaperID), err)
}

// SummaryUsage is what one model's cached summaries cost, for `paperboy status`.
type SummaryUsage struct {
	Model            string
	Summaries        int
	PromptTokens     int64
	CompletionTokens int64
	Last             time.Time // newest summary
}

// SummaryUsage returns per-model counts and token totals of cached summaries, by model
// name.
func (db *DB) SummaryUsage(ctx context.Context) ([]SummaryUsage, error) {
	var out []SummaryUsage
	err := db.view(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT model, COUNT(*), COALESCE(SUM(prompt_tokens), 0),
			COALESCE(SUM(completion_tokens), 0), MAX(created_at) FROM summaries GROUP BY model ORDER BY model`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var u SummaryUsage
			var last int64
			if err := rows.Scan(&u.Model, &u.Summaries, &u.PromptTokens, &u.CompletionTokens, &last); err != nil {
				return err
			}
			u.Last = time.Unix(last, 0).UTC()
			out = append(out, u)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, wrapErr("summary usage", err)
	}
	return out, nil
}

// PapersWithoutSummary returns papers published or first stored at or after since (zero:
// any time) that have an abstract and no summary by model and promptVersion, newest
// first, at most limit (0: all). Papers without an abstract are left out: no summarizer
// can do anything with them, and a resumed bulk run would list them forever.
func (db *DB) PapersWithoutSummary(ctx context.Context, model, promptVersion string, since time.Time, limit int) ([]*paperboy.Paper, error) {
	if model == "" || promptVersion == "" {
		return nil, paperboy.Errorf(paperboy.EINVALID, "a model and a prompt version are required")
	}
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	var sinceUnix int64
	if !since.IsZero() {
		sinceUnix = since.Unix()
	}
	var out []*paperboy.Paper
	err := db.view(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = queryPapers(ctx, tx, `WHERE abstract != ''
			AND (published >= ?1 OR created_at >= ?1)
			AND NOT EXISTS (SELECT 1 FROM summaries s
				WHERE s.paper_id = papers.id AND s.model = ?2 AND s.prompt_version = ?3)
			ORDER BY seq DESC LIMIT ?4`, sinceUnix, model, promptVersion, limit)
		return err
	})
	if err != nil {
		return nil, wrapErr("papers without summary", err)
	}
	return out, nil
}
