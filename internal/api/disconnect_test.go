package api_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"serenade/internal/codicefiscale"
	"serenade/internal/demo"
	"serenade/internal/keyring"
	"serenade/internal/testsupport/apptest"
)

// hangUp sends one request on a connection of its own and closes it at
// once, without reading the answer: a client that goes away right after
// sending.
func hangUp(t *testing.T, s *apptest.Server, method, path, token string, body []byte) {
	t.Helper()
	c := dialServer(t, s)
	writeRequest(t, c, s, method, path, token, body, int64(len(body)))
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

func dialServer(t *testing.T, s *apptest.Server) net.Conn {
	t.Helper()
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// writeRequest writes a request declaring length bytes of body, of which
// it sends body.
func writeRequest(t *testing.T, c net.Conn, s *apptest.Server, method, path, token string, body []byte, length int64) *http.Request {
	t.Helper()
	var head bytes.Buffer
	fmt.Fprintf(&head, "%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n", method, path, strings.TrimPrefix(s.URL, "http://"), token, length)
	if length > 0 {
		head.WriteString("Content-Type: application/json\r\n")
	}
	head.WriteString("\r\n")
	head.Write(body)
	if _, err := c.Write(head.Bytes()); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(method, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// auditedStatuses waits until the trail holds want entries of the
// operation (every request is recorded exactly once, whatever became of
// its client), then returns how many there are of each status. The wait
// is bounded: a request never recorded fails the test.
func auditedStatuses(t *testing.T, s *apptest.Server, admin, action, operation string, want int) map[int]int {
	t.Helper()
	for range 500 {
		page := queryAudit(t, s, admin, url.Values{"action": {action}, "limit": {"1000"}})
		byStatus, n := map[int]int{}, 0
		for _, e := range page.Entries {
			if e.Operation == operation {
				byStatus[e.Status]++
				n++
			}
		}
		if n > want {
			t.Fatalf("%d entries of %s for %d requests: %v", n, operation, want, byStatus)
		}
		if n == want {
			return byStatus
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("fewer than %d entries of %s: a request went unrecorded", want, operation)
	return nil
}

type listedPatient struct {
	ID        string `json:"id"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Withdrawn bool   `json:"withdrawn"`
}

func patientsNamed(t *testing.T, s *apptest.Server, doctor, last string) []listedPatient {
	t.Helper()
	var list struct {
		Patients []listedPatient `json:"patients"`
	}
	s.Do(t, http.MethodGet, "/api/v1/patients", doctor, nil).JSON(t, &list)
	var out []listedPatient
	for _, p := range list.Patients {
		if p.LastName == last {
			out = append(out, p)
		}
	}
	return out
}

var hangUpNames = []string{"Aldo", "Bruno", "Carla", "Dario", "Elena", "Fabio", "Gino", "Ilaria", "Lucia", "Marco",
	"Nadia", "Oreste", "Paola", "Renzo", "Sara", "Tullio", "Ugo", "Vera", "Walter", "Zeno"}

// enrolment is the body enrolling the i-th patient named last.
func enrolment(t *testing.T, i int, last string) []byte {
	t.Helper()
	first := hangUpNames[i%len(hangUpNames)]
	cf, err := codicefiscale.Build(last, first, "M", time.Date(1940+i, time.March, 1+i%28, 0, 0, 0, 0, time.UTC), "F205")
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(map[string]any{"first_name": first, "last_name": last, "codice_fiscale": cf,
		"address": "Via Padova 5, Milano", "diagnosis_class": "mci"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestClientsThatHangUpLeaveNoWriteUnaudited: enrolments whose clients
// close the connection right after sending. Each is either carried out
// and audited 201, or (client gone before the write began) not carried
// out and audited 499; never written without its entry.
func TestClientsThatHangUpLeaveNoWriteUnaudited(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			doctor, admin := s.Login(t, demo.Doctor, "alice"), s.Login(t, demo.Admin, "anna")
			const n, last = 20, "Riagganciati"
			for i := range n {
				hangUp(t, s, http.MethodPost, "/api/v1/patients", doctor, enrolment(t, i, last))
			}
			statuses := auditedStatuses(t, s, admin, "patient.create", "enrol-patient", n)
			created := patientsNamed(t, s, doctor, last)
			t.Logf("%s: %d enrolled; audited by status %v", backend, len(created), statuses)
			if statuses[http.StatusCreated] != len(created) {
				t.Errorf("%d patients created but %d enrolments audited 201", len(created), statuses[http.StatusCreated])
			}
			if statuses[http.StatusCreated]+statuses[499] != n {
				t.Errorf("statuses %v: want only 201 (carried out) and 499 (client gone first)", statuses)
			}
		})
	}
}

// wrappedKey is a patient's data key as a copy of the database holds it.
type wrappedKey struct {
	version uint32
	wrapped []byte
}

func copyOfKeys(t *testing.T, s *apptest.Server, backend string, ids []string) map[string]wrappedKey {
	t.Helper()
	driver, dsn := "sqlite", s.StorePath()
	if backend == "postgres" {
		driver, dsn = "pgx", s.Config.DatabaseURL
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	out := map[string]wrappedKey{}
	for _, id := range ids {
		var k wrappedKey
		internal, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			t.Fatalf("doctors see internal ids, got %q", id)
		}
		if err := raw.QueryRow(`SELECT k.master_version, k.wrapped FROM patients p JOIN data_keys k ON k.id = p.data_key_id WHERE p.id = $1`,
			internal).Scan(&k.version, &k.wrapped); err != nil {
			t.Fatal(err)
		}
		out[id] = k
	}
	return out
}

func currentMasterVersion(t *testing.T, s *apptest.Server) uint32 {
	t.Helper()
	keys, err := keyring.ReadMasterKeyFile(s.Config.MasterKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := keys.Current()
	return v
}

// TestWithdrawalsWhoseClientHangsUpAreAuditedAndRotate: withdrawals
// whose clients close the connection right after sending. Each one
// carried out is audited 204 and followed by a master key rotation, so
// a copy of the database taken before opens none of those patients.
func TestWithdrawalsWhoseClientHangsUpAreAuditedAndRotate(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			doctor, admin := s.Login(t, demo.Doctor, "alice"), s.Login(t, demo.Admin, "anna")
			const n, last = 12, "Ritirati"
			var ids []string
			for i := range n {
				res := s.Do(t, http.MethodPost, "/api/v1/patients", doctor, enrolment(t, i, last))
				if res.Status != http.StatusCreated {
					t.Fatalf("enrol: %d %s", res.Status, res.Body)
				}
				var p listedPatient
				res.JSON(t, &p)
				ids = append(ids, p.ID)
			}
			backup, before := copyOfKeys(t, s, backend, ids), currentMasterVersion(t, s)
			for _, id := range ids {
				hangUp(t, s, http.MethodDelete, "/api/v1/patients/"+id, doctor, nil)
			}
			statuses := auditedStatuses(t, s, admin, "patient.withdraw", "withdraw-patient", n)
			var withdrawn []string
			for _, p := range patientsNamed(t, s, doctor, last) {
				if p.Withdrawn {
					withdrawn = append(withdrawn, p.ID)
				}
			}
			after := currentMasterVersion(t, s)
			t.Logf("%s: %d withdrawn; audited by status %v; master key version %d -> %d", backend, len(withdrawn), statuses, before, after)
			if statuses[http.StatusNoContent] != len(withdrawn) || statuses[http.StatusNoContent]+statuses[499] != n {
				t.Fatalf("%d withdrawn, audited by status %v: want each withdrawal 204, the rest 499", len(withdrawn), statuses)
			}
			// Withdrawals that overlap share a rotation: one that re-wraps
			// after several shreds covers them all (none is left due).
			if got := int(after - before); got < 1 || got > len(withdrawn) {
				t.Errorf("master key advanced by %d versions for %d withdrawals, want 1..%d", got, len(withdrawn), len(withdrawn))
			}
			if due, err := s.App.Store().RotationDue(context.Background()); err != nil || due {
				t.Errorf("a rotation is still due after the withdrawals: %v %v", due, err)
			}
			kr, err := keyring.New(keyring.FileSource{Path: s.Config.MasterKeyFile})
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range withdrawn {
				if _, err := kr.Unwrap(backup[id].version, backup[id].wrapped); err == nil {
					t.Errorf("patient %s: the copy of before the withdrawal still opens", id)
				}
			}
		})
	}
}

// TestSlowBodyIsA408AndAudited: a body that does not arrive within the
// read deadline is answered 408 problem+json, and recorded.
func TestSlowBodyIsA408AndAudited(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			doctor, admin := s.Login(t, demo.Doctor, "alice"), s.Login(t, demo.Admin, "anna")
			c := dialServer(t, s)
			defer c.Close()
			req := writeRequest(t, c, s, http.MethodPost, "/api/v1/patients", doctor, []byte(`{"fir`), 100)
			res, err := http.ReadResponse(bufio.NewReader(c), req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var pd struct {
				Type   string `json:"type"`
				Status int    `json:"status"`
			}
			if err := json.NewDecoder(res.Body).Decode(&pd); err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != http.StatusRequestTimeout || res.Header.Get("Content-Type") != "application/problem+json" || pd.Status != http.StatusRequestTimeout {
				t.Fatalf("slow body: %d %s %+v, want 408 problem+json", res.StatusCode, res.Header.Get("Content-Type"), pd)
			}
			if statuses := auditedStatuses(t, s, admin, "patient.create", "enrol-patient", 1); statuses[http.StatusRequestTimeout] != 1 {
				t.Errorf("audited %v, want one 408", statuses)
			}
		})
	}
}
