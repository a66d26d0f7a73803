package web

import (
	"time"

	"serenade/internal/domain"
	"serenade/internal/view"
)

// fieldHelpers are the template helpers of the field teams' pages,
// embedded in their view models ({{$.Data.HealthBadge .Health}}).
type fieldHelpers struct{}

// HealthBadge is the badge class of a health summary.
func (fieldHelpers) HealthBadge(h domain.HealthSummary) string {
	switch h {
	case domain.HealthOK:
		return "badge-ok"
	case domain.HealthSilent:
		return "badge-bad"
	case domain.HealthNoData:
		return "badge-warn"
	}
	return ""
}

// Day parses an API date (YYYY-MM-DD) for the locale's DateOnly; the
// zero time (shown as nothing) when it does not parse.
func (fieldHelpers) Day(s string) time.Time {
	t, _ := time.Parse(view.DateLayout, s)
	return t
}
