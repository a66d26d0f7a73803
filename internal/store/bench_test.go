package store_test

import (
	"testing"
	"time"

	"serenade/internal/codicefiscale"
	"serenade/internal/domain"
	"serenade/internal/testsupport/storetest"
)

// patientN is the n-th of millions of distinct valid patients: the
// consonants of surname and name spell n in base 21, so their codici
// fiscali differ.
func patientN(b testing.TB, n int) domain.NewPatient {
	const consonants = "BCDFGHJKLMNPQRSTVWXYZ"
	word := func(k int) string {
		c := func(i int) byte { return consonants[i%21] }
		return string([]byte{c(k), 'a', c(k / 21), 'e', c(k / 441)})
	}
	in := mario()
	cf, err := codicefiscale.Build(word(n), word(n/9261), "M", mustDate(1940, 1+n%12, 1+n%28), "F205")
	if err != nil {
		b.Fatal(err)
	}
	in.Identity.CodiceFiscale, in.Identity.LastName, in.Identity.FirstName = cf, word(n), word(n/9261)
	return in
}

// BenchmarkEnrol measures one enrolment (patient, installation, ticket
// and first message, each sealed) per op.
func BenchmarkEnrol(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			env := storetest.Open(b, backend)
			ins := make([]domain.NewPatient, b.N)
			for i := range ins {
				ins[i] = patientN(b, i)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := env.Study().Enrol(doctor(), ins[i]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReadPatient measures reading one patient back, decrypted.
func BenchmarkReadPatient(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			env := storetest.Open(b, backend)
			p, err := env.Study().Enrol(doctor(), patientN(b, 1))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := env.DB.Patient(doctor(), p.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func mustDate(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

// BenchmarkRawPointRead is the machine's limit the other benchmarks are
// compared with: one primary-key read of one row through database/sql,
// no decryption, on the same database.
func BenchmarkRawPointRead(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			env := storetest.Open(b, backend)
			p, err := env.Study().Enrol(doctor(), patientN(b, 1))
			if err != nil {
				b.Fatal(err)
			}
			raw := env.Raw(b)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var sealed []byte
				if err := raw.QueryRow(`SELECT sealed FROM patients WHERE id = $1`, p.ID).Scan(&sealed); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
