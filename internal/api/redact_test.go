package api_test

import (
	"net/http"
	"strings"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
)

// TestFreeTextIsRedactedForRolesWithoutIdentity has an installer write the
// patient's name into the home notes and a ticket, then reads them back
// as each role.
func TestFreeTextIsRedactedForRolesWithoutIdentity(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Demo: true})
	doc := s.Login(t, demo.Doctor, "alice")
	var patient struct {
		FirstName    string `json:"first_name"`
		LastName     string `json:"last_name"`
		Installation string `json:"installation"`
	}
	s.Do(t, http.MethodGet, "/api/v1/patients/1", doc, nil).JSON(t, &patient)
	name := patient.FirstName + " " + patient.LastName
	note := "Ask for " + name + " at the door; " + strings.ToUpper(patient.LastName) + " naps after lunch"
	if res := s.Do(t, http.MethodPut, "/api/v1/installations/"+patient.Installation, doc, homeContext(note)); res.Status != http.StatusOK {
		t.Fatalf("update: %d %s", res.Status, res.Body)
	}
	cases := []struct {
		user, password string
		seesName       bool
	}{
		{demo.Doctor, "alice", true},
		{demo.Installer, "gennaro", true},
		{demo.Monitoring, "vincenzo", false},
		{demo.Researcher, "stefano", false},
	}
	for _, c := range cases {
		t.Run(c.user, func(t *testing.T) {
			tok := s.Login(t, c.user, c.password)
			var list struct {
				Installations []struct {
					ID      string            `json:"id"`
					Context map[string]string `json:"context"`
				} `json:"installations"`
			}
			s.Do(t, http.MethodGet, "/api/v1/installations", tok, nil).JSON(t, &list)
			paths := []string{"/api/v1/installations"}
			for _, i := range list.Installations {
				if strings.Contains(i.Context["habit_notes"], "naps after lunch") {
					paths = append(paths, "/api/v1/installations/"+i.ID)
				}
			}
			if len(paths) != 2 {
				t.Fatalf("the noted installation is not in the list")
			}
			for _, path := range paths {
				body := string(s.Do(t, http.MethodGet, path, tok, nil).Body)
				if !strings.Contains(body, "naps after lunch") {
					t.Fatalf("%s: the note is missing: %s", path, body)
				}
				leaks := strings.Contains(strings.ToLower(body), strings.ToLower(patient.LastName))
				if leaks != c.seesName {
					t.Errorf("%s: name shown = %v, want %v", path, leaks, c.seesName)
				}
			}
		})
	}
}

// homeContext is a full home description (PUT replaces it whole).
func homeContext(habits string) map[string]string {
	hc := map[string]string{}
	for _, f := range []string{"apartment_type", "internet_type", "flatmates", "pets", "visitors", "smartphone_model", "appliances", "issue_notes", "other_notes"} {
		hc[f] = ""
	}
	hc["habit_notes"] = habits
	return hc
}
