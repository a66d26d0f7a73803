package mqtttest

import (
	"context"
	"errors"
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
	switch {
	case res.ReasonCode == noMatchingSubscribers:
		return ErrNoSubscriber
	case res.ReasonCode != 0:
		return fmt.Errorf("mqtttest: publish refused with reason code %#x", res.ReasonCode)
	}
	return nil
}

// noMatchingSubscribers is the PUBACK reason code 0x10.
const noMatchingSubscribers = 0x10

// ErrNoSubscriber is a PUBACK with reason code 0x10: the broker took the
// message but had no subscriber for it, and dropped it. mosquitto says so
// while no Serenade replica is connected to the shared subscription
// (after a broker restart, until Serenade is back): a gateway must send
// the message again, as for any reason code other than 0x00.
var ErrNoSubscriber = errors.New("mqtttest: no matching subscribers (PUBACK 0x10): the broker dropped the message")

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
// gateway following Serenade's MQTT contract does across broker
// restarts: a message counts as delivered only once the broker answered
// PUBACK with reason code 0x00; otherwise (no answer, an error, 0x10 "no
// matching subscribers") the gateway sends it again, after redialling
// when the connection failed, every 50 ms until ctx ends. It returns
// the indexes of the messages the broker acknowledged with 0x00, in
// order, and how many sends did not count (resends).
func PublishAll(ctx context.Context, addr string, g Gateway, s Stream) (acked []int, resends int) {
	var c *paho.Client
	defer func() {
		if c != nil {
			_ = c.Disconnect(&paho.Disconnect{})
		}
	}()
	for i := 0; i < s.N && ctx.Err() == nil; {
		if c == nil {
			var err error
			if c, err = Dial(ctx, addr, g); err != nil {
				c = nil
				sleep(ctx, 50*time.Millisecond)
				continue
			}
		}
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := Publish(pctx, c, s.Topic(i), s.Payload(i), s.User)
		cancel()
		switch {
		case err == nil:
			acked = append(acked, i)
			i++
			sleep(ctx, s.Pause)
		case errors.Is(err, ErrNoSubscriber):
			resends++
			sleep(ctx, 50*time.Millisecond)
		default:
			resends++
			_ = c.Disconnect(&paho.Disconnect{})
			c = nil
		}
	}
	return acked, resends
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
