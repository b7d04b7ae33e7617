package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/paperboy-bot/paperboy"
)

var _ paperboy.OutboxService = (*DB)(nil)

const deliveryColumns = `id, paper_id, channel, COALESCE(subscription_id, 0), digest_at, state, attempts,
	next_attempt, last_error, message_id, thread_id, created_at, sent_at, followup, summary, digest_key`

func scanDeliveries(rows *sql.Rows) ([]paperboy.Delivery, error) {
	defer rows.Close()
	var out []paperboy.Delivery
	for rows.Next() {
		var d paperboy.Delivery
		var digestAt, next, created, sent int64
		if err := rows.Scan(&d.ID, &d.PaperID, &d.Channel, &d.SubscriptionID, &digestAt, &d.State, &d.Attempts,
			&next, &d.LastError, &d.MessageID, &d.ThreadID, &created, &sent, &d.Reply, &d.Summary, &d.DigestKey); err != nil {
			return nil, err
		}
		d.DigestAt = unixTime(digestAt)
		d.NextAttempt = unixTime(next)
		d.CreatedAt = unixTime(created)
		d.SentAt = unixTime(sent)
		out = append(out, d)
	}
	return out, rows.Err()
}

// unixTime maps 0 to the zero time.
func unixTime(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}

// unixSec maps the zero time to 0.
func unixSec(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// unixCeil rounds up to the second, so "not before t" is honoured at second resolution.
func unixCeil(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func (db *DB) queryDeliveries(ctx context.Context, q string, args ...any) ([]paperboy.Delivery, error) {
	var out []paperboy.Delivery
	err := db.view(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		out, err = scanDeliveries(rows)
		return err
	})
	return out, err
}

// EnqueueDelivery queues one immediate delivery (the chat command `add`) and returns it
// with ID, State and CreatedAt set. Errors: ECONFLICT when the paper was already queued
// or delivered in that channel (the message says in which state), EINVALID when the
// paper or channel is missing, ENOTFOUND when the paper is not stored.
func (db *DB) EnqueueDelivery(ctx context.Context, d paperboy.Delivery) (paperboy.Delivery, error) {
	if d.PaperID == "" || d.Channel == "" {
		return paperboy.Delivery{}, paperboy.Errorf(paperboy.EINVALID, "a delivery needs a paper and a channel")
	}
	now := db.Now().UTC().Truncate(time.Second)
	err := db.update(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM papers WHERE id = ?`, d.PaperID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return paperboy.Errorf(paperboy.ENOTFOUND, "Paper %s is not in the store.", d.PaperID)
		}
		var state string
		err := tx.QueryRowContext(ctx, `SELECT state FROM deliveries WHERE paper_id = ? AND channel = ?`, d.PaperID, d.Channel).Scan(&state)
		switch {
		case err == nil:
			return paperboy.Errorf(paperboy.ECONFLICT, "Paper %s is already %s in this channel.", d.PaperID, describeState(state))
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO deliveries (paper_id, channel, subscription_id, digest_at, next_attempt, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, d.PaperID, d.Channel, nullID(d.SubscriptionID), unixSec(d.DigestAt), unixCeil(d.NextAttempt), now.Unix())
		if err != nil {
			return err
		}
		d.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return paperboy.Delivery{}, wrapErr("enqueue delivery", err)
	}
	d.State = paperboy.DeliveryPending
	d.CreatedAt = now
	d.Attempts = 0
	return d, nil
}

func describeState(state string) string {
	switch state {
	case paperboy.DeliveryPending, paperboy.DeliverySending:
		return "queued (" + state + ")"
	case paperboy.DeliverySent:
		return "posted (sent)"
	case paperboy.DeliveryFailed:
		return "recorded as failed"
	case paperboy.DeliverySkipped:
		return "recorded as skipped"
	}
	return state
}

// DeliveryStatus summarizes the outbox of channel, or of every channel when channel is
// "". RecentFailures lists the latest permanent failures and, with State pending, the
// deliveries that keep failing temporarily (3 attempts or more), newest first.
func (db *DB) DeliveryStatus(ctx context.Context, channel string) (paperboy.DeliveryStatus, error) {
	var st paperboy.DeliveryStatus
	err := db.view(ctx, func(tx *sql.Tx) error {
		where, args := "", []any{}
		if channel != "" {
			where, args = " WHERE channel = ?", []any{channel}
		}
		// delivery_counts is kept exact by triggers (migration 018): a few rows per
		// channel, whatever the size of the outbox.
		rows, err := tx.QueryContext(ctx, `SELECT channel, state, n FROM delivery_counts`+where+` ORDER BY channel`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var ch, state string
			var n int
			if err := rows.Scan(&ch, &state, &n); err != nil {
				rows.Close()
				return err
			}
			addCount(&st.DeliveryCounts, state, n)
			if channel != "" {
				continue
			}
			platform, _, _ := strings.Cut(ch, ":")
			i := len(st.Platforms) - 1
			for ; i >= 0 && st.Platforms[i].Platform != platform; i-- {
			}
			if i < 0 {
				st.Platforms = append(st.Platforms, paperboy.PlatformDeliveries{Platform: platform})
				i = len(st.Platforms) - 1
			}
			addCount(&st.Platforms[i].DeliveryCounts, state, n)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		sort.Slice(st.Platforms, func(i, j int) bool { return st.Platforms[i].Platform < st.Platforms[j].Platform })
		// Through the indexes of failed rows (deliveries_due) and of queued ones
		// (deliveries_queue) rather than every row newest first: with few failures, that
		// would read the whole outbox.
		and := ""
		if channel != "" {
			and = " AND channel = ?"
			args = append(args, channel)
		}
		rows, err = tx.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE id IN (
			SELECT id FROM (SELECT id FROM deliveries INDEXED BY deliveries_due WHERE state = 'failed'`+and+` ORDER BY id DESC LIMIT 10)
			UNION ALL
			SELECT id FROM (SELECT id FROM deliveries INDEXED BY deliveries_queue
				WHERE state IN ('pending', 'sending') AND state = 'pending' AND attempts >= 3`+and+` ORDER BY id DESC LIMIT 10))
			ORDER BY id DESC LIMIT 10`, args...)
		if err != nil {
			return err
		}
		if st.RecentFailures, err = scanDeliveries(rows); err != nil {
			return err
		}
		// Exact, and cheap at a million papers: SQLite counts the entries of the smallest
		// index (a few ms) instead of reading the rows. The newest stored paper is the last
		// inserted (seq only grows), found through the primary key; MAX(created_at) would
		// read every row.
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM papers`).Scan(&st.Papers); err != nil {
			return err
		}
		var last int64
		err = tx.QueryRowContext(ctx, `SELECT created_at FROM papers ORDER BY seq DESC LIMIT 1`).Scan(&last)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		st.LastIngest = unixTime(last)
		return nil
	})
	if err != nil {
		return paperboy.DeliveryStatus{}, wrapErr("delivery status", err)
	}
	return st, nil
}

// addCount adds n rows in state to c.
func addCount(c *paperboy.DeliveryCounts, state string, n int) {
	switch state {
	case paperboy.DeliveryPending:
		c.Pending += n
	case paperboy.DeliverySending:
		c.Sending += n
	case paperboy.DeliverySent:
		c.Sent += n
	case paperboy.DeliveryFailed:
		c.Failed += n
	case paperboy.DeliverySkipped:
		c.Skipped += n
	}
}

// Cursor returns a named progress marker.
func (db *DB) Cursor(ctx context.Context, name string) (int64, bool, error) {
	var v int64
	found := true
	err := db.view(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT value FROM cursors WHERE name = ?`, name).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			found = false
			return nil
		}
		return err
	})
	if err != nil {
		return 0, false, wrapErr("read cursor "+name, err)
	}
	return v, found, nil
}

