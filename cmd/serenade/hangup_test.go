package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"serenade/internal/testsupport/syncbuf"
)

// messages lists the msg of every JSON log record written so far.
func messages(logs *syncbuf.Buffer) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		var r struct{ Msg string }
		if json.Unmarshal(sc.Bytes(), &r) == nil {
			out = append(out, r.Msg)
		}
	}
	return out
}

func count(msgs []string, msg string) int {
	n := 0
	for _, m := range msgs {
		if m == msg {
			n++
		}
	}
	return n
}

// SIGHUPs sent to `serenade serve` while it starts neither kill it nor
// race with the start-up (run with -race), nor are they lost: once the
// store is open the keys are reloaded, and a SIGHUP after start reloads
// them again.
func TestHangupDuringStartUp(t *testing.T) {
	// The test process must survive a SIGHUP that arrives before serve
	// watches for it: watch it here too.
	guard := make(chan os.Signal, 1)
	signal.Notify(guard, syscall.SIGHUP)
	t.Cleanup(func() { signal.Stop(guard) })

	t.Setenv("SERENADE_DATA_DIR", t.TempDir())
	logs := &syncbuf.Buffer{}
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, log: slog.New(slog.NewJSONHandler(logs, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exit := make(chan int, 1)
	go func() { exit <- run(ctx, e, []string{"serve", "--listen", "127.0.0.1:0", "--demo"}) }()

	hangUp := func() {
		if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
	}
	sent := 0
	for ; count(messages(logs), "ready") == 0 && sent < 20_000; sent++ {
		hangUp()
		time.Sleep(time.Millisecond) // a stream of signals, not a busy loop (nothing is timed)
	}
	if count(messages(logs), "ready") == 0 {
		t.Fatalf("not ready after %d SIGHUPs; log:\n%s", sent, logs)
	}
	before := count(messages(logs), "master keys reloaded")
	hangUp()
	for i := 0; count(messages(logs), "master keys reloaded") == before && i < 5000; i++ {
		time.Sleep(time.Millisecond)
	}
	msgs := messages(logs)
	if count(msgs, "master keys reloaded") == before {
		t.Errorf("a SIGHUP after start-up reloaded nothing; log:\n%s", logs)
	}
	if count(msgs, "master key reload asked for during start-up: it runs once the store is open") > 0 &&
		count(msgs, "master keys reloaded, as asked for during start-up") != 1 {
		t.Errorf("a SIGHUP during start-up was lost; log:\n%s", logs)
	}
	if n := count(msgs, "reloading master keys failed"); n > 0 {
		t.Errorf("%d reloads failed; log:\n%s", n, logs)
	}
	cancel()
	if code := <-exit; code != 0 {
		t.Errorf("serve exited %d; log:\n%s", code, logs)
	}
}
