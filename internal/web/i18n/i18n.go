// Package i18n translates the web UI. Messages live in TOML files a
// translator can edit (internal/web/locales/{it,en}.toml, go-i18n's
// format: `key = "text"`, or a table with `one` and `other` for counts);
// Italian is the default. A Locale formats dates, times, relative times
// and numbers in its language.
package i18n

import (
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Languages are the UI's languages, the default first.
var Languages = []string{"it", "en"}

// Bundle holds every language's messages.
type Bundle struct {
	b    *i18n.Bundle
	keys map[string][]string // language → sorted message ids
}

// Load reads <lang>.toml for each of Languages from fsys.
func Load(fsys fs.FS) (*Bundle, error) {
	b := i18n.NewBundle(language.Italian)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	out := &Bundle{b: b, keys: map[string][]string{}}
	for _, lang := range Languages {
		mf, err := b.LoadMessageFileFS(fsys, lang+".toml")
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		for _, m := range mf.Messages {
			out.keys[lang] = append(out.keys[lang], m.ID)
		}
		sort.Strings(out.keys[lang])
	}
	return out, nil
}

// Keys returns the message ids of a language, sorted.
func (b *Bundle) Keys(lang string) []string { return slices.Clone(b.keys[lang]) }

// Has reports whether lang has a message id.
func (b *Bundle) Has(lang, id string) bool {
	_, ok := slices.BinarySearch(b.keys[lang], id)
	return ok
}

// Locale translates into one language.
type Locale struct {
	Lang string // "it" or "en"
	l    *i18n.Localizer
	p    *message.Printer
	tz   *time.Location
}

// Locale returns the locale for lang (one of Languages; anything else is
// the default). Times are shown in tz (nil: Europe/Rome, the study's).
func (b *Bundle) Locale(lang string, tz *time.Location) *Locale {
	if !slices.Contains(Languages, lang) {
		lang = Languages[0]
	}
	if tz == nil {
		tz = rome
	}
	return &Locale{Lang: lang, l: i18n.NewLocalizer(b.b, lang), p: message.NewPrinter(language.Make(lang)), tz: tz}
}

var rome = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Rome"); err == nil {
		return l
	}
	return time.UTC
}()

// Match picks the UI language from a cookie's value, else from an
// Accept-Language header, else the default.
func Match(cookie, acceptLanguage string) string {
	if slices.Contains(Languages, cookie) {
		return cookie
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil {
		return Languages[0]
	}
	for _, t := range tags {
		base, _ := t.Base()
		if slices.Contains(Languages, base.String()) {
			return base.String()
		}
	}
	return Languages[0]
}

// T translates a message id; data fills its {{.Name}} fields. A missing
// id gives the id in brackets (the locale test makes that a failure).
func (l *Locale) T(id string, data ...any) string {
	cfg := &i18n.LocalizeConfig{MessageID: id}
	if len(data) > 0 {
		cfg.TemplateData = data[0]
	}
	s, err := l.l.Localize(cfg)
	if err != nil {
		return "[" + id + "]"
	}
	return s
}

// N translates a message with plural forms for count n ({{.Count}}).
func (l *Locale) N(id string, n int) string {
	s, err := l.l.Localize(&i18n.LocalizeConfig{MessageID: id, PluralCount: n, TemplateData: map[string]any{"Count": l.Number(n)}})
	if err != nil {
		return "[" + id + "]"
	}
	return s
}

// Enum translates a code (a status, role or category) under a prefix:
// Enum("status", "active") is T("status.active"); an unknown code is
// shown as it is.
func (l *Locale) Enum(prefix, code string) string {
	if code == "" {
		return ""
	}
	id := prefix + "." + code
	if s, err := l.l.Localize(&i18n.LocalizeConfig{MessageID: id}); err == nil {
		return s
	}
	return code
}

// Number formats an integer with the language's digit grouping
// (1.234 in Italian, 1,234 in English).
func (l *Locale) Number(n int) string { return l.p.Sprintf("%d", n) }

// Decimal formats a number with digits decimals (1,5 / 1.5).
func (l *Locale) Decimal(f float64, digits int) string {
	return l.p.Sprintf("%.*f", digits, f)
}

// Zone is the time zone the locale shows times in.
func (l *Locale) Zone() *time.Location { return l.tz }

// Date formats a date as "2 marzo 2026" / "2 March 2026", in the
// locale's time zone; the zero time is "".
func (l *Locale) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(l.tz)
	return fmt.Sprintf("%d %s %d", t.Day(), l.T(fmt.Sprintf("month.%d", t.Month())), t.Year())
}

// DateOnly formats a calendar date (no zone conversion: a birth date).
func (l *Locale) DateOnly(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d %s %d", t.Day(), l.T(fmt.Sprintf("month.%d", t.Month())), t.Year())
}

// DateString formats a calendar date written YYYY-MM-DD (as the API
// writes dates); anything else is shown as it is.
func (l *Locale) DateString(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return l.DateOnly(t)
}

// DateTime formats a date and a 24-hour time, in the locale's zone.
func (l *Locale) DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return l.Date(t) + ", " + t.In(l.tz).Format("15:04")
}

// Duration formats a length of time in the largest unit that states
// it exactly: "2 giorni" / "2 days", "36 ore" / "36 hours", "90 minuti" /
// "90 minutes", "90 secondi" / "90 seconds" (rounded to the second).
func (l *Locale) Duration(d time.Duration) string {
	d = max(time.Second, d.Round(time.Second))
	switch {
	case d%(24*time.Hour) == 0:
		return l.N("duration.days", int(d/(24*time.Hour)))
	case d%time.Hour == 0:
		return l.N("duration.hours", int(d/time.Hour))
	case d%time.Minute == 0:
		return l.N("duration.minutes", int(d/time.Minute))
	}
	return l.N("duration.seconds", int(d/time.Second))
}

// Ago formats how long before now t was: "3 giorni fa" / "3 days ago",
// in the largest whole unit; under a minute is "just now".
func (l *Locale) Ago(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return l.T("ago.now")
	case d < time.Hour:
		return l.N("ago.minutes", int(d/time.Minute))
	case d < 24*time.Hour:
		return l.N("ago.hours", int(d/time.Hour))
	case d < 60*24*time.Hour:
		return l.N("ago.days", int(d/(24*time.Hour)))
	case d < 730*24*time.Hour:
		return l.N("ago.months", int(d/(30*24*time.Hour)))
	}
	return l.N("ago.years", int(d/(365*24*time.Hour)))
}
