package app

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"serenade/internal/audit"
	"serenade/internal/ingest"
	"serenade/internal/pseudonym"
	"serenade/internal/store"
)

// SensorConfig sets sensor ingest and the storage of readings.
type SensorConfig struct {
	// IngestMaxInFlight bounds the batches written at once (SERENADE_INGEST_MAX_IN_FLIGHT;
	// 0: 2 × GOMAXPROCS); one more is answered 503 with Retry-After.
	IngestMaxInFlight int
	// RetentionMonths drops PostgreSQL readings partitions (and their
	// rollups) of months that ended more than this many months ago, and
	// ingest refuses readings that old on both backends
	// (SERENADE_READINGS_RETENTION_MONTHS; 0, the default: keep for ever).
	RetentionMonths int
	// PartitionsAhead is how many months after the current one the
	// partition worker keeps created (default 2). No variable sets it.
	PartitionsAhead int
	// PartitionCheckInterval is how often the partition worker runs
	// (default 1h). No variable sets it: tests shorten it.
	PartitionCheckInterval time.Duration
	// DemoDays is how many days of simulated readings serve --demo sends
	// the demo homes after seeding them (SERENADE_DEMO_SENSOR_DAYS,
	// default DefaultDemoSensorDays; 0: none).
	DemoDays int
}

// DefaultDemoSensorDays of sensor history the demo homes get: four weeks.
const DefaultDemoSensorDays = 28

func (s *SensorConfig) fromEnv(getenv func(string) string) error {
	for _, n := range []struct {
		name string
		dst  *int
	}{{"SERENADE_INGEST_MAX_IN_FLIGHT", &s.IngestMaxInFlight}, {"SERENADE_READINGS_RETENTION_MONTHS", &s.RetentionMonths},
		{"SERENADE_DEMO_SENSOR_DAYS", &s.DemoDays}} {
		if v := getenv(n.name); v != "" {
			i, err := strconv.Atoi(v)
			if err != nil || i < 0 || i > 1200 {
				return fmt.Errorf("%s: want a whole number from 0 to 1200, got %q", n.name, v)
			}
			*n.dst = i
		}
	}
	return nil
}

// ingestService is the ingest service over db, auditing into sink. There
// is one per process (later calls return it): HTTP and MQTT share its
// bound on batches in flight.
func (a *App) ingestService(db *store.DB, sink audit.Sink) *ingest.Service {
	if a.ingest == nil {
		a.ingest = ingest.New(ingest.Config{DB: db, Audit: sink, Pseudonyms: pseudonym.New(db.PseudonymKey()),
			MaxInFlight: a.cfg.Sensors.IngestMaxInFlight, RetentionMonths: a.cfg.Sensors.RetentionMonths, Metrics: a.sensors})
	}
	return a.ingest
}

// partitionWorker keeps PostgreSQL readings partitions created ahead
// and, with a retention set, drops the expired ones. A failed round is
// logged and tried again at the next; it never stops the server (a write
// that finds its month missing creates it).
func (a *App) partitionWorker(db *store.DB) runner {
	cfg := a.cfg.Sensors
	if cfg.PartitionsAhead <= 0 {
		cfg.PartitionsAhead = 2
	}
	if cfg.PartitionCheckInterval <= 0 {
		cfg.PartitionCheckInterval = time.Hour
	}
	return runner{name: "partition upkeep", stage: stageWorkers, run: func(ctx context.Context) error {
		t := time.NewTicker(cfg.PartitionCheckInterval)
		defer t.Stop()
		for {
			a.partitionRound(ctx, db, cfg)
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	}}
}

func (a *App) partitionRound(ctx context.Context, db *store.DB, cfg SensorConfig) {
	now := time.Now()
	if err := db.PreparePartitions(ctx, now, cfg.PartitionsAhead); err != nil && ctx.Err() == nil {
		a.log.Error("creating readings partitions ahead failed", "err", err)
	}
	if cfg.RetentionMonths <= 0 {
		return
	}
	cutoff := store.RetentionCutoff(now, cfg.RetentionMonths)
	dropped, err := db.DropPartitionsBefore(ctx, cutoff)
	if err != nil && ctx.Err() == nil {
		a.log.Error("dropping expired readings partitions failed", "err", err)
	}
	if len(dropped) > 0 {
		a.log.Info("dropped expired readings partitions", "months", len(dropped), "before", cutoff.Format("2006-01"))
	}
}
