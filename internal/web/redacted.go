package web

import (
	"maps"
	"slices"
	"strings"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/redact"
	"serenade/internal/web/i18n"
)

// placeholders is how a user is shown the placeholders the API writes in
// free text about a patient in place of identifying data ("[phone]",
// "[contact]": internal/redact), in the user's language ("[telefono]",
// "[contatto]"); nil for a user who sees identity, whose text is never
// redacted and is shown as written, and for a language that writes them
// as the API does. It is the one place the pages translate them: ticket
// messages through Page.Message, every other free text through Page.Free,
// and the home context's form takes them back (keepUnchanged).
func placeholders(l *i18n.Locale, roles []domain.Role) *strings.Replacer {
	if l == nil || access.SeesIdentity(roles) {
		return nil
	}
	names := redact.Placeholders()
	var pairs []string
	for _, token := range slices.Sorted(maps.Keys(names)) {
		if shown := l.T("redacted." + names[token]); shown != token {
			pairs = append(pairs, token, shown)
		}
	}
	if len(pairs) == 0 {
		return nil
	}
	return strings.NewReplacer(pairs...)
}

// Free is free text about a patient as the page shows it: for a user who
// does not see identity, with the placeholders of redaction in the user's
// language; otherwise as the API gave it.
func (p Page) Free(s string) string {
	if p.User == nil || !strings.Contains(s, "[") {
		return s
	}
	if r := placeholders(p.L, p.User.Roles); r != nil {
		return r.Replace(s)
	}
	return s
}
