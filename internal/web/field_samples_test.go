package web

import (
	"net/url"
	"time"

	"serenade/internal/domain"
	"serenade/internal/view"
)

// fieldSamples are the field teams' pages rendered by the template test,
// with the data an installer and monitoring see (nicknames, pseudonyms,
// times cut to the hour).
func fieldSamples() []sample {
	inst := sampleInstallation()
	d := sampleInstallationData(inst)
	failed := sampleInstallationData(inst)
	failed.Form, failed.Typed = "context", url.Values{"apartment_type": {"villa"}, "pets": {"gatto"}}
	failed.Problem = &Problem{Status: 422, Errors: []ProblemField{{Location: "body.pets", Message: "must be at most 2000 characters"}}}
	refused := sampleInstallationData(inst)
	refused.Form, refused.Refusal, refused.Typed = "ticket", "ticket.refused.maintenance", url.Values{"category": {"maintenance"}, "message": {"Il sensore della cucina non risponde"}}
	refused.Problem, refused.Can = &Problem{Status: 409}, fieldCan{OpenTicket: true, ReadHealth: true, ReadDocuments: true, EditContext: true}
	correcting := sampleInstallationData(inst)
	correcting.Can, correcting.Form, correcting.Typed = canOf([]domain.Role{domain.RoleMonitoring}), "collection", url.Values{"collection_start": {"2026-05-28"}, "reason": {"Kit acceso il giorno dopo"}}
	correcting.Problem = &Problem{Status: 422, Errors: []ProblemField{{Location: "body.collection_start", Message: "must not be after tomorrow"}}}
	withToken := sampleInstallationData(inst)
	withToken.NewToken, withToken.Notice = "srn_4f2a9c_Zk3v9Q1mXbT0pYc8rW2eLhN5uJ7sDq4A", "field.saved.document"
	t := sampleTicket(inst.ID)
	return []sample{
		{template: "field_installations", title: "field.list.title", session: true, data: fieldListData{Sort: "nickname", Sorts: installationSorts,
			Statuses: installationStatuses, ShowHealth: true, Next: "c2VhbGVk", Installations: sampleInstallations()}},
		{template: "field_installations", title: "field.list.title", session: true, data: fieldListData{Sort: "status", Status: "inactive", Sorts: installationSorts, Statuses: installationStatuses}},
		{template: "field_installation", title: "field.installation.title", session: true, data: d},
		{template: "field_installation", title: "field.installation.title", session: true, data: correcting},
		{template: "field_installation", title: "field.installation.title", session: true, data: failed},
		{template: "field_installation", title: "field.installation.title", session: true, data: refused},
		{template: "field_installation", title: "field.installation.title", session: true, data: withToken},
		{template: "tickets_queue", title: "tickets.queue.title", session: true, data: ticketQueueData{State: "open", States: ticketStates, Categories: ticketCategories,
			Home: &inst, Installation: inst.ID, Tickets: sampleQueue(), Next: "c2VhbGVk"}},
		{template: "tickets_queue", title: "tickets.queue.title", session: true, data: ticketQueueData{State: "all", Category: "uninstallation", States: ticketStates, Categories: ticketCategories}},
		{template: "ticket", title: "ticket.title", session: true, data: &ticketData{Ticket: t, Inst: inst, Me: "gennaro", CanReply: true, CanClose: true}},
		{template: "ticket", title: "ticket.title", session: true, data: &ticketData{Ticket: t, Inst: inst, Me: "vincenzo", CanReply: true,
			Problem: &Problem{Status: 422, Errors: []ProblemField{{Location: "body.body", Message: "must not be empty"}}}, Typed: " "}},
		{template: "ticket_close", title: "ticket.close.title", session: true, data: &ticketData{Ticket: t, Inst: inst, CanClose: true}},
		{template: "documents_delete", title: "documents.delete.title", session: true, data: documentDeleteData{Inst: inst, Doc: d.Documents[0]}},
	}
}

func hour(d, h int) *time.Time {
	t := time.Date(2026, 3, d, h, 0, 0, 0, time.UTC)
	return &t
}

func sampleInstallation() view.InstallationView {
	return view.InstallationView{ID: "in_7QkX2m", Patient: "pt_Hc81", Nickname: "Airone Gentile", Status: domain.StatusWorking,
		CollectionStart: hour(2, 0), Context: view.HomeContext{ApartmentType: "Appartamento, terzo piano con ascensore", InternetType: "Fibra",
			Flatmates: "Moglie", Pets: "Un gatto", SmartphoneModel: "Samsung A52", Appliances: "Lavatrice, forno elettrico, TV in salotto",
			HabitNotes: "Si alza verso le 6:30; riposo pomeridiano"},
		CreatedAt: *hour(1, 10), UpdatedAt: *hour(2, 9), Health: domain.HealthSilent, LastSeen: hour(11, 14)}
}

