package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/pseudonym"
	"serenade/internal/resource"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/storetest"
	"serenade/internal/textfold"
)

// row is one row of any list, as JSON.
type row map[string]any

func (r row) str(k string) string { s, _ := r[k].(string); return s }

// listPage is one page of a list: its rows (under field) and next cursor.
func listPage(t *testing.T, s *apptest.Server, token, path, field string) ([]row, string) {
	t.Helper()
	res := s.Do(t, http.MethodGet, path, token, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, res.Status, res.Body)
	}
	var body map[string]json.RawMessage
	res.JSON(t, &body)
	var rows []row
	if err := json.Unmarshal(body[field], &rows); err != nil {
		t.Fatalf("GET %s: %s: %v", path, field, err)
	}
	var next string
	if raw, ok := body["next"]; ok {
		_ = json.Unmarshal(raw, &next)
	}
	return rows, next
}

// allPages follows a list's cursors from path (which carries a ?) to its
// last page.
func allPages(t *testing.T, s *apptest.Server, token, path, field string) []row {
	t.Helper()
	var out []row
	next := ""
	for range 1000 {
		p := path
		if next != "" {
			p += "&cursor=" + url.QueryEscape(next)
		}
		rows, n := listPage(t, s, token, p, field)
		out = append(out, rows...)
		if next = n; next == "" {
			return out
		}
	}
	t.Fatalf("%s: more than 1000 pages", path)
	return nil
}

// listCase is a list as one role reads it, and the field naming a row.
type listCase struct {
	who, token, path, field, key string
}

func listCases(t *testing.T, s *apptest.Server) []listCase {
	doctor, iit := s.Login(t, demo.Doctor, "alice"), s.Login(t, demo.Installer, "gennaro")
	imt, unimi := s.Login(t, demo.Monitoring, "vincenzo"), s.Login(t, demo.Researcher, "stefano")
	return []listCase{
		{"doctor", doctor, "/api/v1/patients?limit=3", "patients", "id"},
		{"doctor", doctor, "/api/v1/patients?limit=3&sort=-date_join", "patients", "id"},
		{"doctor", doctor, "/api/v1/installations?limit=3&sort=last_activity", "installations", "id"},
		{"iit", iit, "/api/v1/installations?limit=3", "installations", "id"},
		{"imt", imt, "/api/v1/installations?limit=4&sort=status", "installations", "id"},
		{"unimi", unimi, "/api/v1/installations?limit=2&sort=date_join", "installations", "id"},
		{"unimi", unimi, "/api/v1/screening?limit=3", "screening", "patient"},
		{"iit", iit, "/api/v1/tickets?limit=3", "tickets", "id"},
		{"imt", imt, "/api/v1/tickets?limit=5&sort=opened", "tickets", "id"},
	}
}

// TestPagesReturnEveryRowOnceUnderInserts, on both backends: for every
// list, role and sort, following the cursors while patients are enrolled
// meanwhile returns no row twice and every row that existed before the
// paging began.
func TestPagesReturnEveryRowOnceUnderInserts(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			n := 0
			for _, c := range listCases(t, s) {
				before := map[string]bool{}
				for _, r := range allPages(t, s, c.token, c.path, c.field) {
					before[r.str(c.key)] = true
				}
				var wg sync.WaitGroup
				wg.Add(1)
				go func() { // enrolments while the pages are read
					defer wg.Done()
					for range 4 {
						n++
						if _, err := s.App.Study().Enrol(storetest.Doctor(), storetest.Numbered(t, 500+n)); err != nil {
							t.Error(err)
						}
					}
				}()
				seen := map[string]bool{}
				for _, r := range allPages(t, s, c.token, c.path, c.field) {
					if k := r.str(c.key); seen[k] {
						t.Errorf("%s %s: row %s twice", c.who, c.path, k)
					} else {
						seen[k] = true
					}
				}
				wg.Wait()
				for k := range before {
					if !seen[k] {
						t.Errorf("%s %s: row %s, there before the paging began, never came", c.who, c.path, k)
					}
				}
			}
		})
	}
}

func shownTime(t *testing.T, r row, k string) time.Time {
	t.Helper()
	s := r.str(k)
	if s == "" {
		return time.Time{}
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("%s = %q: %v", k, s, err)
	}
	return v
}

