package app

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"runtime"

	"serenade/internal/audit"
	"serenade/internal/domain"
	"serenade/internal/ingest"
	"serenade/internal/mqttingest"
	"serenade/internal/pseudonym"
	"serenade/internal/resource"
	"serenade/internal/store"
)

// mqttOperation names MQTT batches in the audit trail (HTTP's are
// "ingest-readings").
const mqttOperation = "mqtt-ingest-readings"

// startMQTT starts MQTT ingest when SERENADE_MQTT_URL is set: a
// subscriber that hands each message to the ingest service, stopped at
// the intake stage (before the audit writer and the store it needs).
// Its connection state is a line of /readyz and a metric; being
// disconnected does not make Serenade unready (see docs/design.md).
func (a *App) startMQTT(db *store.DB, svc *ingest.Service, trail audit.Sink) error {
	if a.cfg.MQTT.URL == "" {
		return nil
	}
	cfg := a.cfg.MQTT.transport()
	if a.cfg.MQTT.CredentialsFile != "" {
		u, p, err := mqttingest.ReadCredentials(a.cfg.MQTT.CredentialsFile)
		if err != nil {
			return err
		}
		cfg.Username, cfg.Password = u, p
	}
	// Half of the service's slots (default 2 × GOMAXPROCS): MQTT alone
	// never takes them all from HTTP.
	slots := a.cfg.Sensors.IngestMaxInFlight
	if slots <= 0 {
		slots = 2 * runtime.GOMAXPROCS(0)
	}
	cfg.Workers = max(1, slots/2)
	sub, err := mqttingest.New(cfg, mqttingest.Options{
		Sink:    mqttSink{svc: svc},
		Refused: mqttRefusals(audit.NewRecorder(trail, pseudonym.New(db.PseudonymKey()), db.Now)),
		Log:     a.log,
		Metrics: mqttingest.NewMetrics(a.tel.Registry()),
	})
	if err != nil {
		return err
	}
	a.srv.SetReadyDetail(func() []string { return []string{sub.Detail()} })
	a.run.start(runner{name: "mqtt subscriber", stage: stageIntake, run: sub.Run})
	return nil
}

// mqttSink hands a message to the ingest service, as HTTP does a request
// body, with the topic's token id to check.
type mqttSink struct{ svc *ingest.Service }

func (s mqttSink) Ingest(ctx context.Context, m mqttingest.Message) error {
	_, err := s.svc.Accept(ctx, m.Token, bytes.NewReader(m.Payload), ingest.Options{
		Gzip: m.Encoding == "gzip", Operation: mqttOperation, TokenPublicID: m.TopicID})
	if err != nil && permanent(err) {
		return &mqttingest.Rejected{Reason: "refused by the ingest service", Err: err}
	}
	return err
}

// permanent reports whether sending the same message again can never
// succeed: a token that is unknown, revoked or not the topic's, a bad,
// empty, oversized or undecodable batch. Anything else (overload, the
// audit trail or the database unavailable) may pass.
func permanent(err error) bool {
	var (
		bad     *ingest.BadItemError
		large   *ingest.TooLargeError
		badCode *ingest.BadEncodingError
	)
	switch {
	case errors.Is(err, ingest.ErrAuditUnavailable):
		return false
	case errors.Is(err, ingest.ErrUnknownToken), errors.Is(err, ingest.ErrRevokedToken),
		errors.Is(err, ingest.ErrWrongInstallation), errors.Is(err, ingest.ErrEmpty):
		return true
	}
	return errors.As(err, &bad) || errors.As(err, &large) || errors.As(err, &badCode)
}

// mqttRefusals audits the messages the transport refuses itself (no
// token, an unknown encoding), as the ingest service audits its own
// refusals: action readings.ingest, with the status HTTP would answer.
func mqttRefusals(rec *audit.Recorder) func(context.Context, mqttingest.Refusal) error {
	actor := domain.Principal{Subject: "ingest-token:(none)", Username: "(ingest)"}
	return func(ctx context.Context, r mqttingest.Refusal) error {
		status := http.StatusUnauthorized
		if r.Reason == mqttingest.ReasonEncoding {
			status = http.StatusUnsupportedMediaType
		}
		ev := rec.Begin(actor, ingest.Action, mqttOperation, resource.Installation.Type())
		return rec.Record(ctx, ev, status)
	}
}
