package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"serenade/internal/testsupport/storetest"
)

// BenchmarkStreamStates reads the latest and earliest reading of each of
// an installation's 20 streams, which hold a week of per-minute readings
// each (201,600 in all): two primary-key probes per stream, whatever
// the number of readings. One op is one installation's states.
func BenchmarkStreamStates(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			env := storetest.Open(b, backend)
			h := env.SensorHome(b, 1)
			env.Clock.Advance(7 * 24 * time.Hour)
			for i := range 20 {
				h.Send(b, storetest.Every(fmt.Sprintf("room%d.plug.power", i), 60, h.Start, env.Clock.Now(), nil)...)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				states, err := env.DB.StreamStates(context.Background(), h.Installation)
				if err != nil || len(states) != 20 || states[0].Last == nil {
					b.Fatal(len(states), err)
				}
			}
		})
	}
}
