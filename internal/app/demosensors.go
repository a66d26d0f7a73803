package app

import (
	"bytes"
	"context"
	"strconv"
	"time"

	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/ingest"
	"serenade/internal/service"
	"serenade/internal/simulate"
	"serenade/internal/store"
)

// demoSensors sends the freshly seeded demo homes their last days of
// simulated sensor data in the background, so /readyz does not wait for
// it. The readings go through the ingest service, with a token per home
// provisioned as the demo installer: the validation, storage, rollups and
// audit of a gateway's batches. It sends once, then idles until the
// server stops. App.demoSensors hands its report over once it is done.
func (a *App) sendDemoSensors(db *store.DB, svc *ingest.Service) runner {
	done := a.demoSensors
	return runner{name: "demo sensor data", stage: stageWriters, run: func(ctx context.Context) error {
		r, err := fillDemoSensors(ctx, db, svc, a.cfg.Sensors.DemoDays, db.Now().UTC())
		switch {
		case err != nil && ctx.Err() == nil:
			a.log.Warn("demo mode: sending the demo homes' sensor data failed", "err", err, "readings", r.Accepted)
		case err == nil:
			a.log.Info("demo mode: sent the demo homes' sensor data", "homes", r.Homes, "days", a.cfg.Sensors.DemoDays,
				"readings", r.Accepted, "seconds", r.Elapsed.Seconds())
		}
		done <- r
		<-ctx.Done()
		return nil
	}}
}

// fillDemoSensors sends days of readings, ending at now, to every demo
// home that is collecting data.
func fillDemoSensors(ctx context.Context, db *store.DB, svc *ingest.Service, days int, now time.Time) (simulate.Report, error) {
	installer, _ := demo.AccountNamed(demo.Installer)
	ctx = domain.WithPrincipal(ctx, installer.Principal())
	insts, err := service.New(db).Installations(ctx)
	if err != nil {
		return simulate.Report{}, err
	}
	var jobs []simulate.Job
	for _, in := range insts {
		if in.CollectionStart == nil || !in.CollectingAt(now) {
			continue
		}
		tok, err := svc.Provision(ctx, in.ID)
		if err != nil {
			return simulate.Report{}, err
		}
		jobs = append(jobs, simulate.Job{
			Target:  simulate.Target{Installation: strconv.FormatInt(in.ID, 10), CollectionStart: in.CollectionStart, CollectionEnd: in.CollectionEnd},
			Gateway: serviceGateway{svc: svc, token: tok.Token}, Seed: uint64(in.ID),
		})
	}
	// One home at a time: the demo fills in while people use the server.
	return simulate.Run(ctx, jobs, simulate.Plan{Days: days, Now: now, Batch: 1000, Workers: 1, Faults: simulate.AllFaults}, func() {})
}

// serviceGateway hands a home's batches to the ingest service in
// process, as the HTTP and MQTT transports do.
type serviceGateway struct {
	svc   *ingest.Service
	token string
}

func (g serviceGateway) Send(ctx context.Context, batch []simulate.Reading) (simulate.Ack, error) {
	body, err := simulate.EncodeBatch(batch)
	if err != nil {
		return simulate.Ack{}, err
	}
	ack, err := g.svc.Accept(ctx, g.token, bytes.NewReader(body), ingest.Options{Gzip: true, Operation: "demo-sensor-data"})
	return simulate.Ack{Accepted: ack.Accepted, Duplicates: ack.Duplicates}, err
}
