package mqttingest

import (
	"context"
	"errors"
	"strings"

	"github.com/eclipse/paho.golang/paho"
)

// Message is one PUBLISH, as the ingest service needs it.
type Message struct {
	// Token is the ingest token of the "authorization" user property
	// ("Bearer <token>"), exactly as HTTP's Authorization header has it.
	Token string
	// TopicID is the token public id the topic names: the sink refuses
	// the message unless it is the token's.
	TopicID string
	// Payload is the batch: a JSON array or NDJSON, as over HTTP.
	Payload []byte
	// ContentType is the MQTT 5 content type ("application/json",
	// "application/x-ndjson"), "" when the publisher set none.
	ContentType string
	// Encoding is the "content-encoding" user property: "gzip" or "".
	Encoding string
}

// Sink checks a message's token (and that it is the one the topic
// names) and writes its readings. It returns once they are durable,
// or with an error: a *Rejected when redelivering the same message can
// never succeed (a bad payload, an unknown or revoked token), anything
// else when a later attempt may (the database is down, overload).
type Sink interface {
	Ingest(ctx context.Context, m Message) error
}

// Rejected is the verdict that a message can never be written: it is
// acknowledged (so the broker does not redeliver it forever) and dropped,
// and counted; the sink has audited it. Reason is short and names no
// identity: it is logged and shown to no one else.
type Rejected struct {
	Reason string
	Err    error
}

func (r *Rejected) Error() string {
	if r.Err == nil {
		return "rejected: " + r.Reason
	}
	return "rejected: " + r.Reason + ": " + r.Err.Error()
}

func (r *Rejected) Unwrap() error { return r.Err }

// Refusal is a message the transport itself refused before the sink saw
// it, for the audit trail: why (one of the Reason constants). It names
// neither the token nor the topic: without a token nothing vouches for
// what the topic says, and a topic level may be anything a publisher
// typed.
type Refusal struct {
	Reason string
}

// Reasons of the transport's own refusals.
const (
	ReasonNoToken  = "no bearer token in the authorization user property"
	ReasonEncoding = "unsupported content-encoding"
)

// message reads the token and the encoding from a PUBLISH's properties.
func message(p *paho.Publish) (Message, string) {
	m := Message{Payload: p.Payload}
	if p.Properties == nil {
		return m, ReasonNoToken
	}
	m.ContentType = p.Properties.ContentType
	m.Encoding = strings.ToLower(p.Properties.User.Get("content-encoding"))
	if m.Encoding != "" && m.Encoding != "gzip" && m.Encoding != "identity" {
		return m, ReasonEncoding
	}
	if m.Encoding == "identity" {
		m.Encoding = ""
	}
	scheme, token, ok := strings.Cut(p.Properties.User.Get("authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return m, ReasonNoToken
	}
	m.Token = strings.TrimSpace(token)
	return m, ""
}

// IsRejected reports whether err is a permanent verdict.
func IsRejected(err error) bool {
	var r *Rejected
	return errors.As(err, &r)
}
