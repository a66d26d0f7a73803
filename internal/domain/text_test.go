package domain

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// isInvalid reports whether err is an invalid-input error naming field.
func isInvalid(err error, field string) bool {
	var de *Error
	return errors.As(err, &de) && de.Kind == KindInvalid && de.Field == field
}

func TestTextRuleAcceptsAndNormalises(t *testing.T) {
	cases := []struct {
		name string
		rule TextRule
		in   string
		want string
	}{
		{"60 precomposed À is 60 characters, under 100", NameText, strings.Repeat("À", 60), strings.Repeat("À", 60)},
		{"A + combining grave is composed to À and counted once", NameText, strings.Repeat("A\u0300", 100), strings.Repeat("À", 100)},
		{"100 two-byte letters are exactly at the limit", NameText, strings.Repeat("à", 100), strings.Repeat("à", 100)},
		{"surrounding spaces are trimmed", CodiceFiscaleText, " MRNGNN48D03L219H ", "MRNGNN48D03L219H"},
		{"non-breaking and ideographic spaces are trimmed too", NameText, "\u00a0Rosa\u3000", "Rosa"},
		{"CRLF becomes LF in a multi-line field; tabs stay", MedicalNotesText, "prima riga\r\n\tseconda riga", "prima riga\n\tseconda riga"},
		{"a joiner inside an emoji sequence is kept in a multi-line field", MessageText, "ok 👨\u200D🔧", "ok 👨\u200D🔧"},
		{"an optional field may be empty", PhoneText, "  ", ""},
		// Inner white space of a single-line field: any space separator, any run, is one U+0020.
		{"an ideographic space inside a name is one space", NameText, "Ma\u3000rio", "Ma rio"},
		{"an Ogham space mark inside a name is one space", NameText, "Ma\u1680rio", "Ma rio"},
		{"five em spaces are one space", NameText, "Mario\u2003\u2003\u2003\u2003\u2003x", "Mario x"},
		{"no-break and narrow spaces in an address", AddressText, "Via\u00a0Padova \u202F 118", "Via Padova 118"},
		{"spaces in a file name collapse, its ligature stays", DocumentNameText, "\uFB01le\u3000\u3000scan.pdf", "\uFB01le scan.pdf"},
		{"a multi-line field keeps its spacing", MedicalNotesText, "a\u3000\u3000b", "a\u3000\u3000b"},
		// Compatibility characters in identity fields are stored plain (NFKC).
		{"full-width letters are plain letters", NameText, "Ｍａｒｉｏ", "Mario"},
		{"mathematical bold letters are plain letters", NameText, "𝐌𝐚𝐫𝐢𝐨", "Mario"},
		{"a ligature is its letters", NameText, "\uFB01lippo", "filippo"},
		{"a full-width codice fiscale is plain", CodiceFiscaleText, "ＣＬＭＭＲＧ41C14F205E", "CLMMRG41C14F205E"},
		{"full-width digits in a phone", PhoneText, "３４７ 218 4590", "347 218 4590"},
		{"a full-width letter in an e-mail", EmailText, "a@ｅxample.it", "a@example.it"},
		{"a message keeps its compatibility characters", MessageText, "½ litro, 2 m²", "½ litro, 2 m²"},
		{"an emoji with its presentation selector is kept in a multi-line field", MessageText, "grazie \u2764\uFE0F", "grazie \u2764\uFE0F"},
		{"a skin-toned emoji sequence is kept in a multi-line field", MessageText, "👩🏽\u200D🔧 arriva", "👩🏽\u200D🔧 arriva"},
		{"a name with an apostrophe and a combining accent after a letter", NameText, "D'Ange\u0300lo", "D'Angèlo"},
		{"a private-use character in a multi-line field", MessageText, "logo \uF8FF", "logo \uF8FF"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.rule.Clean("f", c.in)
			if err != nil || got != c.want {
				t.Fatalf("Clean(%q) = %q, %v; want %q", c.in, got, err, c.want)
			}
			if again, err := c.rule.Clean("f", got); err != nil || again != got {
				t.Errorf("not idempotent: Clean(%q) = %q, %v", got, again, err)
			}
		})
	}
}

