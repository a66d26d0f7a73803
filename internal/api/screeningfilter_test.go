package api_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/testsupport/apptest"
)

// screeningPage is a page of the screening list, as its patients'
// references, and the next page's cursor.
func screeningPage(t *testing.T, s *apptest.Server, token string, q url.Values) ([]string, string) {
	t.Helper()
	path := "/api/v1/screening"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var page struct {
		Screening []struct {
			Patient string `json:"patient"`
		} `json:"screening"`
		Next string `json:"next"`
	}
	listAs(t, s, token, path).JSON(t, &page)
	refs := make([]string, len(page.Screening))
	for i, sc := range page.Screening {
		refs[i] = sc.Patient
	}
	return refs, page.Next
}

// filteredScreening reads the screening list filtered to refs, page by
// page of limit rows (0: one page of the default size).
func filteredScreening(t *testing.T, s *apptest.Server, token string, limit int, refs ...string) []string {
	t.Helper()
	q := url.Values{"patient": refs}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var all []string
	for range 10 {
		got, next := screeningPage(t, s, token, q)
		all = append(all, got...)
		if next == "" {
			return all
		}
		q.Set("cursor", next)
	}
	t.Fatalf("the filtered list of %v does not end", refs)
	return nil
}

// TestScreeningFilteredToPatients, on both backends: the screening list
// filtered by patient holds exactly the named patients still in the study,
// in the list's order, for a doctor (ids) and a researcher (pseudonyms),
// in one page or in pages; a withdrawn patient, another role's pseudonym,
// a raw id from a researcher and references that name no patient are
// simply absent; the read's one audit entry is in the history of exactly
// the patients it returned.
func TestScreeningFilteredToPatients(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			doctor := s.Login(t, demo.Doctor, "alice")
			withdrawn := "3"
			if res := s.Do(t, http.MethodDelete, "/api/v1/patients/"+withdrawn, doctor, nil); res.Status != http.StatusNoContent {
				t.Fatalf("withdraw: %d %s", res.Status, res.Body)
			}
			var list struct {
				Patients []struct {
					ID string `json:"id"`
				} `json:"patients"`
			}
			listAs(t, s, doctor, "/api/v1/patients").JSON(t, &list)
			var ids []string
			for _, p := range list.Patients {
				if p.ID != withdrawn {
					ids = append(ids, p.ID)
				}
			}
			if len(ids) < 4 {
				t.Fatalf("%d live patients in the demo, want at least 4", len(ids))
			}

			// A doctor, by ids: asked out of order, with a repeat, the
			// withdrawn patient and ids that name nobody.
			a, b := ids[1], ids[len(ids)-1]
			got := filteredScreening(t, s, doctor, 0, b, withdrawn, a, "999999", b, "0x1")
			if want := []string{a, b}; !slices.Equal(got, want) {
				t.Errorf("doctor's filtered list = %v, want %v", got, want)
			}
			for _, id := range append(ids, withdrawn) {
				entries := historyOf(t, s, doctor, id, "list-screening")
				asked := id == a || id == b
				if asked && (len(entries) != 1 || entries[0].Listed != 2) || !asked && len(entries) != 0 {
					t.Errorf("patient %s's history of screening lists: %+v (asked: %v), want one entry listing 2 exactly for the asked", id, entries, asked)
				}
			}
			if got := filteredScreening(t, s, doctor, 0, withdrawn, "999999"); len(got) != 0 {
				t.Errorf("a filter naming no live patient listed %v, want none", got)
			}

			// A researcher, by pseudonyms, in one page and in pages of one.
			researcher := s.Login(t, demo.Researcher, "stefano")
			all, _ := screeningPage(t, s, researcher, nil)
			if len(all) != len(ids) {
				t.Fatalf("researcher's list has %d patients, want %d", len(all), len(ids))
			}
			var inst struct {
				Installations []struct {
					Patient string `json:"patient"`
				} `json:"installations"`
			}
			listAs(t, s, s.Login(t, demo.Installer, "gennaro"), "/api/v1/installations").JSON(t, &inst)
			if len(inst.Installations) == 0 || slices.Contains(all, inst.Installations[0].Patient) {
				t.Fatalf("the installer's pseudonyms %+v are the researcher's", inst.Installations)
			}
			foreign := []string{inst.Installations[0].Patient, ids[0], strings.Repeat("a", 26), "nobody"}
			want := []string{all[0], all[2], all[len(all)-1]}
			ask := append([]string{all[len(all)-1], all[0], all[2]}, foreign...)
			if got := filteredScreening(t, s, researcher, 0, ask...); !slices.Equal(got, want) {
				t.Errorf("researcher's filtered list = %v, want %v", got, want)
			}
			if got := filteredScreening(t, s, researcher, 1, ask...); !slices.Equal(got, want) {
				t.Errorf("researcher's filtered list in pages of one = %v, want %v", got, want)
			}
			if got := filteredScreening(t, s, researcher, 0, foreign...); len(got) != 0 {
				t.Errorf("foreign and unknown references listed %v, want none", got)
			}
			// The one-page read is one entry listing 3, in the history of
			// exactly 3 patients (the researcher's pseudonyms are not the
			// doctor's ids: counted, not named).
			with := 0
			for _, id := range append(ids, withdrawn) {
				for _, e := range historyOf(t, s, doctor, id, "list-screening") {
					if e.Actor == demo.Researcher && e.Listed == 3 {
						with++
					}
				}
			}
			if with != 3 {
				t.Errorf("the researcher's filtered read is in %d patients' history, want 3", with)
			}
		})
	}
}

// TestScreeningFilterRefusals: more references than the bound, an empty
// one (which a lenient reader would take for no filter, the whole list),
// an over-long one and one the text policy refuses are each a 422 naming
// query.patient (an item's bound names the value's index, as huma does);
// the bound itself is read, and a researcher's raw ids name nobody.
func TestScreeningFilterRefusals(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	researcher := s.Login(t, demo.Researcher, "stefano")
	many := make([]string, domain.ListPatientsMax+1)
	for i := range many {
		many[i] = "patient=" + strconv.Itoa(i+1)
	}
	for name, query := range map[string]string{
		"too many":     strings.Join(many, "&"),
		"empty":        "patient=",
		"empty second": "patient=1&patient=",
		"too long":     "patient=" + strings.Repeat("a", domain.RefMaxLength+1),
		"control":      "patient=a%00b",
	} {
		res := s.Do(t, http.MethodGet, "/api/v1/screening?"+query, researcher, nil)
		p := checkProblem(t, res, http.StatusUnprocessableEntity)
		if len(p.Errors) == 0 {
			t.Errorf("%s: no error detail: %s", name, res.Body)
		}
		for _, e := range p.Errors {
			if e.Location != "query.patient" && !strings.HasPrefix(e.Location, "query.patient[") {
				t.Errorf("%s: error at %q, want query.patient (or one of its values): %s", name, e.Location, res.Body)
			}
		}
	}
	// The bound itself is allowed.
	refs := make([]string, domain.ListPatientsMax)
	for i := range refs {
		refs[i] = strconv.Itoa(i + 1)
	}
	if got := filteredScreening(t, s, researcher, 0, refs...); len(got) != 0 {
		t.Errorf("raw ids from a researcher listed %v, want none", got)
	}
}
