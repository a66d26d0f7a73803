package api_test

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"serenade/internal/access"
	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/page"
	"serenade/internal/pseudonym"
	"serenade/internal/resource"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/storetest"
	"serenade/internal/textfold"
	"serenade/internal/view"
)

// The lists are read in SQL from stored values (status, last activity,
// the work queue's values, per-role sort keys). These tests derive every
// list's order naively instead, from the study as the full reads show it
// (each installation's tickets and threads, each patient's nickname
// computed from its names), and compare.

// naiveEntry is a patient's row of the lists, derived from full reads.
type naiveEntry struct {
	patient domain.Patient
	inst    *domain.Installation
	last    time.Time // newest message; zero without one
}

// naiveTicket is a ticket of the queue, derived from its thread.
type naiveTicket struct {
	domain.Ticket
	lastAt time.Time
}

// naiveStudy reads every patient, installation and ticket in full.
func naiveStudy(t *testing.T, st domain.Study) ([]naiveEntry, []naiveTicket) {
	t.Helper()
	ctx := storetest.Doctor()
	var es []naiveEntry
	var ts []naiveTicket
	for _, p := range storetest.Must[[]domain.Patient](t)(st.Patients(ctx)) {
		e := naiveEntry{patient: p}
		if inst, err := st.InstallationOfPatient(ctx, p.ID); err == nil {
			e.inst = &inst
			var newest int64
			for _, tk := range storetest.Must[[]domain.Ticket](t)(st.Tickets(ctx, inst.ID)) {
				nt := naiveTicket{Ticket: tk, lastAt: tk.OpenedAt}
				for _, m := range tk.Messages {
					if m.ID > newest {
						newest, e.last = m.ID, m.CreatedAt
					}
					nt.lastAt = latest(nt.lastAt, m.CreatedAt)
				}
				if tk.ClosedAt != nil {
					nt.lastAt = latest(nt.lastAt, *tk.ClosedAt)
				}
				ts = append(ts, nt)
			}
		}
		es = append(es, e)
	}
	return es, ts
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// naiveViewer is a caller of one role as the views see it.
func naiveViewer(s *apptest.Server, role domain.Role) view.Viewer {
	naiveCodec = pseudonym.New(s.App.Store().PseudonymKey())
	vs := view.Viewers{Codec: naiveCodec, Patients: s.App.Study()}
	return vs.For(domain.Principal{Subject: "naive", Roles: []domain.Role{role}})
}

// tailKey ends a row's key: the id for callers who see ids, otherwise
// the patient's nickname (folded) and the caller's sort tag of the row.
func tailKey(v view.Viewer, p domain.Patient, kind resource.Kind, id int64) page.Key {
	if v.SeesIDs() {
		return page.Key{page.Int(id)}
	}
	return page.Key{keyText(textfold.Fold(v.NicknameOf(p))), sortTag(v, kind, id)}
}

// sortTag is the caller's tiebreaker of a row, from the server key.
func sortTag(v view.Viewer, kind resource.Kind, id int64) string {
	return naiveCodec.SortTag(v.OrderRole(), kind, id)
}

// naiveCodec is the server's codec, set by the test before it orders.
var naiveCodec *pseudonym.Codec

// entryKey is a row's place in sort, by the values the caller is shown.
func entryKey(v view.Viewer, sort string, kind resource.Kind, e naiveEntry) page.Key {
	var head page.Key
	switch sort {
	case view.SortDateJoin:
		head = page.Key{page.Time(v.At(access.EnrolmentDates, e.patient.DateJoin))}
	case view.SortDateJoinDesc:
		head = page.Key{timeDesc(v.At(access.EnrolmentDates, e.patient.DateJoin))}
	case view.SortLastActivity:
		head = page.Key{timeDesc(v.At(access.ActivityTimes, e.last))}
	case view.SortStatus:
		head = page.Key{""}
		if e.inst != nil {
			head = page.Key{string(e.inst.Status)}
		}
	}
	id := e.patient.ID
	if kind == resource.Installation && (sort == "" || !v.SeesIDs()) {
		id = e.inst.ID // doctors' other orders end with the patient's id (one per installation)
	}
	if v.SeesIDs() && sort == view.SortDateJoinDesc {
		return append(head, intDesc(id)) // newest first, the newest id first
	}
	return append(head, tailKey(v, e.patient, kind, id)...)
}

// ticketKey is a queue ticket's place: newest first, then the caller's
// sort tag (the id, newest first, for callers who see ids).
func ticketKey(v view.Viewer, sort string, tk naiveTicket) page.Key {
	at := v.At(access.ActivityTimes, tk.lastAt)
	if sort == view.SortOpened {
		at = v.At(access.TicketTimes, tk.OpenedAt)
	}
	if v.SeesIDs() {
		return page.Key{timeDesc(at), intDesc(tk.ID)}
	}
	return page.Key{timeDesc(at), sortTag(v, resource.Ticket, tk.ID)}
}

// timeDesc is an instant as a descending key element: the newest first,
// the zero time (no activity) last.
func timeDesc(t time.Time) string {
	if t.IsZero() {
		return "~" // after every digit
	}
	return intDesc(t.UnixNano())
}

// intDesc is an id as a descending key element.
func intDesc(id int64) string { return page.Int(math.MaxInt64 - id) }

// keyText is a nickname as a key element.
func keyText(s string) string { return strings.ReplaceAll(s, "\x00", "") }

// naiveOrder sorts rows by key and names each as the caller is shown it.
func naiveOrder[T any](rows []T, key func(T) page.Key, name func(T) string) []string {
	slices.SortFunc(rows, func(a, b T) int { return slices.Compare(key(a), key(b)) })
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = name(r)
	}
	return out
}

