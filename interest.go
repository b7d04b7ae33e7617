package paperboy

import (
	"context"
	"time"
)

// Interest is what a channel has shown about one paper: the sum of its members' votes
// (👍/👎, buttons, +1/-1 replies, imported votes), how many votes there are, and how many
// thread replies (discussion). Recommendations learn from a channel's Interests alone.
type Interest struct {
	PaperID string
	Net     int // sum of the votes' values
	Votes   int // number of votes
	Replies int // thread replies in this channel
}

// Recommendation is a paper picked for a channel (or as like another paper), with its
// score (higher is better; comparable within one answer only) and a one-line reason naming
// what drove the score.
type Recommendation struct {
	Paper  *Paper
	Score  float64
	Reason string
}

// ViaImport marks votes that `paperboy votes import` recorded.
const ViaImport = "import"

// Recommender ranks papers for a channel from that channel's votes, and finds papers like
// another by the same representation. Implemented by recommend.Service.
type Recommender interface {
	// Recommend returns the papers stored at or after since that channel is most likely
	// to want, best first, at most limit, each with a reason; papers the channel voted on
	// are left out. Errors: ENOTFOUND (no votes, or no liked paper, yet: the message says
	// how to start).
	Recommend(ctx context.Context, channel string, since time.Time, limit int) ([]Recommendation, error)
	// Similar returns papers like the paper ref names, most similar first, each with what
	// they share. Errors: EINVALID, ENOTFOUND (unknown paper).
	Similar(ctx context.Context, ref string, limit int) ([]Recommendation, error)
	// Rank orders the given papers (ids) by the channel's model, best first, each with a
	// reason; unknown ids are left out. Digests use it. Errors: ENOTFOUND (no liked paper
	// yet).
	Rank(ctx context.Context, channel string, ids []string) ([]Recommendation, error)
}
