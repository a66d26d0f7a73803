package api

import (
	"time"

	"serenade/internal/domain"
)

// Timestamps are shown to roles other than dottore only as precisely as
// their job needs (SPEC §4): the same exact instant in two roles' exports
// would join them as surely as a shared id. The policy is this one table;
// docs/design.md ("Linkage between roles") explains each cell.

// precision is how finely a timestamp is shown.
type precision int

const (
	toHour precision = iota
	toDay
	toQuarter // January, April, July or October 1st: the season
	toYear
)

// timeKind is a class of timestamps in the views.
type timeKind int

const (
	recordTimes     timeKind = iota // an installation's created_at, updated_at
	collectionTimes                 // data-collection start and end
	ticketTimes                     // ticket opened/closed, message times
	documentTimes                   // a document's upload time
)

// timePolicy is, per non-doctor role, the precision of each class it is
// shown. A class missing for a role is shown to the year, the coarsest.
var timePolicy = map[domain.Role]map[timeKind]precision{
	domain.RoleInstaller:  {recordTimes: toDay, collectionTimes: toDay, ticketTimes: toHour, documentTimes: toDay},
	domain.RoleMonitoring: {recordTimes: toDay, collectionTimes: toDay, ticketTimes: toHour, documentTimes: toDay},
	domain.RoleResearcher: {recordTimes: toYear, collectionTimes: toQuarter, documentTimes: toYear},
}

// precisionFor is the finest precision any of roles needs for a class:
// a caller acts with the union of their roles.
func precisionFor(roles []domain.Role, kind timeKind) precision {
	p := toYear
	for _, r := range roles {
		if q, ok := timePolicy[r][kind]; ok && q < p {
			p = q
		}
	}
	return p
}

// coarsen cuts t, in UTC, to p.
func coarsen(t time.Time, p precision) time.Time {
	t = t.UTC()
	switch p {
	case toHour:
		return t.Truncate(time.Hour)
	case toDay:
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	case toQuarter:
		return time.Date(t.Year(), t.Month()-(t.Month()-1)%3, 1, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
}

// at is how the caller is shown a timestamp of a class: exact for
// doctors, who see everything about their patients.
func (v viewer) at(kind timeKind, t time.Time) time.Time {
	if v.doctor || t.IsZero() {
		return t
	}
	return coarsen(t, precisionFor(v.roles, kind))
}

// atPtr is at for optional timestamps.
func (v viewer) atPtr(kind timeKind, t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := v.at(kind, *t)
	return &c
}
