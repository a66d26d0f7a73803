package web

import (
	"fmt"
	"time"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/view"
)

// timeClasses name the views' classes of timestamps in templates
// ({{$.At "record" .CreatedAt}}).
var timeClasses = map[string]access.TimeClass{
	"record": access.RecordTimes, "collection": access.CollectionTimes, "ticket": access.TicketTimes,
	"document": access.DocumentTimes, "enrolment": access.EnrolmentDates, "activity": access.ActivityTimes,
	"health": access.HealthTimes,
}

// dateClasses are the classes whose timestamps are dates of the study,
// which its rules compare as UTC calendar days (an enrolment date must not
// be after the UTC day collection starts, …): they are written as that
// UTC day at every precision down to the day, so that a page and the
// rule it states name the same date (a start at 23:59Z is that day, not
// the next one in Rome).
var dateClasses = map[string]bool{"collection": true}

// precision is the precision the page's user is shown a class of
// timestamps at, asked of the views (view.PrecisionFor); an unknown
// class is a template error.
func (p Page) precision(class string) (access.Precision, error) {
	c, ok := timeClasses[class]
	if !ok {
		return 0, fmt.Errorf("unknown time class %q", class)
	}
	var roles []domain.Role
	if p.User != nil {
		roles = p.User.Roles
	}
	return view.PrecisionFor(roles, c), nil
}

// timeOf takes a time or a pointer to one (nil: the zero time).
func timeOf(v any) (time.Time, error) {
	switch t := v.(type) {
	case time.Time:
		return t, nil
	case *time.Time:
		if t == nil {
			return time.Time{}, nil
		}
		return *t, nil
	}
	return time.Time{}, fmt.Errorf("not a time: %T", v)
}

// At is a timestamp of a class (timeClasses) written at the precision
// the user is shown it (i18n Locale.At): a date for a day, an hour range
// for an hour, the exact time only when it is exact.
func (p Page) At(class string, v any) (string, error) {
	prec, err := p.precision(class)
	if err != nil {
		return "", err
	}
	t, err := timeOf(v)
	if dateClasses[class] && prec <= access.ToDay {
		prec = access.ToDay
	}
	return p.L.At(t, prec), err
}

// Since is how long ago a timestamp of a class was, at the precision the
// user is shown it (i18n Locale.AgoAt): "today" for a day, "within the
// last hour" for the current hour.
func (p Page) Since(class string, v any) (string, error) {
	prec, err := p.precision(class)
	if err != nil {
		return "", err
	}
	t, err := timeOf(v)
	return p.L.AgoAt(t, p.Now, prec), err
}
