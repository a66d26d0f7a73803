package codicefiscale

import "sort"

// Place is a birth place as encoded in positions 12-15 of a codice fiscale.
type Place struct {
	Code     string // Belfiore code, e.g. "F205"
	Name     string // municipality name (e.g. "Milano") or foreign country name (e.g. "Francia")
	Province string // two-letter province code for Italian municipalities ("MI"); "" for foreign countries
	Foreign  bool   // true when Code is a foreign-country code (Z...)
}

// placeRow is one entry of the generated table in places_gen.go. Foreign is
// not stored: it follows from the code's leading Z.
type placeRow struct {
	code, province, name string
}

// LookupPlace returns the place with the given Belfiore code. Lower-case
// input is accepted. Suppressed municipalities are included, because a code
// keeps the place code that was valid on the day of birth.
func LookupPlace(code string) (Place, bool) {
	if len(code) != 4 {
		return Place{}, false
	}
	code = upperASCII(code)
	i := sort.Search(len(places), func(i int) bool { return places[i].code >= code })
	if i == len(places) || places[i].code != code {
		return Place{}, false
	}
	r := places[i]
	return Place{Code: r.code, Name: r.name, Province: r.province, Foreign: r.code[0] == 'Z'}, true
}

// upperASCII upper-cases ASCII letters only. strings.ToUpper would also map
// some non-ASCII runes onto ASCII letters (the dotless ı becomes I), which
// would let look-alike input through.
func upperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
