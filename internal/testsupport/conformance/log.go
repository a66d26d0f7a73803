package conformance

import (
	"crypto/sha256"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Log collects the results of the checks made while it is active. Only
// failures are kept (grouped: one line per method, route, status and
// message), so a whole package's exchanges cost no memory.
type Log struct {
	mu       sync.Mutex
	checked  int
	failed   int
	failures map[string]*failure
	docs     map[[sha256.Size]byte]*Checker // loaded documents, by content
}

type failure struct {
	method, route, msg, test string
	status, count            int
}

var active atomic.Pointer[Log]

// Start activates a new Log: from now on every exchange with a server
// that apptest starts is checked. Call it from TestMain before m.Run,
// and Finish after.
func Start() *Log {
	l := &Log{failures: map[string]*failure{}, docs: map[[sha256.Size]byte]*Checker{}}
	active.Store(l)
	return l
}

// Active is the active Log, nil when the package's tests do not record.
func Active() *Log { return active.Load() }

// Checker is the checker of the document raw, loaded once per content:
// every server of a package serves the same document.
func (l *Log) Checker(raw []byte, prefix string, excluded ...string) (*Checker, error) {
	key := sha256.Sum256(raw)
	l.mu.Lock()
	c, ok := l.docs[key]
	l.mu.Unlock()
	if ok {
		return c, nil
	}
	c, err := Load(raw, prefix, excluded...)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.docs[key] = c
	l.mu.Unlock()
	return c, nil
}

// Add records the result of checking ex, made by test.
func (l *Log) Add(test string, ex Exchange, r Result) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.checked++
	if r.Err == nil {
		return
	}
	l.failed++
	msg := strings.Join(strings.Fields(r.Err.Error()), " ") // one line
	f := &failure{method: ex.Request.Method, route: r.Route, status: ex.Status, msg: msg, test: test}
	key := fmt.Sprintf("%s %s %d %s", f.method, f.route, f.status, f.msg)
	if old, ok := l.failures[key]; ok {
		old.count++
		return
	}
	f.count = 1
	l.failures[key] = f
}

// Counts are the exchanges checked and those that failed so far.
func (l *Log) Counts() (checked, failed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.checked, l.failed
}

// Finish deactivates the log and reports to w. It returns code (m.Run's
// exit code), or 1 when an exchange did not conform.
func (l *Log) Finish(w io.Writer, code int, verbose bool) int {
	active.CompareAndSwap(l, nil)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failed == 0 {
		if verbose {
			_, _ = fmt.Fprintf(w, "conformance: %d exchanges conform to the OpenAPI document\n", l.checked)
		}
		return code
	}
	_, _ = fmt.Fprintf(w, "--- FAIL: conformance: %d of %d exchanges do not conform to the OpenAPI document:\n", l.failed, l.checked)
	keys := make([]string, 0, len(l.failures))
	for k := range l.failures {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		f := l.failures[k]
		_, _ = fmt.Fprintf(w, "    %s %s -> %d: %s (%d×, first in %s)\n", f.method, f.route, f.status, f.msg, f.count, f.test)
	}
	return max(code, 1)
}
