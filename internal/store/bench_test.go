package store_test

import (
	"fmt"
	"testing"
	"time"

	"serenade/internal/codicefiscale"
	"serenade/internal/domain"
	"serenade/internal/testsupport/storetest"
)

// patientN is a distinct valid patient for benchmarks.
func patientN(b *testing.B, n int) domain.NewPatient {
	in := mario()
	birth := mustDate(1930+n%30, 1+n%12, 1+n%28)
	cf, err := codicefiscale.Build(fmt.Sprintf("Rossi%c%c", 'A'+n%26, 'A'+n/26%26), fmt.Sprintf("Mario%c", 'A'+n/676%26), "M", birth, "F205")
	if err != nil {
		b.Fatal(err)
	}
	in.Identity.CodiceFiscale = cf
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
				if _, err := env.DB.Enrol(doctor(), ins[i]); err != nil {
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
			p, err := env.DB.Enrol(doctor(), patientN(b, 1))
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
			p, err := env.DB.Enrol(doctor(), patientN(b, 1))
			if err != nil {
				b.Fatal(err)
			}
			raw := rawDB(b, env)
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