// TestListsAreOrderedAndShownAsTheCallerSeesThem, on both backends (demo
// study): each sort orders the rows by the values the caller is shown
// (nickname folded, dates at its precision, newest activity first, none
// last), and the enrolment date and last activity are cut to the role's
// precision: installers the day and the hour, researchers the year.
func TestListsAreOrderedAndShownAsTheCallerSeesThem(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			doctor, iit := s.Login(t, demo.Doctor, "alice"), s.Login(t, demo.Installer, "gennaro")
			unimi := s.Login(t, demo.Researcher, "stefano")
			inOrder := func(name string, rows []row, cmp func(a, b row) int) {
				t.Helper()
				if len(rows) < 5 {
					t.Fatalf("%s: %d rows", name, len(rows))
				}
				for i := 1; i < len(rows); i++ {
					if cmp(rows[i-1], rows[i]) > 0 {
						t.Errorf("%s: row %d (%v) before row %d (%v)", name, i-1, rows[i-1], i, rows[i])
					}
				}
			}
			byNick := func(a, b row) int {
				return strings.Compare(textfold.Fold(a.str("nickname")), textfold.Fold(b.str("nickname")))
			}
			inOrder("iit by nickname", allPages(t, s, iit, "/api/v1/installations?limit=4", "installations"), byNick)
			newest := func(a, b row) int {
				ta, tb := shownTime(t, a, "last_activity"), shownTime(t, b, "last_activity")
				switch {
				case ta.Equal(tb):
					return 0
				case tb.IsZero():
					return -1
				case ta.IsZero():
					return 1
				}
				return tb.Compare(ta)
			}
			iitActive := allPages(t, s, iit, "/api/v1/installations?limit=4&sort=last_activity", "installations")
			inOrder("iit by last activity", iitActive, newest)
			inOrder("doctor by last activity", allPages(t, s, doctor, "/api/v1/installations?limit=4&sort=last_activity", "installations"), newest)
			dateDesc := func(a, b row) int { return strings.Compare(b.str("date_join"), a.str("date_join")) }
			inOrder("unimi by enrolment, newest first", allPages(t, s, unimi, "/api/v1/installations?limit=4&sort=-date_join", "installations"), dateDesc)
			inOrder("doctor's patients by enrolment", allPages(t, s, doctor, "/api/v1/patients?limit=4&sort=date_join", "patients"),
				func(a, b row) int { return strings.Compare(a.str("date_join"), b.str("date_join")) })
			inOrder("doctor's patients by surname", allPages(t, s, doctor, "/api/v1/patients?limit=4&sort=last_name", "patients"),
				func(a, b row) int {
					return strings.Compare(textfold.Fold(a.str("last_name")), textfold.Fold(b.str("last_name")))
				})
			inOrder("doctor's patients by status", allPages(t, s, doctor, "/api/v1/patients?limit=4&sort=status", "patients"),
				func(a, b row) int { return strings.Compare(a.str("status"), b.str("status")) })
			for _, r := range iitActive {
				if at := shownTime(t, r, "last_activity"); !at.Equal(at.Truncate(time.Hour)) {
					t.Errorf("installer shown last activity %s, want it cut to the hour", r.str("last_activity"))
				}
			}
			for _, r := range allPages(t, s, unimi, "/api/v1/installations?limit=50", "installations") {
				if !strings.HasSuffix(r.str("date_join"), "-01-01") {
					t.Errorf("researcher shown enrolment date %s, want it cut to the year", r.str("date_join"))
				}
				if at := shownTime(t, r, "last_activity"); !at.IsZero() && (at.YearDay() != 1 || !at.Equal(at.Truncate(24*time.Hour))) {
					t.Errorf("researcher shown last activity %s, want it cut to the year", r.str("last_activity"))
				}
			}
		})
	}
}

