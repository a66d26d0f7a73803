package app_test

import (
	"context"
	"testing"
	"time"

	"serenade/internal/app"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/storetest"
)

// serve --demo sends the seeded homes days of sensor data in the
// background, through the ingest service: the server is ready before it
// is done, every collecting home gets readings, and the trail verifies.
func TestDemoHomesGetSensorData(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true, Edit: func(c *app.Config) { c.Sensors.DemoDays = 2 }})
			var r struct {
				homes    int
				accepted int64
			}
			select {
			case rep := <-s.App.DemoSensors():
				r.homes, r.accepted = rep.Homes, rep.Accepted
			case <-time.After(5 * time.Minute): // a bound on the wait, not a measurement
				t.Fatal("the demo's sensor data was not sent")
			}
			// Every collecting demo home: a kit's two days hold thousands of readings.
			if r.homes < 5 || r.accepted < int64(r.homes)*2*1000 {
				t.Fatalf("%d homes, %d readings", r.homes, r.accepted)
			}
			n, err := s.App.Store().VerifyAudit(context.Background())
			if err != nil || n == 0 {
				t.Fatalf("audit chain: %d entries, %v", n, err)
			}
		})
	}
}
