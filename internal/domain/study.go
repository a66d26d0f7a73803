package domain

import (
	"context"
	"time"
)

// Study is the study's service layer: every workflow of SPEC §3, each in
// one transaction. internal/service implements it over the store; the API
// and UI call it after the access matrix allowed the request. The acting
// user is taken from the context's Principal for authorship (ticket
// openers, message senders, uploaders).
type Study interface {
	// Enrol creates the patient, its installation and the installation
	// ticket with a first system message.
	Enrol(ctx context.Context, in NewPatient) (Patient, error)
	Patient(ctx context.Context, id int64) (Patient, error)
	// PatientRecord is Patient with the installation in the patient's
	// home (the zero Installation when there is none), read together in
	// one snapshot: the read of GET /patients/{id}, the hot path.
	PatientRecord(ctx context.Context, id int64) (Patient, Installation, error)
	Patients(ctx context.Context) ([]Patient, error)
	// ListEntries, PatientsByID, InstallationsByID and TicketEntries are
	// what paged lists read: the entries of every row a filter keeps,
	// nothing sealed opened, then the page's rows in full (ListEntry).
	ListEntries(ctx context.Context, f ListFilter) ([]ListEntry, error)
	PatientsByID(ctx context.Context, ids []int64) ([]Patient, error)
	InstallationsByID(ctx context.Context, ids []int64) ([]Installation, error)
	TicketEntries(ctx context.Context, f TicketFilter) ([]TicketEntry, error)
	UpdateIdentity(ctx context.Context, id int64, in Identity) (Patient, error)
	// CorrectDateJoin replaces the enrolment date, under the enrolment's
	// rule and not after the start of data collection.
	CorrectDateJoin(ctx context.Context, patientID int64, d time.Time) (Patient, error)
	// UpdateAddress changes only the home address (what installers may write).
	UpdateAddress(ctx context.Context, patientID int64, address string) (Patient, error)
	AddContact(ctx context.Context, patientID int64, c Contact) (Contact, error)
	UpdateContact(ctx context.Context, patientID int64, c Contact) (Contact, error)
	DeleteContact(ctx context.Context, patientID, contactID int64) error
	// Withdraw ends data collection now, closes open installation and
	// maintenance tickets, opens an uninstallation ticket and erases what
	// the kit's retrieval does not need; the rest is shredded
	// (crypto-shredding, under the configured withdrawal policy) when
	// that ticket is closed, or at once if the kit is already home.
	Withdraw(ctx context.Context, id int64) error

	Installation(ctx context.Context, id int64) (Installation, error)
	InstallationOfPatient(ctx context.Context, patientID int64) (Installation, error)
	Installations(ctx context.Context) ([]Installation, error)
	// UpdateHomeContext applies a submitted context (AuthoredContext.Edit);
	// shown is the redaction a caller who does not see identity is shown,
	// nil for callers who see identity.
	UpdateHomeContext(ctx context.Context, installationID int64, hc HomeContext, shown func(string) string) (Installation, error)

	// CorrectCollection corrects the data-collection dates with a reason
	// (ComposeCollectionCorrection); shown is how the caller is shown the
	// collection dates, nil for callers who see them exactly.
	// CollectionCorrections lists the corrections.
	CorrectCollection(ctx context.Context, installationID int64, start, end *time.Time, reason string, shown func(time.Time) time.Time) (Installation, error)
	CollectionCorrections(ctx context.Context, installationID int64) ([]CollectionCorrection, error)

	OpenTicket(ctx context.Context, installationID int64, c TicketCategory, firstMessage string) (Ticket, error)
	Ticket(ctx context.Context, id int64) (Ticket, error)
	Tickets(ctx context.Context, installationID int64) ([]Ticket, error)
	AddMessage(ctx context.Context, ticketID int64, body string) (Message, error)
	// CloseTicket closes a ticket and applies its effect on the
	// installation's data-collection dates.
	CloseTicket(ctx context.Context, ticketID int64) (Ticket, error)

	// AddDocument stores a file of the given type ("" is other).
	AddDocument(ctx context.Context, installationID int64, typ DocumentType, name string, content []byte) (Document, error)
	Documents(ctx context.Context, installationID int64) ([]Document, error)
	DocumentContent(ctx context.Context, id int64) (Document, []byte, error)
	DeleteDocument(ctx context.Context, id int64) error
}