// TestListFiltersKeepOnlyWhatTheyName, on both backends (demo study):
// each filter's pages hold exactly the rows of the unfiltered list that
// match it, for the installations' status, the patients' and screening's
// diagnosis class, and the queue's state, category and installation.
func TestListFiltersKeepOnlyWhatTheyName(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			doctor, imt := s.Login(t, demo.Doctor, "alice"), s.Login(t, demo.Monitoring, "vincenzo")
			unimi := s.Login(t, demo.Researcher, "stefano")
			check := func(name string, all []row, filtered []row, key string, keep func(row) bool) {
				t.Helper()
				var want, got []string
				for _, r := range all {
					if keep(r) {
						want = append(want, r.str(key))
					}
				}
				for _, r := range filtered {
					got = append(got, r.str(key))
				}
				slices.Sort(want)
				slices.Sort(got)
				if len(want) == 0 || !slices.Equal(got, want) {
					t.Errorf("%s: got %v, want %v (non-empty)", name, got, want)
				}
			}
			insts := allPages(t, s, imt, "/api/v1/installations?limit=7", "installations")
			for _, st := range []string{"working", "to_install", "maintenance"} {
				check("status "+st, insts, allPages(t, s, imt, "/api/v1/installations?limit=3&status="+st, "installations"), "id",
					func(r row) bool { return r.str("status") == st })
			}
			patients := allPages(t, s, doctor, "/api/v1/patients?limit=7", "patients")
			check("patients of class mci", patients, allPages(t, s, doctor, "/api/v1/patients?limit=3&diagnosis_class=mci", "patients"), "id",
				func(r row) bool { return r.str("diagnosis_class") == "mci" })
			screening := allPages(t, s, unimi, "/api/v1/screening?limit=7", "screening")
			check("screening of class alzheimer", screening, allPages(t, s, unimi, "/api/v1/screening?limit=3&diagnosis_class=alzheimer", "screening"), "patient",
				func(r row) bool { return r.str("diagnosis_class") == "alzheimer" })
			queue := allPages(t, s, imt, "/api/v1/tickets?limit=7", "tickets")
			check("open tickets", queue, allPages(t, s, imt, "/api/v1/tickets?limit=3&state=open", "tickets"), "id",
				func(r row) bool { return r["open"] == true })
			check("closed tickets", queue, allPages(t, s, imt, "/api/v1/tickets?limit=3&state=closed", "tickets"), "id",
				func(r row) bool { return r["open"] == false })
			check("maintenance tickets", queue, allPages(t, s, imt, "/api/v1/tickets?limit=3&category=maintenance", "tickets"), "id",
				func(r row) bool { return r.str("category") == "maintenance" })
			home := queue[0].str("installation")
			check("one home's tickets", queue, allPages(t, s, imt, "/api/v1/tickets?limit=3&installation="+home, "tickets"), "id",
				func(r row) bool { return r.str("installation") == home })
		})
	}
}

// TestTheQueueCountsAndNamesTheLastMessage, on both backends: every
// ticket of every installation is in the queue once, newest activity
// first, with its thread's length and its newest message's sender; a
// message written moves its ticket among the newest.
func TestTheQueueCountsAndNamesTheLastMessage(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			iit := s.Login(t, demo.Installer, "gennaro")
			queue := allPages(t, s, iit, "/api/v1/tickets?limit=6", "tickets")
			total := 0
			for _, inst := range allPages(t, s, iit, "/api/v1/installations?limit=50", "installations") {
				var tickets struct {
					Tickets []struct{ ID string } `json:"tickets"`
				}
				listAs(t, s, iit, "/api/v1/installations/"+inst.str("id")+"/tickets").JSON(t, &tickets)
				total += len(tickets.Tickets)
			}
			if len(queue) != total || total == 0 {
				t.Fatalf("queue holds %d tickets, the installations %d", len(queue), total)
			}
			for i, q := range queue {
				var tk struct {
					Messages []struct{ Sender string } `json:"messages"`
				}
				listAs(t, s, iit, "/api/v1/tickets/"+q.str("id")).JSON(t, &tk)
				if got := int(q["messages"].(float64)); got != len(tk.Messages) {
					t.Errorf("ticket %s: %d messages in the queue, %d in the thread", q.str("id"), got, len(tk.Messages))
				}
				if len(tk.Messages) > 0 && q.str("last_sender") != tk.Messages[len(tk.Messages)-1].Sender {
					t.Errorf("ticket %s: last sender %q, thread's last %q", q.str("id"), q.str("last_sender"), tk.Messages[len(tk.Messages)-1].Sender)
				}
				if i > 0 && shownTime(t, queue[i-1], "last_activity").Before(shownTime(t, q, "last_activity")) {
					t.Errorf("ticket %d is newer than ticket %d", i, i-1)
				}
			}
			var open row
			for _, q := range queue {
				if q["open"] == true {
					open = q
				}
			}
			if res := s.Do(t, http.MethodPost, "/api/v1/tickets/"+open.str("id")+"/messages", iit, map[string]string{"body": "on my way"}); res.Status != http.StatusCreated {
				t.Fatalf("write: %d %s", res.Status, res.Body)
			}
			// Shown to the hour, ties break by pseudonym: the ticket is
			// among the newest, with the installer as last sender.
			after := allPages(t, s, iit, "/api/v1/tickets?limit=6", "tickets")
			for _, q := range after {
				if q.str("id") == open.str("id") {
					if !shownTime(t, q, "last_activity").Equal(shownTime(t, after[0], "last_activity")) || q.str("last_sender") != demo.Installer ||
						q["messages"].(float64) != open["messages"].(float64)+1 {
						t.Errorf("after writing: %v, want among the newest (%s), last written by %s, one message more", q, after[0].str("last_activity"), demo.Installer)
					}
				}
			}
		})
	}
}

