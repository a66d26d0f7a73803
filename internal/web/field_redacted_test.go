package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
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
	doctor := webtest.DemoToken(t, s, demo.Doctor)
	h := colomboHome(t, s, doctor)
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
	// The form carries the API's text of a field beside it, hidden, to
	// send it back unchanged; what the page shows is the rest.
	for _, p := range []string{keptRe.ReplaceAllString(page.Body, ""), thread.Body} {
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
	keptRe     = regexp.MustCompile(`<input type="hidden" name="(api-\w+)" value="([^"]*)"`)
)

// contextForm is the home context form of a page, as a browser sends it.
func contextForm(body string) url.Values {
	form := url.Values{}
	for _, re := range []*regexp.Regexp{inputRe, textareaRe, keptRe} {
		for _, m := range re.FindAllStringSubmatch(body, -1) {
			form.Set(m[1], html.UnescapeString(m[2]))
		}
	}
	return form
}

// TestMonitoringsOwnTextIsShownAsWritten: monitoring (Italian) replies
// "Please send [phone] and [email] of the carer" on a ticket and reads it
// as written, while the installer's message keeps "[contatto]". It edits
// the flatmates to "lives with the carer [contatto] (mornings)": the
// doctor reads the API's placeholder, never the Italian one, and the
// form then shows monitoring's text as written. A field monitoring wrote
// through the API with an Italian spelling stays as written when another
// field is saved. A save makes no request but its PUT, and a refused save
// shows what was typed, as typed. SQLite (the API tests cover both
// backends).
func TestMonitoringsOwnTextIsShownAsWritten(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	doctor := webtest.DemoToken(t, s, demo.Doctor)
	h := colomboHome(t, s, doctor)
	imtToken := webtest.DemoToken(t, s, demo.Monitoring)
	c := webtest.New(t, s.URL)
	c.Login(t, demo.Monitoring, "vincenzo")

	const mine = "Please send [phone] and [email] of the carer"
	ticket := "/field/tickets/" + webtest.Tickets(t, s, demo.Monitoring, h.Monitoring, domain.CategoryInstallation)[0]
	thread := c.Get(t, ticket)
	wantPage(t, "reply", postForm(t, c, thread, ticket+"/messages", url.Values{"body": {mine}}), http.StatusSeeOther)
	thread = c.Get(t, ticket)
	wantPage(t, "ticket", thread, http.StatusOK, mine, "Called the daughter [contatto]")
	if strings.Contains(thread.Body, "[telefono] and [e-mail]") {
		t.Error("monitoring's own message is shown with the placeholders translated")
	}

	api := "/api/v1/installations/" + h.Monitoring
	var v struct {
		Context map[string]string `json:"context"`
	}
	s.Do(t, http.MethodGet, api, imtToken, nil).JSON(t, &v)
	const ownNotes = "[contatto] ha le chiavi" // written through the API, with the Italian spelling
	v.Context["other_notes"] = ownNotes
	if res := s.Do(t, http.MethodPut, api, imtToken, v.Context); res.Status != http.StatusOK {
		t.Fatalf("update: %d %s", res.Status, res.Body)
	}

	home := "/field/installations/" + h.Monitoring
	page := c.Get(t, home)
	form := contextForm(page.Body)
	if got := form.Get("other_notes"); got != ownNotes {
		t.Errorf("the form shows monitoring's other_notes %q, want as written %q", got, ownNotes)
	}
	admin := webtest.DemoToken(t, s, demo.Admin)
	since := lastAuditSeq(t, s, admin)
	form.Set("flatmates", "lives with the carer [contatto] (mornings)")
	wantPage(t, "save", postForm(t, c, page, home+"/context", form), http.StatusSeeOther)
	if ops := auditOps(t, s, admin, since); len(ops) != 1 || ops[0] != "update-installation" {
		t.Errorf("the save made the requests %v, want only update-installation", ops)
	}
	stored := func(token, ref string) map[string]string {
		var v struct {
			Context map[string]string `json:"context"`
		}
		s.Do(t, http.MethodGet, "/api/v1/installations/"+ref, token, nil).JSON(t, &v)
		return v.Context
	}
	got := stored(doctor, strconv.FormatInt(h.ID, 10))
	if got["flatmates"] != "lives with the carer [contact] (mornings)" || got["other_notes"] != ownNotes {
		t.Errorf("the doctor reads flatmates %q and other_notes %q, want %q and %q",
			got["flatmates"], got["other_notes"], "lives with the carer [contact] (mornings)", ownNotes)
	}
	if got := contextForm(c.Get(t, home).Body).Get("flatmates"); got != "lives with the carer [contact] (mornings)" {
		t.Errorf("monitoring's form shows its flatmates as %q, want as stored", got)
	}

	page = c.Get(t, home)
	form = contextForm(page.Body)
	form.Set("pets", "[telefono]")
	form.Set("visitors", strings.Repeat("x", 5001))
	refused := postForm(t, c, page, home+"/context", form)
	wantPage(t, "refused save", refused, http.StatusUnprocessableEntity)
	if got := contextForm(refused.Body); got.Get("pets") != "[telefono]" || got.Get("visitors") != strings.Repeat("x", 5001) {
		t.Errorf("the refused form shows pets %q and %d characters of visitors, want them as typed", got.Get("pets"), len(got.Get("visitors")))
	}
}

// lastAuditSeq is the newest entry of the audit trail.
func lastAuditSeq(t *testing.T, s *apptest.Server, admin string) int64 {
	t.Helper()
	var page struct {
		Entries []struct {
			Seq int64 `json:"seq"`
		} `json:"entries"`
		Next string `json:"next"`
	}
	var seq int64
	for q := (url.Values{"limit": {"1000"}}); ; q.Set("cursor", page.Next) {
		page.Next = ""
		s.Do(t, http.MethodGet, "/api/v1/audit?"+q.Encode(), admin, nil).JSON(t, &page)
		for _, e := range page.Entries {
			seq = max(seq, e.Seq)
		}
		if page.Next == "" {
			return seq
		}
	}
}

// auditOps are the operations monitoring performed after entry seq.
func auditOps(t *testing.T, s *apptest.Server, admin string, seq int64) []string {
	t.Helper()
	var page struct {
		Entries []struct {
			Operation string `json:"operation"`
		} `json:"entries"`
	}
	q := url.Values{"since": {strconv.FormatInt(seq, 10)}, "actor": {demo.Monitoring}, "limit": {"1000"}}
	s.Do(t, http.MethodGet, "/api/v1/audit?"+q.Encode(), admin, nil).JSON(t, &page)
	var out []string
	for _, e := range page.Entries {
		out = append(out, e.Operation)
	}
	return out
}

// colomboHome is the home of the demo's one patient named Colombo, found
// by the doctor's search.
func colomboHome(t *testing.T, s *apptest.Server, doctor string) webtest.Home {
	t.Helper()
	var found struct {
		Patients []struct {
			ID string `json:"id"`
		} `json:"patients"`
	}
	s.Do(t, http.MethodGet, "/api/v1/patients?q=Colombo", doctor, nil).JSON(t, &found)
	if len(found.Patients) != 1 {
		t.Fatalf("%d patients named Colombo", len(found.Patients))
	}
	return webtest.HomeOf(t, s, found.Patients[0].ID)
}
