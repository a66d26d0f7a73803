package api_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"serenade/internal/access"
	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/pseudonym"
	"serenade/internal/resource"
	"serenade/internal/testsupport/apptest"
)

// pinnedResourceTypes is the audit resource type of every route, as the
// trail recorded it before the type was declared from the resource
// table instead of read off the path's last parameter: audit data must
// not change when a path parameter is renamed.
var pinnedResourceTypes = map[string]string{
	"create-token": "session", "get-me": "auth",
	"list-patients": "patients", "enrol-patient": "patients",
	"get-patient": "patient", "update-patient": "patient", "correct-date-join": "patient", "withdraw-patient": "patient",
	"list-screening": "screening", "get-screening": "patient", "update-screening": "patient",
	"list-installations": "installations", "get-installation": "installation", "update-installation": "installation",
	"correct-collection-dates": "installation", "list-collection-corrections": "installation",
	"get-contact-sheet": "installation", "update-address": "installation", "add-contact": "installation",
	"update-contact": "contact", "delete-contact": "contact",
	"list-tickets": "installation", "ticket-queue": "tickets", "open-ticket": "installation", "get-ticket": "ticket",
	"add-message": "ticket", "close-ticket": "ticket",
	"list-documents": "installation", "upload-document": "installation",
	"download-document": "document", "delete-document": "document",
	"query-audit": "audit", "get-access-history": "patient", "verify-audit": "audit", "list-accounts": "accounts",
	"provision-ingest-token": "installation", "list-ingest-tokens": "installation", "revoke-ingest-token": "token",
	"list-streams": "streams", "read-stream": "stream", "read-installation-streams": "installation", "export-stream-csv": "stream",
	"export-cohort-readings": "streams",

	"get-installation-health": "installation",
}

// TestEveryRouteRecordsItsPinnedResourceType, on both backends: each
// route declares the type its entries carry, and a request to it (here
// refused for want of a token, the first point an entry is written)
// records exactly that type, and the route's own action (two routes
// must not share what they declare).
func TestEveryRouteRecordsItsPinnedResourceType(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			routes := s.App.API().Routes()
			if len(routes) != len(pinnedResourceTypes) {
				t.Errorf("%d routes, %d pinned: pin the new route's resource type", len(routes), len(pinnedResourceTypes))
			}
			for _, r := range routes {
				want, ok := pinnedResourceTypes[r.OperationID]
				if !ok {
					t.Errorf("route %s has no pinned resource type", r.OperationID)
					continue
				}
				if string(r.Resource) != want {
					t.Errorf("route %s declares %q, pinned %q", r.OperationID, r.Resource, want)
				}
				if r.OperationID != "create-token" {
					s.Do(t, r.Method, pathParamRE.ReplaceAllString(r.Path, "1"), "", nil)
				}
			}
			admin := s.Login(t, demo.Admin, "anna")
			actions := map[string]string{"create-token": "auth.login"}
			for _, r := range routes {
				if r.Action != "" {
					actions[r.OperationID] = string(r.Action)
				}
			}
			recorded := map[string]string{}
			for _, e := range auditEntries(t, s, admin) {
				if e.Status == http.StatusUnauthorized || e.Operation == "create-token" {
					recorded[e.Operation] = e.ResourceType
					if e.Action != actions[e.Operation] {
						t.Errorf("%s recorded action %q, want %q", e.Operation, e.Action, actions[e.Operation])
					}
				}
			}
			for op, want := range pinnedResourceTypes {
				if got, ok := recorded[op]; !ok || got != want {
					t.Errorf("%s recorded resource type %q (recorded: %v), want %q", op, got, ok, want)
				}
			}
		})
	}
}

type typedEntry struct {
	Operation    string `json:"operation"`
	Action       string `json:"action"`
	ResourceType string `json:"resource_type"`
	Resource     string `json:"resource"`
	Patient      string `json:"patient"`
	Status       int    `json:"status"`
	Actor        string `json:"actor"`
}

// auditEntries reads the whole trail as an admin.
func auditEntries(t *testing.T, s *apptest.Server, admin string) []typedEntry {
	t.Helper()
	res := s.Do(t, http.MethodGet, "/api/v1/audit?"+url.Values{"limit": {"1000"}}.Encode(), admin, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("audit: %d %s", res.Status, res.Body)
	}
	var page struct {
		Entries []typedEntry `json:"entries"`
	}
	res.JSON(t, &page)
	return page.Entries
}

// TestDeletingADocumentRecordsItsPatient, on both backends: the entry of
// a document's deletion names the document's patient (established when
// the reference was resolved, before the row was gone), so the deletion
// shows in that patient's access history.
func TestDeletingADocumentRecordsItsPatient(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			f := freshFixture(t, s)
			codec := pseudonym.New(s.App.Store().PseudonymKey())
			iit := s.Login(t, demo.Installer, "gennaro")
			doc := codec.Encode(domain.RoleInstaller, resource.Document, f.ids[resource.Document])
			if res := s.Do(t, http.MethodDelete, "/api/v1/documents/"+doc, iit, nil); res.Status != http.StatusNoContent {
				t.Fatalf("delete: %d %s", res.Status, res.Body)
			}
			wantPatient := codec.Encode(pseudonym.AuditRole, resource.Patient, f.ids[resource.Patient])
			wantDoc := codec.Encode(pseudonym.AuditRole, resource.Document, f.ids[resource.Document])
			dottore := s.Login(t, demo.Doctor, "alice")
			res := s.Do(t, http.MethodGet, "/api/v1/patients/"+strconv.FormatInt(f.ids[resource.Patient], 10)+"/access-history?limit=1000", dottore, nil)
			if res.Status != http.StatusOK {
				t.Fatalf("access history: %d %s", res.Status, res.Body)
			}
			var page struct {
				Entries []typedEntry `json:"entries"`
			}
			res.JSON(t, &page)
			found := false
			for _, e := range page.Entries {
				if e.Operation == "delete-document" {
					found = true
					if e.Patient != wantPatient || e.Resource != wantDoc || e.Status != http.StatusNoContent || e.Actor != demo.Installer {
						t.Errorf("deletion entry %+v, want patient %s, resource %s, 204 by %s", e, wantPatient, wantDoc, demo.Installer)
					}
				}
			}
			if !found {
				t.Errorf("the patient's access history (%d entries) does not show the document's deletion", len(page.Entries))
			}
		})
	}
}

// TestAccountsAndKeysAreManagedOnlyOnTheHost: no route manages accounts
// or master keys (the serenade command does, on the host), so nothing
// over HTTP grants account.manage or key.manage; the matrix keeps them
// for admins only, should such a route be added.
func TestAccountsAndKeysAreManagedOnlyOnTheHost(t *testing.T) {
	s := apptest.Start(t, apptest.Options{})
	for _, r := range s.App.API().Routes() {
		if r.Action == access.AccountManage || r.Action == access.KeyManage {
			t.Errorf("route %s %s performs %s", r.Method, r.Path, r.Action)
		}
	}
	for _, a := range []access.Action{access.AccountManage, access.KeyManage} {
		if got := access.Roles(a); len(got) != 1 || got[0] != "admin" {
			t.Errorf("%s is granted to %v, want admin only", a, got)
		}
	}
}
