package view

import (
	"time"

	"serenade/internal/access"
	"serenade/internal/domain"
	"serenade/internal/page"
	"serenade/internal/resource"
	"serenade/internal/textfold"
)

// Sorts of the lists. Every order ends with a tiebreaker the caller is
// shown: doctors the internal id, other roles the nickname and their own
// pseudonym, never the store's (enrolment) order, which is the same for
// every role. Times and dates sort as the caller is shown them (cut to
// its precision), so an order tells nothing finer than the values.
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

// tail is the tiebreaker of a row of a patient, resource kind and id.
func (v Viewer) tail(patientID int64, kind resource.Kind, id int64) page.Key {
	if v.ids {
		return page.Key{page.Int(id)}
	}
	return page.Key{page.Text(textfold.Fold(v.nicknames[patientID])), v.Ref(kind, id)}
}

// EntryKey is a list entry's place in sort, as the viewer may see it
// ordered; rows of kind (patient, screening: resource.Patient;
// installations: resource.Installation) are named by the entry's id of
// that kind.
func (v Viewer) EntryKey(sort string, kind resource.Kind, e domain.ListEntry) page.Key {
	id := e.PatientID
	if kind == resource.Installation {
		id = e.InstallationID
	}
	var head page.Key
	switch sort {
	case SortDateJoin:
		head = page.Key{page.Time(v.At(access.EnrolmentDates, e.DateJoin))}
	case SortDateJoinDesc:
		head = page.Key{page.TimeDesc(v.At(access.EnrolmentDates, e.DateJoin))}
	case SortLastActivity:
		head = page.Key{page.TimeDesc(v.lastActivity(e))}
	case SortStatus:
		head = page.Key{string(e.Status)}
	}
	return append(head, v.tail(e.PatientID, kind, id)...)
}

func (v Viewer) lastActivity(e domain.ListEntry) time.Time {
	if t := e.LastActivity(); t != nil {
		return v.At(access.ActivityTimes, *t)
	}
	return time.Time{}
}

// TicketKey is a queue ticket's place in sort: newest first, by last
// activity (default) or opening, as the viewer is shown them.
func (v Viewer) TicketKey(sort string, t domain.TicketEntry) page.Key {
	at := v.At(access.ActivityTimes, t.LastAt)
	if sort == SortOpened {
		at = v.At(access.TicketTimes, t.OpenedAt)
	}
	if v.ids {
		return page.Key{page.TimeDesc(at), page.IntDesc(t.ID)}
	}
	return page.Key{page.TimeDesc(at), v.Ref(resource.Ticket, t.ID)}
}

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
