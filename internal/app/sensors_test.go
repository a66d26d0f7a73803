package app_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"serenade/internal/app"
	"serenade/internal/testsupport/apptest"
)

// TestPartitionWorkerCreatesMonthsAhead (PostgreSQL): once the server is
// up, the readings partitions of this month and the two after it exist,
// made by the worker before any reading was written.
func TestPartitionWorkerCreatesMonthsAhead(t *testing.T) {
	s := apptest.Start(t, apptest.Options{Backend: "postgres", Edit: func(c *app.Config) {
		c.Sensors.PartitionCheckInterval = 50 * time.Millisecond
	}})
	now := time.Now().UTC()
	this := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	want := []time.Time{this, this.AddDate(0, 1, 0), this.AddDate(0, 2, 0)}
	var got []time.Time
	for range 400 { // the worker's first round runs at start; bounded wait for it
		var err error
		if got, err = s.App.Store().Partitions(context.Background()); err != nil {
			t.Fatal(err)
		}
		if containsAll(got, want) {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("partitions %v, want at least %v", got, want)
}

func containsAll(got, want []time.Time) bool {
	for _, w := range want {
		if !slices.ContainsFunc(got, w.Equal) {
			return false
		}
	}
	return true
}

// TestSensorSettingsFromEnv: the ingest bound and the retention are
// read from their variables; a bad value is refused.
func TestSensorSettingsFromEnv(t *testing.T) {
	c := app.Defaults()
	env := map[string]string{"SERENADE_INGEST_MAX_IN_FLIGHT": "7", "SERENADE_READINGS_RETENTION_MONTHS": "24"}
	if err := c.FromEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if c.Sensors.IngestMaxInFlight != 7 || c.Sensors.RetentionMonths != 24 {
		t.Errorf("sensors %+v", c.Sensors)
	}
	if d := app.Defaults(); d.Sensors.RetentionMonths != 0 {
		t.Errorf("retention is on by default: %d months", d.Sensors.RetentionMonths)
	}
	for _, bad := range []string{"-1", "many", "1201"} {
		c := app.Defaults()
		if err := c.FromEnv(func(k string) string {
			if k == "SERENADE_READINGS_RETENTION_MONTHS" {
				return bad
			}
			return ""
		}); err == nil {
			t.Errorf("retention %q accepted", bad)
		}
	}
}
