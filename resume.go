package paperboy

import "context"

// ResumeStore keeps where long fetches stopped, so that a run interrupted by a signal
// or a deadline is continued by the next one instead of starting over. Keys name the
// fetch (source and parameters); values are the fetcher's own (an arXiv offset).
// Implemented by store.DB.
type ResumeStore interface {
	// ResumePoint returns the value recorded for key, "" when there is none (the fetch
	// finished or never ran). Errors: EINTERNAL.
	ResumePoint(ctx context.Context, key string) (string, error)
	// SetResumePoint records value for key; "" removes the record. Errors:
	// EUNAVAILABLE, EINTERNAL.
	SetResumePoint(ctx context.Context, key, value string) error
}
