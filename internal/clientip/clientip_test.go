package clientip

import (
	"net/http"
	"testing"
)

func TestAddr(t *testing.T) {
	const proxies = "10.0.0.0/8, 192.0.2.7, 2001:db8:ffff::/48"
	r, err := New(proxies)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		peer   string
		header map[string][]string
		want   string
	}{
		{"no proxy headers: the peer", "203.0.113.9:5555", nil, "203.0.113.9"},
		{"an untrusted peer's X-Forwarded-For is ignored", "203.0.113.9:5555",
			map[string][]string{"X-Forwarded-For": {"198.51.100.1"}}, "203.0.113.9"},
		{"an untrusted peer's Forwarded is ignored", "203.0.113.9:5555",
			map[string][]string{"Forwarded": {"for=198.51.100.1"}}, "203.0.113.9"},
		{"a trusted peer: the rightmost untrusted hop of X-Forwarded-For", "10.1.2.3:443",
			map[string][]string{"X-Forwarded-For": {"1.1.1.1, 198.51.100.1, 10.9.9.9"}}, "198.51.100.1"},
		{"hops of several X-Forwarded-For lines are read in order", "10.1.2.3:443",
			map[string][]string{"X-Forwarded-For": {"6.6.6.6, 198.51.100.2", "192.0.2.7"}}, "198.51.100.2"},
		{"a client-written leftmost hop does not win", "192.0.2.7:443",
			map[string][]string{"X-Forwarded-For": {"127.0.0.1, 198.51.100.3"}}, "198.51.100.3"},
		{"Forwarded (RFC 7239) with quoted IPv6 and port", "10.1.2.3:443",
			map[string][]string{"Forwarded": {`for=9.9.9.9, for="[2001:db8:1::17]:4711";proto=https, for=10.0.0.1`}}, "2001:db8:1::17"},
		{"X-Forwarded-For wins over Forwarded", "10.1.2.3:443",
			map[string][]string{"X-Forwarded-For": {"198.51.100.4"}, "Forwarded": {"for=198.51.100.5"}}, "198.51.100.4"},
		{"every hop trusted: the peer", "10.1.2.3:443",
			map[string][]string{"X-Forwarded-For": {"10.4.4.4, 192.0.2.7"}}, "10.1.2.3"},
		{"the rightmost untrusted hop is garbage: the peer, never a hop further left", "10.1.2.3:443",
			map[string][]string{"X-Forwarded-For": {"198.51.100.6, not-an-ip"}}, "10.1.2.3"},
		{"Forwarded for=unknown: the peer", "10.1.2.3:443",
			map[string][]string{"Forwarded": {"for=198.51.100.7, for=unknown"}}, "10.1.2.3"},
		{"a trusted IPv6 peer", "[2001:db8:ffff::1]:443",
			map[string][]string{"X-Forwarded-For": {"2001:db8:2::5"}}, "2001:db8:2::5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, vs := range tt.header {
				for _, v := range vs {
					h.Add(k, v)
				}
			}
			if got := r.Addr(h, tt.peer); got != tt.want {
				t.Errorf("Addr = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNoTrustedProxiesByDefault(t *testing.T) {
	r, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"X-Forwarded-For": {"198.51.100.1"}, "Forwarded": {"for=198.51.100.2"}}
	for _, peer := range []string{"127.0.0.1:80", "10.0.0.1:80", "[::1]:80"} {
		if got, want := r.Addr(h, peer), peer[:len(peer)-3]; got != want && "["+got+"]" != want {
			t.Errorf("peer %s: Addr = %q, want the peer", peer, got)
		}
	}
}

func TestNewRefusesMalformedLists(t *testing.T) {
	for _, list := range []string{"10.0.0.0/33", "not-a-network", "10.0.0.1,,300.1.1.1", "fe80::1%eth0"} {
		if _, err := New(list); err == nil {
			t.Errorf("New(%q) accepted a malformed list", list)
		}
	}
}

func TestKey(t *testing.T) {
	tests := map[string]string{
		"198.51.100.1":                  "198.51.100.1",
		"::ffff:198.51.100.1":           "198.51.100.1",
		"2001:db8:1:2:aaaa::1":          "2001:db8:1:2::/64",
		"2001:db8:1:2:bbbb:cccc:dddd:1": "2001:db8:1:2::/64",
		"not-an-address":                "not-an-address",
	}
	for in, want := range tests {
		if got := Key(in); got != want {
			t.Errorf("Key(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNetwork(t *testing.T) {
	tests := map[string]string{
		"198.51.100.1":       "198.51.100.0/24",
		"198.51.100.254":     "198.51.100.0/24",
		"198.51.101.1":       "198.51.101.0/24",
		"2001:db8:1:2::/64":  "2001:db8:1::/48",
		"2001:db8:1:ff::/64": "2001:db8:1::/48",
		"not-an-address":     "not-an-address",
	}
	for in, want := range tests {
		if got := Network(in); got != want {
			t.Errorf("Network(%q) = %q, want %q", in, got, want)
		}
	}
	if a, b := Network(Key("2001:db8:1:2:aaaa::1")), Network(Key("2001:db8:1:3::1")); a != b {
		t.Errorf("two /64s of one /48: networks %q and %q, want one", a, b)
	}
}
