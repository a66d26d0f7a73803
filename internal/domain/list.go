package domain

import "time"

// ListEntry is one patient's row as the study's lists sort, filter and
// page it: read without opening anything sealed, so a list of 10,000
// patients costs one query and no decryption. The page's rows are then
// read in full (Study.PatientsByID, Study.InstallationsByID).
type ListEntry struct {
	PatientID      int64
	InstallationID int64 // 0 for a patient without an installation
	DateJoin       time.Time
	Withdrawn      bool
	Status         InstallationStatus // derived from the installation's tickets
	// LastMessageAt is the time of the newest message on any of the
	// installation's tickets; nil when there is none.
	LastMessageAt *time.Time
	// IdentityVersion changes whenever the patient's identity is sealed
	// again (a fresh nonce each time); empty once it is shredded. What is
	// derived from the identity (a nickname) may be cached under it.
	IdentityVersion string
}

// LastActivity is the installation's last activity: its newest ticket
// message. It is the one place that says what activity is, so that the
// newest sensor reading joins here when readings are stored (the newest
// of the two then wins); nil when nothing happened yet.
func (e ListEntry) LastActivity() *time.Time { return e.LastMessageAt }

// ListFilter narrows the patients a list reads, on values that are
// sealed at rest: the store matches them through its blind index, never
// by opening identities.
type ListFilter struct {
	// Search is what a doctor typed: a codice fiscale (exact), or words
	// every one of which must be a word of the first or last name
	// (folded: case, accents and punctuation do not matter), or a whole
	// name written without its spaces or apostrophes.
	Search         string
	DiagnosisClass DiagnosisClass // "" for any
	// WithActivity reads every entry's Status and LastMessageAt (an
	// aggregate over all tickets and messages); without it they are left
	// empty, for Study.Activity to fill for a page's entries only.
	WithActivity bool
	// AfterID and Limit read, in id order, at most Limit entries of ids
	// above AfterID: the keyset page of the doctors' default order done
	// in SQL. Limit 0 reads every entry, in no particular order.
	AfterID int64
	Limit   int
}

// TicketEntry is one ticket of the work queue across installations,
// without its thread: how many messages it has, and when and by whom the
// newest was written.
type TicketEntry struct {
	Ticket                 // Messages is left empty
	MessageCount int       // messages in the thread
	LastSender   string    // sender of the newest message, as the thread shows it; "" without messages
	LastAt       time.Time // the newest of: opening, newest message, closing
	// IdentityVersion is the ticket's patient's (ListEntry.IdentityVersion).
	IdentityVersion string
}

// TicketFilter narrows the work queue; zero values do not filter.
type TicketFilter struct {
	Open           *bool // open (true) or closed (false) tickets only
	Category       TicketCategory
	InstallationID int64
}
