package paperboy

import (
	"context"
	"time"
)

// Vote ways (Vote.Via).
const (
	ViaReaction = "reaction"
	ViaButton   = "button"
	ViaReply    = "reply"
	ViaCommand  = "command"
)

// Ranked is one line of a channel's `top` list: a paper and its votes and discussion there.
type Ranked struct {
	Paper *Paper
	Tally Tally
	// Last is the latest activity on the paper in the channel (post, vote or reply).
	Last time.Time
}

// VoteService stores what people do with the papers the bot posts: which message is about
// which paper, votes, thread discussion, event dedupe, and reading lists. Implemented by
// store.DB. Channel arguments are channel keys ("platform:id").
type VoteService interface {
	// SavePost records a message the bot posted about a paper (idempotent on channel and
	// message id). Errors: ENOTFOUND (unknown paper).
	SavePost(ctx context.Context, p PostRecord) error
	// FindPost finds the post a message or thread id belongs to: ref is either the post's
	// own message id or the thread opened on it. Errors: ENOTFOUND.
	FindPost(ctx context.Context, channel, ref string) (PostRecord, error)
	// FindPostByPaper returns the latest post of paper in channel. Errors: ENOTFOUND.
	FindPostByPaper(ctx context.Context, channel, paperID string) (PostRecord, error)
	// DeliverySubscription returns the subscription a delivery was made for (0 for
	// `add`), so an edited post keeps its "why". Errors: ENOTFOUND.
	DeliverySubscription(ctx context.Context, deliveryID int64) (int64, error)

	// CastVote records v (one vote per user per paper per channel; a new value replaces
	// the old one). changed is false when the same value was already there. Errors:
	// EINVALID (value not ±1), ENOTFOUND (unknown paper).
	CastVote(ctx context.Context, v Vote) (changed bool, err error)
	// RemoveVote removes v.User's vote on v.PaperID in v.Channel; when v.Value is not 0
	// only a vote of that value, and when v.Via is set only a vote cast that way.
	RemoveVote(ctx context.Context, v Vote) (removed bool, err error)
	// FindVote returns a user's current vote. Errors: ENOTFOUND.
	FindVote(ctx context.Context, paperID, channel, user string) (Vote, error)
	// Tally counts the votes and thread replies of a paper in a channel.
	Tally(ctx context.Context, paperID, channel string) (Tally, error)
	// AddReply records a thread reply as discussion; added is false for a message id
	// already recorded.
	AddReply(ctx context.Context, channel, messageID, paperID, user string) (added bool, err error)
	// Top ranks papers with votes or replies in channel whose post or activity is at or
	// after since: net votes, then replies, then recency.
	Top(ctx context.Context, channel string, since time.Time, limit int) ([]Ranked, error)

	// SeenEvent records a platform event id; first is false when it was seen before
	// (platforms redeliver). Old ids are pruned.
	SeenEvent(ctx context.Context, id string) (first bool, err error)

	// AddToReadingList adds a paper to a user's read-later list ("platform:user");
	// added is false when it was already there. Errors: ENOTFOUND (unknown paper).
	AddToReadingList(ctx context.Context, user, paperID string) (added bool, err error)
	// ReadingList returns a user's list, newest first.
	ReadingList(ctx context.Context, user string, limit int) ([]*Paper, error)
}
