package domain

import (
	"time"
)

// TicketCategory is the kind of work a ticket asks for.
type TicketCategory string

const (
	CategoryInstallation   TicketCategory = "installation"
	CategoryMaintenance    TicketCategory = "maintenance"
	CategoryUninstallation TicketCategory = "uninstallation"
)

// ParseCategory validates a category name.
func ParseCategory(s string) (TicketCategory, error) {
	switch c := TicketCategory(s); c {
	case CategoryInstallation, CategoryMaintenance, CategoryUninstallation:
		return c, nil
	}
	return "", Invalid("category", "must be installation, maintenance or uninstallation")
}

// Ticket is a unit of field work on an installation.
type Ticket struct {
	ID             int64
	InstallationID int64
	PatientID      int64 // whose home, for the audit trail
	Category       TicketCategory
	OpenedBy       string
	OpenedAt       time.Time
	ClosedBy       string
	ClosedAt       *time.Time
	Messages       []Message
}

// Open reports whether the ticket is still open.
func (t Ticket) Open() bool { return t.ClosedAt == nil }

// Message is one entry of a ticket's thread. Bodies may name the
// patient, so they are stored encrypted.
type Message struct {
	ID        int64
	TicketID  int64
	Sender    string
	Body      string
	CreatedAt time.Time
	// WrittenBlind is set when the sender does not see identity: the
	// body is shown to such roles as written (see AuthoredContext).
	WrittenBlind bool
}

// SystemSender is the sender of messages Serenade writes itself.
const SystemSender = "serenade"

// CollectionMonths is how long data collection runs after installation.
const CollectionMonths = 12

// ValidateMessageBody cleans a message body under the text policy;
// field is the name the caller's input gives it ("body" for a reply,
// "message" for the first message of a new ticket).
func ValidateMessageBody(field, body string) (string, error) {
	return MessageText.Clean(field, body)
}
