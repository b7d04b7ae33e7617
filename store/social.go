package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/paperboy-bot/paperboy"
)

var _ paperboy.VoteService = (*DB)(nil)

// EventRetention is how long SeenEvent remembers an event id. Platforms redeliver within
// minutes (Slack retries three times within about an hour); a day is plenty.
const EventRetention = 24 * time.Hour

// SavePost records a message the bot posted about a paper. Saving the same (channel,
// message id) again updates its thread and paper. Errors: ENOTFOUND (unknown paper).
func (db *DB) SavePost(ctx context.Context, p paperboy.PostRecord) error {
	if p.Channel == "" || p.MessageID == "" || p.PaperID == "" {
		return paperboy.Errorf(paperboy.EINVALID, "a post needs a channel, a message id and a paper")
	}
	at := p.PostedAt
	if at.IsZero() {
		at = db.Now()
	}
	err := db.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO posts (channel, message_id, thread_id, paper_id, delivery_id, posted_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (channel, message_id) DO UPDATE SET thread_id = excluded.thread_id,
				paper_id = excluded.paper_id, delivery_id = excluded.delivery_id`,
			p.Channel, p.MessageID, p.ThreadID, p.PaperID, p.DeliveryID, at.Unix())
		return fkNotFound(err, "paper %s is not in the store", p.PaperID)
	})
	if err != nil {
		return wrapErr("save post", err)
	}
	return nil
}

// FindPost finds the post whose message id or thread id is ref in channel. Errors: ENOTFOUND.
func (db *DB) FindPost(ctx context.Context, channel, ref string) (paperboy.PostRecord, error) {
	var p paperboy.PostRecord
	err := db.view(ctx, func(tx *sql.Tx) error {
		var err error
		p, err = scanPost(tx.QueryRowContext(ctx, `SELECT channel, message_id, thread_id, paper_id, delivery_id, posted_at
			FROM posts WHERE channel = ? AND message_id = ?`, channel, ref))
		if !errors.Is(err, sql.ErrNoRows) || ref == "" {
			return err
		}
		p, err = scanPost(tx.QueryRowContext(ctx, `SELECT channel, message_id, thread_id, paper_id, delivery_id, posted_at
			FROM posts WHERE channel = ? AND thread_id = ? ORDER BY posted_at DESC LIMIT 1`, channel, ref))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return p, paperboy.Errorf(paperboy.ENOTFOUND, "That message is not one of my paper posts.")
	}
	if err != nil {
		return p, wrapErr("find post", err)
	}
	return p, nil
}

// FindPostByPaper returns the latest post of a paper in channel. Errors: ENOTFOUND.
func (db *DB) FindPostByPaper(ctx context.Context, channel, paperID string) (paperboy.PostRecord, error) {
	var p paperboy.PostRecord
	err := db.view(ctx, func(tx *sql.Tx) error {
		var err error
		p, err = scanPost(tx.QueryRowContext(ctx, `SELECT channel, message_id, thread_id, paper_id, delivery_id, posted_at
			FROM posts WHERE paper_id = ? AND channel = ? ORDER BY posted_at DESC, rowid DESC LIMIT 1`, paperID, channel))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return p, paperboy.Errorf(paperboy.ENOTFOUND, "Paper %s has not been posted here.", paperID)
	}
	if err != nil {
		return p, wrapErr("find post by paper", err)
	}
	return p, nil
}

func scanPost(row *sql.Row) (paperboy.PostRecord, error) {
	var p paperboy.PostRecord
	var at int64
	err := row.Scan(&p.Channel, &p.MessageID, &p.ThreadID, &p.PaperID, &p.DeliveryID, &at)
	p.PostedAt = time.Unix(at, 0).UTC()
	return p, err
}

// CastVote records one user's vote on a paper in a channel, replacing an earlier one.
// changed is false when the user already had this value. Errors: EINVALID, ENOTFOUND.
func (db *DB) CastVote(ctx context.Context, v paperboy.Vote) (bool, error) {
	if v.Value != 1 && v.Value != -1 {
		return false, paperboy.Errorf(paperboy.EINVALID, "a vote is +1 or -1, not %d", v.Value)
	}
	if v.PaperID == "" || v.Channel == "" || v.User == "" {
		return false, paperboy.Errorf(paperboy.EINVALID, "a vote needs a paper, a channel and a user")
	}
	at := v.At
	if at.IsZero() {
		at = db.Now()
	}
	var changed bool
	err := db.update(ctx, func(tx *sql.Tx) error {
		var old int
		err := tx.QueryRowContext(ctx, `SELECT value FROM votes WHERE paper_id = ? AND channel = ? AND user_id = ?`,
			v.PaperID, v.Channel, v.User).Scan(&old)
		switch {
		case err == nil && old == v.Value:
			return nil
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return err
		}
		changed = true
		_, err = tx.ExecContext(ctx, `INSERT INTO votes (paper_id, channel, user_id, value, via, at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (paper_id, channel, user_id) DO UPDATE SET value = excluded.value, via = excluded.via, at = excluded.at`,
			v.PaperID, v.Channel, v.User, v.Value, v.Via, at.Unix())
		return fkNotFound(err, "paper %s is not in the store", v.PaperID)
	})
	if err != nil {
		return false, wrapErr("cast vote", err)
	}
	return changed, nil
}

// RemoveVote removes a user's vote; v.Value and v.Via, when set, must match the stored vote.
func (db *DB) RemoveVote(ctx context.Context, v paperboy.Vote) (bool, error) {
	var removed bool
	err := db.update(ctx, func(tx *sql.Tx) error {
		var err error
		removed, err = execChanged(ctx, tx, `DELETE FROM votes WHERE paper_id = ? AND channel = ? AND user_id = ?
			AND (? = 0 OR value = ?) AND (? = '' OR via = ?)`,
			v.PaperID, v.Channel, v.User, v.Value, v.Value, v.Via, v.Via)
		return err
	})
	if err != nil {
		return false, wrapErr("remove vote", err)
	}
	return removed, nil
}

// FindVote returns a user's vote on a paper in a channel. Errors: ENOTFOUND.
func (db *DB) FindVote(ctx context.Context, paperID, channel, user string) (paperboy.Vote, error) {
	v := paperboy.Vote{PaperID: paperID, Channel: channel, User: user}
	var at int64
	err := db.view(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT value, via, at FROM votes WHERE paper_id = ? AND channel = ? AND user_id = ?`,
			paperID, channel, user).Scan(&v.Value, &v.Via, &at)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return v, paperboy.Errorf(paperboy.ENOTFOUND, "You have not voted on %s here.", paperID)
	}
	if err != nil {
		return v, wrapErr("find vote", err)
	}
	v.At = time.Unix(at, 0).UTC()
	return v, nil
}

