package ingest_test

import (
	"fmt"
	"testing"
	"time"

	"serenade/internal/testsupport/storetest"
)

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
	})
}
