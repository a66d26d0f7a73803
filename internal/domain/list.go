package domain

import (
	"errors"
	"time"
)

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
	// LastActivityAt is the installation's stored last activity: the
	// newest of its newest ticket message and its newest stored reading;
	// nil when there is neither.
	LastActivityAt *time.Time
	// IdentityVersion changes whenever the patient's identity is sealed
	// again (a fresh nonce each time); empty once it is shredded. What is
	// derived from the identity (a nickname) may be cached under it.
	IdentityVersion string
	// Key is the entry's place in a role's order (ListFilter.Role), as
	// read: the cursor of a page that ends with it.
	Key []string
}

// LastActivity is the installation's last activity: the newest of its
// newest ticket message and its newest stored sensor reading (the store
// keeps it, store/activity.go); nil when nothing happened yet.
func (e ListEntry) LastActivity() *time.Time { return e.LastActivityAt }

// ListFilter narrows the patients a list reads, on values that are
// sealed at rest: the store matches them through its blind index, never
// by opening identities.
type ListFilter struct {
	// Search is what a doctor typed: a codice fiscale (exact), or words
	// every one of which must be a word of the first or last name
	// (folded: case, accents and punctuation do not matter), or a whole
	// name written without its spaces or apostrophes.
	Search         string
	DiagnosisClass DiagnosisClass     // "" for any
	Status         InstallationStatus // "" for any; otherwise only patients whose installation has it
	Installed      bool               // only patients with an installation
	Active         bool               // only patients who have not withdrawn
	Patient        int64              // only this patient's entry, when not 0 (a single read's list fields)
	// Patients, when not nil, keeps only the entries of these patients
	// (none when empty): a list filtered to the patients a caller named.
	Patients []int64
	// Order, After and Limit read one keyset page in SQL: at most Limit
	// entries after the entry After (from the start when nil) in Order,
	// each order ending with the id (the installation's when
	// ByInstallation, else the patient's). Limit 0 reads every entry the
	// filter keeps, in no particular order.
	Order          ListOrder
	ByInstallation bool
	After          *ListEntry
	Limit          int
	// Role, when set, orders the page as that role is shown the list:
	// by Order's value cut to HeadCut (OrderID: no value), then by the
	// role's nickname of the patient and its pseudonym of the row
	// (stored sort keys); AfterKey is the Key of the entry the page
	// follows (nil from the start). After is then unused.
	Role     Role
	HeadCut  TimeCut
	AfterKey []string
	// NameKeys reads the page of at most Limit entries after AfterKey
	// in the order by name (the doctors' sort by surname): the folded
	// surname, the folded first name ("" once shredded), then the id,
	// which is each entry's Key. Names are sealed, so the store orders
	// them in memory from names it keeps per process and checks against
	// the database's identity revision in the page's snapshot. When the
	// filter keeps more than NameSortMax entries it returns
	// ErrNameSortTooMany.
	NameKeys bool
}

// TimeCut is how coarsely a time is compared in a role's order: the
// precision the role is shown it at (access.Precision).
type TimeCut string

// The cuts, finest first; all in UTC.
const (
	CutExact   TimeCut = ""
	CutHour    TimeCut = "hour"
	CutDay     TimeCut = "day"
	CutQuarter TimeCut = "quarter"
	CutYear    TimeCut = "year"
)

// ListOrder is an order of the lists the store pages in SQL, each read
// through an index of its own (migration 00012) and ending with the id.
type ListOrder string

// The orders, as the lists' sort parameter names them.
const (
	OrderID           ListOrder = ""              // the id
	OrderDateJoin     ListOrder = "date_join"     // enrolment date, oldest first
	OrderDateJoinDesc ListOrder = "-date_join"    // enrolment date, newest first
	OrderLastActivity ListOrder = "last_activity" // newest activity first, none last
	OrderStatus       ListOrder = "status"        // status, by name ("" without an installation first)
)

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
	// Key is the ticket's place in the queue's order, as read
	// (TicketFilter.Limit).
	Key []string
}

// TicketFilter narrows the work queue; zero values do not filter.
type TicketFilter struct {
	Open           *bool // open (true) or closed (false) tickets only
	Category       TicketCategory
	InstallationID int64
	// Limit, when above 0, reads one page of at most Limit tickets after
	// the ticket whose Key is AfterKey, newest first by the last activity
	// (or by the opening, ByOpening) cut to HeadCut, then by Role's
	// pseudonym of the ticket, or by the id, newest first, when Role is
	// empty (callers who see ids).
	Limit     int
	ByOpening bool
	HeadCut   TimeCut
	Role      Role
	AfterKey  []string
}

// ErrNameSortTooMany is a list by name over more than NameSortMax
// patients (ListFilter.NameKeys).
var ErrNameSortTooMany = errors.New("more patients match than can be sorted by surname")
