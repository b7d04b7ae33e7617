package paperboy

import (
	"context"
	"time"
)

// OutboxService is the delivery outbox as the bot's watcher and dispatcher use it.
// Implemented by store.DB. Every state change is one short transaction.
type OutboxService interface {
	// Subscription returns one subscription by id, live or removed. Errors: ENOTFOUND.
	Subscription(ctx context.Context, id int64) (Subscription, error)

	// Cursor returns a named progress marker; found is false when it was never set.
	Cursor(ctx context.Context, name string) (value int64, found bool, err error)
	// MaxSeq returns the highest paper Seq (0 for an empty store). It is cheap: the
	// watcher polls it to notice papers written by any process.
	MaxSeq(ctx context.Context) (int64, error)
	// PapersAfter returns up to limit announceable papers (not Quiet) with Seq > after, in
	// Seq order, and last, the highest Seq it looked at (quiet papers included), which is
	// where the cursor may move even when no paper is returned.
	PapersAfter(ctx context.Context, after int64, limit int) (papers []*Paper, last int64, err error)
	// CommitWatch inserts deliveries, ignoring (paper, channel) pairs already in the
	// outbox, and moves cursor name from `from` to `to`, in one transaction. Errors:
	// ECONFLICT when the cursor is no longer at from (another watcher moved it; nothing
	// was written).
	CommitWatch(ctx context.Context, name string, from, to int64, ds []Delivery) (inserted int, err error)
	// CountDeliveries counts a subscription's deliveries created at or after since,
	// skipped ones excluded (the daily cap).
	CountDeliveries(ctx context.Context, subscriptionID int64, since time.Time) (int, error)
	// RecentPapers returns up to limit announceable papers published at or after since
	// (or, with no publication date, stored since then), newest first (for backfill).
	RecentPapers(ctx context.Context, since time.Time, limit int) ([]*Paper, error)
	// EnqueueDeliveries inserts deliveries, ignoring pairs already in the outbox, and
	// returns how many it inserted.
	EnqueueDeliveries(ctx context.Context, ds []Delivery) (int, error)

	// DueDeliveries returns, for every channel, the oldest undelivered immediate delivery
	// when it is pending and its NextAttempt is not after now (per-channel FIFO: a
	// channel's later deliveries wait behind it).
	DueDeliveries(ctx context.Context, now time.Time) ([]Delivery, error)
	// DueDigests returns pending digest deliveries whose DigestAt and NextAttempt are not
	// after now, by channel then id.
	DueDigests(ctx context.Context, now time.Time) ([]Delivery, error)
	// Followups returns sent deliveries whose thread reply (the abstract) is still owed,
	// in id order.
	Followups(ctx context.Context) ([]Delivery, error)
	// Summaries returns sent deliveries whose LLM summary is still owed, in id order.
	Summaries(ctx context.Context) ([]Delivery, error)
	// Uncertain returns deliveries left in state sending (a crash between intent and
	// result), in id order.
	Uncertain(ctx context.Context) ([]Delivery, error)
	// MarkSending records the intent to send: pending -> sending. Errors: ECONFLICT when
	// a delivery is not pending any more (nothing changed).
	MarkSending(ctx context.Context, ids ...int64) error
	// MarkSent records a successful post: state sent with the message and thread ids, the
	// posts row, and the owed thread reply, in one transaction.
	MarkSent(ctx context.Context, id int64, post PostRecord) error
	// MarkDigestSending records the intent to send one digest message, keyed key, listing
	// ids: pending -> sending with DigestKey set. Errors: ECONFLICT as MarkSending.
	MarkDigestSending(ctx context.Context, key string, ids []int64) error
	// MarkDigestSent marks the deliveries of one digest message sent.
	MarkDigestSent(ctx context.Context, ids []int64, messageID string, at time.Time) error
	// MarkRetry puts deliveries back to pending with one more attempt, the error and the
	// time of the next attempt.
	MarkRetry(ctx context.Context, ids []int64, next time.Time, reason string) error
	// MarkFailed records a permanent failure with its reason.
	MarkFailed(ctx context.Context, ids []int64, reason string) error
	// MarkSkipped records pending deliveries as skipped by design (a ranked digest's
	// papers below its top:N), with the reason. Errors: ECONFLICT as MarkSending.
	MarkSkipped(ctx context.Context, ids []int64, reason string) error
	// MarkFollowupTried records, before the call, that a delivery's thread reply is being
	// sent (Reply OwedTried).
	MarkFollowupTried(ctx context.Context, id int64) error
	// MarkFollowupDone records that a delivery's thread reply was sent (or given up), and
	// that its LLM summary is owed when summaryOwed.
	MarkFollowupDone(ctx context.Context, id int64, summaryOwed bool) error
	// MarkSummaryTried records, before the call, that a delivery's summary is being sent.
	MarkSummaryTried(ctx context.Context, id int64) error
	// MarkSummaryDone records that a delivery's summary was sent (or given up).
	MarkSummaryDone(ctx context.Context, id int64) error
}
