package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/webtest"
)

// TestMonitoringCorrectsCollectionDatesOnBothBackends: the matrix grants
// installation.correct-dates to monitoring and not to installers, so the
// correction form is on monitoring's page of a collecting home and not
// on the installer's; without a reason it comes back filled with the
// message next to the box, with one it corrects the end (a UTC date,
// shown as that date) and says so.
func TestMonitoringCorrectsCollectionDatesOnBothBackends(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			h := webtest.EnrolHome(t, s, 11)
			webtest.StartCollecting(t, s, h)
			form := `action="/field/installations/%s/collection-dates"`
			installer := webtest.New(t, s.URL)
			installer.Login(t, demo.Installer, "gennaro")
			if p := installer.Get(t, "/field/installations/"+h.Installer); strings.Contains(p.Body, "/collection-dates") {
				t.Error("the installer is offered to correct the collection dates")
			}
			c := webtest.New(t, s.URL)
			c.Login(t, demo.Monitoring, "vincenzo")
			home := "/field/installations/" + h.Monitoring
			page := c.Get(t, home)
			wantPage(t, "home", page, http.StatusOK, strings.Replace(form, "%s", h.Monitoring, 1), `name="reason"`)

			end := regexp.MustCompile(`name="collection_end" type="date" value="(\d{4}-\d\d-\d\d)" required`).FindStringSubmatch(page.Body)
			if end == nil {
				t.Fatal("no collection end in the form")
			}
			start := regexp.MustCompile(`name="collection_start" type="date" value="(\d{4}-\d\d-\d\d)" required`).FindStringSubmatch(page.Body)[1]
			oldEnd, _ := time.Parse(time.DateOnly, end[1])
			newEnd := oldEnd.AddDate(0, 0, -1).Format(time.DateOnly)
			noReason := postForm(t, c, page, home+"/collection-dates", url.Values{"collection_start": {start}, "collection_end": {end[1]}, "reason": {""}})
			wantPage(t, "no reason", noReason, http.StatusUnprocessableEntity, `value="`+start+`"`, `aria-invalid="true"`, `<details id="collection" open>`, "Campo obbligatorio.")
			done := postForm(t, c, page, home+"/collection-dates", url.Values{"collection_start": {start}, "collection_end": {newEnd}, "reason": {"Kit spento un giorno prima"}})
			wantPage(t, "correct", done, http.StatusSeeOther)
			after := c.Get(t, done.Location())
			day, _ := time.Parse(time.DateOnly, newEnd)
			months := []string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"}
			want := strings.Join([]string{strconv.Itoa(day.Day()), months[day.Month()-1], strconv.Itoa(day.Year())}, " ")
			// The history the correction joined, with its reason.
			wantPage(t, "after", after, http.StatusOK, "Le date di raccolta sono state corrette", "Kit spento un giorno prima")
			if got := dd(after.Body, "collection-end"); got != want {
				t.Errorf("collection end %q, want %q", got, want)
			}
		})
	}
}

// TestDoctorCorrectingOneCollectionDateKeepsTheOther: the doctor's form
// shows each date as its day; correcting the start and leaving the end as
// shown keeps the end exactly as stored (not moved to the start of its
// day, hours earlier), the start is the day typed.
func TestDoctorCorrectingOneCollectionDateKeepsTheOther(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Options{Demo: true})
	h := webtest.EnrolHome(t, s, 12)
	webtest.StartCollecting(t, s, h)
	tok := webtest.DemoToken(t, s, demo.Doctor)
	type dates struct {
		Patient string     `json:"patient"`
		Start   *time.Time `json:"collection_start"`
		End     *time.Time `json:"collection_end"`
	}
	var before dates
	s.Do(t, http.MethodGet, "/api/v1/installations/"+strconv.FormatInt(h.ID, 10), tok, nil).JSON(t, &before)
	if before.Start == nil || before.End == nil || before.End.Equal(before.End.Truncate(24*time.Hour)) {
		t.Fatalf("collection dates %+v: the test needs an end at a time of day", before)
	}
	c := webtest.New(t, s.URL)
	c.Login(t, demo.Doctor, "alice")
	page := c.Get(t, "/patients/"+before.Patient)
	start := before.Start.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	done := postForm(t, c, page, "/patients/"+before.Patient+"/collection-dates", url.Values{"collection_start": {start.Format(time.DateOnly)},
		"collection_end": {before.End.UTC().Format(time.DateOnly)}, "reason": {"Il gateway ha iniziato a inviare il giorno dopo."}})
	wantPage(t, "correct the start", done, http.StatusSeeOther)
	var after dates
	s.Do(t, http.MethodGet, "/api/v1/installations/"+strconv.FormatInt(h.ID, 10), tok, nil).JSON(t, &after)
	if !after.Start.Equal(start) || !after.End.Equal(*before.End) {
		t.Errorf("dates now %v – %v, want %v (the day typed) – %v (as stored)", after.Start, after.End, start, before.End)
	}
}