// orderCase is a list as one role reads it, sorted and filtered.
type orderCase struct {
	role          domain.Role
	list, sort    string
	status, state string
}

func (c orderCase) path() string {
	q := url.Values{"limit": {"3"}}
	for k, v := range map[string]string{"sort": c.sort, "status": c.status, "state": c.state} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return "/api/v1/" + c.list + "?" + q.Encode()
}

// orderCases are every list, role, sort and a filter of each.
func orderCases() []orderCase {
	var cs []orderCase
	for _, sort := range []string{"", "date_join", "-date_join", "last_activity", "status"} {
		cs = append(cs, orderCase{role: domain.RoleDoctor, list: "patients", sort: sort})
		for _, r := range []domain.Role{domain.RoleDoctor, domain.RoleInstaller, domain.RoleMonitoring, domain.RoleResearcher} {
			cs = append(cs, orderCase{role: r, list: "installations", sort: sort})
		}
	}
	for _, r := range []domain.Role{domain.RoleInstaller, domain.RoleMonitoring, domain.RoleResearcher} {
		cs = append(cs, orderCase{role: r, list: "installations", sort: "nickname"})
	}
	cs = append(cs, orderCase{role: domain.RoleDoctor, list: "patients", sort: "last_activity", status: "working"},
		orderCase{role: domain.RoleMonitoring, list: "installations", sort: "date_join", status: "working"},
		orderCase{role: domain.RoleDoctor, list: "screening"}, orderCase{role: domain.RoleResearcher, list: "screening"})
	for _, r := range []domain.Role{domain.RoleInstaller, domain.RoleMonitoring} {
		cs = append(cs, orderCase{role: r, list: "tickets"}, orderCase{role: r, list: "tickets", sort: "opened"},
			orderCase{role: r, list: "tickets", state: "open"})
	}
	return cs
}