func TestTextRuleRefusesAndNamesTheField(t *testing.T) {
	cases := []struct {
		name    string
		rule    TextRule
		in      string
		message string
	}{
		{"101 characters of two bytes each are over 100 characters", NameText, strings.Repeat("à", 101), "at most 100 characters (got 101)"},
		{"invalid UTF-8 is refused, not replaced", NameText, "Mar\xffio", "not valid UTF-8"},
		{"a NUL", NameText, "Ma\x00rio", "control character (U+0000"},
		{"an escape character", NameText, "Ma\x1b[2Jrio", "control character (U+001B"},
		{"a C1 control (next line)", NameText, "Ma\u0085rio", "control character (U+0085"},
		{"a line feed in a single-line field", NameText, "Mario\nRossi", "line break or tab"},
		{"a tab in a single-line field", NameText, "Mario\tRossi", "line break or tab"},
		{"a lone carriage return even in a multi-line field", MedicalNotesText, "a\rb", "control character (U+000D"},
		{"a right-to-left override", NameText, "Mario\u202Eissor", "bidirectional control character (U+202E"},
		{"a right-to-left override in a multi-line field", MedicalNotesText, "note \u202Eeton", "bidirectional control character (U+202E"},
		{"a first-strong isolate", AddressText, "Via \u2068Roma\u2069 1", "bidirectional control character (U+2068"},
		{"a zero-width space in a single-line field", NameText, "Ma\u200Brio", "invisible format character (U+200B"},
		{"a zero-width space in a multi-line field", MessageText, "ok\u200Bok", "invisible format character (U+200B"},
		{"a left-to-right mark in a single-line field", NameText, "Mario\u200E", "invisible format character (U+200E"},
		{"a word joiner", NameText, "Ma\u2060rio", "invisible format character (U+2060"},
		{"a soft hyphen", NameText, "Ma\u00ADrio", "invisible format character (U+00AD"},
		{"a Hangul filler, which shows as nothing", NameText, "Mario\u3164", "invisible format character (U+1160"}, // NFKC maps it to the other filler,
		{"a combining grapheme joiner", NameText, "Ma\u034Frio", "invisible format character (U+034F"},
		{"a byte-order mark inside the text", AliasText, "fi\uFEFFglio", "invisible format character (U+FEFF"},
		{"a line separator", AddressText, "Via Roma\u20281", "line or paragraph separator (U+2028"},
		{"a noncharacter", NameText, "Ma\uFFFErio", "noncharacter (U+FFFE"},
		{"a variation selector after a letter", NameText, "Rossi\uFE0F", "invisible format character (U+FE0F"},
		{"a variation selector after a letter in a multi-line field", MessageText, "sig. Rossi\uFE0F", "invisible format character (U+FE0F"},
		{"an ideographic variation selector", NameText, "Ma\U000E0100rio", "invisible format character (U+E0100"},
		{"a lone combining mark as a whole name", NameText, "\u0301", "must not begin with a combining mark (U+0301)"},
		{"combining marks only", AliasText, "\u0301\u0300", "must not begin with a combining mark"},
		{"a name that begins with a combining mark", NameText, "\u0308Rossi", "must not begin with a combining mark (U+0308)"},
		{"a name without a letter", NameText, "12-3", "must contain a letter"},
		{"a braille blank as a name", NameText, "\u2800", "blank braille pattern (U+2800"},
		{"a braille blank inside a message", MessageText, "Ros\u2800si", "blank braille pattern (U+2800"},
		{"a private-use character in a name", NameText, "Ross\uE000i", "private-use character (U+E000"},
		{"a supplementary private-use character", AddressText, "Via Roma \U000F0001", "private-use character (U+F0001"},
		{"a right-to-left mark in a multi-line field", MessageText, "ok\u200Fok", "invisible format character (U+200F"},
		{"an Arabic letter mark in a multi-line field", MedicalNotesText, "ok\u061Cok", "invisible format character (U+061C"},
		{"a soft hyphen in a multi-line field", MessageText, "Ros\u00ADsi", "invisible format character (U+00AD"},
		{"a zero-width non-joiner in a multi-line field", MessageText, "Ros\u200Csi", "invisible format character (U+200C"},
		{"a joiner between letters in a multi-line field", MessageText, "Ros\u200Dsi", "invisible format character (U+200D"},
		{"a tag character in a multi-line field", MessageText, "Rossi\U000E0041", "invisible format character (U+E0041"},
		{"an interlinear annotation anchor in a multi-line field", HomeNotesText, "a\uFFF9b\uFFFAc\uFFFB", "invisible format character (U+FFF9"},
		{"a Hangul choseong filler inside a surname in a message", MessageText, "sig. D'Ang\u115Felo", "invisible format character (U+115F"},
		{"a Hangul jungseong filler", MessageText, "ok\u1160", "invisible format character (U+1160"},
		{"a halfwidth Hangul filler", NameText, "Mario\uFFA0", "invisible format character (U+1160"},
		{"a Mongolian vowel separator", NameText, "Ma\u180Erio", "invisible format character (U+180E"},
		{"a required field of spaces", AddressText, " \t\n ", "is required"},
		{"an address of punctuation has no letter", AddressText, "---", "must contain a letter"},
		{"an address of one digit has no letter", AddressText, "1", "must contain a letter"},
		{"an alias of digits has no letter", AliasText, "123", "must contain a letter"},
		{"a required field that is empty", NameText, "", "is required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.rule.Clean("the_field", c.in)
			if !isInvalid(err, "the_field") {
				t.Fatalf("Clean(%q): err = %v, want invalid the_field", c.in, err)
			}
			if msg := err.(*Error).Message; !strings.Contains(msg, c.message) {
				t.Errorf("message %q does not say %q", msg, c.message)
			}
		})
	}
}

