package storetest

import (
	"context"
	"testing"
	"time"

	"serenade/internal/codicefiscale"
	"serenade/internal/domain"
)

// Doctor is the context of a doctor acting on the study.
func Doctor() context.Context {
	return domain.WithPrincipal(context.Background(), domain.Principal{Subject: "1", Username: "dottore-alice", Roles: []domain.Role{domain.RoleDoctor}})
}

// Installer is the context of an installer acting on the study.
func Installer() context.Context {
	return domain.WithPrincipal(context.Background(), domain.Principal{Subject: "2", Username: "iit-gennaro", Roles: []domain.Role{domain.RoleInstaller}})
}

// Mario is a valid enrolment (names matching the codice fiscale, which
// is given in lower case with a trailing space, as a client might) with
// one contact.
func Mario() domain.NewPatient {
	return domain.NewPatient{
		Identity: domain.Identity{
			FirstName: "Mario", LastName: "Rossi", CodiceFiscale: "rssmra45t10a562i ",
			Address: "Via Roma 12, 20121 Milano", MedicalNotes: "Mild memory loss since 2023.",
			Diagnosis: "Amnestic MCI", DiagnosisClass: domain.DiagnosisMCI,
		},
		Contacts: []domain.Contact{{Alias: "daughter Giulia", Phone: "+39 333 1234567", Email: "giulia@example.it"}},
	}
}

// Must returns a function that unwraps a (value, error) result, failing
// the test on the error: must[T](t)(f()).
func Must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// BackupRow is a patient's data key and the identity sealed under it, as
// a backup of the database holds them.
type BackupRow struct {
	Version uint32 // master key version the data key is wrapped under
	Wrapped []byte // the wrapped data key
	Sealed  []byte // the sealed identity
}

// Backup reads a patient's BackupRow straight from the database.
func (e *Env) Backup(t testing.TB, patientID int64) BackupRow {
	t.Helper()
	var b BackupRow
	err := e.Raw(t).QueryRow(`SELECT k.master_version, k.wrapped, p.sealed FROM patients p JOIN data_keys k ON k.id = p.data_key_id WHERE p.id = $1`,
		patientID).Scan(&b.Version, &b.Wrapped, &b.Sealed)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Patient is a valid enrolment distinct from every other n: a fictitious
// patient born on the nth day after 1 January 1940, whose codice fiscale
// is built from the names, so that tests can enrol as many homes as they
// need.
func Patient(t testing.TB, n int) domain.NewPatient {
	t.Helper()
	born := time.Date(1940, time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n)
	cf, err := codicefiscale.Build("Sensori", "Casa", "F", born, "F205")
	if err != nil {
		t.Fatal(err)
	}
	return domain.NewPatient{Identity: domain.Identity{FirstName: "Casa", LastName: "Sensori", CodiceFiscale: cf,
		Address: "Via dei Sensori 1, 20100 Milano", MedicalNotes: "Fixture.", Diagnosis: "Fixture", DiagnosisClass: domain.DiagnosisMCI}}
}
