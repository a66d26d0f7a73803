package web_test

import (
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/webtest"
)

// TestDoctorSeesThePatientsDocumentsOnBothBackends: a document the
// installer uploaded is listed on the doctor's patient page with its
// type and size, and the doctor downloads it from there; the doctor is
// offered no delete (the matrix gives document.delete to installers).
func TestDoctorSeesThePatientsDocumentsOnBothBackends(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			h := webtest.EnrolHome(t, s, 12)
			installer := webtest.New(t, s.URL)
			installer.Login(t, demo.Installer, "gennaro")
			home := "/field/installations/" + h.Installer
			pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
			wantPage(t, "upload", upload(t, installer, installer.Get(t, home), home+"/documents", "signed-form", "consenso.pdf", pdf), http.StatusSeeOther)

			doctor := webtest.New(t, s.URL)
			doctor.Login(t, demo.Doctor, "alice")
			page := doctor.Get(t, "/patients/"+strconv.FormatInt(h.ID, 10))
			wantPage(t, "patient", page, http.StatusOK, `id="documents"`, "consenso.pdf", "Modulo firmato", "1 KB")
			link := regexp.MustCompile(`href="(/field/installations/[^"/]+/documents/[^"/]+)" download>consenso.pdf`).FindStringSubmatch(page.Body)
			if link == nil {
				t.Fatal("no download link on the patient page")
			}
			if got := doctor.Get(t, link[1]); got.Status != http.StatusOK || got.Body != string(pdf) {
				t.Errorf("download: %d, %d bytes", got.Status, len(got.Body))
			}
			if regexp.MustCompile(`/documents/[^"/]+/delete`).MatchString(page.Body) {
				t.Error("the doctor is offered to delete a document")
			}
		})
	}
}
