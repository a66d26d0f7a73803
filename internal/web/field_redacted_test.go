package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/resource"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/webtest"
)

// TestMonitoringReadsPlaceholdersInItsLanguage: the demo's Ambrogio
// Colombo lives with his wife Maddalena, a contact. Monitoring's pages
// show her as "[contatto]" in Italian and "[contact]" in English, never
// as the patient's nickname; a phone an installer writes in a ticket is
// "[telefono]"; research's page shows her as "[contatto]" too. Saving the
// home context form without touching the flatmates keeps the text the
// installers wrote (SQLite: the API tests cover both backends).
func TestMonitoringReadsPlaceholdersInItsLanguage(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	var found struct {
		Patients []struct {
			ID string `json:"id"`
		} `json:"patients"`
	}
	doctor := webtest.DemoToken(t, s, demo.Doctor)
	s.Do(t, http.MethodGet, "/api/v1/patients?q=Colombo", doctor, nil).JSON(t, &found)
	if len(found.Patients) != 1 {
		t.Fatalf("%d patients named Colombo", len(found.Patients))
	}
	h := webtest.HomeOf(t, s, found.Patients[0].ID)
	installerTicket := webtest.Tickets(t, s, demo.Installer, h.Installer, domain.CategoryInstallation)[0]
	if res := s.Do(t, http.MethodPost, "/api/v1/tickets/"+installerTicket+"/messages", webtest.DemoToken(t, s, demo.Installer),
		map[string]string{"body": "Ambrogio Colombo 02 2614 7735: chiamare Maddalena"}); res.Status != http.StatusCreated && res.Status != http.StatusOK {
		t.Fatalf("message: %d %s", res.Status, res.Body)
	}

	c := webtest.New(t, s.URL)
	c.Login(t, demo.Monitoring, "vincenzo")
	home := "/field/installations/" + h.Monitoring
	page := c.Get(t, home)
	wantPage(t, "installation", page, http.StatusOK)
	form := contextForm(page.Body)
	if got, want := form.Get("flatmates"), "lives with his wife [contatto]"; got != want {
		t.Errorf("the form shows flatmates %q, want %q", got, want)
	}
	ticket := "/field/tickets/" + webtest.Tickets(t, s, demo.Monitoring, h.Monitoring, domain.CategoryInstallation)[0]
	thread := c.Get(t, ticket)
	wantPage(t, "ticket", thread, http.StatusOK, h.MonitoringNick+" [telefono]: chiamare [contatto]",
		"Called the daughter [contatto]: visit booked for Thursday")
	for _, p := range []string{page.Body, thread.Body} {
		if strings.Contains(p, "[contact]") || strings.Contains(p, "[phone]") || strings.Contains(p, "Maddalena") {
			t.Error("an Italian page shows a placeholder in English or the contact's name")
		}
	}

	en := webtest.New(t, s.URL)
	en.Lang = "en"
	en.Login(t, demo.Monitoring, "vincenzo")
	if got, want := contextForm(en.Get(t, home).Body).Get("flatmates"), "lives with his wife [contact]"; got != want {
		t.Errorf("the English form shows flatmates %q, want %q", got, want)
	}
	wantPage(t, "English ticket", en.Get(t, ticket), http.StatusOK, h.MonitoringNick+" [phone]: chiamare [contact]")

	research := webtest.New(t, s.URL)
	research.Login(t, demo.Researcher, "stefano")
	wantPage(t, "research", research.Get(t, "/research/installations/"+webtest.Ref(s, domain.RoleResearcher, resource.Installation, h.ID)),
		http.StatusOK, "<dd>lives with his wife [contatto]</dd>")

	form.Set("habit_notes", "Cammina al parco ogni mattina")
	wantPage(t, "save", postForm(t, c, page, home+"/context", form), http.StatusSeeOther)
	contextAs := func(token, ref string) map[string]string {
		var v struct {
			Context map[string]string `json:"context"`
		}
		s.Do(t, http.MethodGet, "/api/v1/installations/"+ref, token, nil).JSON(t, &v)
		return v.Context
	}
	stored := contextAs(webtest.DemoToken(t, s, demo.Installer), h.Installer)
	if stored["flatmates"] != "lives with his wife Maddalena" || stored["habit_notes"] != "Cammina al parco ogni mattina" {
		t.Errorf("after monitoring's save the installer reads flatmates %q and habit_notes %q, want the stored flatmates and the new notes",
			stored["flatmates"], stored["habit_notes"])
	}
	if got := contextAs(webtest.DemoToken(t, s, demo.Monitoring), h.Monitoring)["flatmates"]; got != "lives with his wife [contact]" {
		t.Errorf("monitoring reads flatmates %q through the API after its save, want the redacted view of the stored text", got)
	}
}

var (
	inputRe    = regexp.MustCompile(`<input id="ctx-(\w+)" name="\w+" value="([^"]*)"`)
	textareaRe = regexp.MustCompile(`(?s)<textarea id="ctx-(\w+)" name="\w+"[^>]*>(.*?)</textarea>`)
)

// contextForm is the home context form of a page, as a browser sends it.
func contextForm(body string) url.Values {
	form := url.Values{}
	for _, re := range []*regexp.Regexp{inputRe, textareaRe} {
		for _, m := range re.FindAllStringSubmatch(body, -1) {
			form.Set(m[1], html.UnescapeString(m[2]))
		}
	}
	return form
}
