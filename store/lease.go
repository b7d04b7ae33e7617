package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/paperboy-bot/paperboy"
)

// Instance is a process holding the database's run lease: the one `paperboy run`.
type Instance struct {
	Host      string
	PID       int
	Started   time.Time
	Heartbeat time.Time // its last renewal
}

func (in Instance) String() string {
	return fmt.Sprintf("host %s, pid %d, running since %s", in.Host, in.PID, in.Started.Local().Format("2006-01-02 15:04:05 MST"))
}

// Lease is this process's hold on the run lease. Renew it more often than the stale age
// other processes give to AcquireLease, and Release it on the way out.
type Lease struct {
	db    *DB
	token string
	Instance
}

// ErrLeaseLost is returned by Renew when another process took the lease over (this one
// did not renew it in time, or its row was deleted).
var ErrLeaseLost = errors.New("store: the run lease was taken over by another process")

// AcquireLease makes self (Host and PID; the rest is filled in) the database's running
// bot, in one write transaction. A lease held by another process is taken over when its
// heartbeat is older than stale, or when alive (may be nil) says that its pid, on this
// same host, is gone; prev is then that process, for the log. Otherwise the error is
// ECONFLICT with a message naming the holder.
func (db *DB) AcquireLease(ctx context.Context, self Instance, stale time.Duration, alive func(pid int) bool) (lease *Lease, prev *Instance, err error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, nil, fmt.Errorf("store: lease token: %w", err)
	}
	now := db.now()
	l := &Lease{db: db, token: hex.EncodeToString(b[:]), Instance: Instance{Host: self.Host, PID: self.PID, Started: now, Heartbeat: now}}
	err = db.update(ctx, func(tx *sql.Tx) error {
		cur, err := leaseHolder(ctx, tx)
		if err != nil {
			return err
		}
		if cur != nil {
			age := now.Sub(cur.Heartbeat)
			dead := cur.Host == self.Host && alive != nil && !alive(cur.PID)
			if age < stale && !dead {
				return paperboy.Errorf(paperboy.ECONFLICT,
					"another paperboy run is using this database (%s, last heartbeat %s ago); run only one per database. If it has died, this one takes over once its heartbeat is %s old.",
					cur, age.Round(time.Second), stale)
			}
			prev = cur
		}
		_, err = tx.ExecContext(ctx, `INSERT OR REPLACE INTO run_lease (id, token, host, pid, started_at, heartbeat_at) VALUES (1, ?, ?, ?, ?, ?)`,
			l.token, l.Host, l.PID, now.Unix(), now.Unix())
		return err
	})
	if err != nil {
		return nil, nil, wrapErr("acquire run lease", err)
	}
	return l, prev, nil
}

// Renew records a heartbeat. It returns ErrLeaseLost when the lease is no longer this
// process's.
func (l *Lease) Renew(ctx context.Context) error {
	now := l.db.now()
	var n int64
	err := l.db.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE run_lease SET heartbeat_at = ? WHERE id = 1 AND token = ?`, now.Unix(), l.token)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return wrapErr("renew run lease", err)
	}
	if n == 0 {
		return ErrLeaseLost
	}
	l.Heartbeat = now
	return nil
}

// Release gives the lease up, if this process still holds it.
func (l *Lease) Release(ctx context.Context) error {
	return wrapErr("release run lease", l.db.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM run_lease WHERE id = 1 AND token = ?`, l.token)
		return err
	}))
}

// RunningInstance returns the lease's holder, nil when no `paperboy run` holds it. The
// holder may have died: its Heartbeat says when it was last seen.
func (db *DB) RunningInstance(ctx context.Context) (*Instance, error) {
	var in *Instance
	err := db.view(ctx, func(tx *sql.Tx) error {
		var err error
		in, err = leaseHolder(ctx, tx)
		return err
	})
	return in, wrapErr("read run lease", err)
}

func leaseHolder(ctx context.Context, tx *sql.Tx) (*Instance, error) {
	var in Instance
	var started, beat int64
	err := tx.QueryRowContext(ctx, `SELECT host, pid, started_at, heartbeat_at FROM run_lease WHERE id = 1`).Scan(&in.Host, &in.PID, &started, &beat)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	in.Started, in.Heartbeat = time.Unix(started, 0), time.Unix(beat, 0)
	return &in, nil
}