// MaxSeq returns the highest paper seq (0 for an empty store).
func (db *DB) MaxSeq(ctx context.Context) (int64, error) {
	var v sql.NullInt64
	err := db.view(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT MAX(seq) FROM papers`).Scan(&v)
	})
	if err != nil {
		return 0, wrapErr("max seq", err)
	}
	return v.Int64, nil
}

// PapersAfter returns up to limit announceable papers with seq > after in seq order, and
// the highest seq looked at.
func (db *DB) PapersAfter(ctx context.Context, after int64, limit int) ([]*paperboy.Paper, int64, error) {
	if limit <= 0 {
		limit = 100
	}
	var papers []*paperboy.Paper
	last := after
	err := db.view(ctx, func(tx *sql.Tx) error {
		// The window: the next `limit` seqs, quiet ones included, so a long run of
		// imports moves the cursor without loading those papers.
		var hi sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT MAX(seq) FROM (SELECT seq FROM papers WHERE seq > ? ORDER BY seq LIMIT ?)`,
			after, limit).Scan(&hi); err != nil {
			return err
		}
		if !hi.Valid {
			return nil
		}
		last = hi.Int64
		var err error
		papers, err = queryPapers(ctx, tx, `WHERE seq > ? AND seq <= ? AND announce = 1 ORDER BY seq`, after, last)
		return err
	})
	if err != nil {
		return nil, after, wrapErr("papers after", err)
	}
	return papers, last, nil
}

