package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/paperboy-bot/paperboy"
)

var _ paperboy.ResumeStore = (*DB)(nil)

// resumePrefix keeps resume points apart from the other store_state keys.
const resumePrefix = "resume:"

// ResumePoint returns the value recorded for key, "" when there is none.
func (db *DB) ResumePoint(ctx context.Context, key string) (string, error) {
	var v string
	err := db.view(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT v FROM store_state WHERE k = ?`, resumePrefix+key).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return "", wrapErr("read resume point "+key, err)
	}
	return v, nil
}

// SetResumePoint records value for key; "" removes the record.
func (db *DB) SetResumePoint(ctx context.Context, key, value string) error {
	err := db.update(ctx, func(tx *sql.Tx) error {
		if value == "" {
			_, err := tx.ExecContext(ctx, `DELETE FROM store_state WHERE k = ?`, resumePrefix+key)
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO store_state (k, v) VALUES (?, ?)
			ON CONFLICT (k) DO UPDATE SET v = excluded.v`, resumePrefix+key, value)
		return err
	})
	return wrapErr("save resume point "+key, err)
}
