package store

import (
	"fmt"

	"serenade/internal/domain"
)

// wrapOp names the operation an internal error came from, so that the
// log line of a 500 says what failed ("store: create patient: …"). Domain
// errors (not found, conflict) pass as they are: their message is what
// the caller is shown. Sentinels still match through errors.Is. op is a
// constant: no identifying value ever goes into an error message. An
// outage of the database (outage.go) becomes a KindUnavailable error.
func wrapOp(op string, err error) error {
	if err = asOutage(err); err == nil || domain.KindOf(err) != domain.KindInternal {
		return err
	}
	return fmt.Errorf("store: %s: %w", op, err)
}
