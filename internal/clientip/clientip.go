// Package clientip tells the address of the client behind a request. The
// TCP peer is the client unless it is one of the configured trusted
// proxies; only then are X-Forwarded-For or Forwarded (RFC 7239) read,
// from the right, and the rightmost hop that is not a trusted proxy is
// the client. Everything left of it was written by the client itself and
// could be anything, so it is never used.
package clientip

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/realclientip/realclientip-go"
)

// Resolver finds the client address of requests.
type Resolver struct {
	trusted   []net.IPNet
	forwarded realclientip.Strategy // X-Forwarded-For
	rfc7239   realclientip.Strategy // Forwarded
}

// New builds a resolver trusting the proxies in list, a comma-separated
// list of CIDR prefixes or single addresses ("" trusts none: the peer is
// always the client).
func New(list string) (*Resolver, error) {
	var entries []string
	for _, e := range strings.Split(list, ",") {
		if e = strings.TrimSpace(e); e != "" {
			entries = append(entries, e)
		}
	}
	nets, err := realclientip.AddressesAndRangesToIPNets(entries...)
	if err != nil {
		return nil, fmt.Errorf("trusted proxies: want CIDR prefixes or addresses separated by commas: %w", err)
	}
	xff, err := realclientip.NewRightmostTrustedRangeStrategy("X-Forwarded-For", nets)
	if err != nil {
		return nil, err
	}
	fwd, err := realclientip.NewRightmostTrustedRangeStrategy("Forwarded", nets)
	if err != nil {
		return nil, err
	}
	return &Resolver{trusted: nets, forwarded: xff, rfc7239: fwd}, nil
}

// Addr returns the client address (without port) of a request whose
// peer is remoteAddr. X-Forwarded-For wins over Forwarded when both are
// present, because the usual proxies (Traefik, nginx, HAProxy, Envoy)
// append to it; a proxy that writes only Forwarded must drop an incoming
// X-Forwarded-For. When no hop can be used (all trusted, or the
// rightmost untrusted one is not an address), the peer is the answer.
func (r *Resolver) Addr(h http.Header, remoteAddr string) string {
	peer := Peer(remoteAddr)
	if r == nil || !r.isTrusted(peer) {
		return peer
	}
	var hop string
	switch {
	case len(h.Values("X-Forwarded-For")) > 0:
		hop = r.forwarded.ClientIP(h, remoteAddr)
	case len(h.Values("Forwarded")) > 0:
		hop = r.rfc7239.ClientIP(h, remoteAddr)
	}
	if hop == "" {
		return peer
	}
	return hop
}

// TrustedPeer reports whether remoteAddr, a request's TCP peer, is one of
// the trusted proxies: only theirs are the forwarding headers believed,
// and the trace context and request id continued.
func (r *Resolver) TrustedPeer(remoteAddr string) bool {
	return r != nil && r.isTrusted(Peer(remoteAddr))
}

// Request is Addr for an *http.Request.
func (r *Resolver) Request(req *http.Request) string { return r.Addr(req.Header, req.RemoteAddr) }

// Trusts reports whether addr is one of the trusted proxies (whose one
// address carries many clients' connections).
func (r *Resolver) Trusts(addr netip.Addr) bool { return r != nil && r.isTrusted(addr.String()) }

func (r *Resolver) isTrusted(addr string) bool {
	ip := net.ParseIP(stripZone(addr))
	for _, n := range r.trusted {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

func stripZone(addr string) string {
	if i := strings.IndexByte(addr, '%'); i >= 0 {
		return addr[:i]
	}
	return addr
}

// Key is the address as the login throttle counts it: an IPv4 address
// (IPv4-mapped IPv6 included) as is, an IPv6 address by its /64, the
// block one home or host is usually given, so that rotating through the
// addresses of one's own /64 does not buy fresh budgets.
func Key(addr string) string {
	ip, err := netip.ParseAddr(stripZone(addr))
	if err != nil {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.Prefix(64)
	return p.String()
}

// Network is the network a throttle key (see Key) belongs to: an IPv4
// address's /24, an IPv6 /64's /48 — the block one operator usually
// holds. The login throttle lets one network hold one place in an
// account's line, so that rotating through the addresses of one network
// buys no more places. Anything else is its own network.
func Network(key string) string {
	if p, err := netip.ParsePrefix(key); err == nil && p.Addr().Is6() {
		n, _ := p.Addr().Prefix(48)
		return n.String()
	}
	if ip, err := netip.ParseAddr(key); err == nil && ip.Is4() {
		n, _ := ip.Prefix(24)
		return n.String()
	}
	return key
}

// Peer is the address of remoteAddr without its port.
func Peer(remoteAddr string) string {
	if peer := (realclientip.RemoteAddrStrategy{}).ClientIP(nil, remoteAddr); peer != "" {
		return peer
	}
	return remoteAddr
}
