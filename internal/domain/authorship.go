package domain

import (
	"errors"
	"slices"
)

// Authorship of free text. Text about a patient is redacted for roles
// that do not see identity (imt, unimi), because its author may have
// seen the patient's names. Text written by a role that does not see
// identity is different: its author knew only what such roles are shown,
// so it is shown to them exactly as written. Redacting it would make the
// display depend on the patient's identity, and an author could test
// guesses of a name, street or codice fiscale by writing them and reading
// which ones came back replaced. Each message and each home-context field
// therefore records whether it was written "blind" (by an author who does
// not see identity); text by the system or by roles that see identity is
// not blind and stays redacted.

// AuthoredContext is the home context as stored: the fields and which of
// them were last written blind. It is sealed as one JSON object, so a
// context stored before authorship was recorded reads as written by
// identity-seeing roles, which keeps it redacted (fail closed).
type AuthoredContext struct {
	HomeContext
	WrittenBlind []string `json:"written_blind,omitempty"` // field names, in field order
}

// IsBlind reports whether the named field was last written blind.
func (a AuthoredContext) IsBlind(field string) bool {
	return slices.Contains(a.WrittenBlind, field)
}

// ErrNoView is returned by Edit when a blind author's view is missing.
var ErrNoView = errors.New("the view shown to the author is required to apply a blind edit")

// Edit applies a whole submitted context. A field whose submitted value
// equals what the author was shown of the stored value keeps the stored
// value and its authorship: a client that reads the context and sends it
// back with one field changed must not write its redacted view over the
// stored text. Every other field takes the submitted value and the
// author's class. shown is how a blind author is shown text that was not
// written blind (the redaction); it is required when blind is set.
func (a AuthoredContext) Edit(submitted HomeContext, blind bool, shown func(string) string) (AuthoredContext, error) {
	if blind && shown == nil {
		return a, ErrNoView
	}
	out := AuthoredContext{HomeContext: a.HomeContext}
	stored, sub, next := a.HomeContext.textFields(), submitted.textFields(), out.HomeContext.textFields()
	for i, f := range stored {
		view := *f.v
		if blind && !a.IsBlind(f.name) {
			view = shown(*f.v)
		}
		fieldBlind := a.IsBlind(f.name)
		if *sub[i].v != view {
			*next[i].v, fieldBlind = *sub[i].v, blind
		}
		if fieldBlind {
			out.WrittenBlind = append(out.WrittenBlind, f.name)
		}
	}
	return out, nil
}

// Retrieval is what stays of the context until a withdrawn patient's kit
// is back (RetrievalContext), with the authorship of what stays.
func (a AuthoredContext) Retrieval() AuthoredContext {
	out := AuthoredContext{HomeContext: a.RetrievalContext()}
	for _, f := range out.HomeContext.textFields() {
		if *f.v != "" && a.IsBlind(f.name) {
			out.WrittenBlind = append(out.WrittenBlind, f.name)
		}
	}
	return out
}

// Map returns the context with each field replaced by f(name, value).
func (a AuthoredContext) Map(f func(field, value string) string) HomeContext {
	out := a.HomeContext
	for _, tf := range out.textFields() {
		*tf.v = f(tf.name, *tf.v)
	}
	return out
}
