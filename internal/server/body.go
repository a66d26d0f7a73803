package server

import (
	"io"
	"net/http"
	"sync"
	"time"
)

// DefaultBodyReadTimeout is how long a request's whole body may take to
// arrive unless its route says otherwise (uploads allow longer).
const DefaultBodyReadTimeout = 10 * time.Second

// bodyDeadline bounds the time a body may take to arrive, on every route:
// a client that announces 100 bytes and sends 23 is answered 408 by
// whoever reads the body (the API answers problem+json and audits it)
// once the deadline passes, instead of holding its connection and
// goroutine for ever. Once the body has been read to its end the
// deadline is lifted: Go's server keeps reading the connection in the
// background to notice a client that goes away, and a deadline passing
// there would cancel a long handler's context. A route that needs longer
// (uploads) sets its own deadline before reading.
func bodyDeadline(timeout time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			next.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		if rc.SetReadDeadline(time.Now().Add(timeout)) == nil {
			r.Body = &liftOnEOF{ReadCloser: r.Body, lift: func() { _ = rc.SetReadDeadline(time.Time{}) }}
		}
		next.ServeHTTP(w, r)
	})
}

// liftOnEOF calls lift once, when the body has been read to its end.
type liftOnEOF struct {
	io.ReadCloser
	once sync.Once
	lift func()
}

func (b *liftOnEOF) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.once.Do(b.lift)
	}
	return n, err
}
