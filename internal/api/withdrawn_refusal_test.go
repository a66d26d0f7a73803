package api_test

import (
	"net/http"
	"strings"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/storetest"
)

// Withdrawing a patient whose kit is already home opens no
// uninstallation ticket, so the 409s refusing new tickets must not send
// the installer to one.
func TestRefusalsOfAWithdrawnHomeWithTheKitBackNameNoUninstallationTicket(t *testing.T) {
	t.Parallel()
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			doctor := s.Login(t, demo.Doctor, "alice")
			iit := s.Login(t, demo.Installer, "gennaro")
			homes := wdDemoHomes(t, s, doctor, iit)
			if len(homes["inactive"]) == 0 {
				t.Fatalf("the demo has no inactive home: %v", homes)
			}
			home := homes["inactive"][0]
			if res := s.Do(t, http.MethodDelete, "/api/v1/patients/"+home.patient, doctor, nil); res.Status != http.StatusNoContent {
				t.Fatalf("withdraw: %d %s", res.Status, res.Body)
			}
			for _, tk := range wdTickets(t, s, home.inst, iit) {
				if tk.Open {
					t.Errorf("ticket %s (%s) open after withdrawing with the kit home", tk.ID, tk.Category)
				}
			}
			for _, category := range []string{"installation", "maintenance", "uninstallation"} {
				res := s.Do(t, http.MethodPost, "/api/v1/installations/"+home.inst+"/tickets", iit, map[string]string{"category": category, "message": "again"})
				p := checkProblem(t, res, http.StatusConflict)
				if strings.Contains(p.Detail, "on the uninstallation ticket") || !strings.Contains(p.Detail, "no longer in the home") {
					t.Errorf("%s: detail %q, want the kit said to be home and no uninstallation ticket to write on", category, p.Detail)
				}
			}
		})
	}
}