func TestIdentityIsCleanedUnderThePolicy(t *testing.T) {
	id := Identity{FirstName: strings.Repeat("a\u0300", 60), LastName: " Marini ", CodiceFiscale: " mrnaaa48d03l219v ",
		Address: " Via Roma 1 ", MedicalNotes: "riga 1\r\nriga 2"}
	if err := ValidateIdentity(&id, testRule); err != nil {
		t.Fatal(err)
	}
	want := Identity{FirstName: strings.Repeat("à", 60), LastName: "Marini", CodiceFiscale: "MRNAAA48D03L219V",
		Address: "Via Roma 1", MedicalNotes: "riga 1\nriga 2", DiagnosisClass: DiagnosisUnspecified, BirthYear: 1948}
	if id != want {
		t.Errorf("cleaned identity %+v, want %+v", id, want)
	}
	for field, edit := range map[string]func(*Identity){
		"address":        func(i *Identity) { i.Address = "   " },
		"first_name":     func(i *Identity) { i.FirstName = "Ma\u202Erio" },
		"last_name":      func(i *Identity) { i.LastName = "Mar\x00ini" },
		"diagnosis":      func(i *Identity) { i.Diagnosis = "MCI\u2066" },
		"codice_fiscale": func(i *Identity) { i.CodiceFiscale = "MRNAAA48D03L219V\u200B" },
	} {
		bad := want
		edit(&bad)
		if err := ValidateIdentity(&bad, testRule); !isInvalid(err, field) {
			t.Errorf("%s: err = %v, want invalid %s", field, err, field)
		}
	}
}