// want is the naive order of a case's rows, by the name the API gives them.
func (c orderCase) want(v view.Viewer, es []naiveEntry, ts []naiveTicket) []string {
	switch c.list {
	case "tickets":
		ts = slices.DeleteFunc(slices.Clone(ts), func(tk naiveTicket) bool { return c.state == "open" && !tk.Open() })
		return naiveOrder(ts, func(tk naiveTicket) page.Key { return ticketKey(v, c.sort, tk) },
			func(tk naiveTicket) string { return v.Ref(resource.Ticket, tk.ID) })
	case "installations":
		es = slices.DeleteFunc(slices.Clone(es), func(e naiveEntry) bool {
			return e.inst == nil || c.status != "" && string(e.inst.Status) != c.status
		})
		sort := c.sort
		if sort == "nickname" {
			sort = ""
		}
		return naiveOrder(es, func(e naiveEntry) page.Key { return entryKey(v, sort, resource.Installation, e) },
			func(e naiveEntry) string { return v.Ref(resource.Installation, e.inst.ID) })
	}
	es = slices.DeleteFunc(slices.Clone(es), func(e naiveEntry) bool {
		return c.list == "screening" && e.patient.Withdrawn() || c.status != "" && (e.inst == nil || string(e.inst.Status) != c.status)
	})
	return naiveOrder(es, func(e naiveEntry) page.Key { return entryKey(v, c.sort, resource.Patient, e) },
		func(e naiveEntry) string { return v.Ref(resource.Patient, e.patient.ID) })
}

// TestListOrdersEqualTheNaiveOrder, on both backends: on the demo study
// with a renamed, a withdrawn and an erased patient and tickets moved
// through their workflows, every list, role, sort and filter paged three
// rows at a time gives each row once, in exactly the order derived
// naively from the full reads of the same data by the values the caller
// is shown (nicknames from the names, times cut to the role's precision,
// ties by the caller's own keyed sort tag or, for doctors, the id).
func TestListOrdersEqualTheNaiveOrder(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			moveTheStudy(t, s)
			tokens := map[domain.Role]string{domain.RoleDoctor: s.Login(t, demo.Doctor, "alice"), domain.RoleInstaller: s.Login(t, demo.Installer, "gennaro"),
				domain.RoleMonitoring: s.Login(t, demo.Monitoring, "vincenzo"), domain.RoleResearcher: s.Login(t, demo.Researcher, "stefano")}
			es, ts := naiveStudy(t, s.App.Study())
			for _, c := range orderCases() {
				field, key := c.list, "id"
				if c.list == "screening" {
					key = "patient"
				}
				var got []string
				for _, r := range allPages(t, s, tokens[c.role], c.path(), field) {
					got = append(got, r.str(key))
				}
				want := c.want(naiveViewer(s, c.role), es, ts)
				if len(want) < 3 {
					t.Errorf("%s %s: %d rows, too few to tell an order", c.role, c.path(), len(want))
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s %s: %d rows\n got %v\nwant %v", c.role, c.path(), len(got), got, want)
				}
			}
		})
	}
}

// moveTheStudy renames a patient (its nickname may move), withdraws one
// and answers, closes and opens tickets, so that statuses, activity and
// nicknames differ from the enrolment's.
func moveTheStudy(t *testing.T, s *apptest.Server) {
	t.Helper()
	st, ctx := s.App.Study(), storetest.Doctor()
	ps := storetest.Must[[]domain.Patient](t)(st.Patients(ctx))
	if len(ps) < 6 {
		t.Fatalf("demo study of %d patients", len(ps))
	}
	// Named as its installers' nickname: that nickname must move to the
	// patient's other candidate.
	p := ps[1]
	nick := pseudonym.New(s.App.Store().PseudonymKey()).Nickname(domain.RoleInstaller, p.ID, p.Identity.FirstName, p.Identity.LastName)
	renamed := storetest.Person(t, p.Identity.LastName, nick, 77, p.Identity.DiagnosisClass).Identity
	storetest.Must[domain.Patient](t)(st.UpdateIdentity(ctx, p.ID, renamed))
	if again := pseudonym.New(s.App.Store().PseudonymKey()).Nickname(domain.RoleInstaller, p.ID, nick, p.Identity.LastName); again == nick {
		t.Fatalf("renamed %s, the nickname stayed", nick)
	}
	for i, p := range ps[2:5] {
		inst := storetest.Must[domain.Installation](t)(st.InstallationOfPatient(ctx, p.ID))
		for _, tk := range storetest.Must[[]domain.Ticket](t)(st.Tickets(ctx, inst.ID)) {
			if tk.Open() {
				storetest.Must[domain.Message](t)(st.AddMessage(storetest.Installer(), tk.ID, fmt.Sprintf("visit %d", i)))
			}
		}
	}
	if err := st.Withdraw(ctx, ps[5].ID); err != nil {
		t.Fatal(err)
	}
}
