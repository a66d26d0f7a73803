package mqttingest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"
)

// Timing of the transport.
const (
	// ackInterval is how often acknowledgements, which MQTT wants in the
	// order the messages arrived, are sent in a batch.
	ackInterval = 20 * time.Millisecond
	// drainTimeout bounds how long stopping waits for the messages being
	// written; the rest stay unacknowledged and the broker redelivers them.
	drainTimeout = 10 * time.Second
	// disconnectTimeout bounds the goodbye to the broker.
	disconnectTimeout = 5 * time.Second
	keepAlive         = 30 // seconds
)

// Options are what the transport is given besides its Config.
type Options struct {
	Sink Sink
	// Refused records the transport's own refusals in the audit trail.
	// When it fails, the message is not acknowledged (fail closed): it is
	// retried, then redelivered.
	Refused func(ctx context.Context, r Refusal) error
	Log     *slog.Logger
	Metrics *Metrics // nil: not measured
	// Retry is the wait before attempt n+1 of a message whose attempt n
	// failed for a passing reason, and ReconnectBackoff before connection
	// attempt n; nil: exponential with jitter, from 100 ms (resp. 1 s) up to 30 s.
	Retry, ReconnectBackoff func(n int) time.Duration
	// TLS configures mqtts:// (nil: the system's roots).
	TLS *tls.Config
}

// Subscriber is Serenade's MQTT client: it keeps a session with the
// broker (reconnecting with backoff), hands each message to the sink,
// and acknowledges it once the sink returned.
type Subscriber struct {
	cfg  Config
	opts Options
	url  *url.URL

	jobs chan job      // unbuffered: a message is handed to a free worker
	stop chan struct{} // closed when stopping: no new message is taken
	// work is the context of the sink's writes; cancelled drainTimeout
	// after stopping began.
	work       context.Context
	cancelWork context.CancelFunc

	mu        sync.Mutex
	connected bool
	since     time.Time // of the last change of connected
}

// job is a message and the connection it came on, which acknowledges it.
type job struct {
	pub    *paho.Publish
	client *paho.Client
}

// New checks cfg and builds a subscriber; Run connects it.
func New(cfg Config, opts Options) (*Subscriber, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.Sink == nil || opts.Refused == nil || opts.Log == nil {
		return nil, errors.New("mqttingest: Sink, Refused and Log are required")
	}
	if opts.Retry == nil {
		opts.Retry = autopaho.NewExponentialBackoff(100*time.Millisecond, 30*time.Second, 200*time.Millisecond, 2)
	}
	if opts.ReconnectBackoff == nil {
		opts.ReconnectBackoff = autopaho.NewExponentialBackoff(time.Second, 30*time.Second, 2*time.Second, 2)
	}
	u, _ := cfg.serverURL()
	work, cancel := context.WithCancel(context.Background())
	return &Subscriber{cfg: cfg, opts: opts, url: u, jobs: make(chan job), stop: make(chan struct{}),
		work: work, cancelWork: cancel, since: time.Now()}, nil
}

// Run connects and handles messages until ctx is cancelled; then it
// stops taking messages, lets those being written finish (up to
// drainTimeout), sends their acknowledgements and disconnects. The
// session stays at the broker, which keeps what arrives meanwhile.
func (s *Subscriber) Run(ctx context.Context) error {
	var workers sync.WaitGroup
	for range s.cfg.Workers {
		workers.Go(s.worker)
	}
	connCtx, cancelConn := context.WithCancel(context.Background())
	defer cancelConn()
	cm, err := autopaho.NewConnection(connCtx, s.clientConfig())
	if err != nil {
		close(s.stop)
		workers.Wait()
		return fmt.Errorf("mqtt: %w", err)
	}
	<-ctx.Done()
	close(s.stop)
	timer := time.AfterFunc(drainTimeout, s.cancelWork)
	workers.Wait()
	timer.Stop()
	s.cancelWork()
	time.Sleep(3 * ackInterval) // let the last acknowledgements go out
	dctx, cancel := context.WithTimeout(context.Background(), disconnectTimeout)
	defer cancel()
	err = cm.Disconnect(dctx)
	s.setConnected(false)
	return err
}

