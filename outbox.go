package paperboy

import (
	"context"
	"fmt"
	"time"
)

// Delivery states.
const (
	DeliveryPending = "pending" // waiting for its time (digest) or its turn
	DeliverySending = "sending" // intent recorded; the platform call may or may not have happened
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"  // permanent failure; LastError says why
	DeliverySkipped = "skipped" // not sent by design (daily cap, subscription removed)
)

// Delivery is one outbox row: a paper to post in a channel.
type Delivery struct {
	ID             int64
	PaperID        string
	Channel        string // channel key "platform:id"
	SubscriptionID int64  // 0 for `add`
	DigestAt       time.Time
	State          string
	Attempts       int
	NextAttempt    time.Time
	LastError      string
	MessageID      string
	ThreadID       string
	CreatedAt      time.Time
	SentAt         time.Time
	// Reply and Summary say whether the post's thread reply (the abstract) and LLM
	// summary are still owed (OwedNone, Owed, OwedTried).
	Reply, Summary int
	// DigestKey is the key of the digest message a digest delivery goes out in, set with
	// the intent to send ("" before).
	DigestKey string
}

// States of a message owed after a post (Delivery.Reply, Delivery.Summary).
const (
	OwedNone  = 0
	Owed      = 1 // not tried yet
	OwedTried = 2 // a call was started and may have reached the platform: look it up first
)

// DeliveryCounts counts outbox rows by state.
type DeliveryCounts struct {
	Pending, Sending, Sent, Failed, Skipped int
}

// Total is the number of rows counted.
func (c DeliveryCounts) Total() int { return c.Pending + c.Sending + c.Sent + c.Failed + c.Skipped }

// String reads "3 pending, 0 sending, 10 sent, 1 failed, 0 skipped".
func (c DeliveryCounts) String() string {
	return fmt.Sprintf("%d pending, %d sending, %d sent, %d failed, %d skipped", c.Pending, c.Sending, c.Sent, c.Failed, c.Skipped)
}

// PlatformDeliveries counts the outbox rows of one platform's channels.
type PlatformDeliveries struct {
	Platform string // "slack", "discord", "shell" (the part of the channel key before ":")
	DeliveryCounts
}

// DeliveryStatus summarizes the outbox for `paperboy status` and `/papers status`.
type DeliveryStatus struct {
	DeliveryCounts
	// Platforms splits the counts by platform, in name order, for the whole outbox
	// (DeliveryStatus of channel ""); nil for one channel.
	Platforms []PlatformDeliveries
	// RecentFailures lists the latest permanent failures with their reasons.
	RecentFailures []Delivery
	// LastIngest is when the newest paper was stored (zero if never).
	LastIngest time.Time
	Papers     int
}

// SubscriptionService stores channels' subscriptions and settings. Implemented by store.DB.
type SubscriptionService interface {
	// CreateSubscription stores s and sets s.ID and s.CreatedAt.
	CreateSubscription(ctx context.Context, s *Subscription) error
	// DeleteSubscription removes subscription id of channel. Errors: ENOTFOUND (also when
	// it belongs to another channel).
	DeleteSubscription(ctx context.Context, channel string, id int64) error
	// Subscriptions lists live subscriptions of channel, or of every channel when channel
	// is "", in id order.
	Subscriptions(ctx context.Context, channel string) ([]Subscription, error)
	// Channel returns a channel's settings (a zero Channel with Key set when unknown).
	Channel(ctx context.Context, key string) (Channel, error)
	// SaveChannel creates or updates a channel's settings.
	SaveChannel(ctx context.Context, c Channel) error
}
