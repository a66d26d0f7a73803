package mqttingest

import (
	"context"
	"errors"
	"time"
)

// handle writes one message and acknowledges it, or not:
//
//   - written: acknowledged;
//   - rejected (can never be written): audited, acknowledged and
//     dropped, since redelivering it would loop;
//   - any other failure (the database is down, the service is
//     overloaded, the audit write failed): not acknowledged, and tried
//     again after a backoff while the connection it came on is up and
//     Serenade is not stopping. Once that connection is gone the broker
//     redelivers it on the next one (the session is persistent), and
//     the service's idempotence on (stream, time) makes a second write
//     of readings already stored harmless.
func (s *Subscriber) handle(j job) {
	for attempt := 1; ; attempt++ {
		err := s.deliver(s.work, j)
		if err == nil || IsRejected(err) {
			s.settle(j, err)
			return
		}
		s.opts.Metrics.message(OutcomeRetried)
		s.opts.Log.Warn("mqtt: writing a message failed; it stays unacknowledged and is retried", "attempt", attempt, "err", err)
		t := time.NewTimer(s.opts.Retry(attempt))
		select {
		case <-t.C:
		case <-j.client.Done():
			t.Stop()
			return // the broker redelivers it on the next connection
		case <-s.stop:
			t.Stop()
			return
		}
	}
}

// settle acknowledges a message that was written or rejected.
func (s *Subscriber) settle(j job, err error) {
	if err != nil {
		s.opts.Metrics.message(OutcomeRejected)
		s.opts.Log.Warn("mqtt: message rejected, acknowledged and dropped", "err", err)
	} else {
		s.opts.Metrics.message(OutcomeStored)
	}
	if aerr := j.client.Ack(j.pub); aerr != nil {
		// The connection it came on is gone: the broker redelivers it.
		s.opts.Log.Debug("mqtt: acknowledgement not sent", "err", aerr)
	}
}

// deliver checks what the transport owns (the topic, and the token's
// place in the message) and hands the message to the sink, which checks
// that the token is the one the topic names. A refusal of its own is
// audited first; if that fails, the message is not acknowledged.
func (s *Subscriber) deliver(ctx context.Context, j job) error {
	id, ok := publicIDOf(s.cfg.Prefix, j.pub.Topic)
	if !ok { // the subscription matches only ingest topics
		return &Rejected{Reason: "not an ingest topic"}
	}
	m, reason := message(j.pub)
	if reason != "" {
		if err := s.opts.Refused(ctx, Refusal{Reason: reason}); err != nil {
			return errors.Join(errors.New("auditing a refused message"), err)
		}
		return &Rejected{Reason: reason}
	}
	m.TopicID = id
	return s.opts.Sink.Ingest(ctx, m)
}
