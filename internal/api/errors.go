package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/validation"

	"serenade/internal/domain"
	"serenade/internal/keyring"
	"serenade/internal/problem"
)

// problemDetails is a transformer of this API's responses: it gives every
// error huma writes (its own refusals and the handlers') a stable problem
// type and title, and never echoes what was refused. It is part of the
// API's configuration rather than a replacement of huma's package-level
// NewError hook, so nothing process-wide changes and two APIs in one
// process do not share it.
func problemDetails(_ huma.Context, _ string, v any) (any, error) {
	m, ok := v.(*huma.ErrorModel)
	if !ok {
		return v, nil
	}
	m.Type = problem.TypeBase + slug(m.Status)
	m.Title = statusTitle(m.Status)
	m.Errors = slices.DeleteFunc(m.Errors, func(d *huma.ErrorDetail) bool { return d == nil })
	for _, d := range m.Errors {
		// Never echo what was refused: huma sends the whole object as
		// the value of an unknown property, and any value (a path
		// parameter, a field) may be a codice fiscale or a name.
		d.Value = nil
		d.Message = inCharacters(d.Message)
	}
	return m, nil
}

// inCharacters says that a length limit counts characters (code points,
// after the text policy's normalisation), in place of huma's "expected
// length >= n" and "expected length <= n".
func inCharacters(msg string) string {
	for _, l := range []struct{ huma, ours string }{
		{validation.MsgExpectedMinLength, "expected at least %d characters"},
		{validation.MsgExpectedMaxLength, "expected at most %d characters"},
	} {
		var n int
		if _, err := fmt.Sscanf(msg, l.huma, &n); err == nil && fmt.Sprintf(l.huma, n) == msg {
			return fmt.Sprintf(l.ours, n)
		}
	}
	return msg
}

// statusTitle is a status's reason phrase, also for the one status Go
// does not name.
func statusTitle(status int) string {
	if status == statusClientClosed {
		return "Client Closed Request"
	}
	return http.StatusText(status)
}

// slug names the problem type of a status.
func slug(status int) string {
	switch status {
	case http.StatusUnprocessableEntity, http.StatusBadRequest:
		return "invalid"
	case http.StatusUnauthorized:
		return "unauthenticated"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not-found"
	case http.StatusConflict:
		return "conflict"
	case http.StatusRequestEntityTooLarge:
		return "too-large"
	case http.StatusTooManyRequests:
		return "rate-limited"
	case http.StatusRequestHeaderFieldsTooLarge:
		return "headers-too-large"
	case http.StatusServiceUnavailable:
		return "unavailable"
	case statusClientClosed:
		return "client-closed"
	}
	if status >= 500 {
		return "internal"
	}
	return strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "-"))
}

// problemOf maps a domain error to its problem; internal errors become a
// bare 500 (the cause is logged by the caller, never sent).
func problemOf(err error) huma.StatusError {
	var de *domain.Error
	if !errors.As(err, &de) {
		return huma.NewError(http.StatusInternalServerError, "internal error")
	}
	switch de.Kind {
	case domain.KindInvalid:
		return huma.NewError(http.StatusUnprocessableEntity, "validation failed",
			&huma.ErrorDetail{Location: "body." + de.Field, Message: de.Message})
	case domain.KindNotFound:
		return huma.NewError(http.StatusNotFound, de.Message)
	case domain.KindConflict:
		return huma.NewError(http.StatusConflict, de.Message)
	case domain.KindUnauthenticated:
		return huma.NewError(http.StatusUnauthorized, de.Message)
	case domain.KindForbidden:
		return huma.NewError(http.StatusForbidden, de.Message)
	}
	return huma.NewError(http.StatusInternalServerError, "internal error")
}

// errKeysUnverified refuses a write that would wrap a new data key under
// a master key that does not match its check value (fail closed: the
// key would be lost with the wrong key file).
func errKeysUnverified() huma.StatusError {
	return huma.NewError(http.StatusServiceUnavailable, "the master keys cannot be verified: writes that need a new encryption key are refused until they are")
}

// statusClientClosed is recorded for a request whose client went away
// before it was carried out (the status nginx logs in that case); the
// client never sees it.
const statusClientClosed = 499

// errClientGone refuses a request whose client went away first.
func errClientGone() huma.StatusError {
	return huma.NewError(statusClientClosed, "the client closed the request before it was carried out")
}

// problem maps err and logs internal errors. A request cut short because
// its client went away is no internal error: it is recorded as 499.
func (a *API) problem(ctx context.Context, err error) error {
	var se huma.StatusError
	if errors.As(err, &se) {
		return se
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return errClientGone()
	}
	if domain.KindOf(err) == domain.KindInternal {
		a.deps.Log.ErrorContext(ctx, "request failed", "err", err)
	}
	if errors.Is(err, keyring.ErrKeyCheck) {
		return errKeysUnverified()
	}
	return problemOf(err)
}

// tookEffect passes err on, except domain.ErrRotationPending: the
// withdrawal (or shred) committed and the master key rotation that must
// follow is recorded and retried, so the request succeeded (and is
// audited so); the operator is warned.
func (a *API) tookEffect(ctx context.Context, err error) error {
	if errors.Is(err, domain.ErrRotationPending) {
		a.deps.Log.WarnContext(ctx, "withdrawal done; the master key rotation that must follow is pending and will be retried (reload, key check, next enrolment, start-up)", "err", err)
		return nil
	}
	return err
}
