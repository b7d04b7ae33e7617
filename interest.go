package paperboy

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
