package web

import (
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"serenade/internal/domain"
)

// TestTicketHeadingsWriteTheCategoryAsTheLanguageDoes: a ticket's
// heading and its close question name the category as a common noun,
// lower case inside an Italian phrase ("Ticket di manutenzione"); the
// English heading starts with it ("Maintenance ticket"), the English
// question keeps it lower case; for every category.
func TestTicketHeadingsWriteTheCategoryAsTheLanguageDoes(t *testing.T) {
	s := testServer(t)
	inst := sampleInstallation()
	want := map[string]map[domain.TicketCategory][2]string{
		"it": {
			domain.CategoryInstallation:   {"Ticket di installazione · Airone Gentile", "Stai chiudendo il ticket di installazione di Airone Gentile."},
			domain.CategoryMaintenance:    {"Ticket di manutenzione · Airone Gentile", "Stai chiudendo il ticket di manutenzione di Airone Gentile."},
			domain.CategoryUninstallation: {"Ticket di disinstallazione · Airone Gentile", "Stai chiudendo il ticket di disinstallazione di Airone Gentile."},
		},
		"en": {
			domain.CategoryInstallation:   {"Installation ticket · Airone Gentile", "You are closing the installation ticket of Airone Gentile."},
			domain.CategoryMaintenance:    {"Maintenance ticket · Airone Gentile", "You are closing the maintenance ticket of Airone Gentile."},
			domain.CategoryUninstallation: {"Uninstallation ticket · Airone Gentile", "You are closing the uninstallation ticket of Airone Gentile."},
		},
	}
	h1 := regexp.MustCompile(`<h1>([^<]*)</h1>`)
	question := regexp.MustCompile(`<h1>[^<]*</h1>\s*<p>([^<]*)</p>`)
	render := func(lang, name string, d *ticketData) string {
		w := httptest.NewRecorder()
		if err := s.render(w, http.StatusOK, name, s.page(s.requestAs(lang, true, "/"), "ticket.title", d)); err != nil {
			t.Fatal(err)
		}
		return w.Body.String()
	}
	for lang, cats := range want {
		if len(cats) != len(ticketCategories) {
			t.Fatalf("%d categories expected, the UI has %d", len(cats), len(ticketCategories))
		}
		for _, cat := range ticketCategories {
			tk := sampleTicket(inst.ID)
			tk.Category = cat
			d := &ticketData{Ticket: tk, Inst: inst, CanReply: true, CanClose: true}
			if m := h1.FindStringSubmatch(render(lang, "ticket", d)); m == nil || html.UnescapeString(m[1]) != cats[cat][0] {
				t.Errorf("%s %s: heading %q, want %q", lang, cat, m, cats[cat][0])
			}
			if m := question.FindStringSubmatch(render(lang, "ticket_close", d)); m == nil || html.UnescapeString(m[1]) != cats[cat][1] {
				t.Errorf("%s %s: close question %q, want %q", lang, cat, m, cats[cat][1])
			}
		}
	}
}
