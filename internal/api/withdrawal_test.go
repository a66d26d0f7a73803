package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/storetest"
)

// wdHome is a demo patient's home as the doctor and the installer
// each refer to it.
type wdHome struct {
	patient, first, last string // the doctor's id and the names
	inst                 string // the installer's pseudonym of the installation
}

type wdInstallation struct {
	ID              string     `json:"id"`
	Status          string     `json:"status"`
	CollectionStart *time.Time `json:"collection_start"`
	CollectionEnd   *time.Time `json:"collection_end"`
}

type wdTicket struct {
	ID       string `json:"id"`
	Category string `json:"category"`
	Open     bool   `json:"open"`
	OpenedBy string `json:"opened_by"`
	ClosedBy string `json:"closed_by"`
	Messages []struct {
		Sender, Body string
	} `json:"messages"`
}

type wdContactSheet struct {
	FirstName string                          `json:"first_name"`
	LastName  string                          `json:"last_name"`
	Address   string                          `json:"address"`
	Contacts  []struct{ Alias, Phone string } `json:"contacts"`
}

// wdDemoHomes returns the demo's homes by status, matching the doctor's
// patient list with the installer's contact sheets by name.
func wdDemoHomes(t *testing.T, s *apptest.Server, doctor, iit string) map[string][]wdHome {
	t.Helper()
	var patients struct {
		Patients []struct {
			ID        string `json:"id"`
			FirstName string `json:"first_name"`
			LastName  string `json:"last_name"`
			Status    string `json:"status"`
		} `json:"patients"`
	}
	s.Do(t, http.MethodGet, "/api/v1/patients", doctor, nil).JSON(t, &patients)
	var insts struct{ Installations []wdInstallation }
	s.Do(t, http.MethodGet, "/api/v1/installations", iit, nil).JSON(t, &insts)
	byName := map[string]string{}
	for _, i := range insts.Installations {
		var cs wdContactSheet
		s.Do(t, http.MethodGet, "/api/v1/installations/"+i.ID+"/contact-sheet", iit, nil).JSON(t, &cs)
		byName[cs.FirstName+" "+cs.LastName] = i.ID
	}
	if len(byName) != len(insts.Installations) {
		t.Fatalf("%d names for %d installations: the contact sheets did not decode", len(byName), len(insts.Installations))
	}
	out := map[string][]wdHome{}
	for _, p := range patients.Patients {
		out[p.Status] = append(out[p.Status], wdHome{patient: p.ID, first: p.FirstName, last: p.LastName, inst: byName[p.FirstName+" "+p.LastName]})
	}
	return out
}

func wdGet[T any](t *testing.T, s *apptest.Server, path, token string) T {
	t.Helper()
	res := s.Do(t, http.MethodGet, path, token, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, res.Status, res.Body)
	}
	var v T
	res.JSON(t, &v)
	return v
}

func wdTickets(t *testing.T, s *apptest.Server, inst, iit string) []wdTicket {
	t.Helper()
	return wdGet[struct{ Tickets []wdTicket }](t, s, "/api/v1/installations/"+inst+"/tickets", iit).Tickets
}

func wdOpenTicket(t *testing.T, s *apptest.Server, inst, iit, category string) wdTicket {
	t.Helper()
	for _, tk := range wdTickets(t, s, inst, iit) {
		if tk.Open && tk.Category == category {
			return tk
		}
	}
	t.Fatalf("no open %s ticket on %s", category, inst)
	return wdTicket{}
}

func TestWithdrawalThroughTheAPI(t *testing.T) {
	t.Parallel()
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) { withdrawalThroughTheAPI(t, backend) })
	}
}

