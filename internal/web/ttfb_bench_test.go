package web_test

import (
	"database/sql"
	"io"
	"net/http"
	"net/http/httptrace"
	"slices"
	"sync"
	"testing"
	"time"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/storetest"
	"serenade/internal/testsupport/webtest"
)

// BenchmarkPatientListTTFB measures the time to first byte of the
// doctor's patient list page (GET /patients, HTML, the first page of 50
// in enrolment order) with 2,000 patients enrolled, from one browser-like
// client with a session, on SQLite and PostgreSQL. Side by side, in the
// same loop, the limit: the same 50 sealed rows read raw from the same
// database. It reports the medians, ttfb-ms and limit-ms, and their
// ratio; ns/op is one page and one raw read. Run with -benchtime 200x
// (make bench) for stable medians.
func BenchmarkPatientListTTFB(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			s := apptest.Start(b, apptest.Options{Backend: backend, Demo: true})
			enrol(b, s, 2000)
			c := webtest.New(b, s.URL)
			a, _ := demo.AccountNamed(demo.Doctor)
			c.Login(b, a.Username, a.Password)
			raw := s.Raw(b)
			for range 5 { // warm-up: caches, connections, templates
				ttfb(b, c, "/patients")
				rawPage(b, raw)
			}
			pages, limits := make([]float64, 0, b.N), make([]float64, 0, b.N)
			b.ResetTimer()
			for range b.N {
				pages = append(pages, ttfb(b, c, "/patients"))
				limits = append(limits, rawPage(b, raw))
			}
			b.StopTimer()
			p, l := median(pages), median(limits)
			b.ReportMetric(p, "ttfb-ms")
			b.ReportMetric(l, "limit-ms")
			b.ReportMetric(p/l, "ratio")
		})
	}
}

// enrol enrols fixture patients through the study service, from 8
// goroutines, until the server has n.
func enrol(b *testing.B, s *apptest.Server, n int) {
	var have int
	if err := s.Raw(b).QueryRow(`SELECT count(*) FROM patients`).Scan(&have); err != nil {
		b.Fatal(err)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range next {
				if _, err := s.App.Study().Enrol(storetest.Doctor(), storetest.Numbered(b, i)); err != nil {
					b.Error(err)
				}
			}
		})
	}
	for i := have; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

// ttfb requests a page as a browser does and returns the milliseconds
// from sending the request to the response's first byte; the rest of
// the body is read and must answer 200.
func ttfb(b *testing.B, c *webtest.Client, path string) float64 {
	var start, first time.Time
	trace := &httptrace.ClientTrace{
		WroteRequest:         func(httptrace.WroteRequestInfo) { start = time.Now() },
		GotFirstResponseByte: func() { first = time.Now() },
	}
	req, err := http.NewRequest(http.MethodGet, c.Base+path, nil)
	if err != nil {
		b.Fatal(err)
	}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	req.Header.Set("Accept", "text/html")
	res, err := c.HTTP.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d %v", path, res.StatusCode, err)
	}
	return float64(first.Sub(start)) / float64(time.Millisecond)
}

// rawPage reads the page's 50 sealed rows below the store and returns
// the milliseconds it took.
func rawPage(b *testing.B, db *sql.DB) float64 {
	start := time.Now()
	rows, err := db.Query(`SELECT id, sealed FROM patients ORDER BY id LIMIT 50`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var sealed []byte
		if err := rows.Scan(&id, &sealed); err != nil {
			b.Fatal(err)
		}
	}
	if err := rows.Close(); err != nil {
		b.Fatal(err)
	}
	return float64(time.Since(start)) / float64(time.Millisecond)
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	return s[len(s)/2]
}
