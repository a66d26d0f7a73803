package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"serenade/internal/domain"
	"serenade/internal/keyring"
	"serenade/internal/service"
	"serenade/internal/store"
	"serenade/internal/testsupport/storetest"
)

// person is an enrolment of Giovanni Verdi with the given codice fiscale
// and confirmed birth year (0: none).
func person(cf string, year int) domain.NewPatient {
	in := mario()
	in.Identity.FirstName, in.Identity.LastName, in.Identity.CodiceFiscale, in.Identity.BirthYear = "Giovanni", "Verdi", cf, year
	return in
}

func TestTheBirthYearIsPlacedAtEnrolmentAndStored(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := doctor()
		// The clock is at 2026-03-02: VRDGNN24… (10 March 24) is 101 for eight more days.
		p := must[domain.Patient](t)(env.Study().Enrol(ctx, person("VRDGNN24C10F205I", 0)))
		got := must[domain.Patient](t)(env.Reopen(t).Patient(ctx, p.ID))
		if got.Identity.BirthYear != 1924 {
			t.Fatalf("stored birth year %d, want 1924", got.Identity.BirthYear)
		}
		env.Clock.Advance(272 * 24 * time.Hour) // 2026-11-29
		d := must[domain.Derived](t)(got.Identity.Derive(env.Clock.Now()))
		if d.BirthDate.Format(time.DateOnly) != "1924-03-10" || d.Age != 102 || d.AgeClass != "85+" {
			t.Errorf("derived %s, %d, %s; want 1924-03-10, 102, 85+", d.BirthDate.Format(time.DateOnly), d.Age, d.AgeClass)
		}
	})
}

func TestAnAmbiguousCodeIsEnrolledWithTheDoctorsYearOnly(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := doctor()
		const cf = "VRDGNN06A01F205A" // 1 January 06: 20 or 120 in 2026
		_, err := env.Study().Enrol(ctx, person(cf, 0))
		invalidAt(t, err, "birth_year")
		_, err = env.Study().Enrol(ctx, person(cf, 1950))
		invalidAt(t, err, "birth_year")
		p := must[domain.Patient](t)(env.Study().Enrol(ctx, person(cf, 2006)))
		if p.Identity.BirthYear != 2006 {
			t.Fatalf("birth year %d, want 2006", p.Identity.BirthYear)
		}
		edit := p.Identity
		edit.BirthYear, edit.Address = 0, "Via Padova 2, Milano"
		p = must[domain.Patient](t)(env.Study().UpdateIdentity(ctx, p.ID, edit))
		if p.Identity.BirthYear != 2006 || p.Identity.Address != "Via Padova 2, Milano" {
			t.Errorf("after an edit without a year: %d, %q; want 2006 kept", p.Identity.BirthYear, p.Identity.Address)
		}
		edit.BirthYear = 1950
		_, err = env.Study().UpdateIdentity(ctx, p.ID, edit)
		if de := (*domain.Error)(nil); !errors.As(err, &de) || de.Field != "birth_year" {
			t.Errorf("a correction to a year the code does not admit: %v, want invalid birth_year", err)
		}
		edit.BirthYear = 1906
		p = must[domain.Patient](t)(env.Study().UpdateIdentity(ctx, p.ID, edit))
		if p.Identity.BirthYear != 1906 {
			t.Errorf("after a correction: %d, want 1906", p.Identity.BirthYear)
		}
	})
}

func TestTheConfiguredMinimumAgePlacesTheYear(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		env.DB.Close()
		kr := must[*keyring.Keyring](t)(keyring.New(keyring.FileSource{Path: env.KeyFile}))
		db := must[*store.DB](t)(store.Open(context.Background(), store.Config{URL: env.URL, Keyring: kr, Now: env.Clock.Now, MinParticipantAge: 21}))
		t.Cleanup(func() { db.Close() })
		p := must[domain.Patient](t)(service.New(db).Enrol(doctor(), person("VRDGNN06A01F205A", 0)))
		if p.Identity.BirthYear != 1906 {
			t.Errorf("birth year %d, want 1906: 2006 gives 20, under the minimum of 21", p.Identity.BirthYear)
		}
	})
}

func TestNamesThatDisagreeWithTheCodeAreRefused(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		in := person("VRDGNN24C10F205I", 0)
		in.Identity.LastName = "Rossi"
		_, err := env.Study().Enrol(doctor(), in)
		invalidAt(t, err, "last_name")
		in = person("VRDGNN24C10F205I", 0)
		in.Identity.FirstName = "Gianni" // GNN as well: the first-name rule is not needed
		p := must[domain.Patient](t)(env.Study().Enrol(doctor(), in))
		edit := p.Identity
		edit.FirstName = "Giorgio"
		_, err = env.Study().UpdateIdentity(doctor(), p.ID, edit) // refused inside the transaction
		var de *domain.Error
		if !errors.As(err, &de) || de.Kind != domain.KindInvalid || de.Field != "first_name" {
			t.Errorf("err = %v, want invalid first_name", err)
		}
	})
}
