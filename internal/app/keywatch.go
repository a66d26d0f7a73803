package app

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"serenade/internal/domain"
	"serenade/internal/server"
	"serenade/internal/store"
)

// defaultKeyCheckInterval is how often the master keys are checked
// against the database's key-check values when nothing failed in between.
const defaultKeyCheckInterval = 10 * time.Second

// keyCheckQuiet bounds how often failed unwraps trigger a check, so a
// burst of failing requests costs one check, not one per request.
const keyCheckQuiet = time.Second

// keyWatch keeps /readyz honest about the master keys: the server is not
// ready while the keys it can load (the source, re-read as a restart
// would) are not the ones the database uses: a version in use is
// missing, or a version does not match its stored check value. It checks
// periodically and at once when a data key fails to open, and logs each
// change of state.
type keyWatch struct {
	db       *store.DB
	log      *slog.Logger
	interval time.Duration
	failure  atomic.Pointer[error] // nil while the keys open everything
	due      atomic.Bool           // a rotation a withdrawal left is still to be done
}

func newKeyWatch(db *store.DB, log *slog.Logger, interval time.Duration) *keyWatch {
	if interval <= 0 {
		interval = defaultKeyCheckInterval
	}
	return &keyWatch{db: db, log: log, interval: interval}
}

// ready is the watch's part of the readiness probe.
func (w *keyWatch) ready() error {
	var why []string
	if w.failure.Load() != nil {
		why = append(why, "the master keys do not match the ones this database uses")
	}
	if w.due.Load() {
		why = append(why, "a master key rotation after a withdrawal is pending")
	}
	if len(why) > 0 {
		return server.NotReady{Detail: strings.Join(why, "; ") + " (see the server log)"}
	}
	return nil
}

// rotateIfDue carries out a rotation a withdrawal left due, and records
// whether one is still due. The watch runs on reload, on its timer and on
// key problems, so a failed rotation is retried on each of them.
func (w *keyWatch) rotateIfDue(ctx context.Context) {
	due, err := w.db.RotateIfDue(ctx)
	if err != nil && !errors.Is(err, domain.ErrRotationPending) {
		if ctx.Err() == nil {
			w.log.Warn("pending master key rotation could not be looked at", "err", err)
		}
		return
	}
	switch prev := w.due.Swap(due); {
	case due && !prev:
		w.log.Warn("not ready: a master key rotation after a withdrawal is pending; it is retried on reload (SIGHUP), every key check and the next enrolment", "err", err)
	case !due && prev:
		w.log.Info("the master key rotation after a withdrawal is done")
	}
}

// check runs one check and records it. An error that is not about the
// keys (the database does not answer) leaves the state as it was: the
// probe's ping reports that.
func (w *keyWatch) check(ctx context.Context) {
	w.rotateIfDue(ctx)
	err := w.db.CheckMasterKeys(ctx)
	if err != nil && !errors.Is(err, store.ErrMasterKeys) {
		if ctx.Err() == nil {
			w.log.Warn("master key check could not run", "err", err)
		}
		return
	}
	if err == nil {
		if w.failure.Swap(nil) != nil {
			w.log.Info("ready again: the master keys match the ones this database uses")
		}
		return
	}
	prev := w.failure.Swap(&err)
	if prev == nil || (*prev).Error() != err.Error() {
		w.log.Error("not ready: the master keys do not match the ones this database uses", "err", err)
	}
}

// run checks every interval, and when the keyring reports a data key
// that did not open (at most once per keyCheckQuiet), until ctx ends.
func (w *keyWatch) run(ctx context.Context) {
	tick := time.NewTicker(w.interval)
	defer tick.Stop()
	var quietUntil time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-w.db.KeyProblems():
			if time.Now().Before(quietUntil) {
				continue
			}
			quietUntil = time.Now().Add(keyCheckQuiet)
		}
		w.check(ctx)
	}
}
