// Package access is the access matrix of SPEC §2, as data, in one place.
// Every API route names one Action; the router asks Allows before the
// handler runs, and the tests walk every route × every role against this
// table. Anything not granted here is refused: deny by default.
package access

import (
	"slices"

	"serenade/internal/domain"
)

// Action is what a request does to which data.
type Action string

const (
	Self Action = "self.read" // who am I: any caller holding a study role

	PatientList     Action = "patient.list"     // list with identity (name, diagnosis, status, enrolment date)
	PatientCreate   Action = "patient.create"   // enrolment
	PatientRead     Action = "patient.read"     // identity & medical record
	PatientUpdate   Action = "patient.update"   // identity & medical record
	PatientWithdraw Action = "patient.withdraw" // delete: crypto-shredding

	ContactSheetRead  Action = "contact-sheet.read"  // name, address, contacts of a home
	ContactSheetWrite Action = "contact-sheet.write" // contacts & address

	ScreeningRead  Action = "screening.read"  // diagnosis class, age class
	ScreeningWrite Action = "screening.write" // diagnosis class

	InstallationRead  Action = "installation.read"  // home context, dates, status
	InstallationWrite Action = "installation.write" // home context
	// InstallationCorrectDates corrects the data-collection dates, with a
	// reason.
	InstallationCorrectDates Action = "installation.correct-dates"
	// InstallationCorrectionsRead reads an installation's history of
	// collection-date corrections: who corrected which dates, when, why.
	InstallationCorrectionsRead Action = "installation.corrections.read"

	TicketRead  Action = "ticket.read"  // tickets and their messages
	TicketOpen  Action = "ticket.open"  // open a ticket
	TicketWrite Action = "ticket.write" // write on a ticket
	TicketClose Action = "ticket.close" // close a ticket
	// TicketQueue is the work queue: tickets across installations, with
	// their last activity, last sender and message count, no thread.
	TicketQueue Action = "ticket.queue"

	DocumentRead   Action = "document.read"
	DocumentWrite  Action = "document.write"
	DocumentDelete Action = "document.delete"

	// Sensor data (SPEC §7). Ingest itself is no user action: gateways
	// write with an ingest token, which no user token can stand for.
	StreamRead       Action = "stream.read"        // streams and their readings
	DeviceHealthRead Action = "device-health.read" // last reading per stream, gaps
	IngestTokenWrite Action = "ingest-token.write" // provision, list and revoke an installation's ingest tokens
	// ReadingsExport is the cohort export: every installation's readings
	// over a range in one download, keyed by the caller's pseudonyms.
	ReadingsExport Action = "readings.export"

	AuditRead   Action = "audit.read"   // the whole audit log
	AuditVerify Action = "audit.verify" // check the trail's hash chain
	// AccountRead lists the local accounts (read only: see AccountManage).
	AccountRead          Action = "account.read"
	PatientAccessHistory Action = "patient.access-history" // who saw a patient, when

	// Accounts and master keys are managed on the host, with the serenade
	// command (user, keys rotate), not over HTTP: no route performs these
	// two actions, and the API's tests check that none does. They stay in
	// the matrix so that a route added for them is granted to admins only.
	AccountManage Action = "account.manage"
	KeyManage     Action = "key.manage"
)

var (
	doctor     = domain.RoleDoctor
	installer  = domain.RoleInstaller
	monitoring = domain.RoleMonitoring
	researcher = domain.RoleResearcher
	admin      = domain.RoleAdmin
)

// matrix maps each action to the roles that may perform it.
var matrix = map[Action][]domain.Role{
	Self: domain.AllRoles,

	PatientList:     {doctor},
	PatientCreate:   {doctor},
	PatientRead:     {doctor},
	PatientUpdate:   {doctor},
	PatientWithdraw: {doctor},

	ContactSheetRead:  {doctor, installer},
	ContactSheetWrite: {doctor, installer},

	ScreeningRead:  {doctor, researcher},
	ScreeningWrite: {doctor},

	InstallationRead:  {doctor, installer, monitoring, researcher},
	InstallationWrite: {doctor, installer, monitoring},
	// The doctor owns the study's dates; monitoring sees from the data
	// when collection really started or stopped. Installers record what
	// they did through the tickets, whose close sets the dates.
	InstallationCorrectDates: {doctor, monitoring},
	// The history is the field teams' and the doctor's, like a ticket
	// thread: who corrected what, and why. Not the researchers': how
	// many corrections a home had, and by whom, is a value their export
	// would share with the field teams' and join the two (SPEC §4); the
	// dates in force are in the installation they read.
	InstallationCorrectionsRead: {doctor, installer, monitoring},

	TicketRead:  {doctor, installer, monitoring},
	TicketOpen:  {installer, monitoring},
	TicketWrite: {installer, monitoring},
	TicketClose: {installer},
	// The queue is the field teams' worklist (the issue asks it for
	// installers and monitoring); doctors read tickets per installation.
	TicketQueue: {installer, monitoring},

	DocumentRead:   {doctor, installer, monitoring, researcher},
	DocumentWrite:  {installer},
	DocumentDelete: {installer},

	StreamRead:       {doctor, monitoring, researcher},
	DeviceHealthRead: {doctor, installer, monitoring, researcher},
	// The cohort export is the researchers' material; doctors and
	// monitoring consult one installation at a time.
	ReadingsExport: {researcher},
	// Installers provision at install time, monitoring replaces a lost
	// or leaked token; neither reads readings through a token's list.
	IngestTokenWrite: {installer, monitoring},

	AuditRead:            {admin},
	AuditVerify:          {admin},
	AccountRead:          {admin},
	PatientAccessHistory: {doctor},

	AccountManage: {admin},
	KeyManage:     {admin},
}

// Allows reports whether any of the roles may perform the action. An
// action missing from the matrix is allowed to nobody.
func Allows(roles []domain.Role, a Action) bool {
	granted := matrix[a]
	for _, r := range roles {
		if slices.Contains(granted, r) {
			return true
		}
	}
	return false
}

// Roles returns the roles granted an action.
func Roles(a Action) []domain.Role { return slices.Clone(matrix[a]) }

// Actions lists every action of the matrix, sorted (the tests enumerate
// it; the audit log browser offers it as a filter).
func Actions() []Action {
	out := make([]Action, 0, len(matrix))
	for a := range matrix {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}