// TestListRefusalsNameTheParameter, on both backends: a cursor used by
// another role, by another account of the same role, with another sort
// or filter, tampered with, or not a cursor at all, is a 422 naming
// query.cursor; an unknown sort or filter value, a sort the caller has
// no values for, a queue filter naming another role's installation are
// 422s naming their parameter.
func TestListRefusalsNameTheParameter(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			doctor, iit := s.Login(t, demo.Doctor, "alice"), s.Login(t, demo.Installer, "gennaro")
			imt := s.Login(t, demo.Monitoring, "vincenzo")
			addLocalAccount(t, s, "iit-second", "second installer pw", false, domain.RoleInstaller)
			iit2 := s.Login(t, "iit-second", "second installer pw")
			_, cursor := listPage(t, s, iit, "/api/v1/installations?limit=2&status=working", "installations")
			if cursor == "" {
				t.Fatal("no cursor after a page of 2")
			}
			c := url.QueryEscape(cursor)
			tampered := []byte(cursor)
			tampered[len(tampered)/2] ^= 'A' ^ 'B'
			if rows, _ := listPage(t, s, iit, "/api/v1/installations?limit=2&status=working&cursor="+c, "installations"); len(rows) == 0 {
				t.Error("the cursor's own caller got nothing after it")
			}
			cases := []struct{ name, token, path, param string }{
				{"another role", imt, "/api/v1/installations?limit=2&status=working&cursor=" + c, "cursor"},
				{"another account", iit2, "/api/v1/installations?limit=2&status=working&cursor=" + c, "cursor"},
				{"another sort", iit, "/api/v1/installations?limit=2&status=working&sort=status&cursor=" + c, "cursor"},
				{"another filter", iit, "/api/v1/installations?limit=2&status=maintenance&cursor=" + c, "cursor"},
				{"another list", iit, "/api/v1/tickets?limit=2&cursor=" + c, "cursor"},
				{"tampered", iit, "/api/v1/installations?limit=2&status=working&cursor=" + url.QueryEscape(string(tampered)), "cursor"},
				{"not a cursor", iit, "/api/v1/installations?cursor=42", "cursor"},
				{"unknown sort", iit, "/api/v1/installations?sort=patient_id", "sort"},
				{"nickname for a doctor", doctor, "/api/v1/installations?sort=nickname", "sort"},
				{"unknown status", doctor, "/api/v1/patients?status=healthy", "status"},
				{"unknown class", doctor, "/api/v1/patients?diagnosis_class=flu", "diagnosis_class"},
				{"unknown state", imt, "/api/v1/tickets?state=pending", "state"},
				{"another role's installation", imt, "/api/v1/tickets?installation=" + listFirst(t, s, iit), "installation"},
				{"limit over the maximum", iit, "/api/v1/installations?limit=1001", "limit"},
			}
			for _, tc := range cases {
				res := s.Do(t, http.MethodGet, tc.path, tc.token, nil)
				var p struct {
					Errors []struct{ Location string } `json:"errors"`
				}
				res.JSON(t, &p)
				if res.Status != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Location != "query."+tc.param {
					t.Errorf("%s: %d %s, want 422 naming query.%s", tc.name, res.Status, res.Body, tc.param)
				}
			}
		})
	}
}

// listFirst is the installer's pseudonym of its first installation.
func listFirst(t *testing.T, s *apptest.Server, token string) string {
	rows, _ := listPage(t, s, token, "/api/v1/installations?limit=1", "installations")
	return rows[0].str("id")
}

