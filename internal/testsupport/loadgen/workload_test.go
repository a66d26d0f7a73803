package loadgen_test

import (
	"context"
	"testing"
	"time"

	"serenade/internal/app"
	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/loadgen"
	"serenade/internal/testsupport/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// demoAccounts are the demo's doctor, installer and researcher.
func demoAccounts(t testing.TB) loadgen.Accounts {
	acc := func(name string) loadgen.Account {
		a, ok := demo.AccountNamed(name)
		if !ok {
			t.Fatalf("no demo account %s", name)
		}
		return loadgen.Account{Username: a.Username, Password: a.Password}
	}
	return loadgen.Accounts{Doctor: acc(demo.Doctor), Installer: acc(demo.Installer), Researcher: acc(demo.Researcher)}
}

// The mixed workload runs every operation against a real server on both
// backends without an error, and what it reports is what the server
// did: the enrolments it counts as answered are the patients added.
func TestMixedWorkloadRunsEveryOperation(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			s := startWithStreams(t, backend, 1, nil)
			ctx := context.Background()
			w, err := loadgen.New(ctx, s.URL, demoAccounts(t), loadgen.Scaled(loadgen.DefaultRates, 2))
			if err != nil {
				t.Fatal(err)
			}
			before := countPatients(t, s)
			r := w.Run(ctx, 2*time.Second)
			if len(r.Ops) != len(loadgen.Ops) {
				t.Fatalf("%d operations reported, want %d: %+v", len(r.Ops), len(loadgen.Ops), r.Ops)
			}
			sum := 0
			for i, st := range r.Ops {
				if st.Op != loadgen.Ops[i] || st.Requests == 0 || st.Errors != 0 || st.P99 <= 0 || st.P50 > st.P99 {
					t.Errorf("%v (codes %v, errors %v)", st, st.Codes, st.Samples)
				}
				sum += st.Requests
			}
			if r.Total.Requests != sum || r.Total.Errors != 0 {
				t.Errorf("total %v, want %d requests and no error", r.Total, sum)
			}
			enrol := r.Ops[0]
			if added := countPatients(t, s) - before; added != enrol.Codes["201"] {
				t.Errorf("%d patients added, the workload counted %d enrolments answered 201", added, enrol.Codes["201"])
			}
		})
	}
}

// A server that refuses everything shows as errors, not as silence.
func TestWorkloadCountsRefusalsAsErrors(t *testing.T) {
	t.Parallel()
	s := startWithStreams(t, "sqlite", 1, nil)
	ctx := context.Background()
	w, err := loadgen.New(ctx, s.URL, demoAccounts(t), map[string]float64{loadgen.OpScreening: 20})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	r := w.Run(ctx, time.Second)
	if len(r.Ops) != 1 || r.Ops[0].Requests == 0 || r.Ops[0].Errors != r.Ops[0].Requests {
		t.Fatalf("against a stopped server: %+v", r.Ops)
	}
}

// startWithStreams starts a demo server whose homes have days of
// sensor data, sent before it returns (the researchers' stream reads
// need streams), with edit applied to the configuration when not nil.
func startWithStreams(t testing.TB, backend string, days int, edit func(*app.Config)) *apptest.Server {
	s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true, Edit: func(c *app.Config) {
		c.Sensors.DemoDays = days
		if edit != nil {
			edit(c)
		}
	}})
	select {
	case r := <-s.App.DemoSensors():
		if r.Accepted == 0 {
			t.Fatalf("the demo homes got no readings: %+v", r)
		}
	case <-time.After(5 * time.Minute):
		t.Fatal("the demo's sensor data was not sent within 5 minutes")
	}
	return s
}

func countPatients(t *testing.T, s *apptest.Server) int {
	var n int
	if err := s.Raw(t).QueryRow(`SELECT count(*) FROM patients`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
