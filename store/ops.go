package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// probeKey is the store_state row CheckWritable rewrites.
const probeKey = "ready_probe"

// CheckWritable commits a tiny write (one store_state row), as the ops listener's
// readiness check: it fails, with the store's usual error (EUNAVAILABLE "disk is full"
// on a full disk), when a write cannot be committed now.
func (db *DB) CheckWritable(ctx context.Context) error {
	// update wraps its own begin and commit errors; the write's is wrapped here.
	return db.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO store_state (k, v) VALUES (?, ?)
			ON CONFLICT (k) DO UPDATE SET v = excluded.v`, probeKey, strconv.FormatInt(time.Now().Unix(), 10))
		return wrapErr("write check", err)
	})
}

// PendingDeliveries counts the deliveries of one platform that are due and not yet on
// it (pending or sending; digest rows before their time are not due), with the creation
// time of the oldest.
type PendingDeliveries struct {
	Platform string
	Pending  int
	Oldest   time.Time // zero when none is pending
}

// PendingByPlatform returns the due, undelivered deliveries per platform (in name order)
// at now. It reads only the outbox's queue index (rows pending or sending), so it stays
// cheap however many deliveries were sent.
func (db *DB) PendingByPlatform(ctx context.Context, now time.Time) ([]PendingDeliveries, error) {
	var out []PendingDeliveries
	err := db.view(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT substr(channel, 1, instr(channel, ':') - 1) AS platform,
			COUNT(*), MIN(created_at) FROM deliveries INDEXED BY deliveries_queue
			WHERE state IN ('pending', 'sending') AND digest_at <= ?
			GROUP BY platform ORDER BY platform`, now.Unix())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p PendingDeliveries
			var oldest int64
			if err := rows.Scan(&p.Platform, &p.Pending, &oldest); err != nil {
				return err
			}
			p.Oldest = unixTime(oldest)
			out = append(out, p)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, wrapErr("pending deliveries", err)
	}
	return out, nil
}

// SizeBytes is the size of the database on disk: the file and its write-ahead log.
func (db *DB) SizeBytes() int64 {
	var n int64
	for _, p := range []string{db.Path, db.Path + "-wal"} {
		if st, err := os.Stat(p); err == nil {
			n += st.Size()
		}
	}
	return n
}

// sourceRunPrefix keeps the scheduled sources' last runs apart from the other
// store_state keys.
const sourceRunPrefix = "source_run:"

// SourceRun is the last scheduled run of one ingest source, kept so that `paperboy
// status`, another process, can show it.
type SourceRun struct {
	Name string    `json:"-"`
	At   time.Time `json:"at"`
	New  int       `json:"new"`
	Err  string    `json:"err,omitempty"` // "" when the run succeeded
}

// RecordSourceRun keeps r as its source's last run.
func (db *DB) RecordSourceRun(ctx context.Context, r SourceRun) error {
	v, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("store: source run: %w", err)
	}
	err = db.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO store_state (k, v) VALUES (?, ?)
			ON CONFLICT (k) DO UPDATE SET v = excluded.v`, sourceRunPrefix+r.Name, string(v))
		return err
	})
	return wrapErr("record source run "+r.Name, err)
}

// SourceRuns returns every source's last recorded run, by name.
func (db *DB) SourceRuns(ctx context.Context) ([]SourceRun, error) {
	var out []SourceRun
	err := db.view(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT k, v FROM store_state WHERE k >= ? AND k < ? ORDER BY k`,
			sourceRunPrefix, sourceRunPrefix+"\xff")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k, v string
			if err := rows.Scan(&k, &v); err != nil {
				return err
			}
			var r SourceRun
			if json.Unmarshal([]byte(v), &r) != nil {
				continue // written by another version: not worth failing status over
			}
			r.Name = strings.TrimPrefix(k, sourceRunPrefix)
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, wrapErr("source runs", err)
	}
	return out, nil
}
