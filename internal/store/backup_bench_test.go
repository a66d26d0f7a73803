package store_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"serenade/internal/store"
	"serenade/internal/testsupport/storetest"
)

// benchReadings is the size of the database the backup benchmark copies:
// one home's per-minute readings over 70 days.
const benchReadings = 100_800

// BenchmarkBackupRestore backs up a database holding benchReadings
// sensor readings (plus a few patients and their audit entries) and
// restores it into a new database, once per op. It reports rows per
// second of each, and as this machine's limit the rows per second of a
// plain full scan of the same tables through database/sql.
func BenchmarkBackupRestore(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			env := storetest.Open(b, backend)
			home := env.SensorHome(b, 1)
			env.Clock.Advance(time.Duration(benchReadings) * time.Minute)
			home.Send(b, storetest.Every("kitchen-temp", 60, home.Start, env.Clock.Now().Add(-time.Minute), nil)...)
			var backup bytes.Buffer
			var st store.BackupStats
			var backupTime, restoreTime time.Duration
			b.ResetTimer()
			for range b.N {
				backup.Reset()
				t0 := time.Now()
				var err error
				if st, err = env.DB.Backup(context.Background(), &backup); err != nil {
					b.Fatal(err)
				}
				backupTime += time.Since(t0)
				b.StopTimer()
				tg := newBenchTarget(b, env)
				b.StartTimer()
				t0 = time.Now()
				if _, err := store.Restore(context.Background(), tg, bytes.NewReader(backup.Bytes())); err != nil {
					b.Fatal(err)
				}
				restoreTime += time.Since(t0)
			}
			b.StopTimer()
			scan := fullScan(b, env)
			rows := float64(st.Rows) * float64(b.N)
			b.ReportMetric(rows/backupTime.Seconds(), "backup-rows/s")
			b.ReportMetric(rows/restoreTime.Seconds(), "restore-rows/s")
			b.ReportMetric(scan, "scan-rows/s")
			b.ReportMetric(float64(backup.Len())/float64(st.Rows), "bytes/row")
		})
	}
}

// fullScan reads every row of the tables a backup holds the most of
// (readings, rollups) with SELECT *, as fast as database/sql goes, and
// returns rows per second.
func fullScan(b *testing.B, env *storetest.Env) float64 {
	b.Helper()
	raw := env.Raw(b)
	t0 := time.Now()
	var n int64
	for _, table := range []string{"readings", "rollups", "audit_log"} {
		rows, err := raw.Query(`SELECT * FROM ` + table)
		if err != nil {
			b.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				b.Fatal(err)
			}
			n++
		}
		rows.Close()
	}
	return float64(n) / time.Since(t0).Seconds()
}
