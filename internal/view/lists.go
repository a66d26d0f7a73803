package view

import (
	"time"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/resource"
)

// Sorts of the lists. Every order ends with a tiebreaker of the caller's
// own: doctors the internal id, other roles the nickname (unique in a
// role) and then a keyed tag of their role (tickets: the tag alone;
// pseudonym.Codec.SortTag, as arbitrary as their pseudonyms and
// independent between roles), never the store's (enrolment) order, which
// is the same for every role. Times and dates sort as the
// caller is shown them (cut to its precision, Cut), so an order tells
// nothing finer than the values. The store reads each order in SQL, the
// nicknames and tags from its per-role sort keys (OrderRole).
const (
	SortDefault      = ""              // nickname (roles without ids), id (doctors); tickets: last activity
	SortNickname     = "nickname"      // roles without ids only
	SortDateJoin     = "date_join"     // enrolment date, oldest first
	SortDateJoinDesc = "-date_join"    // enrolment date, newest first
	SortLastActivity = "last_activity" // newest activity first; none last
	SortStatus       = "status"        // installation status, by name
	SortLastName     = "last_name"     // doctors' patient list (bounded, see the API)
	SortOpened       = "opened"        // tickets: newest opening first
)

// ListedInstallation is an installation of a list: the installation
// with its patient's enrolment date and its last activity, each shown at
// the caller's precision.
func (v Viewer) ListedInstallation(i domain.Installation, e domain.ListEntry) InstallationView {
	out := v.Installation(i)
	out.DateJoin = v.At(access.EnrolmentDates, e.DateJoin).Format(DateLayout)
	out.LastActivity = v.AtPtr(access.ActivityTimes, e.LastActivity())
	return out
}

// QueueTicket is a ticket of the work queue: no thread, but its size,
// last activity and last sender (as the thread shows senders).
type QueueTicket struct {
	ID           string                `json:"id"`
	Installation string                `json:"installation"`
	Nickname     string                `json:"nickname,omitempty" doc:"The home's nickname (roles without ids)."`
	Category     domain.TicketCategory `json:"category" enum:"installation,maintenance,uninstallation"`
	Open         bool                  `json:"open"`
	OpenedAt     time.Time             `json:"opened_at" doc:"Cut to the caller's precision (see Timestamps and order in the API docs)."`
	ClosedAt     *time.Time            `json:"closed_at,omitempty" doc:"Cut to the caller's precision."`
	LastActivity time.Time             `json:"last_activity" doc:"The newest of opening, newest message and closing, cut to the caller's precision."`
	LastSender   string                `json:"last_sender,omitempty" doc:"Who wrote the newest message, as the thread shows it (an account's username, or serenade for the system)."`
	Messages     int                   `json:"messages" doc:"Number of messages in the thread."`
}

// QueueTicket shows a ticket of the work queue.
func (v Viewer) QueueTicket(t domain.TicketEntry) QueueTicket {
	return QueueTicket{
		ID: v.Ref(resource.Ticket, t.ID), Installation: v.Ref(resource.Installation, t.InstallationID), Nickname: v.knownNickname(t.PatientID),
		Category: t.Category, Open: t.Open(), OpenedAt: v.At(access.TicketTimes, t.OpenedAt), ClosedAt: v.AtPtr(access.TicketTimes, t.ClosedAt),
		LastActivity: v.At(access.ActivityTimes, t.LastAt), LastSender: t.LastSender, Messages: t.MessageCount,
	}
}

// OrderRole is the role whose stored sort keys (its nicknames and sort
// tags) order the viewer's lists in the store: the role that names
// resources; "" for callers who see ids, whose lists end with the id.
func (v Viewer) OrderRole() domain.Role {
	if v.ids || len(v.roles) == 0 {
		return ""
	}
	return v.roles[0]
}

// Cut is how coarsely the viewer's lists compare times of a class: as
// finely as the viewer is shown them (At), so an order tells nothing
// finer than the values shown.
func (v Viewer) Cut(class access.TimeClass) domain.TimeCut {
	return map[access.Precision]domain.TimeCut{access.Exact: domain.CutExact, access.ToHour: domain.CutHour,
		access.ToDay: domain.CutDay, access.ToQuarter: domain.CutQuarter, access.ToYear: domain.CutYear}[access.PrecisionFor(v.all, class)]
}
