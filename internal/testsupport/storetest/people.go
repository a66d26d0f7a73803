package storetest

import (
	"testing"
	"time"

	"serenade/internal/codicefiscale"
	"serenade/internal/domain"
)

// Person is a valid enrolment of a patient with these names (any
// spelling: accents, apostrophes, several words) and diagnosis class:
// its codice fiscale is built from the names, with a birth date that n
// makes distinct (n below 10,000 gives distinct codes for equal names).
func Person(t testing.TB, surname, first string, n int, class domain.DiagnosisClass) domain.NewPatient {
	t.Helper()
	birth := time.Date(1930+n%40, time.Month(1+n/40%12), 1+n/480%28, 0, 0, 0, 0, time.UTC)
	cf, err := codicefiscale.Build(surname, first, "F", birth, "F205")
	if err != nil {
		t.Fatalf("codice fiscale of %s %s: %v", first, surname, err)
	}
	return domain.NewPatient{Identity: domain.Identity{FirstName: first, LastName: surname, CodiceFiscale: cf,
		Address: "Via Roma 1, Milano", Diagnosis: "as classified", DiagnosisClass: class}}
}

// Numbered is the n-th of many distinct patients whose names spell n
// (consonants in base 21), with a diagnosis class taken in turn: bulk
// fixtures for lists and benchmarks.
func Numbered(t testing.TB, n int) domain.NewPatient {
	t.Helper()
	const consonants = "BCDFGHJKLMNPQRSTVWXYZ"
	word := func(k int) string {
		c := func(i int) byte { return consonants[i%21] }
		return string([]byte{c(k), 'a', c(k / 21), 'e', c(k / 441)})
	}
	classes := []domain.DiagnosisClass{domain.DiagnosisMCI, domain.DiagnosisAlzheimer, domain.DiagnosisParkinson, domain.DiagnosisOther}
	return Person(t, word(n), word(n/9261+7), n, classes[n%len(classes)])
}
