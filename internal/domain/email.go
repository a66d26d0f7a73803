package domain

import (
	"net/mail"
	"strings"

	"golang.org/x/net/idna"
)

// CleanEmail checks a bare e-mail address: what RFC 5322 accepts as an
// addr-spec (net/mail), without a display name or angle brackets, whose
// domain is a registrable host name: at least two labels, each valid
// under IDNA (internationalised names allowed), so `a@b` and `a@b..it`
// are refused. s is expected cleaned by EmailText already. It returns s
// with its domain in the form IDNA lookup maps it to (UTS #46: lower case, compatibility
// characters and full-width dots mapped, Punycode labels decoded), the
// form a mail server resolves: "a@ＥXAMPLE.it", "a@EXAMPLE.IT" and
// "a@example.it" are one address, stored once. The local part is kept as
// typed: RFC 5321 leaves its case to the receiving server.
func CleanEmail(s string) (string, error) {
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return "", Invalid("email", "is not an e-mail address (want name@example.org, without a display name)")
	}
	at := strings.LastIndexByte(s, '@')
	mapped, err := idna.Lookup.ToUnicode(s[at+1:])
	if err != nil || !validMailDomain(mapped) {
		return "", Invalid("email", "the domain is not a host name with a dot (want name@example.org)") // not echoed: personal data
	}
	return s[:at+1] + mapped, nil
}

// validMailDomain reports whether d is a DNS host name of two or more
// labels whose top-level label is not numeric.
func validMailDomain(d string) bool {
	ascii, err := idna.Lookup.ToASCII(d)
	if err != nil || len(ascii) > 253 {
		return false
	}
	labels := strings.Split(ascii, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return false
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}