// CommitWatch inserts deliveries and moves the cursor from `from` to `to` in one
// transaction (compare-and-set on the cursor).
func (db *DB) CommitWatch(ctx context.Context, name string, from, to int64, ds []paperboy.Delivery) (int, error) {
	inserted := 0
	err := db.update(ctx, func(tx *sql.Tx) error {
		var cur int64
		err := tx.QueryRowContext(ctx, `SELECT value FROM cursors WHERE name = ?`, name).Scan(&cur)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if from != 0 {
				return paperboy.Errorf(paperboy.ECONFLICT, "cursor %s is unset, not at %d", name, from)
			}
		case err != nil:
			return err
		case cur != from:
			return paperboy.Errorf(paperboy.ECONFLICT, "cursor %s is at %d, not %d", name, cur, from)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO cursors (name, value) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, to); err != nil {
			return err
		}
		inserted, err = insertDeliveries(ctx, tx, ds, db.Now())
		return err
	})
	if err != nil {
		return 0, wrapErr("commit watch", err)
	}
	return inserted, nil
}

func insertDeliveries(ctx context.Context, tx *sql.Tx, ds []paperboy.Delivery, now time.Time) (int, error) {
	if len(ds) == 0 {
		return 0, nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO deliveries (paper_id, channel, subscription_id, digest_at, state,
		next_attempt, last_error, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (paper_id, channel) DO NOTHING`)
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	n := 0
	for _, d := range ds {
		state := d.State
		if state == "" {
			state = paperboy.DeliveryPending
		}
		res, err := stmt.ExecContext(ctx, d.PaperID, d.Channel, nullID(d.SubscriptionID), unixSec(d.DigestAt), state,
			unixCeil(d.NextAttempt), d.LastError, now.Unix())
		if err != nil {
			return n, fmt.Errorf("insert delivery %s -> %s: %w", d.PaperID, d.Channel, err)
		}
		k, err := res.RowsAffected()
		if err != nil {
			return n, err
		}
		n += int(k)
	}
	return n, nil
}

// EnqueueDeliveries inserts deliveries, ignoring pairs already in the outbox.
func (db *DB) EnqueueDeliveries(ctx context.Context, ds []paperboy.Delivery) (int, error) {
	n := 0
	err := db.update(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = insertDeliveries(ctx, tx, ds, db.Now())
		return err
	})
	if err != nil {
		return 0, wrapErr("enqueue deliveries", err)
	}
	return n, nil
}

// CountDeliveries counts a subscription's non-skipped deliveries created since.
func (db *DB) CountDeliveries(ctx context.Context, subscriptionID int64, since time.Time) (int, error) {
	var n int
	err := db.view(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE subscription_id = ? AND created_at >= ?
			AND state != 'skipped'`, subscriptionID, since.Unix()).Scan(&n)
	})
	if err != nil {
		return 0, wrapErr("count deliveries", err)
	}
	return n, nil
}

