package i18n

import (
	"fmt"
	"time"

	"serenade/internal/access"
)

// A timestamp a role is shown cut to a precision (access.Precision: the
// hour, the day, … in UTC) names an interval, not an instant: the hour
// 14:00Z is any time from 14:00 to 15:00, the day 2026-11-29T00:00Z is
// that whole UTC day. These render it as the interval it is, so that a
// page never shows a cut time as an exact one ("29 novembre 2026, 01:00")
// or a relative time the cut made up ("22 ore fa" for minutes ago).

// At formats t at precision p: exact as DateTime; an hour as its date and
// hour range in the locale's zone ("29 novembre 2026, 14:00–15:00"); a
// day as its UTC date; a quarter as its months ("ottobre–dicembre
// 2026"); a year as the year. The zero time is "".
func (l *Locale) At(t time.Time, p access.Precision) string {
	if t.IsZero() {
		return ""
	}
	u := t.UTC()
	switch p {
	case access.Exact:
		return l.DateTime(t)
	case access.ToHour:
		from := u.In(l.tz)
		return l.Date(from) + ", " + from.Format("15:04") + "–" + from.Add(time.Hour).Format("15:04")
	case access.ToDay:
		return l.DateOnly(u)
	case access.ToQuarter:
		first := u.Month() - (u.Month()-1)%3
		return fmt.Sprintf("%s–%s %d", l.T(fmt.Sprintf("month.%d", first)), l.T(fmt.Sprintf("month.%d", first+2)), u.Year())
	}
	return fmt.Sprint(u.Year())
}

// AgoAt formats how long before now t was, at precision p: exact as Ago;
// an hour as "within the last n hours" (the bound the interval gives: the
// current hour is "within the last hour"), and as Ago from the hour's end
// past a day; a day as "today", "yesterday" or the days between the UTC
// dates, and as Ago past 60 days; a quarter or a year as At. The zero time
// is "".
func (l *Locale) AgoAt(t, now time.Time, p access.Precision) string {
	if t.IsZero() {
		return ""
	}
	switch p {
	case access.Exact:
		return l.Ago(t, now)
	case access.ToHour:
		return l.hourAgo(t, now)
	case access.ToDay:
		return l.dayAgo(t, now)
	}
	return l.At(t, p)
}

// hourAgo is AgoAt for an hour starting at t.
func (l *Locale) hourAgo(t, now time.Time) string {
	bound := int((now.Sub(t) + time.Hour - 1) / time.Hour) // hours since the interval's start, rounded up
	switch {
	case bound <= 1:
		return l.T("ago.this_hour")
	case bound <= 24:
		return l.N("ago.within_hours", bound)
	}
	return l.Ago(t.Add(time.Hour), now)
}

// dayAgo is AgoAt for a UTC day starting at t.
func (l *Locale) dayAgo(t, now time.Time) string {
	u, n := t.UTC(), now.UTC()
	day := time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
	days := int(today.Sub(day) / (24 * time.Hour))
	switch {
	case days <= 0:
		return l.T("ago.today")
	case days == 1:
		return l.T("ago.yesterday")
	case days < 60:
		return l.N("ago.days", days)
	}
	return l.Ago(day, now)
}
