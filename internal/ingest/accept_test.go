package ingest_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"serenade/internal/ingest"
	"serenade/internal/pseudonym"
	"serenade/internal/testsupport/storetest"
)

// reading is one item at a time after the collection start.
func reading(stream string, at time.Time, value any) string {
	return fmt.Sprintf(`{"stream":%q,"time":%d,"value":%v}`, stream, at.UnixMilli(), value)
}

func array(items ...string) string { return "[" + strings.Join(items, ",") + "]" }

// counts is what the sensor tables hold.
func counts(t *testing.T, env *storetest.Env) (streams, readings, rollups int) {
	t.Helper()
	err := env.Raw(t).QueryRow(`SELECT (SELECT COUNT(*) FROM streams), (SELECT COUNT(*) FROM readings), (SELECT COUNT(*) FROM rollups)`).
		Scan(&streams, &readings, &rollups)
	if err != nil {
		t.Fatal(err)
	}
	return streams, readings, rollups
}

func TestAcceptWritesABatchOnce(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		h := newHome(t, env, service(t, env))
		at := h.start.Add(time.Minute)
		body := fmt.Sprintf(`[{"stream":"kitchen.motion","time":%q,"value":true},{"stream":"tv.plug.power","time":%d,"value":41.5}]`,
			at.Format(time.RFC3339), at.UnixMilli())
		ack, err := h.send(t, body)
		if err != nil || ack.Accepted != 2 || ack.NewStreams != 2 || ack.Duplicates != 0 {
			t.Fatalf("first send: %+v, %v", ack, err)
		}
		ack, err = h.send(t, body)
		if err != nil || ack.Accepted != 0 || ack.NewStreams != 0 || ack.Duplicates != 2 {
			t.Fatalf("re-send: %+v, %v", ack, err)
		}
		if s, r, _ := counts(t, env); s != 2 || r != 2 {
			t.Errorf("%d streams, %d readings; want 2, 2", s, r)
		}
	})
}

// TestAResentTimeKeepsItsFirstValue: idempotent on (stream, time), the
// first write wins, and the rollups still count it once with its first
// value.
func TestAResentTimeKeepsItsFirstValue(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		h := newHome(t, env, service(t, env))
		env.Clock.Advance(2 * time.Hour)
		at := h.start.Add(time.Hour)
		mustSend(t, h, array(reading("tv.plug.power", at, 5), reading("tv.plug.power", at, 6))) // repeated in one batch too
		ack := mustSend(t, h, array(reading("tv.plug.power", at, 9)))
		if ack.Accepted != 0 || ack.Duplicates != 1 {
			t.Errorf("re-send with another value: %+v", ack)
		}
		var v float64
		if err := env.Raw(t).QueryRow(`SELECT value FROM readings`).Scan(&v); err != nil || v != 5 {
			t.Errorf("stored %v (%v), want the first value 5", v, err)
		}
		checkRollups(t, env, h.installation)
	})
}

func mustSend(t *testing.T, h home, body string) ingest.Ack {
	t.Helper()
	ack, err := h.send(t, body)
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	return ack
}

// TestABadBatchWritesNothing: each kind of refusal leaves the tables as
// they were, the good items before the bad one included.
func TestABadBatchWritesNothing(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		h := newHome(t, env, service(t, env))
		env.Clock.Advance(time.Hour)
		now := env.Clock.Now()
		mustSend(t, h, array(reading("kitchen.motion", h.start, 1)))
		before := fmt.Sprint(counts(t, env))
		good := reading("hall.motion", now.Add(-time.Minute), 1)
		for name, c := range map[string]struct {
			body   string
			status int
			index  int
			field  string
		}{
			"a string as value":               {array(good, `{"stream":"a","time":1772445000000,"value":"1"}`), 422, 1, "value"},
			"more than 5 minutes ahead":       {array(good, reading("a", now.Add(5*time.Minute+time.Second), 1)), 422, 1, "time"},
			"before the installation existed": {array(good, good, reading("a", h.start.Add(-48*time.Hour), 1)), 422, 2, "time"},
			"malformed JSON":                  {array(good) + "]", 422, 1, ""},
			"an unknown kind":                 {array(good, `{"stream":"b","time":1772445000000,"value":1,"kind":"laser"}`), 422, 1, "kind"},
		} {
			_, err := h.send(t, c.body)
			var bad *ingest.BadItemError
			if !errors.As(err, &bad) || ingest.StatusOf(err) != c.status || bad.Index != c.index || bad.Field != c.field {
				t.Errorf("%s: %v (status %d), want item %d field %q status %d", name, err, ingest.StatusOf(err), c.index, c.field, c.status)
			}
			if after := fmt.Sprint(counts(t, env)); after != before {
				t.Errorf("%s: tables went from %s to %s", name, before, after)
			}
		}
	})
}

// TestConcurrentBatchesCreatingTheSameStreams: gateways (or retries)
// sending at once batches that create the same new streams and overlap
// in their readings all succeed, create each stream once and store each
// reading once. Each round starts its senders together on new streams.
func TestConcurrentBatchesCreatingTheSameStreams(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		const senders, rounds = 6, 8
		h := newHome(t, env, ingest.New(ingest.Config{DB: env.DB, Audit: auditWriter(t, env), Pseudonyms: pseudonym.New(env.DB.PseudonymKey()),
			MaxInFlight: senders}))
		env.Clock.Advance(time.Hour)
		for round := range rounds {
			start := make(chan struct{})
			errs := make(chan error, senders)
			for i := range senders {
				var items []string
				for j := range 50 { // overlapping halves, in opposite orders
					k := (j + i*25) % 100
					if i%2 == 1 {
						k = 99 - k
					}
					items = append(items, reading(fmt.Sprintf("r%d.room%d.motion", round, k%7), h.start.Add(time.Duration(k)*time.Second), k))
				}
				body := array(items...)
				go func() {
					<-start
					_, err := h.send(t, body)
					errs <- err
				}()
			}
			close(start)
			for range senders {
				if err := <-errs; err != nil {
					t.Errorf("round %d: %v", round, err)
				}
			}
		}
		streams, readings, _ := counts(t, env)
		if streams != 7*rounds || readings != 100*rounds {
			t.Errorf("%d streams, %d readings; want %d, %d", streams, readings, 7*rounds, 100*rounds)
		}
		checkRollups(t, env, h.installation)
	})
}
