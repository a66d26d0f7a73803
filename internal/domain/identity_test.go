package domain

import (
	"errors"
	"strings"
	"testing"
	"time"

	"serenade/internal/codicefiscale"
)

// testRule places birth years on the reference day of these tests.
var testRule = codicefiscale.Rule{Now: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)}

func identityOf(first, last, cf string) Identity {
	return Identity{FirstName: first, LastName: last, CodiceFiscale: cf, Address: "Via Roma 1, Milano"}
}

func TestEnrolmentPlacesTheCentenarianIn1924(t *testing.T) {
	id := identityOf("Giovanni", "Verdi", "VRDGNN24C10F205I")
	if err := ValidateIdentity(&id, testRule); err != nil || id.BirthYear != 1924 {
		t.Fatalf("ValidateIdentity = %v, year %d; want 1924", err, id.BirthYear)
	}
	d, err := id.Derive(testRule.Now)
	if err != nil || d.BirthDate.Format(time.DateOnly) != "1924-03-10" || d.Age != 102 || d.AgeClass != "85+" || d.Sex != "M" {
		t.Errorf("Derive = %+v, %v; want a man born 1924-03-10, 102, 85+", d, err)
	}
}

func TestAnAmbiguousCodeNeedsTheDoctorsYear(t *testing.T) {
	const cf = "VRDGNN06A01F205A" // 1 January 06: 20 or 120 on the reference day
	t.Run("without a year it is refused, naming both years", func(t *testing.T) {
		id := identityOf("Giovanni", "Verdi", cf)
		wantInvalid(t, ValidateIdentity(&id, testRule), "birth_year", "the codice fiscale admits birth in 1906 or 2006: confirm the birth year")
	})
	for _, year := range []int{1906, 2006} {
		id := identityOf("Giovanni", "Verdi", cf)
		id.BirthYear = year
		if err := ValidateIdentity(&id, testRule); err != nil || id.BirthYear != year {
			t.Errorf("confirmed %d: %v, year %d", year, err, id.BirthYear)
		}
	}
	t.Run("a year the code does not admit is refused", func(t *testing.T) {
		for _, year := range []int{2007, 1806, 2106, 1950} {
			id := identityOf("Giovanni", "Verdi", cf)
			id.BirthYear = year
			wantInvalid(t, ValidateIdentity(&id, testRule), "birth_year", "must be one of the years the codice fiscale admits: 1906 or 2006")
		}
	})
	t.Run("a year confirmed on an unambiguous code must be its year", func(t *testing.T) {
		id := identityOf("Giovanni", "Verdi", "VRDGNN24C10F205I")
		id.BirthYear = 2024
		wantInvalid(t, ValidateIdentity(&id, testRule), "birth_year", "must be one of the years the codice fiscale admits: 1924")
	})
	t.Run("a higher minimum age leaves one year", func(t *testing.T) {
		id := identityOf("Giovanni", "Verdi", cf)
		if err := ValidateIdentity(&id, codicefiscale.Rule{Now: testRule.Now, MinAge: 21}); err != nil || id.BirthYear != 1906 {
			t.Errorf("ValidateIdentity = %v, year %d; want 1906", err, id.BirthYear)
		}
	})
	t.Run("a minimum no century reaches refuses the code", func(t *testing.T) {
		id := identityOf("Giovanni", "Verdi", "VRDGNN24C10F205I")
		wantInvalid(t, ValidateIdentity(&id, codicefiscale.Rule{Now: testRule.Now, MinAge: 110}), "codice_fiscale",
			"the birth date it encodes gives no age from 110 to 125 years today")
	})
}

func TestAnUpdateKeepsTheConfirmedYear(t *testing.T) {
	// Enrolled in 2026 as born in 1910 (2010 gave 16), the code admits
	// 1910 and 2010 from 2028 on: the stored year must stay.
	cur := identityOf("Giovanni", "Verdi", "VRDGNN10A01F205T")
	if err := ValidateIdentity(&cur, testRule); err != nil || cur.BirthYear != 1910 {
		t.Fatalf("enrolment: %v, year %d", err, cur.BirthYear)
	}
	later := codicefiscale.Rule{Now: time.Date(2028, 6, 1, 0, 0, 0, 0, time.UTC)}
	edit := cur
	edit.BirthYear, edit.Address = 0, "Via Padova 2, Milano"
	if err := ValidateIdentityUpdate(&edit, cur, later); err != nil || edit.BirthYear != 1910 {
		t.Errorf("address edit: %v, year %d; want 1910 kept", err, edit.BirthYear)
	}
	if d, err := edit.Derive(later.Now); err != nil || d.Age != 118 {
		t.Errorf("Derive = %+v, %v; want 118", d, err)
	}
	edit.CodiceFiscale, edit.BirthYear = "VRDGNN06A01F205A", 0
	wantInvalid(t, ValidateIdentityUpdate(&edit, cur, later), "birth_year", "the codice fiscale admits birth in 1906 or 2006: confirm the birth year")
}

func TestNamesMustMatchTheCode(t *testing.T) {
	tests := []struct {
		first, last, cf, field string
	}{
		{"Mario", "Rossi", "RSSMRA45T10A562I", ""},
		{"Mario", "De Luca", "DLCMRA45T10A562T", ""},
		{"Mario", "Bianchi", "RSSMRA45T10A562I", "last_name"},
		{"Marco", "Rossi", "RSSMRA45T10A562I", "first_name"},
		{"Maria", "Rossi", "RSSMRA45T10A562I", ""}, // M, R and then the vowels: MRA as Mario
		{"Mario", "Rossi", "RSSMRA45T1MA562Z", ""}, // omocodic
		{"Marta", "Rossi", "RSSMRA45T1MA562Z", "first_name"},
	}
	for _, tt := range tests {
		id := identityOf(tt.first, tt.last, tt.cf)
		err := ValidateIdentity(&id, testRule)
		if tt.field == "" {
			if err != nil {
				t.Errorf("%s %s / %s: %v", tt.first, tt.last, tt.cf, err)
			}
			continue
		}
		wantInvalid(t, err, tt.field, "does not match the codice fiscale")
		if err != nil && strings.Contains(err.Error(), tt.cf) || strings.Contains(err.Error(), tt.first) || strings.Contains(err.Error(), tt.last) {
			t.Errorf("%v echoes the input", err)
		}
	}
}

func wantInvalid(t *testing.T, err error, field, msg string) {
	t.Helper()
	var de *Error
	if !errors.As(err, &de) || de.Kind != KindInvalid || de.Field != field || de.Message != msg {
		t.Errorf("error = %v, want invalid %s: %s", err, field, msg)
	}
}