func withdrawalThroughTheAPI(t *testing.T, backend string) {
	s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
	doctor := s.Login(t, demo.Doctor, "alice")
	iit := s.Login(t, demo.Installer, "gennaro")
	homes := wdDemoHomes(t, s, doctor, iit)
	if len(homes["to_install"]) == 0 || len(homes["working"]) < 3 || len(homes["inactive"]) == 0 {
		t.Fatalf("the demo lacks homes in the states this test needs: %v", homes)
	}
	toInstall, working, spare := homes["to_install"][0], homes["working"][0], homes["working"][1]

	t.Run("withdrawing during installation closes the installation ticket: the installer's close is a 409", func(t *testing.T) {
		first := wdOpenTicket(t, s, toInstall.inst, iit, "installation")
		if res := s.Do(t, http.MethodDelete, "/api/v1/patients/"+toInstall.patient, doctor, nil); res.Status != http.StatusNoContent {
			t.Fatalf("withdraw: %d %s", res.Status, res.Body)
		}
		p := checkProblem(t, s.Do(t, http.MethodPost, "/api/v1/tickets/"+first.ID+"/close", iit, nil), http.StatusConflict)
		if p.Detail == "" {
			t.Error("the 409 does not say why")
		}
		inst := wdGet[wdInstallation](t, s, "/api/v1/installations/"+toInstall.inst, iit)
		if inst.Status != "uninstalling" || inst.CollectionStart != nil || inst.CollectionEnd == nil {
			t.Errorf("installation = %+v, want uninstalling, collection never started and ended", inst)
		}
		un := wdOpenTicket(t, s, toInstall.inst, iit, "uninstallation")
		if un.OpenedBy != "serenade" {
			t.Errorf("uninstallation ticket opened by %q, want the system", un.OpenedBy)
		}
	})

	t.Run("until the kit is back installers see name, address and contacts; the doctor no codice fiscale or notes", func(t *testing.T) {
		cs := wdGet[wdContactSheet](t, s, "/api/v1/installations/"+toInstall.inst+"/contact-sheet", iit)
		if cs.FirstName != toInstall.first || cs.LastName != toInstall.last || cs.Address == "" || len(cs.Contacts) == 0 {
			t.Errorf("contact sheet during the retrieval = %+v", cs)
		}
		rec := wdGet[map[string]any](t, s, "/api/v1/patients/"+toInstall.patient, doctor)
		for _, gone := range []string{"codice_fiscale", "medical_notes", "diagnosis"} {
			if rec[gone] != "" {
				t.Errorf("%s = %v after the withdrawal, want erased", gone, rec[gone])
			}
		}
		for _, gone := range []string{"birth_date", "birth_place", "age", "sex"} {
			if _, ok := rec[gone]; ok {
				t.Errorf("%s still derived after the withdrawal: %v", gone, rec[gone])
			}
		}
		if rec["withdrawn_at"] == nil {
			t.Error("withdrawn_at is not set")
		}
		checkProblem(t, s.Do(t, http.MethodPut, "/api/v1/installations/"+toInstall.inst+"/contact-sheet/address", iit,
			map[string]string{"address": "Via Altrove 1"}), http.StatusConflict)
	})

	t.Run("withdrawing a working patient ends collection now and the home is uninstalling", func(t *testing.T) {
		before := wdGet[wdInstallation](t, s, "/api/v1/installations/"+working.inst, iit)
		if res := s.Do(t, http.MethodDelete, "/api/v1/patients/"+working.patient, doctor, nil); res.Status != http.StatusNoContent {
			t.Fatalf("withdraw: %d %s", res.Status, res.Body)
		}
		after := wdGet[wdInstallation](t, s, "/api/v1/installations/"+working.inst, iit)
		if after.Status != "uninstalling" {
			t.Errorf("status = %s, want uninstalling", after.Status)
		}
		if !after.CollectionStart.Equal(*before.CollectionStart) || !after.CollectionEnd.Before(*before.CollectionEnd) || after.CollectionEnd.Before(*after.CollectionStart) {
			t.Errorf("collection %v – %v, was %v – %v: want the same start and an end moved to the withdrawal",
				after.CollectionStart, after.CollectionEnd, before.CollectionStart, before.CollectionEnd)
		}
	})

	t.Run("opening an uninstallation ticket on a working home is accepted", func(t *testing.T) {
		res := s.Do(t, http.MethodPost, "/api/v1/installations/"+spare.inst+"/tickets", iit, map[string]string{"category": "uninstallation", "message": "End of the study"})
		if res.Status != http.StatusCreated {
			t.Fatalf("open uninstallation: %d %s, want 201", res.Status, res.Body)
		}
	})

	t.Run("a second installation ticket on a working or inactive home is a 409", func(t *testing.T) {
		for _, inst := range []string{homes["working"][2].inst, homes["inactive"][0].inst} {
			res := s.Do(t, http.MethodPost, "/api/v1/installations/"+inst+"/tickets", iit, map[string]string{"category": "installation", "message": "again"})
			if p := checkProblem(t, res, http.StatusConflict); !strings.Contains(p.Detail, "installation") {
				t.Errorf("detail %q does not say why", p.Detail)
			}
		}
	})

	t.Run("closing the uninstallation ticket after the withdrawal ends inactive and shreds the identity", func(t *testing.T) {
		un := wdOpenTicket(t, s, working.inst, iit, "uninstallation")
		res := s.Do(t, http.MethodPost, "/api/v1/tickets/"+un.ID+"/close", iit, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("close: %d %s", res.Status, res.Body)
		}
		if inst := wdGet[wdInstallation](t, s, "/api/v1/installations/"+working.inst, iit); inst.Status != "inactive" {
			t.Errorf("status = %s, want inactive", inst.Status)
		}
		cs := wdGet[wdContactSheet](t, s, "/api/v1/installations/"+working.inst+"/contact-sheet", iit)
		if cs.FirstName != "" || cs.LastName != "" || cs.Address != "" || len(cs.Contacts) != 0 {
			t.Errorf("contact sheet after the kit came back = %+v, want nothing", cs)
		}
		rec := wdGet[map[string]any](t, s, "/api/v1/patients/"+working.patient, doctor)
		if rec["first_name"] != "" || rec["last_name"] != "" || rec["address"] != "" {
			t.Errorf("record after the kit came back = %v, want no identity", rec)
		}
	})
}
