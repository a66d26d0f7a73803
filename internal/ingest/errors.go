package ingest

import (
	"errors"
	"fmt"
	"time"
)

// The errors Accept returns, whatever the transport. The HTTP route maps
// them to problem+json (see docs/api.md "Sensor ingest"); MQTT to its own
// outcome. Messages never carry what the client sent: only positions,
// field names from a fixed list and fixed reasons.
var (
	// ErrUnknownToken: the token is malformed or names no token, or its
	// secret does not match (HTTP 401).
	ErrUnknownToken = errors.New("ingest: unknown ingest token")
	// ErrRevokedToken: the token was revoked (HTTP 401).
	ErrRevokedToken = errors.New("ingest: the ingest token was revoked")
	// ErrEmpty: the batch holds no reading (HTTP 400).
	ErrEmpty = errors.New("ingest: the batch holds no reading")
)

// BadItemError names the first bad item of a batch; the whole batch is
// refused (HTTP 422, or 409 when Conflict: the time is outside the
// installation's data-collection period).
type BadItemError struct {
	Index    int    // 0-based position of the item in the batch
	Field    string // stream, time, value, kind, unit, cadence_s, or "" for the item as a whole
	Reason   string // a fixed sentence
	Conflict bool   // the item is well-formed but outside the collection period
}

func (e *BadItemError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("item %d: %s", e.Index, e.Reason)
	}
	return fmt.Sprintf("item %d, field %s: %s", e.Index, e.Field, e.Reason)
}

// TooLargeError: the body, decompressed or not, or the number of items,
// is over its limit (HTTP 413).
type TooLargeError struct{ What string }

func (e *TooLargeError) Error() string { return "ingest: " + e.What }

// OverloadedError: too many batches are being written; try again after
// RetryAfter (HTTP 503 with Retry-After). Nothing was queued.
type OverloadedError struct{ RetryAfter time.Duration }

func (e *OverloadedError) Error() string {
	return "ingest: too many batches in flight, try again later"
}

// BadEncodingError: the body is not valid gzip when it says it is, or its
// encoding is unsupported (HTTP 400 / 415).
type BadEncodingError struct{ Reason string }

func (e *BadEncodingError) Error() string { return "ingest: " + e.Reason }
