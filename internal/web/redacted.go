package web

import (
	"maps"
	"slices"
	"strings"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/redact"
	"serenade/internal/view"
	"serenade/internal/web/i18n"
)

// placeholderTable is how a user is shown the placeholders the API
// writes in free text about a patient in place of identifying data
// ("[phone]", "[contact]": internal/redact), in the user's language
// ("[telefono]", "[contatto]"), and back. It is the one place the pages
// translate them: text the API says it redacted (a message's redacted,
// an installation's context_redacted) through Page.Text and Page.Message,
// text without such a flag through Page.Free, and
// the home context's form takes them back (contextSent).
type placeholderTable struct {
	shown, api *strings.Replacer
}

// placeholders is the table of a user, nil for a user who sees identity,
// whose text is never redacted and is shown as written, and for a
// language that writes the placeholders as the API does.
func placeholders(l *i18n.Locale, roles []domain.Role) *placeholderTable {
	if l == nil || access.SeesIdentity(roles) {
		return nil
	}
	names := redact.Placeholders()
	var there, back []string
	for _, token := range slices.Sorted(maps.Keys(names)) {
		if shown := l.T("redacted." + names[token]); shown != token {
			there, back = append(there, token, shown), append(back, shown, token)
		}
	}
	if len(there) == 0 {
		return nil
	}
	return &placeholderTable{shown: strings.NewReplacer(there...), api: strings.NewReplacer(back...)}
}

// Show is text the API redacted with its placeholders in the user's
// language.
func (t *placeholderTable) Show(s string) string {
	if t == nil || !strings.Contains(s, "[") {
		return s
	}
	return t.shown.Replace(s)
}

// API is text the user typed with the placeholders in the user's language
// written as the API writes them ("[contatto]" → "[contact]"), so that a
// user who edits a text shown translated stores the API's placeholders,
// which every reader, in any language, reads as such.
func (t *placeholderTable) API(s string) string {
	if t == nil || !strings.Contains(s, "[") {
		return s
	}
	return t.api.Replace(s)
}

// Text is free text about a patient as the page shows it: when the API
// says it redacted it, for a user who does not see identity, with the
// placeholders of redaction in the user's language; otherwise as the API
// gave it (text written by a role without identity is shown exactly as
// written, whatever it holds).
func (p Page) Text(s string, redacted bool) string {
	if !redacted || p.User == nil || !strings.Contains(s, "[") {
		return s
	}
	return placeholders(p.L, p.User.Roles).Show(s)
}

// Free is Text of free text whose view carries no such flag, redacted
// whenever the caller does not see identity: document names (written
// only by installers), correction reasons.
func (p Page) Free(s string) string {
	return p.Text(s, true)
}

// Context is a field of an installation's home context as the page shows
// it (Text: translated when the API lists it in context_redacted).
func (p Page) Context(inst view.InstallationView, name string) string {
	i := slices.Index(contextFields, name)
	if i < 0 {
		return ""
	}
	return p.Text(*contextValues(&inst.Context)[i], slices.Contains(inst.ContextRedacted, name))
}