// RecentPapers returns announceable papers published since (or stored since, when the
// publication date is unknown), newest first.
func (db *DB) RecentPapers(ctx context.Context, since time.Time, limit int) ([]*paperboy.Paper, error) {
	if limit <= 0 {
		limit = 1000
	}
	var papers []*paperboy.Paper
	err := db.view(ctx, func(tx *sql.Tx) error {
		var err error
		papers, err = queryPapers(ctx, tx, `WHERE announce = 1 AND (published >= ? OR (published = 0 AND created_at >= ?))
			ORDER BY CASE published WHEN 0 THEN created_at ELSE published END DESC, seq DESC LIMIT ?`, since.Unix(), since.Unix(), limit)
		return err
	})
	if err != nil {
		return nil, wrapErr("recent papers", err)
	}
	return papers, nil
}

// DueDeliveries returns each channel's queue head when it is pending and due.
func (db *DB) DueDeliveries(ctx context.Context, now time.Time) ([]paperboy.Delivery, error) {
	ds, err := db.queryDeliveries(ctx, `SELECT `+deliveryColumns+` FROM deliveries
		WHERE id IN (SELECT MIN(id) FROM deliveries WHERE state IN ('pending', 'sending') AND digest_at = 0 GROUP BY channel)
		AND state = 'pending' AND next_attempt <= ? ORDER BY id`, now.Unix())
	return ds, wrapErr("due deliveries", err)
}

// DueDigests returns pending digest deliveries that are due, by channel then id.
func (db *DB) DueDigests(ctx context.Context, now time.Time) ([]paperboy.Delivery, error) {
	ds, err := db.queryDeliveries(ctx, `SELECT `+deliveryColumns+` FROM deliveries
		WHERE state = 'pending' AND digest_at > 0 AND digest_at <= ? AND next_attempt <= ? ORDER BY channel, id`, now.Unix(), now.Unix())
	return ds, wrapErr("due digests", err)
}

// Followups returns sent deliveries whose thread reply is owed.
func (db *DB) Followups(ctx context.Context) ([]paperboy.Delivery, error) {
	ds, err := db.queryDeliveries(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE followup != 0 ORDER BY id`)
	return ds, wrapErr("followups", err)
}

// Summaries returns sent deliveries whose LLM summary is owed.
func (db *DB) Summaries(ctx context.Context) ([]paperboy.Delivery, error) {
	ds, err := db.queryDeliveries(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE summary != 0 ORDER BY id`)
	return ds, wrapErr("summaries", err)
}

// Uncertain returns deliveries left in state sending.
func (db *DB) Uncertain(ctx context.Context) ([]paperboy.Delivery, error) {
	ds, err := db.queryDeliveries(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE state = 'sending' ORDER BY id`)
	return ds, wrapErr("uncertain deliveries", err)
}

// idList renders ids as "?, ?, ?" with args.
func idList(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", "), args
}

// transition updates ids in state from with set (a SET clause with its args) and fails
// with ECONFLICT unless every id was in state from.
func (db *DB) transition(ctx context.Context, op string, ids []int64, from string, set string, setArgs ...any) error {
	if len(ids) == 0 {
		return nil
	}
	list, idArgs := idList(ids)
	err := db.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET `+set+` WHERE state = ? AND id IN (`+list+`)`,
			append(append(setArgs, from), idArgs...)...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if int(n) != len(ids) {
			return paperboy.Errorf(paperboy.ECONFLICT, "%d of deliveries %v are not %s", len(ids)-int(n), ids, from)
		}
		return nil
	})
	return wrapErr(op, err)
}

// MarkSending records the intent to send.
func (db *DB) MarkSending(ctx context.Context, ids ...int64) error {
	return db.transition(ctx, "mark sending", ids, paperboy.DeliveryPending, `state = 'sending'`)
}