// Tally counts a paper's votes and thread replies in a channel.
func (db *DB) Tally(ctx context.Context, paperID, channel string) (paperboy.Tally, error) {
	t := paperboy.Tally{PaperID: paperID}
	err := db.view(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT
			(SELECT COUNT(*) FROM votes WHERE paper_id = ?1 AND channel = ?2 AND value = 1),
			(SELECT COUNT(*) FROM votes WHERE paper_id = ?1 AND channel = ?2 AND value = -1),
			(SELECT COUNT(*) FROM discussion WHERE paper_id = ?1 AND channel = ?2)`,
			paperID, channel).Scan(&t.Up, &t.Down, &t.Replies)
	})
	if err != nil {
		return t, wrapErr("tally", err)
	}
	return t, nil
}

// AddReply records a thread reply as discussion; a message id already recorded is not
// counted twice.
func (db *DB) AddReply(ctx context.Context, channel, messageID, paperID, user string) (bool, error) {
	if channel == "" || messageID == "" || paperID == "" {
		return false, paperboy.Errorf(paperboy.EINVALID, "a reply needs a channel, a message id and a paper")
	}
	var added bool
	err := db.update(ctx, func(tx *sql.Tx) error {
		var err error
		added, err = execChanged(ctx, tx, `INSERT INTO discussion (channel, message_id, paper_id, user_id, at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel, message_id) DO NOTHING`,
			channel, messageID, paperID, user, db.Now().Unix())
		return fkNotFound(err, "paper %s is not in the store", paperID)
	})
	if err != nil {
		return false, wrapErr("add reply", err)
	}
	return added, nil
}

// Top ranks the papers with votes or replies in channel that were posted, voted on or
// discussed at or after since: net votes, then replies, then latest activity.
func (db *DB) Top(ctx context.Context, channel string, since time.Time, limit int) ([]paperboy.Ranked, error) {
	if limit <= 0 || limit > 100 {
		limit = 10
	}
	var out []paperboy.Ranked
	err := db.view(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `WITH cand AS (
				SELECT paper_id, MAX(at) AS last FROM (
					SELECT paper_id, at FROM votes WHERE channel = ?1 AND at >= ?2
					UNION ALL SELECT paper_id, at FROM discussion WHERE channel = ?1 AND at >= ?2
					UNION ALL SELECT paper_id, posted_at FROM posts WHERE channel = ?1 AND posted_at >= ?2
				) GROUP BY paper_id
			), counted AS (
				SELECT c.paper_id, c.last,
					(SELECT COUNT(*) FROM votes v WHERE v.paper_id = c.paper_id AND v.channel = ?1 AND v.value = 1) AS up,
					(SELECT COUNT(*) FROM votes v WHERE v.paper_id = c.paper_id AND v.channel = ?1 AND v.value = -1) AS down,
					(SELECT COUNT(*) FROM discussion d WHERE d.paper_id = c.paper_id AND d.channel = ?1) AS replies
				FROM cand c
			)
			SELECT paper_id, last, up, down, replies FROM counted
			WHERE up + down + replies > 0
			ORDER BY up - down DESC, replies DESC, last DESC, paper_id
			LIMIT ?3`, channel, since.Unix(), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r paperboy.Ranked
			var last int64
			if err := rows.Scan(&r.Tally.PaperID, &last, &r.Tally.Up, &r.Tally.Down, &r.Tally.Replies); err != nil {
				return err
			}
			r.Last = time.Unix(last, 0).UTC()
			out = append(out, r)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		ids := make([]string, len(out))
		for i, r := range out {
			ids[i] = r.Tally.PaperID
		}
		papers, err := papersByID(ctx, tx, ids)
		if err != nil {
			return err
		}
		kept := out[:0]
		for _, r := range out {
			if p := papers[r.Tally.PaperID]; p != nil {
				r.Paper = p
				kept = append(kept, r)
			}
		}
		out = kept
		return nil
	})
	if err != nil {
		return nil, wrapErr("top", err)
	}
	return out, nil
}

// SeenEvent records an event id and reports whether it is new. Ids older than
// EventRetention are pruned on the way (an index on at keeps that cheap).
func (db *DB) SeenEvent(ctx context.Context, id string) (bool, error) {
	if id == "" {
		return false, paperboy.Errorf(paperboy.EINVALID, "an event needs an id")
	}
	now := db.Now()
	var first bool
	err := db.update(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM events_seen WHERE at < ?`, now.Add(-EventRetention).Unix()); err != nil {
			return err
		}
		var err error
		first, err = execChanged(ctx, tx, `INSERT INTO events_seen (event_id, at) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING`,
			id, now.Unix())
		return err
	})
	if err != nil {
		return false, wrapErr("seen event", err)
	}
	return first, nil
}