func sampleInstallations() []view.InstallationView {
	a := sampleInstallation()
	a.DateJoin, a.LastActivity = "2026-03-01", hour(11, 15)
	b := view.InstallationView{ID: "in_Zp01", Nickname: "Betulla Serena", Status: domain.StatusToInstall, DateJoin: "2026-03-10", Health: domain.HealthNotCollecting}
	c := view.InstallationView{ID: "in_Qe44", Nickname: "Castoro Allegro", Status: domain.StatusMaintenance, DateJoin: "2025-11-20",
		LastActivity: hour(12, 8), Health: domain.HealthOK, LastSeen: hour(12, 9)}
	return []view.InstallationView{a, b, c}
}

func sampleInstallationData(inst view.InstallationView) *fieldInstallationData {
	half, full, none := 0.5, 1.0, 0.0
	day := func(d string, c *float64, active bool) view.DayHealthView {
		return view.DayHealthView{Day: d, Completeness: c, Active: active}
	}
	h := view.InstallationHealthView{Health: domain.HealthSilent, LastSeen: hour(11, 14), SilentStreams: []string{"kitchen.temperature"}, Streams: []view.StreamHealthView{
		{Key: "tv.plug.power", Kind: "power", JudgedBy: "cadence", Days: []view.DayHealthView{day("2026-03-10", nil, false), day("2026-03-11", &full, true), day("2026-03-12", &half, true)}},
		{Key: "kitchen.temperature", Kind: "temperature", Silent: true, LastReading: hour(11, 14), Days: []view.DayHealthView{day("2026-03-10", &full, true), day("2026-03-11", &half, true), day("2026-03-12", &none, false)}},
		{Key: "kitchen.motion", Kind: "motion", Days: []view.DayHealthView{day("2026-03-10", nil, true), day("2026-03-11", nil, true), day("2026-03-12", nil, false)}},
	}}
	return &fieldInstallationData{Inst: inst, Can: canOf([]domain.Role{domain.RoleInstaller}), Categories: ticketCategories, DocTypes: documentTypes, Typed: url.Values{},
		Sheet: &view.ContactSheet{Installation: inst.ID, Nickname: inst.Nickname, FirstName: "Ernesto", LastName: "Brambilla", Address: "Via Padova 5, 20127 Milano",
			Contacts: []view.ContactView{{ID: "ct_a1", Alias: "figlio Luca", Phone: "+39 340 1111111", Email: "luca.b@example.it"}}},
		Tickets:   []view.TicketView{sampleTicket(inst.ID)},
		Documents: []view.DocumentView{{ID: "dc_k2", Installation: inst.ID, Name: "pianta-casa.pdf", Type: "map", Size: 183_211, UploadedBy: "gennaro", CreatedAt: *hour(2, 11)}},
		Tokens: []view.IngestTokenView{{ID: "tk_1", Installation: inst.ID, CreatedAt: *hour(2, 10), LastUsedAt: hour(11, 14)},
			{ID: "tk_0", Installation: inst.ID, CreatedAt: *hour(1, 16), Revoked: true, RevokedAt: hour(2, 10)}},
		Health: gridOf(h)}
}

func sampleTicket(inst string) view.TicketView {
	return view.TicketView{ID: "tk_9v", Installation: inst, Category: domain.CategoryInstallation, Open: true, OpenedBy: "serenade", OpenedAt: *hour(1, 10),
		Messages: []view.MessageView{
			{Sender: "serenade", Body: "Nuovo paziente arruolato: installare il kit.", CreatedAt: *hour(1, 10)},
			{Sender: "gennaro", Body: "Passo giovedì mattina, ho sentito il figlio.", CreatedAt: *hour(2, 9)},
			{Sender: "vincenzo", Body: "Ricevo i dati della cucina, manca la TV.", CreatedAt: *hour(11, 15)},
		}}
}

func sampleQueue() []view.QueueTicket {
	return []view.QueueTicket{
		{ID: "tk_9v", Installation: "in_7QkX2m", Nickname: "Airone Gentile", Category: domain.CategoryInstallation, Open: true, OpenedAt: *hour(1, 10), LastActivity: *hour(11, 15), LastSender: "vincenzo", Messages: 3},
		{ID: "tk_3a", Installation: "in_Qe44", Nickname: "Castoro Allegro", Category: domain.CategoryMaintenance, Open: true, OpenedAt: *hour(12, 8), LastActivity: *hour(12, 8), LastSender: "serenade", Messages: 1},
	}
}
