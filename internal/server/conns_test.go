package server

import (
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"
)

// acceptAll accepts on ln until it is closed, handing over each
// connection.
func acceptAll(ln net.Listener) <-chan net.Conn {
	out := make(chan net.Conn, 16)
	go func() {
		defer close(out)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			out <- c
		}
	}()
	return out
}

// closedByServer reports whether the server closed c without a word
// (the deadline only keeps a broken listener from hanging the test).
func closedByServer(t *testing.T, c net.Conn) bool {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(time.Minute))
	_, err := c.Read(make([]byte, 1))
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

// next is the next accepted connection (nil if none within the safety
// wait).
func next(accepted <-chan net.Conn) net.Conn {
	select {
	case c := <-accepted:
		return c
	case <-time.After(time.Minute):
		return nil
	}
}

func TestPerPeerConnectionCap(t *testing.T) {
	for _, exempt := range []bool{false, true} {
		raw, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ln := limitListener(raw, 0, 2, func(netip.Addr) bool { return exempt })
		accepted := acceptAll(ln)
		var clients []net.Conn
		for range 3 {
			c, err := net.Dial("tcp", raw.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			clients = append(clients, c)
		}
		if exempt {
			for i := range clients {
				if c := next(accepted); c == nil {
					t.Errorf("exempt peer: connection %d not accepted", i+1)
				} else {
					c.Close()
				}
			}
			ln.Close()
			continue
		}
		first, second := next(accepted), next(accepted)
		if first == nil || second == nil {
			t.Fatal("the first two connections were not accepted")
		}
		if !closedByServer(t, clients[2]) {
			t.Error("a third connection from one peer with a cap of two was kept")
		}
		// A place given back is taken again; the table forgets idle peers.
		first.Close()
		c, err := net.Dial("tcp", raw.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if again := next(accepted); again == nil {
			t.Fatal("no connection accepted once a place was free")
		} else {
			again.Close()
		}
		second.Close()
		pl := ln.(*peerLimit)
		pl.mu.Lock()
		if n := len(pl.open); n != 0 {
			t.Errorf("%d peers still tracked with no connection open", n)
		}
		pl.mu.Unlock()
		ln.Close()
	}
}
