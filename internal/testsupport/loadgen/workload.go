// Package loadgen drives a running Serenade server the way the study's
// staff use it, at a fixed arrival rate: doctors enrolling and editing
// patients, installers replying to tickets and uploading documents,
// researchers reading the screening list and sensor streams. It is an
// open model (vegeta's paced attackers): requests leave on schedule
// whether or not earlier ones have answered, so a slow server shows as
// latency and errors rather than as fewer requests. `make bench` uses
// it for the mixed-workload figures and `make soak` to keep users on a
// server for a long run.
package loadgen

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// The operations of the mixed workload, by name (the names appear in
// benchmark metrics and soak reports).
const (
	OpEnrol     = "doctor-enrol"         // POST /patients, a new valid identity
	OpEdit      = "doctor-edit"          // PUT /patients/{patient}, a new address
	OpReply     = "installer-reply"      // POST /tickets/{ticket}/messages
	OpUpload    = "installer-upload"     // POST /installations/{installation}/documents, a small PDF
	OpScreening = "researcher-screening" // GET /screening, the first page
	OpStream    = "researcher-stream"    // GET /streams/{stream}/readings, the last 7 days
)

// Ops lists the operations in report order.
var Ops = []string{OpEnrol, OpEdit, OpReply, OpUpload, OpScreening, OpStream}

// DefaultRates is each operation's arrival rate in requests per second:
// 14 per second in all, reads twice as frequent as each kind of write.
var DefaultRates = map[string]float64{OpEnrol: 1, OpEdit: 2, OpReply: 2, OpUpload: 1, OpScreening: 4, OpStream: 4}

// Scaled returns rates multiplied by k (k = 2 doubles every arrival rate).
func Scaled(rates map[string]float64, k float64) map[string]float64 {
	out := make(map[string]float64, len(rates))
	for op, r := range rates {
		out[op] = r * k
	}
	return out
}

// Accounts are the local accounts the workload acts as, one per role.
type Accounts struct{ Doctor, Installer, Researcher Account }

// Workload is a prepared mixed workload against one server.
type Workload struct {
	ops []*op
}

// op is one operation: its arrival rate, how to make its next request,
// and what to learn from an answer (seen may be nil).
type op struct {
	name   string
	rate   float64
	target func(ctx context.Context, t *vegeta.Target) error
	seen   func(r *vegeta.Result)
}

// Stats are one operation's figures over a run. Latencies are from the
// request's scheduled departure to the end of the answer.
type Stats struct {
	Op       string
	Requests int
	Errors   int // transport errors and answers outside 2xx/3xx
	P50, P99 time.Duration
	Max      time.Duration
	Codes    map[string]int // answers by status code ("0": no answer)
	Samples  []string       // up to 3 distinct error texts
}

// Report is a run's figures: each operation's, and all of them together.
type Report struct {
	Ops   []Stats
	Total Stats
}

// Run sends every operation at its rate for d (less if ctx ends) and
// returns the figures. It waits for the answers of requests already
// sent (at most the 30-second request timeout after d).
func (w *Workload) Run(ctx context.Context, d time.Duration) Report {
	var (
		mu    sync.Mutex
		total vegeta.Metrics
		out   []Stats
		wg    sync.WaitGroup
	)
	for _, o := range w.ops {
		if o.rate <= 0 {
			continue
		}
		wg.Go(func() {
			var m vegeta.Metrics
			for r := range o.attack(ctx, d) {
				m.Add(r)
				mu.Lock()
				total.Add(r)
				mu.Unlock()
			}
			m.Close()
			mu.Lock()
			out = append(out, stats(o.name, &m))
			mu.Unlock()
		})
	}
	wg.Wait()
	total.Close()
	order := map[string]int{}
	for i, name := range Ops {
		order[name] = i
	}
	sort.Slice(out, func(i, j int) bool { return order[out[i].Op] < order[out[j].Op] })
	return Report{Ops: out, Total: stats("all", &total)}
}

// attack starts o's paced attacker for d; the channel closes when every
// answer is in. ctx ending stops the attack early.
func (o *op) attack(ctx context.Context, d time.Duration) <-chan *vegeta.Result {
	a := vegeta.NewAttacker(vegeta.Timeout(30*time.Second), vegeta.KeepAlive(true), vegeta.Workers(4), vegeta.Redirects(vegeta.NoFollow))
	pace := vegeta.Rate{Freq: 1, Per: time.Duration(float64(time.Second) / o.rate)}
	targeter := func(t *vegeta.Target) error { return o.target(ctx, t) }
	in := a.Attack(targeter, pace, d, o.name)
	out := make(chan *vegeta.Result)
	go func() {
		defer close(out)
		done := ctx.Done()
		for {
			select {
			case r, ok := <-in:
				if !ok {
					return
				}
				if o.seen != nil {
					o.seen(r)
				}
				r.Body = nil
				out <- r
			case <-done:
				a.Stop()
				done = nil
			}
		}
	}()
	return out
}

func stats(name string, m *vegeta.Metrics) Stats {
	errs := int(m.Requests) - int(float64(m.Requests)*m.Success+0.5)
	s := Stats{Op: name, Requests: int(m.Requests), Errors: errs, Codes: m.StatusCodes,
		P50: m.Latencies.P50, P99: m.Latencies.P99, Max: m.Latencies.Max}
	for _, e := range m.Errors {
		if len(s.Samples) < 3 {
			s.Samples = append(s.Samples, e)
		}
	}
	return s
}

// String is one line: name, requests, errors, p50 and p99 in ms.
func (s Stats) String() string {
	return fmt.Sprintf("%s: %d requests, %d errors, p50 %.1f ms, p99 %.1f ms", s.Op, s.Requests, s.Errors, ms(s.P50), ms(s.P99))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// request fills t with a request carrying the account's token.
func request(ctx context.Context, s *session, t *vegeta.Target, method, path string, body []byte, contentType string) error {
	bearer, err := s.Bearer(ctx)
	if err != nil {
		return err
	}
	t.Method, t.URL, t.Body = method, s.base+path, body
	t.Header = http.Header{"Authorization": {bearer}}
	if contentType != "" {
		t.Header.Set("Content-Type", contentType)
	}
	return nil
}
