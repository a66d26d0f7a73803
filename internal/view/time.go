package view

import (
	"time"

	"serenade/internal/access"
	"serenade/internal/domain"
)

// Timestamps are shown to roles that do not see everything only as
// precisely as their job needs; the precision of each class per role is
// a policy of internal/access.

// coarsen cuts t, in UTC, to p.
func coarsen(t time.Time, p access.Precision) time.Time {
	if p == access.Exact {
		return t // as stored, in its own location
	}
	t = t.UTC()
	switch p {
	case access.ToHour:
		return t.Truncate(time.Hour)
	case access.ToDay:
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	case access.ToQuarter:
		return time.Date(t.Year(), t.Month()-(t.Month()-1)%3, 1, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
}

// PrecisionFor is the precision callers with these roles are shown a
// class of timestamps at: the cut At applies, which a page asks for so
// that it renders a cut time as the interval it names (a day as a date,
// an hour as an hour), never as an exact instant.
func PrecisionFor(roles []domain.Role, class access.TimeClass) access.Precision {
	return access.PrecisionFor(roles, class)
}

// At is how the caller is shown a timestamp of a class, at the finest
// precision any of its roles has for it (access.PrecisionFor).
func (v Viewer) At(class access.TimeClass, t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return coarsen(t, PrecisionFor(v.all, class))
}

// AtPtr is At for optional timestamps.
func (v Viewer) AtPtr(class access.TimeClass, t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := v.At(class, *t)
	return &c
}
