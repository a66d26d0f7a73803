package redact

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"serenade/internal/textfold"
)

// names adds each name whole ("De Luca" also matches "DeLuca" and "de
// luca") and, unless it has a particle, each of its words, since staff
// write "la signora Maria" for Maria Grazia. The words of a name with a
// particle are not names by themselves: "Luca" of "De Luca" is someone
// else. First name and surname written side by side are joined into one
// replacement by Redact.
func (r *Redactor) names(names ...string) {
	for _, n := range names {
		r.add(textfold.Key(n), finalAccent(n))
		words := textfold.Words(n)
		if slices.ContainsFunc(words, func(w textfold.Word) bool { return particles[w.Folded] }) {
			continue
		}
		for _, w := range words {
			if !w.Digits {
				r.add(w.Folded, finalAccent(n[w.Start:w.End]))
			}
		}
	}
}

// finalAccent is accented when s ends in an accented letter, which
// Italians without the key type as the letter and an apostrophe.
func finalAccent(s string) kind {
	last, _ := utf8.DecodeLastRuneInString(strings.TrimSpace(s))
	if unicode.Is(unicode.Mn, last) || textfold.Fold(string(last)) != strings.ToLower(string(last)) {
		return accented
	}
	return plain
}

// alias adds the proper names in a contact's alias ("Giulia" of
// "daughter Giulia", "Bianchi" of "sig.ra Bianchi (vicina)"). Relation
// words, titles and articles are left out: an alias that is only
// "figlia" or "son" identifies nobody and is not redacted at all, and
// "figlia" stays readable next to a redacted name.
func (r *Redactor) alias(a string) {
	var run []byte
	flush := func() {
		r.add(string(run), plain)
		run = run[:0]
	}
	for _, w := range textfold.Words(a) {
		if w.Digits || relationWords[w.Folded] || particles[w.Folded] {
			flush()
			continue
		}
		run = append(run, w.Folded...)
		r.add(w.Folded, finalAccent(a[w.Start:w.End]))
	}
	flush()
}

// phone adds a phone number by its digits, in the three ways it is
// written: national ("347 2184590"), with the country code ("+39 347…")
// and with the international prefix ("0039 347…"). A stored number
// without a prefix is taken as Italian. Numbers shorter than six digits
// are not phones and are ignored.
func (r *Redactor) phone(p string) {
	p = strings.TrimSpace(p)
	digits := strings.Map(func(c rune) rune {
		if c >= '0' && c <= '9' {
			return c
		}
		return -1
	}, p)
	if len(digits) < 6 {
		return
	}
	intl := digits // with the country code, without "+" or "00"
	switch {
	case strings.HasPrefix(p, "+"):
	case strings.HasPrefix(digits, "00"):
		intl = digits[2:]
	default:
		intl = "39" + digits
	}
	r.add(intl, phone)
	r.add("00"+intl, phone)
	if national, ok := strings.CutPrefix(intl, "39"); ok && len(national) >= 6 {
		r.add(national, phone)
	}
}

// address adds the street and house number however they are written:
// with or without the street type, the type abbreviated ("V. Padova
// 118", "p.za Leonardo 3"), "n."/"nr." before the number, and without
// postcode or city. The street with its type but no number ("via
// Padova") is added too; the bare street name is not, since it is often
// a city's ("Padova"). The whole address as stored is added as well.
func (r *Redactor) address(a string) {
	r.add(textfold.Key(a), plain)
	street, _, _ := strings.Cut(a, ",")
	words := textfold.Words(street)
	if len(words) == 0 {
		return
	}
	spellings, typed := streetTypes[words[0].Folded]
	if typed && len(words) > 1 {
		words = words[1:]
	} else {
		spellings, typed = nil, false
	}
	name, number := splitNumber(words)
	if name == "" {
		return
	}
	if !typed && len(words) > 1 && number == "" {
		r.add(name, plain) // "Alzaia Naviglio Grande": specific enough alone
	}
	for _, t := range append(spellings, "") {
		if t != "" {
			r.add(t+name, plain)
		}
		for _, n := range numberWords {
			if number != "" {
				r.add(t+name+n+number, houseNumber)
			}
		}
	}
}

// splitNumber returns the street name's folded words joined, and the
// house number: the first word of digits after the first name word ("4"
// is part of "Via 4 Novembre 12"). Whatever follows the number (a
// postcode written without a comma, a city) is left out.
func splitNumber(words []textfold.Word) (name, number string) {
	var b []byte
	for i, w := range words {
		if w.Digits && i > 0 {
			return string(b), w.Folded
		}
		b = append(b, w.Folded...)
	}
	return string(b), ""
}
