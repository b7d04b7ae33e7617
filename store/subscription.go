package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/paperboy-bot/paperboy"
)

var _ paperboy.SubscriptionService = (*DB)(nil)

// CreateSubscription stores s and sets s.ID and s.CreatedAt. Filter is stored as given
// (callers pass Query.String()); Query is re-parsed from it on load.
func (db *DB) CreateSubscription(ctx context.Context, s *paperboy.Subscription) error {
	if s.Channel == "" {
		return paperboy.Errorf(paperboy.EINVALID, "a subscription needs a channel")
	}
	if strings.TrimSpace(s.Filter) == "" {
		s.Filter = s.Query.String()
	}
	if s.DailyCap < paperboy.NoDailyCap {
		return paperboy.Errorf(paperboy.EINVALID, "the daily cap must be a number of posts, 0 (the default) or %d (none), not %d", paperboy.NoDailyCap, s.DailyCap)
	}
	digest, err := json.Marshal(s.Digest)
	if err != nil {
		return fmt.Errorf("store: create subscription: %w", err)
	}
	now := db.Now().UTC().Truncate(time.Second)
	err = db.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO subscriptions (channel, filter, digest, daily_cap, for_you, trending, top, min_score, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.Channel, s.Filter, string(digest), s.DailyCap, s.ForYou, s.Trending, s.Top, s.MinScore, s.CreatedBy, now.Unix())
		if err != nil {
			return err
		}
		s.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return wrapErr("create subscription", err)
	}
	s.CreatedAt = now
	return nil
}

// DeleteSubscription soft-deletes subscription id of channel: its deliveries keep their
// reference, and pending ones are skipped. Errors: ENOTFOUND (also when it belongs to
// another channel or was already removed).
func (db *DB) DeleteSubscription(ctx context.Context, channel string, id int64) error {
	now := db.Now().Unix()
	err := db.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE subscriptions SET deleted_at = ?
			WHERE id = ? AND channel = ? AND deleted_at IS NULL`, now, id, channel)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return paperboy.Errorf(paperboy.ENOTFOUND, "This channel has no subscription %d; `subscriptions` lists them.", id)
		}
		// Papers still waiting (mostly digest entries) are not sent for a removed
		// subscription; they stay visible as skipped.
		_, err = tx.ExecContext(ctx, `UPDATE deliveries SET state = 'skipped', last_error = 'subscription removed'
			WHERE subscription_id = ? AND state = 'pending'`, id)
		return err
	})
	return wrapErr(fmt.Sprintf("delete subscription %d", id), err)
}

// Subscriptions lists live subscriptions of channel, or of every channel when channel is
// "", in id order.
func (db *DB) Subscriptions(ctx context.Context, channel string) ([]paperboy.Subscription, error) {
	var subs []paperboy.Subscription
	err := db.view(ctx, func(tx *sql.Tx) error {
		var err error
		subs, err = db.subscriptions(ctx, tx, channel, 0)
		return err
	})
	if err != nil {
		return nil, wrapErr("list subscriptions", err)
	}
	return subs, nil
}

// Subscription returns one subscription by id, live or removed. Errors: ENOTFOUND.
func (db *DB) Subscription(ctx context.Context, id int64) (paperboy.Subscription, error) {
	var subs []paperboy.Subscription
	err := db.view(ctx, func(tx *sql.Tx) error {
		var err error
		subs, err = db.subscriptions(ctx, tx, "", id)
		return err
	})
	if err != nil {
		return paperboy.Subscription{}, wrapErr("find subscription", err)
	}
	if len(subs) == 0 {
		return paperboy.Subscription{}, paperboy.Errorf(paperboy.ENOTFOUND, "There is no subscription %d.", id)
	}
	return subs[0], nil
}

// subscriptions loads live subscriptions of channel ("" = all), or the one with id (live
// or not) when id > 0.
func (db *DB) subscriptions(ctx context.Context, tx *sql.Tx, channel string, id int64) ([]paperboy.Subscription, error) {
	q := `SELECT id, channel, filter, digest, daily_cap, for_you, trending, top, min_score, created_by, created_at FROM subscriptions`
	var args []any
	switch {
	case id > 0:
		q += ` WHERE id = ?`
		args = append(args, id)
	case channel != "":
		q += ` WHERE deleted_at IS NULL AND channel = ?`
		args = append(args, channel)
	default:
		q += ` WHERE deleted_at IS NULL`
	}
	rows, err := tx.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	now := db.Now()
	var subs []paperboy.Subscription
	for rows.Next() {
		var s paperboy.Subscription
		var digest string
		var created int64
		if err := rows.Scan(&s.ID, &s.Channel, &s.Filter, &digest, &s.DailyCap, &s.ForYou, &s.Trending, &s.Top, &s.MinScore, &s.CreatedBy, &created); err != nil {
			return nil, err
		}
		s.CreatedAt = time.Unix(created, 0).UTC()
		if digest != "" && digest != "{}" {
			if err := json.Unmarshal([]byte(digest), &s.Digest); err != nil {
				return nil, fmt.Errorf("subscription %d: bad digest %q: %w", s.ID, digest, err)
			}
		}
		// The stored filter is canonical (absolute dates), so parsing it again with any
		// clock gives the same query.
		if s.Query, err = paperboy.ParseQuery(s.Filter, now); err != nil {
			return nil, fmt.Errorf("subscription %d: stored filter %q: %w", s.ID, s.Filter, err)
		}
		subs = append(subs, s)
	}
	return subs, rows.Err()
}

// Channel returns a channel's settings (a zero Channel with Key set when unknown).
func (db *DB) Channel(ctx context.Context, key string) (paperboy.Channel, error) {
	c := paperboy.Channel{Key: key}
	err := db.view(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT name, time_zone FROM channels WHERE key = ?`, key).Scan(&c.Name, &c.TimeZone)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return paperboy.Channel{}, wrapErr("find channel "+key, err)
	}
	return c, nil
}

// SaveChannel creates or updates a channel's settings. Errors: EINVALID (no key, or a
// time zone that is not an IANA name).
func (db *DB) SaveChannel(ctx context.Context, c paperboy.Channel) error {
	if c.Key == "" {
		return paperboy.Errorf(paperboy.EINVALID, "a channel needs a key")
	}
	if c.TimeZone != "" {
		if _, err := time.LoadLocation(c.TimeZone); err != nil {
			return paperboy.Errorf(paperboy.EINVALID, "%q is not a time zone; use an IANA name such as Europe/Paris", c.TimeZone)
		}
	}
	err := db.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO channels (key, name, time_zone, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET name = excluded.name, time_zone = excluded.time_zone`,
			c.Key, c.Name, c.TimeZone, db.Now().Unix())
		return err
	})
	return wrapErr("save channel "+c.Key, err)
}
