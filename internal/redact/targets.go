package redact

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"serenade/internal/textfold"
)

// names adds each name whole ("De Luca" also matches "DeLuca" and "de
// luca"), each of its words, since staff write "la signora Maria" for
// Maria Grazia, and each part from a particle on ("De Rossi" of "Laura
// De Rossi"). Words after a particle are not names by themselves: "Luca"
// of "De Luca" is someone else. First name and surname written side by
// side are joined into one replacement by Redact. Each name is added in
// each of its spellings (textfold.Spellings: "Øvergård" also as
// "Overgaard").
func (r *Redactor) names(names ...string) {
	var all []string
	for _, n := range names {
		all = append(all, textfold.Spellings(n)...)
	}
	for _, n := range all {
		words := slices.DeleteFunc(textfold.Words(n), func(w textfold.Word) bool { return w.Digits })
		if len(words) == 0 {
			continue
		}
		end := finalAccent(n[words[len(words)-1].Start:])
		r.add(join(words), end, patientName)
		afterParticle := false
		for i, w := range words {
			switch {
			case particles[w.Folded]:
				afterParticle = true
				r.add(join(words[i:]), end, patientName)
			case !afterParticle:
				r.add(w.Folded, finalAccent(n[w.Start:]), patientName)
			}
		}
	}
}

// join is the folded concatenation of words.
func join(words []textfold.Word) string {
	var b strings.Builder
	for _, w := range words {
		b.WriteString(w.Folded)
	}
	return b.String()
}

// finalAccent is accented when the word s begins with ends in an
// accented letter, or is followed by an apostrophe standing for one:
// Italians without the key type "Nicolò" as "Nicolo'".
func finalAccent(s string) kind {
	end := strings.IndexFunc(s, func(r rune) bool { return !isWordRune(r) && !unicode.Is(unicode.Mn, r) })
	if end < 0 {
		end = len(s)
	}
	last, _ := utf8.DecodeLastRuneInString(s[:end])
	after, _ := utf8.DecodeRuneInString(s[end:])
	if unicode.Is(unicode.Mn, last) || textfold.Fold(string(last)) != strings.ToLower(string(last)) || isApostrophe(after) {
		return accented
	}
	return plain
}

// phone adds a phone number by its digits, in the ways it is written:
// national ("347 2184590", or with the country's trunk prefix: "067 123
// 4567" for "+380 67 123 4567"), with the country code ("+39 347…") and
// with the international prefix ("0039 347…"). A stored number without a
// prefix is taken as Italian. Numbers shorter than six digits are not
// phones and are ignored. Digits are read folded, so full-width digits
// and digits of other scripts count.
func (r *Redactor) phone(p string) {
	p = textfold.Fold(strings.TrimSpace(p))
	digits := strings.Map(func(c rune) rune {
		if c >= '0' && c <= '9' {
			return c
		}
		return -1
	}, p)
	if len(digits) < 6 {
		return
	}
	switch {
	case strings.HasPrefix(strings.TrimLeft(p, "( "), "+"):
		r.international(digits)
	case strings.HasPrefix(digits, "00"):
		r.international(digits[2:])
	default:
		r.international("39" + digits)
		if strings.HasPrefix(digits, "39") && len(digits) >= 11 {
			r.international(digits) // "39 347…" is +39, or a mobile number starting 39x: both
		}
	}
}

// international adds a phone number given with its country code.
func (r *Redactor) international(intl string) {
	r.add(intl, phone, phoneNumber)
	r.add("00"+intl, phone, phoneNumber)
	if national, ok := strings.CutPrefix(intl, "39"); ok && len(national) >= 6 {
		r.add(national, phone, phoneNumber)
	}
	if national := nationalForm(intl); len(national) >= 6 {
		r.add(national, phone, phoneNumber)
	}
}

// nationalForm is the digits of a number given with its country code as
// it is dialled inside its country: most countries put a trunk prefix
// before the area or mobile code ("0" in Ukraine, the United Kingdom,
// France, Germany; "8" in Russia; "06" in Hungary) and Italy none. The
// numbering plans are libphonenumber's; "" when the country code is
// unknown.
func nationalForm(intl string) string {
	num, err := phonenumbers.Parse("+"+intl, "")
	if err != nil {
		return ""
	}
	return strings.Map(func(c rune) rune {
		if c >= '0' && c <= '9' {
			return c
		}
		return -1
	}, phonenumbers.Format(num, phonenumbers.NATIONAL))
}

// address adds the street and house number however they are written:
// with or without the street type, the type abbreviated ("V. Padova
// 118", "p.za Leonardo 3"), "n."/"civico" before the number, and without
// postcode or city. The street with its type but no number ("via
// Padova") is added too; the bare street name is not, since it is often
// a city's ("Padova"). The whole address as stored is added as well.
func (r *Redactor) address(a string) {
	r.add(textfold.Key(a), plain, address)
	words := textfold.Words(a)
	if len(words) < 2 {
		return
	}
	spellings, typed := streetTypes[words[0].Folded]
	if typed {
		a, words = a[words[1].Start:], textfold.Words(a[words[1].Start:])
	}
	name, number := street(a, words)
	if name == "" {
		return
	}
	if !typed && number == "" && strings.Contains(name, " ") {
		r.add(strings.ReplaceAll(name, " ", ""), plain, address) // "Alzaia Naviglio Grande": specific enough alone
	}
	name = strings.ReplaceAll(name, " ", "")
	for _, t := range slices.Concat(spellings, []string{""}) { // "" : the type left out
		if t != "" {
			r.add(t+name, plain, address)
		}
		for _, n := range numberWords {
			if number != "" {
				r.add(t+name+n+number, houseNumber, address)
			}
		}
	}
}

// street splits an address after its type into the street name (folded
// words joined by spaces) and the house number. The name ends at the
// first word of digits after it has begun ("4" is part of "Via 4
// Novembre 12") or at the first comma; the number is the word of digits
// right after it. What follows (a letter suffix, postcode, city) is left
// out.
func street(a string, words []textfold.Word) (name, number string) {
	var parts []string
	for i, w := range words {
		if i > 0 && w.Digits {
			return strings.Join(parts, " "), w.Folded
		}
		parts = append(parts, w.Folded)
		if i+1 < len(words) && strings.Contains(a[w.End:words[i+1].Start], ",") {
			if next := words[i+1]; next.Digits {
				return strings.Join(parts, " "), next.Folded
			}
			break
		}
	}
	return strings.Join(parts, " "), ""
}
