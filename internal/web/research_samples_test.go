package web

import (
	"time"

	"serenade/internal/api"
	"serenade/internal/domain"
	"serenade/internal/view"
)

// researchSamples are the researcher's pages rendered by the template
// test, with data as the API gives a researcher (pseudonyms, dates cut
// to the year).
func researchSamples() []sample {
	year := sampleNow.AddDate(-1, 0, 0)
	inst := view.InstallationView{ID: "inst-7Q2KX9", Patient: "pat-M4TZ81", Status: domain.InstallationStatus("working"), DateJoin: "2025-01-01",
		CollectionStart: &year, Health: domain.HealthSummary("silent"),
		Context: view.HomeContext{ApartmentType: "Bilocale al 3° piano", InternetType: "Fibra", Flatmates: "Vive con la figlia", Pets: "Un gatto",
			Visitors: "Badante tre volte a settimana", SmartphoneModel: "Android 13", Appliances: "Forno, lavatrice", HabitNotes: "Si alza alle 6"}}
	sc := view.Screening{Patient: "pat-M4TZ81", DiagnosisClass: domain.DiagnosisClass("lewy-body"), AgeClass: "75-85"}
	list := researchListData{Statuses: installationStatuses, Status: "working", Cursor: "c1", Next: "c2", Rows: []researchRow{
		{Installation: inst, Screening: &sc},
		{Installation: view.InstallationView{ID: "inst-B81LQ0", Patient: "pat-X0Y9", Status: domain.InstallationStatus("maintenance"), DateJoin: "2026-01-01"}},
	}}
	last := sampleNow.Add(-3 * time.Hour)
	detail := researchInstallationData{Installation: inst, Screening: &sc,
		Documents: []documentItem{{view.DocumentView{ID: "doc-1", Name: "planimetria.pdf", Type: "map", Size: 184_320, CreatedAt: year}}},
		Streams: []streamItem{{view.StreamView{ID: "st-1", Key: "kitchen.motion", Kind: "motion", Unit: "1", LastReadingAt: &last, Readings24h: 1_440}},
			{view.StreamView{ID: "st-2", Key: "living.temperature", Kind: "temperature", Unit: "Cel", Readings24h: 288}}}}
	rg := parseChartRange(nil, sampleNow, time.UTC)
	charts := chartsData{Installation: "inst-7Q2KX9", Range: rg, Presets: []string{"day", "week", "month", "year"}, FromDate: "2026-03-05", ToDate: "2026-03-12",
		SeriesURL: "/research/installations/inst-7Q2KX9/series?from=x", CSVBase: "/research/streams/",
		Streams: []streamSummary{
			{Stream: "st-1", Key: "kitchen.motion", Kind: "motion", Unit: "1", Count: 10_080, Min: 0, Max: 1, Avg: 0.31, CSV: "/research/streams/st-1/readings.csv?from=x"},
			{Stream: "st-2", Key: "living.temperature", Kind: "temperature", Unit: "Cel", Count: 2_016, Min: 18.4, Max: 23.75, Avg: 21.125, CSV: "/research/streams/st-2/readings.csv?from=x"},
			{Stream: "st-3", Key: "bath.humidity", Kind: "humidity", Unit: "%", Empty: true},
		}}
	return []sample{
		{template: "research_list", title: "research.list.title", data: list, session: true},
		{template: "research_list", title: "research.list.title", data: researchListData{Statuses: installationStatuses}, session: true},
		{template: "research_installation", title: "research.installation.title", data: detail, session: true},
		{template: "research_installation", title: "research.installation.title", data: researchInstallationData{Installation: inst}, session: true},
		{template: "charts", title: "charts.title", data: charts, session: true},
		{template: "charts", title: "charts.title", data: chartsData{Installation: "inst-7Q2KX9", Range: rg, Presets: []string{"day"}}, session: true},
		{template: "exports", title: "exports.title", data: exportData{From: "2026-02-10", To: "2026-03-12", Format: "csv", Formats: exportFormats, MaxDays: exportMaxDays}, session: true},
		{template: "exports", title: "exports.title", data: exportData{From: "2026-03-12", To: "2026-02-10", Format: "parquet", Formats: exportFormats, MaxDays: exportMaxDays, Error: "exports.range_invalid"}, session: true},
	}
}

// adminSamples are the admin's pages rendered by the template test.
func adminSamples() []sample {
	disabled := sampleNow.AddDate(0, -1, 0)
	entries := []api.AuditEntry{
		{Seq: 41, Time: sampleNow.Add(-time.Hour), Actor: "ricercatore-stefano", Roles: []string{"unimi"}, Action: "stream.read", Operation: "read-installation-streams",
			Method: "GET", Route: "/api/v1/installations/{installation}/readings", ResourceType: "installation", Patient: "aud-3F9", Outcome: "ok", Status: 200},
		{Seq: 42, Time: sampleNow.Add(-50 * time.Minute), Actor: "dottore-alice", Roles: []string{"dottore"}, Action: "patient.list", Operation: "list-patients",
			Method: "GET", Route: "/api/v1/patients", ResourceType: "patients", Listed: 12, Outcome: "ok", Status: 200},
		{Seq: 43, Time: sampleNow.Add(-10 * time.Minute), Actor: "tecnico-gennaro", Roles: []string{"iit"}, Action: "audit.read", Operation: "web GET /admin/audit",
			Method: "web", Route: "GET /admin/audit", ResourceType: "page", Outcome: "denied", Status: 403},
	}
	filter := auditFilter{Actor: "ricercatore-stefano", Action: "stream.read", Outcome: "ok", From: "2026-03-01", To: "2026-03-12"}
	return []sample{
		{template: "audit", title: "audit.title", data: auditData{Filter: filter, Outcomes: auditOutcomes, Actions: auditActions(), Entries: entries, Cursor: "c1", Next: "c2",
			Verify: &api.AuditVerification{Intact: true, Entries: 1_234, CheckedAt: sampleNow}}, session: true},
		{template: "audit", title: "audit.title", data: auditData{Outcomes: auditOutcomes, Actions: auditActions(), Entries: entries[:1],
			Verify: &api.AuditVerification{Entries: 17, BrokenAt: 18, Reason: "entry edited", CheckedAt: sampleNow}}, session: true},
		{template: "audit", title: "audit.title", data: auditData{Filter: auditFilter{From: "12/03/2026"}, Outcomes: auditOutcomes, Actions: auditActions(), Error: "audit.date_invalid"}, session: true},
		{template: "accounts", title: "accounts.title", data: accountsData{Accounts: []api.AccountOut{
			{Username: "admin-anna", Roles: []string{"admin"}, CreatedAt: sampleNow.AddDate(0, -6, 0), Demo: true},
			{Username: "dottore-bruno", Roles: []string{"dottore", "unimi"}, CreatedAt: sampleNow.AddDate(-1, 0, 0), DisabledAt: &disabled},
		}}, session: true},
		{template: "accounts", title: "accounts.title", data: accountsData{}, session: true},
	}
}