// MarkSent records a successful post with its posts row, in one transaction.
func (db *DB) MarkSent(ctx context.Context, id int64, post paperboy.PostRecord) error {
	at := post.PostedAt
	if at.IsZero() {
		at = db.Now()
	}
	err := db.update(ctx, func(tx *sql.Tx) error {
		var paperID, channel string
		err := tx.QueryRowContext(ctx, `SELECT paper_id, channel FROM deliveries WHERE id = ? AND state = 'sending'`, id).Scan(&paperID, &channel)
		if errors.Is(err, sql.ErrNoRows) {
			return paperboy.Errorf(paperboy.ECONFLICT, "delivery %d is not sending", id)
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 'sent', message_id = ?, thread_id = ?, sent_at = ?,
			last_error = '', followup = 1 WHERE id = ?`, post.MessageID, post.ThreadID, at.Unix(), id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO posts (channel, message_id, thread_id, paper_id, delivery_id, posted_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel, message_id) DO NOTHING`,
			channel, post.MessageID, post.ThreadID, paperID, id, at.Unix())
		return err
	})
	return wrapErr(fmt.Sprintf("mark delivery %d sent", id), err)
}

// MarkDigestSending records the intent to send one digest message with its key.
func (db *DB) MarkDigestSending(ctx context.Context, key string, ids []int64) error {
	return db.transition(ctx, "mark digest sending", ids, paperboy.DeliveryPending, `state = 'sending', digest_key = ?`, key)
}

// MarkDigestSent marks the deliveries of one digest message sent.
func (db *DB) MarkDigestSent(ctx context.Context, ids []int64, messageID string, at time.Time) error {
	return db.transition(ctx, "mark digest sent", ids, paperboy.DeliverySending,
		`state = 'sent', message_id = ?, sent_at = ?, last_error = ''`, messageID, at.Unix())
}

// MarkRetry puts sending deliveries back to pending for another attempt.
func (db *DB) MarkRetry(ctx context.Context, ids []int64, next time.Time, reason string) error {
	return db.transition(ctx, "mark retry", ids, paperboy.DeliverySending,
		`state = 'pending', attempts = attempts + 1, next_attempt = ?, last_error = ?`, unixCeil(next), reason)
}

// MarkFailed records a permanent failure.
func (db *DB) MarkFailed(ctx context.Context, ids []int64, reason string) error {
	return db.transition(ctx, "mark failed", ids, paperboy.DeliverySending,
		`state = 'failed', attempts = attempts + 1, last_error = ?`, reason)
}

// MarkSkipped records pending deliveries as skipped by design, with the reason.
func (db *DB) MarkSkipped(ctx context.Context, ids []int64, reason string) error {
	return db.transition(ctx, "mark skipped", ids, paperboy.DeliveryPending, `state = 'skipped', last_error = ?`, reason)
}

// MarkFollowupTried records that the thread reply is being sent.
func (db *DB) MarkFollowupTried(ctx context.Context, id int64) error {
	return db.setOwed(ctx, "followup tried", id, `followup = 2`)
}

// MarkFollowupDone records that the thread reply went out, and whether the summary is owed.
func (db *DB) MarkFollowupDone(ctx context.Context, id int64, summaryOwed bool) error {
	summary := paperboy.OwedNone
	if summaryOwed {
		summary = paperboy.Owed
	}
	return db.setOwed(ctx, "followup done", id, `followup = 0, summary = ?`, summary)
}

// MarkSummaryTried records that the summary is being sent.
func (db *DB) MarkSummaryTried(ctx context.Context, id int64) error {
	return db.setOwed(ctx, "summary tried", id, `summary = 2`)
}

// MarkSummaryDone records that the summary went out or was given up.
func (db *DB) MarkSummaryDone(ctx context.Context, id int64) error {
	return db.setOwed(ctx, "summary done", id, `summary = 0`)
}

// setOwed updates the owed-message columns of delivery id.
func (db *DB) setOwed(ctx context.Context, op string, id int64, set string, args ...any) error {
	err := db.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE deliveries SET `+set+` WHERE id = ?`, append(args, id)...)
		return err
	})
	return wrapErr(fmt.Sprintf("mark delivery %d %s", id, op), err)
}