// clientConfig is the autopaho configuration: MQTT 5, a persistent
// session, manual acknowledgement, a receive window of 2×Workers.
func (s *Subscriber) clientConfig() autopaho.ClientConfig {
	expiry := uint32(s.cfg.SessionExpiry / time.Second)
	window := uint16(2 * s.cfg.Workers)
	return autopaho.ClientConfig{
		ServerUrls:                    []*url.URL{s.url},
		TlsCfg:                        s.opts.TLS,
		KeepAlive:                     keepAlive,
		CleanStartOnInitialConnection: false,
		SessionExpiryInterval:         expiry,
		ReconnectBackoff:              s.opts.ReconnectBackoff,
		ConnectUsername:               s.cfg.Username,
		ConnectPassword:               []byte(s.cfg.Password),
		ConnectPacketBuilder: func(c *paho.Connect, _ *url.URL) (*paho.Connect, error) {
			if c.Properties == nil {
				c.Properties = &paho.ConnectProperties{}
			}
			c.Properties.ReceiveMaximum = &window
			return c, nil
		},
		OnConnectionUp:   s.connectionUp,
		OnConnectionDown: func() bool { s.setConnected(false); return true },
		OnConnectError: func(err error) {
			s.opts.Metrics.connect("failed")
			s.opts.Log.Warn("mqtt: connecting to the broker failed; retrying with backoff", "err", err)
		},
		ClientConfig: paho.ClientConfig{
			ClientID:                   s.cfg.ClientID,
			EnableManualAcknowledgment: true,
			SendAcksInterval:           ackInterval,
			OnPublishReceived:          []func(paho.PublishReceived) (bool, error){s.received},
		},
	}
}

// connectionUp subscribes (again: harmless when the session kept the
// subscription) without blocking autopaho.
func (s *Subscriber) connectionUp(cm *autopaho.ConnectionManager, ca *paho.Connack) {
	s.opts.Metrics.connect("up")
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), disconnectTimeout)
		defer cancel()
		filter := Filter(s.cfg.Group, s.cfg.Prefix)
		sa, err := cm.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: filter, QoS: 1}}})
		if err == nil && (len(sa.Reasons) != 1 || sa.Reasons[0] > 1) {
			err = fmt.Errorf("the broker refused the subscription (reason code %v)", sa.Reasons)
		}
		if err != nil {
			s.opts.Log.Error("mqtt: subscribing failed", "filter", filter, "err", err)
			return
		}
		s.setConnected(true)
		s.opts.Log.Info("mqtt: connected and subscribed", "filter", filter, "session_present", ca.SessionPresent,
			"gateways_publish_to", Topic(s.cfg.Prefix, "<token public id>"))
	}()
}

// received is called by paho, one message at a time, in order; it hands
// the message to a worker, waiting for one to be free (the receive
// window keeps the broker from sending more meanwhile). While stopping
// it takes nothing: the message stays unacknowledged, for redelivery.
func (s *Subscriber) received(pr paho.PublishReceived) (bool, error) {
	select {
	case s.jobs <- job{pub: pr.Packet, client: pr.Client}:
		return true, nil
	case <-s.stop:
		return false, nil
	}
}

func (s *Subscriber) worker() {
	for {
		select {
		case j := <-s.jobs:
			s.handle(j)
		case <-s.stop:
			return
		}
	}
}

func (s *Subscriber) setConnected(up bool) {
	s.mu.Lock()
	if s.connected != up {
		s.connected, s.since = up, time.Now()
	}
	s.mu.Unlock()
	s.opts.Metrics.setConnected(up)
}

// Detail is the state for /readyz: "mqtt: connected" or
// "mqtt: disconnected for 12s, reconnecting".
func (s *Subscriber) Detail() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.connected {
		return "mqtt: connected"
	}
	return fmt.Sprintf("mqtt: disconnected for %s, reconnecting", time.Since(s.since).Round(time.Second))
}
