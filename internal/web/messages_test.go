package web

import (
	"testing"
	"time"

	"serenade/internal/domain"
)

// TestAPIMessagesAreTranslated: the API's validation messages a page
// shows are in the page's language (dates written in it); one no table
// knows is a general message in Italian, never English text; the
// enrolment's and the silence worker's ticket messages are translated by
// their exact text, a person's message is shown as written.
func TestAPIMessagesAreTranslated(t *testing.T) {
	s := testServer(t)
	it, en := s.requestAs("it", false, "/"), s.requestAs("en", false, "/")
	sortTooMany := "last_name: more patients match than can be sorted by surname; narrow the list with q, status or diagnosis_class first"
	for _, c := range []struct{ got, want string }{
		{s.message(it, "must not be after the start of data collection (2026-05-27)"),
			"La data di arruolamento non può essere successiva all'inizio della raccolta dati (27 maggio 2026)."},
		{s.message(en, "must not be after the start of data collection (2026-05-27)"),
			"The enrolment date must not be after the start of data collection (27 May 2026)."},
		{s.message(it, sortTooMany), "L'ordinamento per cognome è possibile fino a 2.000 pazienti: restringi prima l'elenco con la ricerca o un filtro."},
		{s.message(en, sortTooMany), "Sorting by surname works for at most 2,000 patients: narrow the list with the search or a filter first."},
		{s.message(it, "is set on this installation and must be given"), "Questa installazione ha questa data: indicala."},
		{s.message(it, "expected length <= 2000"), "Troppo lungo: al massimo 2000 caratteri."},
		// The API's own wording of lengths (api.inCharacters).
		{s.message(it, "expected at most 1000 characters"), "Troppo lungo: al massimo 1000 caratteri."},
		{s.message(en, "expected at most 1000 characters"), "Too long: at most 1000 characters."},
		{s.message(it, "expected at least 1 characters"), "Campo obbligatorio."},
		{s.message(en, "expected at least 1 characters"), "This is required."},
		// The text policy's refusal of an empty required field.
		{s.message(it, "is required"), "Campo obbligatorio."},
		// An enumeration's refusal (api.oneOf) lists codes: the page offers words.
		{s.message(it, "expected one of: open, closed"), "Scegli uno dei valori proposti."},
		{s.message(en, "expected one of: mci, alzheimer"), "Choose one of the values offered."},
		{s.message(it, "some rule no table knows"), "Questo valore non è accettato."},
		{s.message(en, "some rule no table knows"), "some rule no table knows"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if domain.NameSortMax != 2000 {
		t.Fatalf("the name sort's cap is %d: update the expected texts", domain.NameSortMax)
	}
	itPage, enPage := s.page(it, "", nil), s.page(en, "", nil)
	enrolled := "Patient enrolled: the sensor kit is to be installed."
	silent := "Opened by Serenade: no reading for longer than the silence threshold from kitchen.temperature, bed.pressure. Please check these sensors and the gateway."
	for _, c := range []struct{ got, want string }{
		{itPage.Message(enrolled, true), "Paziente arruolato: il kit di sensori è da installare."},
		{enPage.Message(enrolled, true), enrolled},
		{itPage.Message(silent, true), "Aperto da Serenade: nessuna lettura oltre la soglia di silenzio dai sensori kitchen.temperature, bed.pressure. Controlla questi sensori e il gateway."},
		// Silent streams with the threshold, in words; under a minute in seconds.
		{itPage.Message(domain.SilenceMessage(domain.Silence{Streams: []string{"kitchen.temperature", "bed.pressure"}}, 6*time.Hour), true),
			"Aperto da Serenade: nessuna lettura da più di 6 ore dai sensori kitchen.temperature, bed.pressure. Controlla questi sensori e il gateway."},
		{enPage.Message(domain.SilenceMessage(domain.Silence{Streams: []string{"tv.plug.power"}}, 90*time.Second), true),
			"Opened by Serenade: no reading for more than 90 seconds from tv.plug.power. Please check these sensors and the gateway."},
		// The silent kit's threshold, stored as Go writes a duration, in words.
		{itPage.Message(domain.SilenceMessage(domain.Silence{}, 48*time.Hour), true),
			"Aperto da Serenade: il kit di sensori non ha inviato letture dall'inizio della raccolta dati (da più di 2 giorni). Controlla il gateway e la sua connessione."},
		{enPage.Message(domain.SilenceMessage(domain.Silence{}, 36*time.Hour), true),
			"Opened by Serenade: the sensor kit has sent no reading since data collection started (more than 36 hours). Please check the gateway and its connection."},
		{enPage.Message(domain.SilenceMessage(domain.Silence{}, time.Hour), true),
			"Opened by Serenade: the sensor kit has sent no reading since data collection started (more than 1 hour). Please check the gateway and its connection."},
		{itPage.Message(domain.SilenceMessage(domain.Silence{}, 90*time.Minute), true),
			"Aperto da Serenade: il kit di sensori non ha inviato letture dall'inizio della raccolta dati (da più di 90 minuti). Controlla il gateway e la sua connessione."},
		{itPage.Message("Passo giovedì alle 10.", true), "Passo giovedì alle 10."},
		{itPage.Message(enrolled+" E il frigo.", true), enrolled + " E il frigo."},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// TestUnitsAreWrittenAsSymbols: UCUM codes as people read them.
func TestUnitsAreWrittenAsSymbols(t *testing.T) {
	for code, want := range map[string]string{"Cel": "°C", "1": "", "W": "W", "Wh": "Wh", "%": "%", "lx": "lx"} {
		if got := unitSymbol(code); got != want {
			t.Errorf("unitSymbol(%q) = %q, want %q", code, got, want)
		}
	}
}
