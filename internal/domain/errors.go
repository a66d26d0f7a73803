package domain

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the edge (HTTP status, CLI exit code).
// Only KindInternal is logged as an error.
type Kind int

const (
	KindInternal Kind = iota
	KindInvalid
	KindNotFound
	KindConflict
	KindUnauthenticated
	KindForbidden
	// KindUnavailable: the request had no effect because a part it needs
	// (the database, its disk) is failing; the caller may try again later.
	KindUnavailable
)

func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindNotFound:
		return "not_found"
	case KindConflict:
		return "conflict"
	case KindUnauthenticated:
		return "unauthenticated"
	case KindForbidden:
		return "forbidden"
	case KindUnavailable:
		return "unavailable"
	}
	return "internal"
}

// Error is a domain error with a kind, a message safe to show to the
// caller and, for invalid input, the offending field.
type Error struct {
	Kind    Kind
	Field   string // JSON name of the invalid field, when Kind == KindInvalid
	Message string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", e.Kind, e.Field, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Kind, e.Message)
}

// Invalid reports invalid input in field.
func Invalid(field, format string, args ...any) error {
	return &Error{Kind: KindInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound reports a missing resource.
func NotFound(format string, args ...any) error {
	return &Error{Kind: KindNotFound, Message: fmt.Sprintf(format, args...)}
}

// Conflict reports a uniqueness or state conflict.
func Conflict(format string, args ...any) error {
	return &Error{Kind: KindConflict, Message: fmt.Sprintf(format, args...)}
}

// Forbidden reports a request the actor's roles do not allow.
func Forbidden(format string, args ...any) error {
	return &Error{Kind: KindForbidden, Message: fmt.Sprintf(format, args...)}
}

// Unauthenticated reports a missing or bad credential.
func Unauthenticated(format string, args ...any) error {
	return &Error{Kind: KindUnauthenticated, Message: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of err; errors that are not domain errors are
// internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// Within places an invalid-input error inside a part of a larger input,
// so that it names the field as the caller sent it: Within("contacts[1]",
// Invalid("email", …)) names contacts[1].email. Other errors pass as is.
func Within(prefix string, err error) error {
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindInvalid {
		return err
	}
	return &Error{Kind: KindInvalid, Field: prefix + "." + e.Field, Message: e.Message}
}

// ErrRotationPending says a withdrawal (or the close of the ticket that
// shreds a withdrawn patient's data) took effect, but the master key
// rotation that must follow it did not run yet: it is recorded in the
// same transaction and retried, so the caller's request succeeded.
var ErrRotationPending = errors.New("the master key rotation that follows a withdrawal is pending")
