package mqtttest

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/eclipse/paho.golang/paho"
)

// Gateway is how a test's publisher connects: an MQTT 5 client with a
// clean session, as a home gateway would be.
type Gateway struct {
	ClientID           string
	Username, Password string
}

// Dial connects a publisher to the broker at addr (host:port). Close it
// with Disconnect; it is also closed when ctx ends.
func Dial(ctx context.Context, addr string, g Gateway) (*paho.Client, error) {
	conn, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	c := paho.NewClient(paho.ClientConfig{ClientID: g.ClientID, Conn: conn})
	cp := &paho.Connect{ClientID: g.ClientID, CleanStart: true, KeepAlive: 30}
	if g.Username != "" {
		cp.UsernameFlag, cp.Username = true, g.Username
		cp.PasswordFlag, cp.Password = true, []byte(g.Password)
	}
	ca, err := c.Connect(ctx, cp)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	if ca.ReasonCode != 0 {
		_ = conn.Close()
		return nil, fmt.Errorf("mqtttest: connect refused with reason code %d", ca.ReasonCode)
	}
	return c, nil
}

// Publish sends payload to topic with QoS 1 and the given user
// properties, and returns once the broker acknowledged it (PUBACK with
// a success code), or with an error.
func Publish(ctx context.Context, c *paho.Client, topic string, payload []byte, user map[string]string) error {
	props := &paho.PublishProperties{}
	for k, v := range user {
		props.User.Add(k, v)
	}
	res, err := c.Publish(ctx, &paho.Publish{Topic: topic, QoS: 1, Payload: payload, Properties: props})
	if err != nil {
		return err
	}
	if res.ReasonCode >= 0x80 {
		return fmt.Errorf("mqtttest: publish refused with reason code %d", res.ReasonCode)
	}
	return nil
}

// Stream is what a gateway sends in PublishAll: message i goes to
// Topic(i) with Payload(i) and the user properties User.
type Stream struct {
	N       int
	Topic   func(i int) string
	Payload func(i int) []byte
	User    map[string]string
	// Pause is the wait between two messages (0: none).
	Pause time.Duration
}

// PublishAll publishes the stream's messages one after another as a
// gateway does across broker restarts: when a publish fails it drops
// the connection, redials (every 50 ms, until ctx ends) and goes on with
// the next message; the failed one is not resent. It returns, in order,
// the indexes of the messages the broker acknowledged; only those does
// the broker promise to deliver.
func PublishAll(ctx context.Context, addr string, g Gateway, s Stream) []int {
	var acked []int
	var c *paho.Client
	defer func() {
		if c != nil {
			_ = c.Disconnect(&paho.Disconnect{})
		}
	}()
	for i := 0; i < s.N && ctx.Err() == nil; i++ {
		for c == nil && ctx.Err() == nil {
			var err error
			if c, err = Dial(ctx, addr, g); err != nil {
				c = nil
				sleep(ctx, 50*time.Millisecond)
			}
		}
		if c == nil {
			break
		}
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := Publish(pctx, c, s.Topic(i), s.Payload(i), s.User)
		cancel()
		if err != nil {
			_ = c.Disconnect(&paho.Disconnect{})
			c = nil
			continue
		}
		acked = append(acked, i)
		sleep(ctx, s.Pause)
	}
	return acked
}

func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
