package discord

// inbound is the state of the inbound half (Gateway session, interactions, HTTP endpoint).
type inbound struct{}
