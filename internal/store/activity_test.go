package store_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"serenade/internal/domain"
	"serenade/internal/testsupport/storetest"
)

// TestStoredListValuesFollowEveryWorkflow, on both backends: the values
// the lists sort and filter by are stored (status, last activity; per
// ticket the last activity, message count and last sender), so after
// every step of every workflow (enrolment, messages, closing and opening
// tickets, date corrections, withdrawal before and after the kit is
// installed, the retrieval that shreds) each stored value equals the
// value derived from the full reads of the same data.
func TestStoredListValuesFollowEveryWorkflow(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		st := env.Study()
		var pids []int64
		step := func(name string, f func() error) {
			t.Helper()
			env.Clock.Advance(37 * time.Minute)
			if err := f(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			checkStoredValues(t, env, name)
		}
		for i := range 3 {
			step(fmt.Sprintf("enrol %d", i), func() error {
				p, err := st.Enrol(doctor(), storetest.Numbered(t, i))
				pids = append(pids, p.ID)
				return err
			})
		}
		ticketOf := func(pid int64, open bool) int64 {
			inst := must[domain.Installation](t)(st.InstallationOfPatient(doctor(), pid))
			for _, tk := range must[[]domain.Ticket](t)(st.Tickets(installer(), inst.ID)) {
				if tk.Open() == open {
					return tk.ID
				}
			}
			t.Fatalf("patient %d: no ticket open=%v", pid, open)
			return 0
		}
		instOf := func(pid int64) int64 { return must[domain.Installation](t)(st.InstallationOfPatient(doctor(), pid)).ID }
		for _, pid := range pids[:2] {
			step("message", func() error { _, err := st.AddMessage(installer(), ticketOf(pid, true), "on my way"); return err })
			step("close installation", func() error { _, err := st.CloseTicket(installer(), ticketOf(pid, true)); return err })
		}
		step("open maintenance", func() error {
			_, err := st.OpenTicket(installer(), instOf(pids[0]), domain.CategoryMaintenance, "sensor off")
			return err
		})
		step("correct enrolment date", func() error {
			_, err := st.CorrectDateJoin(doctor(), pids[1], env.Clock.Now().AddDate(0, 0, -3))
			return err
		})
		step("correct collection", func() error {
			inst := must[domain.Installation](t)(st.Installation(doctor(), instOf(pids[1])))
			end := inst.CollectionEnd.AddDate(0, 0, -1)
			_, err := st.CorrectCollection(doctor(), inst.ID, inst.CollectionStart, &end, "ends a day earlier than planned", nil)
			return err
		})
		step("close maintenance", func() error { _, err := st.CloseTicket(installer(), ticketOf(pids[0], true)); return err })
		step("withdraw installed", func() error { return st.Withdraw(doctor(), pids[0]) })
		step("message on uninstallation", func() error {
			_, err := st.AddMessage(installer(), ticketOf(pids[0], true), "kit collected")
			return err
		})
		step("retrieval shreds", func() error { _, err := st.CloseTicket(installer(), ticketOf(pids[0], true)); return err })
		step("withdraw before installation", func() error { return st.Withdraw(doctor(), pids[2]) })
	})
}

// checkStoredValues compares the stored list values with those derived
// from the full reads.
func checkStoredValues(t *testing.T, env *storetest.Env, step string) {
	t.Helper()
	st := env.Study()
	tickets := map[int64]domain.TicketEntry{}
	for _, e := range must[[]domain.TicketEntry](t)(env.DB.TicketEntries(doctor(), domain.TicketFilter{})) {
		tickets[e.ID] = e
	}
	for _, e := range must[[]domain.ListEntry](t)(env.DB.ListEntries(doctor(), domain.ListFilter{})) {
		if e.InstallationID == 0 {
			if e.Status != "" || e.LastActivityAt != nil {
				t.Errorf("%s: patient %d without installation: status %q, activity %v", step, e.PatientID, e.Status, e.LastActivityAt)
			}
			continue
		}
		inst := must[domain.Installation](t)(st.Installation(doctor(), e.InstallationID))
		if e.Status != inst.Status {
			t.Errorf("%s: patient %d: stored status %s, derived %s", step, e.PatientID, e.Status, inst.Status)
		}
		var newest *domain.Message
		for _, tk := range must[[]domain.Ticket](t)(st.Tickets(doctor(), e.InstallationID)) {
			checkStoredTicket(t, step, tickets[tk.ID], tk)
			for i, m := range tk.Messages {
				if newest == nil || m.ID > newest.ID {
					newest = &tk.Messages[i]
				}
			}
		}
		if (newest == nil) != (e.LastActivityAt == nil) || newest != nil && !newest.CreatedAt.Equal(*e.LastActivityAt) {
			t.Errorf("%s: patient %d: stored last activity %v, newest message %+v", step, e.PatientID, e.LastActivityAt, newest)
		}
	}
}