// TestPagedReadsNameTheirPageInTheTrail, on both backends: a page of a
// list is one audit entry naming the patients of that page only, and the
// queue's entry is in the history of its tickets' patients.
func TestPagedReadsNameTheirPageInTheTrail(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			doctor, imt := s.Login(t, demo.Doctor, "alice"), s.Login(t, demo.Monitoring, "vincenzo")
			page, _ := listPage(t, s, doctor, "/api/v1/patients?limit=2&sort=-date_join", "patients")
			listPage(t, s, imt, "/api/v1/tickets?limit=3&installation="+url.QueryEscape(first(t, s, doctor, page[0].str("id"))), "tickets")
			for _, p := range allPages(t, s, doctor, "/api/v1/patients?limit=50", "patients") {
				got := historyOf(t, s, doctor, p.str("id"), "list-patients")
				onPage := p.str("id") == page[0].str("id") || p.str("id") == page[1].str("id")
				// The full listing itself names everyone once; the page names two.
				if want := map[bool]int{true: 2, false: 1}[onPage]; len(got) != want {
					t.Errorf("patient %s: %d list entries in its history, want %d", p.str("id"), len(got), want)
				}
				queue := historyOf(t, s, doctor, p.str("id"), "ticket-queue")
				if wantQ := p.str("id") == page[0].str("id"); (len(queue) == 1) != wantQ || len(queue) > 1 {
					t.Errorf("patient %s: %d queue entries in its history, want %v", p.str("id"), len(queue), wantQ)
				}
			}
		})
	}
}

// first is monitoring's pseudonym of the installation in a patient's
// home, which the doctor's record names by id.
func first(t *testing.T, s *apptest.Server, doctor, patient string) string {
	t.Helper()
	var rec struct{ Installation string }
	listAs(t, s, doctor, "/api/v1/patients/"+patient).JSON(t, &rec)
	id, err := strconv.ParseInt(rec.Installation, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return pseudonym.New(s.App.Store().PseudonymKey()).Encode(domain.RoleMonitoring, resource.Installation, id)
}

// TestDoctorsSearchPatientsThroughTheAPI, on both backends: the search
// goes through the query's text policy to the blind index: folded names
// (a typographic apostrophe, accents, case), a double surname's word, a
// codice fiscale in lower case; a withdrawn patient is found by nothing;
// sort=last_name orders what the search found.
func TestDoctorsSearchPatientsThroughTheAPI(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend})
			addLocalAccount(t, s, "search-doctor", "search doctor pw", false, domain.RoleDoctor)
			doctor := s.Login(t, "search-doctor", "search doctor pw")
			enrol := func(surname, first string, n int) domain.Patient {
				p, err := s.App.Study().Enrol(storetest.Doctor(), storetest.Person(t, surname, first, n, domain.DiagnosisMCI))
				if err != nil {
					t.Fatal(err)
				}
				return p
			}
			damico, nicolo := enrol("D'Amico", "Lucia", 1), enrol("Esposito Ricci", "Nicolò", 2)
			gone := enrol("Ricci", "Anna", 3)
			if err := s.App.Study().Withdraw(storetest.Doctor(), gone.ID); err != nil {
				t.Fatal(err)
			}
			ids := func(q string) []string {
				rows := allPages(t, s, doctor, "/api/v1/patients?limit=10&sort=last_name&q="+url.QueryEscape(q), "patients")
				var out []string
				for _, r := range rows {
					out = append(out, r.str("id"))
				}
				return out
			}
			id := func(p domain.Patient) string { return strconv.FormatInt(p.ID, 10) }
			cases := []struct {
				q    string
				want []string
			}{
				{"D’AMICO", []string{id(damico)}},
				{"damico lucia", []string{id(damico)}},
				{"NICOLO", []string{id(nicolo)}},
				{"ricci", []string{id(nicolo)}},
				{strings.ToLower(nicolo.Identity.CodiceFiscale), []string{id(nicolo)}},
				{"anna", nil},
			}
			for _, c := range cases {
				if got := ids(c.q); !slices.Equal(got, c.want) {
					t.Errorf("q=%q: %v, want %v", c.q, got, c.want)
				}
			}
			if got := ids("lucia nicolo"); len(got) != 0 {
				t.Errorf("words of two patients found %v, want nobody", got)
			}
		})
	}
}
