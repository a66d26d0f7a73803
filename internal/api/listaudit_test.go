package api_test

import (
	"context"
	"net/http"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
)

// listEntry is what a patient's access history says of a list read.
type listEntry struct {
	Seq       int64  `json:"seq"`
	Actor     string `json:"actor"`
	Operation string `json:"operation"`
	Listed    int    `json:"patients_listed"`
}

// historyOf is every entry of operation op in the patient's access
// history, as the doctor reads it.
func historyOf(t *testing.T, s *apptest.Server, doctor, patient, op string) []listEntry {
	t.Helper()
	res := s.Do(t, http.MethodGet, "/api/v1/patients/"+patient+"/access-history?limit=1000", doctor, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("history of %s: %d %s", patient, res.Status, res.Body)
	}
	var page struct {
		Entries []listEntry `json:"entries"`
	}
	res.JSON(t, &page)
	var out []listEntry
	for _, e := range page.Entries {
		if e.Operation == op {
			out = append(out, e)
		}
	}
	return out
}

// TestListReadsAreInEachListedPatientsHistory, on both backends: a
// doctor's patient list, a researcher's screening list and an
// installer's installation list are each one audit entry, and that
// entry (same seq, with the number of patients listed) is in the access
// history of every patient the list returned and of no other: the
// withdrawn patient is in the doctor's list but not in the screening
// list. The trail verifies afterwards.
func TestListReadsAreInEachListedPatientsHistory(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			doctor := s.Login(t, demo.Doctor, "alice")
			withdrawn := "3"
			if res := s.Do(t, http.MethodDelete, "/api/v1/patients/"+withdrawn, doctor, nil); res.Status != http.StatusNoContent {
				t.Fatalf("withdraw: %d %s", res.Status, res.Body)
			}
			var list struct {
				Patients []struct {
					ID        string `json:"id"`
					Withdrawn bool   `json:"withdrawn"`
				} `json:"patients"`
			}
			listAs(t, s, doctor, "/api/v1/patients").JSON(t, &list)
			var screening struct {
				Screening []struct{} `json:"screening"`
			}
			listAs(t, s, s.Login(t, demo.Researcher, "stefano"), "/api/v1/screening").JSON(t, &screening)
			var installations struct {
				Installations []struct{} `json:"installations"`
			}
			listAs(t, s, s.Login(t, demo.Installer, "gennaro"), "/api/v1/installations").JSON(t, &installations)

			if len(list.Patients) < 2 || len(screening.Screening) != len(list.Patients)-1 {
				t.Fatalf("%d patients listed, %d in screening: want the withdrawn one out of screening only", len(list.Patients), len(screening.Screening))
			}
			lists := []struct {
				op    string
				n     int
				skips string
			}{
				{"list-patients", len(list.Patients), ""},
				{"list-screening", len(screening.Screening), withdrawn},
				{"list-installations", len(installations.Installations), ""},
			}
			for _, l := range lists {
				seq := int64(0)
				for _, p := range list.Patients {
					got := historyOf(t, s, doctor, p.ID, l.op)
					if p.ID == l.skips {
						if len(got) != 0 {
							t.Errorf("%s: patient %s was not listed but its history shows %+v", l.op, p.ID, got)
						}
						continue
					}
					if len(got) != 1 || got[0].Listed != l.n || (seq != 0 && got[0].Seq != seq) {
						t.Errorf("%s: patient %s's history shows %+v, want one entry (seq %d) listing %d", l.op, p.ID, got, seq, l.n)
						continue
					}
					seq = got[0].Seq
				}
			}
			if n, err := s.App.Store().VerifyAudit(context.Background()); err != nil {
				t.Fatalf("verify after %d entries: %v", n, err)
			}
		})
	}
}

func listAs(t *testing.T, s *apptest.Server, token, path string) apptest.Response {
	t.Helper()
	res := s.Do(t, http.MethodGet, path, token, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, res.Status, res.Body)
	}
	return res
}
