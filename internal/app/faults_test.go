package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
)

// The fault tests inject one failure into a running server while clients
// send requests, and check how it answers during the failure and after.
// Their loads are bounded (a few clients, a deadline per phase) and each
// cleans up what it set up (clusters, mounts) through t.Cleanup.

// faultWait bounds every phase of a fault test.
const faultWait = 60 * time.Second

// answer is one exchange of a fault test's load.
type answer struct {
	status      int
	contentType string
	requestID   string
	problem     struct{ Status int }
	sentAt      int64 // the load's sequence number when the request left
	answeredAt  int64 // and when its answer came
}

// load sends the doctor's reads and writes of demo patients' screenings
// from four clients until stop, numbering every event.
type load struct {
	s       *apptest.Server
	token   string
	seq     atomic.Int64
	mu      sync.Mutex
	answers []answer
	stop    chan struct{}
	done    sync.WaitGroup
}

func startLoad(t *testing.T, s *apptest.Server) *load {
	t.Helper()
	a, _ := demo.AccountNamed(demo.Doctor)
	l := &load{s: s, token: s.Login(t, a.Username, a.Password), stop: make(chan struct{})}
	client := &http.Client{Timeout: 10 * time.Second}
	for c := range 4 {
		l.done.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-l.stop:
					return
				default:
				}
				l.send(client, c, i)
			}
		})
	}
	t.Cleanup(l.halt)
	return l
}

func (l *load) send(client *http.Client, c, i int) {
	method, body := http.MethodGet, ""
	if i%2 == 0 {
		method, body = http.MethodPut, fmt.Sprintf(`{"diagnosis_class":%q}`, []string{"mci", "alzheimer"}[i/2%2])
	}
	req, _ := http.NewRequest(method, fmt.Sprintf("%s/api/v1/patients/%d/screening", l.s.URL, 1+c), strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+l.token)
	req.Header.Set("Content-Type", "application/json")
	a := answer{sentAt: l.seq.Add(1)}
	res, err := client.Do(req)
	if err != nil {
		time.Sleep(10 * time.Millisecond) // the server is not gone in these tests: a cut connection is an answer too
		a.status = -1
	} else {
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		a.status, a.contentType, a.requestID = res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("X-Request-Id")
		_ = json.Unmarshal(raw, &a.problem)
	}
	a.answeredAt = l.seq.Add(1)
	l.mu.Lock()
	l.answers = append(l.answers, a)
	l.mu.Unlock()
}

// halt stops the clients and waits for them.
func (l *load) halt() {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	l.done.Wait()
}

// mark is the load's sequence number now: requests sent after it started
// after whatever happened before it.
func (l *load) mark() int64 { return l.seq.Add(1) }

// since returns the answers to requests sent after mark.
func (l *load) since(mark int64) []answer {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []answer
	for _, a := range l.answers {
		if a.sentAt > mark {
			out = append(out, a)
		}
	}
	return out
}

// waitAnswers waits until n answers to requests sent after mark came,
// matching ok (nil: any), and returns them all.
func (l *load) waitAnswers(t *testing.T, mark int64, n int, what string, ok func(answer) bool) []answer {
	t.Helper()
	deadline := time.Now().Add(faultWait)
	for {
		got := l.since(mark)
		matching := 0
		for _, a := range got {
			if ok == nil || ok(a) {
				matching++
			}
		}
		if matching >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %d answers %s (%d answers in all since)", faultWait, n, what, len(got))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func isOK(a answer) bool { return a.status == http.StatusOK }

// wantUnavailable fails unless every answer is a 503 problem+json that
// says so (a cut connection, status -1, is never acceptable: nor is a
// 500).
func wantUnavailable(t *testing.T, answers []answer) {
	t.Helper()
	for _, a := range answers {
		if a.status != http.StatusServiceUnavailable || !strings.HasPrefix(a.contentType, "application/problem+json") || a.problem.Status != a.status {
			t.Fatalf("answer %d (%s, problem status %d) during the fault, want 503 problem+json", a.status, a.contentType, a.problem.Status)
		}
	}
}

// readyzStatus is the status of GET /readyz.
func readyzStatus(s *apptest.Server) int {
	res, err := http.Get(s.URL + "/readyz")
	if err != nil {
		return -1
	}
	res.Body.Close()
	return res.StatusCode
}

// auditedRequestIDs is the set of request ids in the server's trail.
func auditedRequestIDs(t *testing.T, s *apptest.Server) map[string]bool {
	t.Helper()
	rows, err := s.Raw(t).Query(`SELECT request_id FROM audit_log`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out[id] = true
	}
	return out
}

// wantEverySuccessAudited fails when an answered success has no entry in
// the trail, and checks the chain.
func wantEverySuccessAudited(t *testing.T, s *apptest.Server, answers []answer) {
	t.Helper()
	audited, ok := auditedRequestIDs(t, s), 0
	for _, a := range answers {
		if a.status == http.StatusOK {
			ok++
			if !audited[a.requestID] {
				t.Fatalf("request %s was answered 200 but has no audit entry", a.requestID)
			}
		}
	}
	if ok == 0 {
		t.Fatal("no request succeeded")
	}
	if _, err := s.App.Store().VerifyAudit(context.Background()); err != nil {
		t.Fatalf("audit chain: %v", err)
	}
}
