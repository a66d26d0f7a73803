package server

import (
	"net"
	"net/netip"
	"sync"

	"golang.org/x/net/netutil"
)

// Connection caps. Every connection's life is bounded in time (header,
// body and idle timeouts), but a client can still open many at once;
// these bound how many are held in all and per client address.
const (
	DefaultMaxConnections = 4096
	DefaultMaxPerPeer     = 256
)

// limitListener caps open connections: in all (netutil.LimitListener:
// beyond it new connections wait in the kernel's queue), and per peer
// address (beyond it a new connection is closed at once, so one client
// cannot take the whole allowance). Peers for which exempt is true — the
// trusted reverse proxies, which carry everyone's connections — have no
// per-peer cap.
func limitListener(ln net.Listener, total, perPeer int, exempt func(netip.Addr) bool) net.Listener {
	if total > 0 {
		ln = netutil.LimitListener(ln, total)
	}
	if perPeer <= 0 {
		return ln
	}
	return &peerLimit{Listener: ln, max: perPeer, exempt: exempt, open: map[netip.Addr]int{}}
}

type peerLimit struct {
	net.Listener
	max    int
	exempt func(netip.Addr) bool
	mu     sync.Mutex
	open   map[netip.Addr]int // entries only for peers with open connections
}

func (l *peerLimit) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ap, perr := netip.ParseAddrPort(c.RemoteAddr().String())
		if perr != nil {
			return c, nil // not an IP connection: nothing to count by
		}
		peer := ap.Addr().Unmap()
		if l.exempt != nil && l.exempt(peer) {
			return c, nil
		}
		if !l.admit(peer) {
			_ = c.Close()
			continue
		}
		return &peerConn{Conn: c, release: func() { l.leave(peer) }}, nil
	}
}

func (l *peerLimit) admit(peer netip.Addr) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[peer] >= l.max {
		return false
	}
	l.open[peer]++
	return true
}

func (l *peerLimit) leave(peer netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[peer]--; l.open[peer] <= 0 {
		delete(l.open, peer)
	}
}

// peerConn gives its peer's place back when closed (once).
type peerConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *peerConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
