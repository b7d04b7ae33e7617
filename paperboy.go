// Package paperboy holds the domain of the paperboy chat bot: papers, queries,
// subscriptions, deliveries, votes and summaries, the error type users see, and the few
// interfaces that the store, ingest, summarize and bot packages share. It imports only
// the standard library; cmd/paperboy wires the implementations together.
package paperboy

import (
	"errors"
	"fmt"
)

// Error codes. What a user sees goes through Error; only EINTERNAL is logged with detail.
const (
	EINVALID     = "invalid"     // bad user input; Message says what to fix
	ENOTFOUND    = "not_found"   // no such paper, subscription, ...
	ECONFLICT    = "conflict"    // already exists
	EFORBIDDEN   = "forbidden"   // the user may not do this (e.g. admins only)
	EUNAVAILABLE = "unavailable" // a dependency is down or rate limited; try later
	EINTERNAL    = "internal"    // a bug or an I/O failure
)

// Error is an error meant for users: Message is safe to show in chat.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("paperboy: %s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any other
// non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the user-facing message of err: the *Error's message, or a generic
// sentence for internal errors so that no detail (paths, SQL, secrets) leaks into chat.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	default:
		return "Something went wrong on our side; it has been logged."
	}
}