func TestUsernamesHaveOneStrictShape(t *testing.T) {
	for in, want := range map[string]string{"dottore-alice": "dottore-alice", " iit.gennaro_2 ": "iit.gennaro_2", "7up": "7up"} {
		if got, err := ValidateUsername(in); err != nil || got != want {
			t.Errorf("ValidateUsername(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{
		"", "dottore\u200B-alice", "dottore-alice\nadmin-anna  [admin]", "Dottore-Alice", "dottore alice",
		"ｄottore", "dottóre", "-alice", ".alice", "alice\x00", "alice\u202E", strings.Repeat("a", 101),
	} {
		if _, err := ValidateUsername(bad); !isInvalid(err, "username") {
			t.Errorf("ValidateUsername(%q): err = %v, want invalid username", bad, err)
		}
	}
}

func TestEmailAddressesAreBareAndHaveAHostName(t *testing.T) {
	for _, ok := range []string{"luca@example.org", "luca.bianchi+casa@mail.example.it", "maría@correo.es", "anna@münchen.de"} {
		if _, err := CleanEmail(ok); err != nil {
			t.Errorf("CleanEmail(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{
		"a@b", "luca", "@example.org", "luca@", "Luca <luca@example.org>", "<luca@example.org>", "luca@example..org",
		"luca@.example.org", "luca@example.org.", "luca@-example.org", "luca@exa_mple.org", "luca@1.2.3.4", "luca@[10.0.0.1]",
		"luca@example.org (casa)", "a b@example.org",
	} {
		if _, err := CleanEmail(bad); !isInvalid(err, "email") {
			t.Errorf("CleanEmail(%q): err = %v, want invalid email", bad, err)
		}
	}
}

func TestContactValidation(t *testing.T) {
	cases := []struct {
		c     Contact
		field string
	}{
		{Contact{Alias: "figlio", Email: "a@b"}, "email"},
		{Contact{Alias: "figlio", Phone: "---"}, "phone"},
		{Contact{Alias: "figlio", Phone: "+39 340\n1111111"}, "phone"},
		{Contact{Alias: "  ", Phone: "+39 340 1111111"}, "alias"},
		{Contact{Alias: "fi\u202Eglio", Phone: "+39 340 1111111"}, "alias"},
		{Contact{Alias: "figlio"}, "phone"},
	}
	for _, c := range cases {
		if err := c.c.Validate(); !isInvalid(err, c.field) {
			t.Errorf("%+v: err = %v, want invalid %s", c.c, err, c.field)
		}
	}
	good := Contact{Alias: " figlio Luca ", Email: " luca@example.org "}
	if err := good.Validate(); err != nil || good.Alias != "figlio Luca" || good.Email != "luca@example.org" {
		t.Errorf("valid contact: %+v, %v", good, err)
	}
}

func TestDateJoinIsBounded(t *testing.T) {
	now := time.Date(2026, 3, 2, 23, 30, 0, 0, time.UTC)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	for _, ok := range []time.Time{day(2000, 1, 1), day(2026, 3, 2), day(2026, 3, 3)} {
		if err := ValidateDateJoin(ok, now); err != nil {
			t.Errorf("%s: %v", ok.Format(time.DateOnly), err)
		}
	}
	for _, bad := range []time.Time{day(1800, 1, 1), day(1999, 12, 31), day(2026, 3, 4), day(3000, 1, 1)} {
		if err := ValidateDateJoin(bad, now); !isInvalid(err, "date_join") {
			t.Errorf("%s: err = %v, want invalid date_join", bad.Format(time.DateOnly), err)
		}
	}
}

// TestCleanEmailMapsTheDomain: the domain is stored as IDNA lookup maps
// it, the local part as typed.
func TestCleanEmailMapsTheDomain(t *testing.T) {
	for in, want := range map[string]string{
		"a@EXAMPLE.IT":       "a@example.it",
		"Mario.R@Example.it": "Mario.R@example.it",
		"a@xn--bcher-kva.de": "a@bücher.de",
		"a@BÜCHER.de":        "a@bücher.de",
	} {
		got, err := CleanEmail(in)
		if err != nil || got != want {
			t.Errorf("CleanEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	c := Contact{Alias: "figlia", Email: "a@ｅxample.it"}
	if err := c.Validate(); err != nil || c.Email != "a@example.it" {
		t.Errorf("contact e-mail a@ｅxample.it: stored %q, %v; want a@example.it", c.Email, err)
	}
	for _, in := range []string{"a@b", "a@b..it", "a@-x-.it"} {
		if _, err := CleanEmail(in); !isInvalid(err, "email") {
			t.Errorf("CleanEmail(%q) = %v, want invalid email", in, err)
		}
	}
}
