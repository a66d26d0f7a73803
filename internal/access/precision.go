package access

import "serenade/internal/domain"

// Timestamps are shown to each role only as precisely as its job needs
// (SPEC §4): the same exact instant in two roles' exports would join them
// as surely as a shared id. This table is the policy; docs/design.md
// ("Linkage between roles") explains each cell.

// Precision is how finely a timestamp is shown, finest first.
type Precision int

const (
	Exact     Precision = iota // as stored
	ToHour                     // cut to the hour (UTC)
	ToDay                      // cut to the day (UTC)
	ToQuarter                  // cut to January, April, July or October 1st: the season
	ToYear                     // cut to January 1st
)

// TimeClass is a class of timestamps in the views.
type TimeClass int

const (
	RecordTimes     TimeClass = iota // an installation's created_at, updated_at
	CollectionTimes                  // data-collection start and end
	TicketTimes                      // ticket opened/closed, message times
	DocumentTimes                    // a document's upload time
	EnrolmentDates                   // a patient's enrolment date (date_join) in lists of installations
	ActivityTimes                    // an installation's or a ticket's last activity (newest message)
	// HealthTimes are device health's times (a stream's or an
	// installation's last reading, gaps); the same row decides how
	// finely health's per-day figures are shown (ExactHealth).
	HealthTimes
)

// precisions is, per role, the precision of each class it is shown. A
// class missing for a role is shown to the year, the coarsest. Doctors,
// who see everything about their patients, see exact times.
var precisions = map[domain.Role]map[TimeClass]Precision{
	doctor: {RecordTimes: Exact, CollectionTimes: Exact, TicketTimes: Exact, DocumentTimes: Exact,
		EnrolmentDates: Exact, ActivityTimes: Exact, HealthTimes: Exact},
	installer: {RecordTimes: ToDay, CollectionTimes: ToDay, TicketTimes: ToHour, DocumentTimes: ToDay,
		EnrolmentDates: ToDay, ActivityTimes: ToHour, HealthTimes: ToHour},
	monitoring: {RecordTimes: ToDay, CollectionTimes: ToDay, TicketTimes: ToHour, DocumentTimes: ToDay,
		EnrolmentDates: ToDay, ActivityTimes: ToHour, HealthTimes: Exact},
	// Researchers see no tickets: their last activity, and the enrolment
	// date, only to the year (no entry).
	researcher: {RecordTimes: ToYear, CollectionTimes: ToQuarter, DocumentTimes: ToYear, HealthTimes: Exact},
}

// PrecisionFor is the finest precision any of the roles is shown a class
// at: a caller acts with the union of its roles.
func PrecisionFor(roles []domain.Role, class TimeClass) Precision {
	p := ToYear
	for _, r := range roles {
		if q, ok := precisions[r][class]; ok && q < p {
			p = q
		}
	}
	return p
}

// ExactHealth reports whether the roles are shown device health as it
// is: exact reading counts per day and completeness. Roles that read the
// readings themselves (doctors, monitoring, researchers) learn nothing
// new from it; installers, who see identity and no readings, are shown
// completeness to the 10 % and a day's activity as yes or no, so that
// what they are shown of a named home cannot be matched to the
// researchers' readings (docs/design.md, "Device health across roles").
func ExactHealth(roles []domain.Role) bool { return PrecisionFor(roles, HealthTimes) == Exact }
