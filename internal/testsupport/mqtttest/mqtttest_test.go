package mqtttest

import (
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// TestAPortTakenBeforeTheBrokerBindsIsNoBroker: when another process
// holds the port (taken between freePort's probe and mosquitto's bind),
// launch reports it, however readily the other process accepts
// connections, instead of taking that process for the broker; Start
// then probes again and its broker serves.
func TestAPortTakenBeforeTheBrokerBindsIsNoBroker(t *testing.T) {
	if _, err := os.Stat(Binary); err != nil {
		missing(t)
	}
	other, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	go func() {
		for {
			c, err := other.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	b := &Broker{t: t, dir: t.TempDir(), port: other.Addr().(*net.TCPAddr).Port}
	b.writeConfig(Options{})
	if b.launch() {
		b.Stop()
		t.Fatalf("launch on a taken port reported a running broker:\n%s", b.Log())
	}

	s := Start(t, Options{})
	if s.port == b.port {
		t.Fatalf("Start used the taken port %d", s.port)
	}
	c, err := net.DialTimeout("tcp", s.Addr(), 5*time.Second)
	if err != nil {
		t.Fatalf("the broker Start returned accepts no connection: %v", err)
	}
	defer c.Close()
	// CONNECT, MQTT 3.1.1, clean session, no credentials: a broker
	// answers CONNACK (0x20), which the other listener never sends.
	connect := []byte{0x10, 0x0e, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3c, 0x00, 0x02, 'i', 'd'}
	if _, err := c.Write(connect); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	ack := make([]byte, 4)
	if _, err := io.ReadFull(c, ack); err != nil || ack[0] != 0x20 || ack[3] != 0 {
		t.Fatalf("CONNACK %x, %v; want 20 02 00 00", ack, err)
	}
}
