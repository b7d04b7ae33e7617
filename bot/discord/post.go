package discord

// outbound is the state of the outbound half (posts, thread replies, edits, lookups).
type outbound struct{}
