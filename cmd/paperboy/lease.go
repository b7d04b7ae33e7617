package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"syscall"
	"time"

	"github.com/paperboy-bot/paperboy/store"
)

// The run lease (store/lease.go): `paperboy run` renews it every leaseHeartbeat; another
// `run` takes it over when the heartbeat is older than leaseStale (four missed beats),
// or at once when the holder was on this host and its pid is gone.
var (
	leaseHeartbeat = 10 * time.Second
	leaseStale     = 45 * time.Second
)

// acquireLease makes this process the database's one `paperboy run`, or says who is.
func acquireLease(ctx context.Context, db *store.DB, log *slog.Logger) (*store.Lease, error) {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	lease, prev, err := db.AcquireLease(ctx, store.Instance{Host: host, PID: os.Getpid()}, leaseStale, pidAlive)
	if err != nil {
		return nil, errors.New(userError(err))
	}
	if prev != nil {
		log.Warn("took over from a paperboy run that stopped without releasing the database",
			slog.String("host", prev.Host), slog.Int("pid", prev.PID),
			slog.Time("started", prev.Started), slog.Time("last_heartbeat", prev.Heartbeat))
	}
	return lease, nil
}

// keepLease renews the lease until ctx ends. A failed renewal is logged and retried at
// the next beat (a busy or full disk); a lost lease (another run took over after this
// one stalled past leaseStale) stops this run.
func keepLease(ctx context.Context, lease *store.Lease, log *slog.Logger) error {
	t := time.NewTicker(leaseHeartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		err := lease.Renew(ctx)
		switch {
		case errors.Is(err, store.ErrLeaseLost):
			return errors.New("another paperboy run took this database over (this one missed its heartbeats); stopping")
		case err != nil && ctx.Err() == nil:
			log.Warn("could not renew the run lease", slog.String("err", userError(err)))
		}
	}
}

// pidAlive reports whether process pid exists on this host. When it cannot tell, it
// says yes: the lease then waits for the heartbeat to go stale.
func pidAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return true
	}
	err = p.Signal(syscall.Signal(0))
	return !errors.Is(err, os.ErrProcessDone)
}

// leaseLine is `status`'s line about the running bot.
func leaseLine(in *store.Instance, now time.Time) string {
	if in == nil {
		return "running    no paperboy run holds this database"
	}
	s := fmt.Sprintf("running    paperboy run on %s", in)
	if age := now.Sub(in.Heartbeat); age >= leaseStale {
		s += fmt.Sprintf(" (not seen for %s: it stopped without releasing the database; the next run takes over)", age.Round(time.Second))
	} else {
		s += fmt.Sprintf(" (last heartbeat %s ago)", age.Round(time.Second))
	}
	return s
}