// AddToReadingList adds a paper to a user's read-later list. Errors: ENOTFOUND.
func (db *DB) AddToReadingList(ctx context.Context, user, paperID string) (bool, error) {
	if user == "" || paperID == "" {
		return false, paperboy.Errorf(paperboy.EINVALID, "a reading list entry needs a user and a paper")
	}
	var added bool
	err := db.update(ctx, func(tx *sql.Tx) error {
		var err error
		added, err = execChanged(ctx, tx, `INSERT INTO reading_list (user_id, paper_id, at) VALUES (?, ?, ?)
			ON CONFLICT (user_id, paper_id) DO NOTHING`, user, paperID, db.Now().Unix())
		return fkNotFound(err, "paper %s is not in the store", paperID)
	})
	if err != nil {
		return false, wrapErr("add to reading list", err)
	}
	return added, nil
}

// ReadingList returns a user's read-later papers, newest first.
func (db *DB) ReadingList(ctx context.Context, user string, limit int) ([]*paperboy.Paper, error) {
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	var out []*paperboy.Paper
	err := db.view(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT paper_id FROM reading_list WHERE user_id = ?
			ORDER BY at DESC, rowid DESC LIMIT ?`, user, limit)
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		papers, err := papersByID(ctx, tx, ids)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if p := papers[id]; p != nil {
				out = append(out, p)
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrapErr("reading list", err)
	}
	return out, nil
}

// papersByID loads full papers by id.
func papersByID(ctx context.Context, tx *sql.Tx, ids []string) (map[string]*paperboy.Paper, error) {
	out := make(map[string]*paperboy.Paper, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	papers, err := queryPapers(ctx, tx, "WHERE id IN (?"+strings.Repeat(", ?", len(ids)-1)+")", args...)
	if err != nil {
		return nil, err
	}
	for _, p := range papers {
		out[p.ID] = p
	}
	return out, nil
}

// fkNotFound turns a foreign-key violation (unknown paper) into ENOTFOUND.
// execChanged runs one statement and reports whether it changed a row.
func execChanged(ctx context.Context, tx *sql.Tx, query string, args ...any) (bool, error) {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func fkNotFound(err error, format string, args ...any) error {
	var serr sqlite3.Error
	if errors.As(err, &serr) && serr.ExtendedCode == sqlite3.ErrConstraintForeignKey {
		return paperboy.Errorf(paperboy.ENOTFOUND, format, args...)
	}
	return err
}

// LastMessageID returns the highest numeric message id the bot posted in channel (posts
// and deliveries), 0 when none. The terminal adapter numbers its messages and starts
// after it, so a restart does not reuse the ids of old posts.
func (db *DB) LastMessageID(ctx context.Context, channel string) (int64, error) {
	var n sql.NullInt64
	err := db.view(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT MAX(n) FROM (
			SELECT MAX(CAST(message_id AS INTEGER)) AS n FROM posts WHERE channel = ?1
			UNION ALL SELECT MAX(CAST(message_id AS INTEGER)) FROM deliveries WHERE channel = ?1
			UNION ALL SELECT MAX(CAST(message_id AS INTEGER)) FROM discussion WHERE channel = ?1)`, channel).Scan(&n)
	})
	if err != nil {
		return 0, wrapErr("last message id", err)
	}
	return n.Int64, nil
}

// DeliverySubscription returns the subscription a delivery was made for (0 for `add`).
// Errors: ENOTFOUND.
func (db *DB) DeliverySubscription(ctx context.Context, deliveryID int64) (int64, error) {
	var id int64
	err := db.view(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT COALESCE(subscription_id, 0) FROM deliveries WHERE id = ?`, deliveryID).Scan(&id)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, paperboy.Errorf(paperboy.ENOTFOUND, "No delivery %d.", deliveryID)
	}
	if err != nil {
		return 0, wrapErr("delivery subscription", err)
	}
	return id, nil
}
