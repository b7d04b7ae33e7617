package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/paperboy-bot/paperboy"
)

// exportPage is how many rows one read transaction streams before the next page starts
// after the last seq seen; short transactions keep the WAL from growing during a long export.
const exportPage = 5000

// ExportPapers calls fn for every paper in Seq order, streaming rows (never the whole
// table in memory). An error from fn stops the export and is returned as is.
func (db *DB) ExportPapers(ctx context.Context, fn func(*paperboy.Paper) error) error {
	return db.ExportSelected(ctx, ExportFilter{}, fn)
}

// ExportFilter narrows ExportSelected. Set fields combine (a paper must match all).
type ExportFilter struct {
	Channel     string // a channel key ("slack:C123"): only papers posted there
	ReadingList string // a user key ("slack:U123"): only papers on that read-later list
}

// ExportSelected is ExportPapers for the papers f selects, in the same Seq order.
func (db *DB) ExportSelected(ctx context.Context, f ExportFilter, fn func(*paperboy.Paper) error) error {
	where, args := "", []any(nil)
	if f.Channel != "" {
		where += ` AND id IN (SELECT paper_id FROM posts WHERE channel = ?)`
		args = append(args, f.Channel)
	}
	if f.ReadingList != "" {
		where += ` AND id IN (SELECT paper_id FROM reading_list WHERE user_id = ?)`
		args = append(args, f.ReadingList)
	}
	var after int64
	for {
		n := 0
		var fnErr error
		err := db.view(ctx, func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT `+paperColumns+` FROM papers WHERE seq > ?`+where+` ORDER BY seq LIMIT ?`,
				append(append([]any{after}, args...), exportPage)...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				r, err := scanShownPaper(rows)
				if err != nil {
					return err
				}
				n++
				after = r.Seq
				if err := fn(r.Paper); err != nil {
					fnErr = err
					return errStop
				}
			}
			return rows.Err()
		})
		if fnErr != nil {
			return fnErr
		}
		if err != nil && !errors.Is(err, errStop) {
			return wrapErr("export papers", err)
		}
		if n < exportPage {
			return nil
		}
	}
}
