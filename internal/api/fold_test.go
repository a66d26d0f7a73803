package api_test

import (
	"net/url"
	"slices"
	"strconv"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/pseudonym"
	"serenade/internal/testsupport/apptest"
)

// TestLettersThatDoNotDecompose, on both backends: a patient enrolled
// as Łukasz Øvergård (code VRGLSZ47C03F205L, accepted) is redacted for
// monitoring in every spelling an installer types (as written, in plain
// letters, in capitals, with å as "aa"), and doctors find the patient by
// the plain spellings as well as by the name as written.
func TestLettersThatDoNotDecompose(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			codec := pseudonym.New(s.App.Store().PseudonymKey())
			doctor := s.Login(t, demo.Doctor, "alice")
			rec := enrolBirth(t, s, doctor, map[string]any{"first_name": "Łukasz", "last_name": "Øvergård",
				"codice_fiscale": "VRGLSZ47C03F205L", "address": "Via Padova 9, Milano"})
			pid, err := strconv.ParseInt(rec.ID, 10, 64)
			if err != nil {
				t.Fatalf("record id %q: %v", rec.ID, err)
			}
			inst, ticket := openTicketOf(t, s.App.Store(), pid)

			const written = "Spoke to Łukasz Øvergård; Lukasz Overgard says the hub (sig. Overgaard, LUKASZ OVERGARD) is unplugged."
			n, got := monitoringReadsMessage(t, s, codec, inst, ticket, written)
			want := "Spoke to " + n + "; " + n + " says the hub (sig. " + n + ", " + n + ") is unplugged."
			if n == "" || got != want {
				t.Errorf("monitoring reads %q,\nwant %q", got, want)
			}

			for _, q := range []string{"Overgard", "Lukasz", "Øvergård", "Łukasz", "Overgaard", "OVERGARD LUKASZ"} {
				rows := allPages(t, s, doctor, "/api/v1/patients?limit=10&q="+url.QueryEscape(q), "patients")
				var got []string
				for _, r := range rows {
					got = append(got, r.str("id"))
				}
				if !slices.Equal(got, []string{rec.ID}) {
					t.Errorf("q=%q: %v, want [%s]", q, got, rec.ID)
				}
			}
		})
	}
}
