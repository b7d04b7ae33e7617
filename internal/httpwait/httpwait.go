// Package httpwait holds the waiting that paperboy's HTTP clients share: reading a
// Retry-After header and sleeping until a context ends.
package httpwait

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRetryAfter bounds the delays RetryAfter accepts; a longer one is treated as absent
// (callers fall back to their own backoff or give up).
const maxRetryAfter = 24 * time.Hour

// RetryAfter reads a Retry-After header value: delay-seconds (fractions allowed, as some
// APIs send them) or an HTTP date, relative to now (a date in the past gives 0). ok is
// false when the value is absent, malformed, negative or longer than a day.
func RetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs < 0 || secs > maxRetryAfter.Seconds() {
			return 0, false
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// Sleep waits for d or until ctx is done, returning ctx's error in that case.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
