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
// error huma writes (its own refusals and the handlers') the problem type
// and title of the error table (problem.Table), and never echoes what was
// refused. It is part of the API's configuration rather than a
// replacement of huma's package-level NewError hook, so nothing
// process-wide changes and two APIs in one process do not share it.
func problemDetails(_ huma.Context, _ string, v any) (any, error) {
	m, ok := v.(*huma.ErrorModel)
	if !ok {
		return v, nil
	}
	e := problem.ForStatus(m.Status, http.StatusText(m.Status))
	m.Type, m.Title = e.Type(), e.Title
	m.Errors = slices.DeleteFunc(m.Errors, func(d *huma.ErrorDetail) bool { return d == nil })
	for _, d := range m.Errors {
		// Never echo what was refused: huma sends the whole object as
		// the value of an unknown property, and any value (a path
		// parameter, a field) may be a codice fiscale or a name. Nor
		// a name the client invented (see declared.go).
		d.Value = nil
		redactDetail(d)
		if strings.HasPrefix(d.Message, huma.ErrUnknownContentType.Error()) {
			d.Message = huma.ErrUnknownContentType.Error() // not the Content-Type as sent
		}
		d.Message = oneOf(inCharacters(d.Message))
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

// oneOf words huma's refusal of a value outside an enumeration
// ("expected value to be one of \"open, closed, \"") as "expected one
// of: open, closed": the values a client may send, without the empty
// member that a query parameter's enumeration lists to say that an
// absent or empty value means any (its schema keeps it: the empty value
// is accepted).
func oneOf(msg string) string {
	prefix, suffix, ok := strings.Cut(validation.MsgExpectedOneOf, "%s")
	if !ok || !strings.HasPrefix(msg, prefix) || !strings.HasSuffix(msg, suffix) || len(msg) < len(prefix)+len(suffix) {
		return msg
	}
	values := strings.Split(msg[len(prefix):len(msg)-len(suffix)], ", ")
	values = slices.DeleteFunc(values, func(v string) bool { return v == "" })
	return "expected one of: " + strings.Join(values, ", ")
}

// problemOf maps a domain error to its problem through the error table;
// internal errors become a bare 500 (the cause is logged by the caller,
// never sent).
func problemOf(err error) huma.StatusError {
	var de *domain.Error
	if !errors.As(err, &de) {
		return huma.NewError(problem.Of(problem.Internal).Status, "internal error")
	}
	e := problem.ForDomain(de.Kind)
	switch de.Kind {
	case domain.KindInternal:
		return huma.NewError(e.Status, "internal error")
	case domain.KindInvalid:
		return huma.NewError(e.Status, "validation failed",
			&huma.ErrorDetail{Location: "body." + de.Field, Message: de.Message})
	}
	return huma.NewError(e.Status, de.Message)
}

// errKeysUnverified refuses a write that would wrap a new data key under
// a master key that does not match its check value (fail closed: the
// key would be lost with the wrong key file).
func errKeysUnverified() huma.StatusError {
	return huma.NewError(problem.Of(problem.Unavailable).Status, "the master keys cannot be verified: writes that need a new encryption key are refused until they are")
}

// errClientGone refuses a request whose client went away first; it is
// recorded (problem.ClientClosed), the client never sees it.
func errClientGone() huma.StatusError {
	return huma.NewError(problem.Of(problem.ClientClosed).Status, "the client closed the request before it was carried out")
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
