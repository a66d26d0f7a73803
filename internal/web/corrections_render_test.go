package web

import (
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"serenade/internal/view"
)

// TestCorrectionHistoryNamesTheDatesItChanged: each correction of the
// history is its own item: when and who, each date it changed, named,
// before → after (a date sent back unchanged is not listed as
// "25 Nov → 25 Nov"; the start when it changed neither), and the reason.
func TestCorrectionHistoryNamesTheDatesItChanged(t *testing.T) {
	s := testServer(t)
	d := sampleInstallationData(sampleInstallation())
	d.Can.ReadCorrections = true
	d.Corrections = []view.CorrectionView{
		{CorrectedBy: "imt-vincenzo", CorrectedAt: *hour(10, 9), OldStart: hour(2, 0), NewStart: hour(3, 0), OldEnd: hour(28, 0), NewEnd: hour(28, 0), Reason: "Il gateway ha iniziato il giorno dopo."},
		{CorrectedBy: "dottore-alice", CorrectedAt: *hour(11, 9), OldStart: hour(3, 0), NewStart: hour(3, 0), OldEnd: hour(28, 0), NewEnd: hour(27, 0), Reason: "Kit spento prima."},
		{CorrectedBy: "dottore-alice", CorrectedAt: *hour(12, 9), OldStart: hour(3, 0), NewStart: hour(2, 0), OldEnd: hour(27, 0), NewEnd: hour(26, 0)},
		{CorrectedBy: "dottore-alice", CorrectedAt: *hour(12, 10), OldStart: hour(2, 0), NewStart: hour(2, 0), OldEnd: hour(26, 0), NewEnd: hour(26, 0), Reason: "Solo il motivo."},
	}
	w := httptest.NewRecorder()
	if err := s.render(w, http.StatusOK, "field_installation", s.page(s.requestAs("it", true, "/"), "field.installation.title", d)); err != nil {
		t.Fatal(err)
	}
	list := regexp.MustCompile(`(?s)<ul class="plain corrections">(.*?)</ul>`).FindStringSubmatch(w.Body.String())
	if list == nil {
		t.Fatal("no correction history on the page")
	}
	var items []string
	for _, li := range regexp.MustCompile(`(?s)<li>(.*?)</li>`).FindAllStringSubmatch(list[1], -1) {
		text := regexp.MustCompile(`<[^>]+>`).ReplaceAllString(strings.ReplaceAll(li[1], "<br>", " | "), "")
		items = append(items, strings.Join(strings.Fields(html.UnescapeString(text)), " "))
	}
	want := []string{
		"10 marzo 2026, 10:00 · imt-vincenzo | Inizio raccolta dati: 2 marzo 2026 → 3 marzo 2026 | Il gateway ha iniziato il giorno dopo.",
		"11 marzo 2026, 10:00 · dottore-alice | Fine raccolta dati: 28 marzo 2026 → 27 marzo 2026 | Kit spento prima.",
		"12 marzo 2026, 10:00 · dottore-alice | Inizio raccolta dati: 3 marzo 2026 → 2 marzo 2026; Fine raccolta dati: 27 marzo 2026 → 26 marzo 2026",
		"12 marzo 2026, 11:00 · dottore-alice | Inizio raccolta dati: 2 marzo 2026 → 2 marzo 2026 | Solo il motivo.",
	}
	if strings.Join(items, "\n") != strings.Join(want, "\n") {
		t.Errorf("the history reads\n%s\nwant\n%s", strings.Join(items, "\n"), strings.Join(want, "\n"))
	}
}