// checkStoredTicket compares a ticket's stored queue values with its thread.
func checkStoredTicket(t *testing.T, step string, e domain.TicketEntry, tk domain.Ticket) {
	t.Helper()
	last, sender := tk.OpenedAt, ""
	for _, m := range tk.Messages {
		if m.CreatedAt.After(last) {
			last = m.CreatedAt
		}
		sender = m.Sender
	}
	if tk.ClosedAt != nil && tk.ClosedAt.After(last) {
		last = *tk.ClosedAt
	}
	if e.ID != tk.ID || e.MessageCount != len(tk.Messages) || e.LastSender != sender || !e.LastAt.Equal(last) {
		t.Errorf("%s: ticket %d: stored %d messages, last by %q at %s; thread %d, %q, %s", step, tk.ID,
			e.MessageCount, e.LastSender, e.LastAt, len(tk.Messages), sender, last)
	}
}

// headList is the head columns of the sort keys (migration 00015).
const headList = `k.status, k.start_day, k.start_quarter, k.start_year, k.start_rev_hour, k.start_rev_day, k.start_rev_quarter,
	k.start_rev_year, k.last_rev_hour, k.last_rev_day, k.last_rev_quarter, k.last_rev_year`

// TestListValuesOfAnOlderDatabaseAreFilledIn, on both backends: a
// database written before migration 00012 (migrated down to 00011, which
// drops the stored values and sort keys) gets, from the migrations and
// the next start, the very status, last activity (a reading's, newer
// than the messages, included), queue values, per-role sort keys and
// their heads that the workflows and the ingest had written.
func TestListValuesOfAnOlderDatabaseAreFilledIn(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		st := env.Study()
		for i := range 4 {
			p := must[domain.Patient](t)(st.Enrol(doctor(), storetest.Numbered(t, i)))
			env.Clock.Advance(time.Hour)
			if i%2 == 0 {
				inst := must[domain.Installation](t)(st.InstallationOfPatient(doctor(), p.ID))
				tk := must[[]domain.Ticket](t)(st.Tickets(installer(), inst.ID))[0]
				must[domain.Ticket](t)(st.CloseTicket(installer(), tk.ID))
				env.Clock.Advance(time.Hour)
				must[domain.Ticket](t)(st.OpenTicket(installer(), inst.ID, domain.CategoryMaintenance, "sensor off"))
			}
			if i == 3 {
				if err := st.Withdraw(doctor(), p.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		// A home whose newest reading is newer than its newest message.
		h := env.SensorHome(t, 10)
		env.Clock.Advance(2 * time.Hour)
		reading := env.Clock.Now().Add(-30 * time.Minute).Truncate(time.Second).Add(120 * time.Millisecond)
		h.Send(t, storetest.Reading{Stream: "kitchen.motion", At: reading, Value: 1}, storetest.Reading{Stream: "kitchen.motion", At: reading.Add(-time.Hour), Value: 1})
		raw := env.Raw(t)
		read := func() ([]domain.ListEntry, []domain.TicketEntry, []string) {
			es := must[[]domain.ListEntry](t)(env.DB.ListEntries(doctor(), domain.ListFilter{}))
			ts := must[[]domain.TicketEntry](t)(env.DB.TicketEntries(doctor(), domain.TicketFilter{}))
			slices.SortFunc(es, func(a, b domain.ListEntry) int { return int(a.PatientID - b.PatientID) })
			slices.SortFunc(ts, func(a, b domain.TicketEntry) int { return int(a.ID - b.ID) })
			var keys []string
			rows, err := raw.Query(`SELECT k.role, k.kind, k.id, k.patient_id, k.nickname, k.tag, p.activity_rev, ` + headList + `
				FROM sort_keys k JOIN patients p ON p.id = k.patient_id ORDER BY k.role, k.kind, k.id`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			cols := must[[]string](t)(rows.Columns())
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				keys = append(keys, fmt.Sprint(vals...))
			}
			return es, ts, keys
		}
		es, ts, keys := read()
		if len(keys) == 0 {
			t.Fatal("no sort keys written")
		}
		for _, e := range es {
			if e.PatientID == h.Patient && (e.LastActivityAt == nil || !e.LastActivityAt.Equal(reading)) {
				t.Errorf("the sensor home's last activity %v, want its newest reading %v", e.LastActivityAt, reading)
			}
		}
		migrateDownTo(t, env, raw, 11)
		env.Reopen(t) // migrates up again, and fills the sort keys in
		es2, ts2, keys2 := read()
		if fmt.Sprint(es2) != fmt.Sprint(es) || fmt.Sprint(ts2) != fmt.Sprint(ts) || !slices.Equal(keys2, keys) {
			t.Errorf("after the migration and a start:\n entries %v\n     was %v\n tickets %v\n     was %v\n keys %v\n  was %v", es2, es, ts2, ts, keys2, keys)
		}
	})
}
