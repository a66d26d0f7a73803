package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"serenade/internal/app"
	"serenade/internal/audit"
	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/throttle"
)

// behindProxy starts a demo server that trusts the loopback address as
// its reverse proxy, so that tests choose each request's client address
// with X-Forwarded-For.
func behindProxy(t *testing.T, backend string) *apptest.Server {
	return behindProxyEditing(t, backend, nil)
}

// behindProxyEditing is behindProxy with more configuration.
func behindProxyEditing(t *testing.T, backend string, edit func(*app.Config)) *apptest.Server {
	return apptest.Start(t, apptest.Options{Backend: backend, Demo: true, Edit: func(c *app.Config) {
		c.TrustedProxies = "127.0.0.1/32, ::1"
		if edit != nil {
			edit(c)
		}
	}})
}

// loginFrom posts a password login with an X-Forwarded-For header (none
// when from is "").
func loginFrom(t testing.TB, s *apptest.Server, from, username, pw string) apptest.Response {
	t.Helper()
	form := url.Values{"grant_type": {"password"}, "username": {username}, "password": {pw}}
	req, err := http.NewRequest(http.MethodPost, s.URL+tokenEndpoint, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if from != "" {
		req.Header.Set("X-Forwarded-For", from)
	}
	return s.Send(t, req)
}

// wantRefusedOrWrong checks a failed login: 401, or 429 with a
// Retry-After once the throttle refuses. It returns the status.
func wantRefusedOrWrong(t *testing.T, res apptest.Response) int {
	t.Helper()
	switch res.Status {
	case http.StatusUnauthorized:
		checkProblem(t, res, http.StatusUnauthorized)
	case http.StatusTooManyRequests:
		checkProblem(t, res, http.StatusTooManyRequests)
		if secs, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || secs < 1 {
			t.Errorf("429 with Retry-After %q, want whole seconds >= 1", res.Header.Get("Retry-After"))
		}
	default:
		t.Fatalf("failed login: %d %s, want 401 or 429", res.Status, res.Body)
	}
	return res.Status
}

func TestStrangersCannotLockTheOwnerOut(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := behindProxy(t, backend)
			for _, failures := range []int{5, 20} {
				t.Run(fmt.Sprintf("%d wrong passwords from another address, then the owner from hers", failures), func(t *testing.T) {
					refused := 0
					for i := range failures {
						if wantRefusedOrWrong(t, loginFrom(t, s, "203.0.113.66", demo.Doctor, fmt.Sprintf("guess-%d", i))) == http.StatusTooManyRequests {
							refused++
						}
					}
					if failures > 2*throttle.FreeFailures && refused == 0 {
						t.Errorf("%d failures from one address were never slowed down (no 429)", failures)
					}
					if res := loginFrom(t, s, "198.51.100.1", demo.Doctor, "alice"); res.Status != http.StatusOK {
						t.Fatalf("the owner's login: %d %s", res.Status, res.Body)
					}
				})
			}
			t.Run("strangers from many addresses spend the account's budget: new addresses then wait for the account's turn, the owner's own address logs in", func(t *testing.T) {
				if res := loginFrom(t, s, "198.51.100.77", demo.Installer, "gennaro"); res.Status != http.StatusOK {
					t.Fatalf("the owner before the attack: %d %s", res.Status, res.Body)
				}
				for i := range throttle.AccountBurst + 5 {
					wantRefusedOrWrong(t, loginFrom(t, s, fmt.Sprintf("192.0.2.%d", i+1), demo.Installer, "guess"))
				}
				// Even the right password from a new address waits for its
				// network's turn: in the strangers' network, the account's
				// next refill (their one place in line); from another
				// network, one turn more.
				for from, turns := range map[string]int{"192.0.2.200": 1, "198.18.0.200": 2} {
					res := loginFrom(t, s, from, demo.Installer, "gennaro")
					checkProblem(t, res, http.StatusTooManyRequests)
					if secs, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || secs < 1 || secs > turns*int(throttle.AccountRefill.Seconds()) {
						t.Errorf("from %s: Retry-After %q, want whole seconds up to %v", from, res.Header.Get("Retry-After"), time.Duration(turns)*throttle.AccountRefill)
					}
				}
				if res := loginFrom(t, s, "198.51.100.77", demo.Installer, "gennaro"); res.Status != http.StatusOK {
					t.Fatalf("the owner from her trusted address: %d %s", res.Status, res.Body)
				}
			})
		})
	}
}

func TestOneAddress(t *testing.T) {
	t.Run("five wrong passwords, then the right one logs in", func(t *testing.T) {
		s := apptest.Start(t, apptest.Options{Demo: true})
		for i := range throttle.FreeFailures {
			checkProblem(t, postTokenForm(t, s, demo.Doctor, fmt.Sprintf("guess-%d", i)), http.StatusUnauthorized)
		}
		s.Login(t, demo.Doctor, "alice")
	})

	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend+": a spray of unknown usernames from one address is refused before the gate, its known users still log in", func(t *testing.T) {
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
			s.Login(t, demo.Installer, "gennaro") // logged in from this address before
			refused := 0
			for i := 0; i < throttle.AddressBurst+40 && refused < 3; i++ { // bounded: the budget refills while hashes run
				res := postTokenForm(t, s, fmt.Sprintf("sprayed-%d", i), "password")
				if wantRefusedOrWrong(t, res) != http.StatusTooManyRequests {
					continue
				}
				refused++
				if secs, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || secs < 1 || secs > int(throttle.AddressRefill.Seconds()) {
					t.Errorf("Retry-After %q, want whole seconds up to %v", res.Header.Get("Retry-After"), throttle.AddressRefill)
				}
			}
			if refused == 0 {
				t.Fatalf("%d usernames from one address were never refused", throttle.AddressBurst+40)
			}
			s.Login(t, demo.Installer, "gennaro")
		})
	}

	t.Run("a successful login does not count as a failure", func(t *testing.T) {
		s := apptest.Start(t, apptest.Options{Demo: true})
		for range 12 {
			s.Login(t, demo.Monitoring, "vincenzo")
		}
	})

	t.Run("malformed token requests do not count as failed logins", func(t *testing.T) {
		s := apptest.Start(t, apptest.Options{Demo: true})
		for range 25 {
			checkProblem(t, s.Do(t, http.MethodPost, tokenEndpoint, "", url.Values{"grant_type": {"client_credentials"}, "username": {demo.Doctor}, "password": {"x"}}),
				http.StatusUnprocessableEntity)
		}
		s.Login(t, demo.Doctor, "alice")
	})
}

// clientAddrsOf returns the client addresses of username's login entries.
func clientAddrsOf(t *testing.T, s *apptest.Server, username string) []string {
	t.Helper()
	entries, err := s.App.Store().QueryAudit(context.Background(), audit.Filter{Actor: username, Action: "auth.login", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var addrs []string
	for _, e := range entries {
		addrs = append(addrs, e.ClientAddr)
	}
	return addrs
}

func TestForwardedAddressesOnlyFromTrustedProxies(t *testing.T) {
	t.Run("behind a trusted proxy the audit trail records the rightmost untrusted hop", func(t *testing.T) {
		s := behindProxy(t, "sqlite")
		loginFrom(t, s, "6.6.6.6, 198.51.100.23", demo.Doctor, "alice")
		req, _ := http.NewRequest(http.MethodPost, s.URL+tokenEndpoint, strings.NewReader(url.Values{"grant_type": {"password"}, "username": {demo.Installer}, "password": {"gennaro"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Forwarded", `for=6.6.6.6, for="[2001:db8::23]:4711"`)
		s.Send(t, req)
		if got := clientAddrsOf(t, s, demo.Doctor); len(got) != 1 || got[0] != "198.51.100.23" {
			t.Errorf("X-Forwarded-For login recorded from %v, want [198.51.100.23]", got)
		}
		if got := clientAddrsOf(t, s, demo.Installer); len(got) != 1 || got[0] != "2001:db8::23" {
			t.Errorf("Forwarded login recorded from %v, want [2001:db8::23]", got)
		}
	})

	t.Run("without trusted proxies forwarding headers are ignored, by the audit trail and the throttle", func(t *testing.T) {
		s := apptest.Start(t, apptest.Options{Demo: true})
		refused := 0
		for i := range 2*throttle.FreeFailures + 4 {
			// A fresh forged address each time buys no fresh attempts.
			if wantRefusedOrWrong(t, loginFrom(t, s, fmt.Sprintf("198.51.100.%d", i+1), demo.Doctor, "guess")) == http.StatusTooManyRequests {
				refused++
			}
		}
		if refused == 0 {
			t.Error("forged X-Forwarded-For addresses escaped the throttle")
		}
		for _, addr := range clientAddrsOf(t, s, demo.Doctor) {
			if addr != "127.0.0.1" {
				t.Errorf("login recorded from %q, want the peer 127.0.0.1", addr)
			}
		}
	})
}

// TestDistributedGuessingAfterTheBudgetIsSpent is the reviewer's case:
// once imt-vincenzo's budget is spent, 25 more addresses try two
// passwords each. Each 401 is one password check; in all, untrusted
// checks on the account number at most AccountBurst + 1 + T/AccountRefill
// over the test's duration T (docs/design.md), where each address used
// to get two.
func TestDistributedGuessingAfterTheBudgetIsSpent(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := behindProxy(t, backend)
			start := time.Now()
			checks := 0
			try := func(from string) {
				if wantRefusedOrWrong(t, loginFrom(t, s, from, demo.Monitoring, "guess")) == http.StatusUnauthorized {
					checks++
				}
			}
			for i := range throttle.AccountBurst {
				try(fmt.Sprintf("203.0.113.%d", i+1))
			}
			for i := range 25 {
				for range 2 {
					try(fmt.Sprintf("192.0.2.%d", i+1))
				}
			}
			bound := throttle.AccountBurst + 1 + int(time.Since(start)/throttle.AccountRefill)
			t.Logf("%d password checks on one account from %d addresses (bound %d)", checks, throttle.AccountBurst+25, bound)
			if checks > bound {
				t.Errorf("%d password checks on one account, want at most %d", checks, bound)
			}
		})
	}
}

// TestStrangersCannotFillTheGateForEveryone is the reviewer's case: 30
// addresses loop failed logins with random usernames while
// ricercatore-stefano, who never logged in, tries from new addresses.
// He used to get 503 on most tries. The strangers' slots now go first to
// the address that failed least, so he is served before the looping
// addresses; and each of them, once its budget is spent (by checks and
// 503s alike), is refused with 429 before the gate.
func TestStrangersCannotFillTheGateForEveryone(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := behindProxy(t, backend)
			var wg sync.WaitGroup
			var mu sync.Mutex
			statuses := map[int]int{}
			answers := func(st int) int {
				mu.Lock()
				defer mu.Unlock()
				return statuses[st]
			}
			stop := make(chan struct{})
			for a := range 30 {
				wg.Go(func() {
					for i := 0; i < 400; i++ { // bounded: stops by itself
						select {
						case <-stop:
							return
						default:
						}
						res := loginFrom(t, s, fmt.Sprintf("203.0.114.%d", a+1), fmt.Sprintf("random-%d-%d", a, i), "guess")
						if res.Status != http.StatusServiceUnavailable {
							wantRefusedOrWrong(t, res)
						}
						mu.Lock()
						statuses[res.Status]++
						statuses[0]++
						mu.Unlock()
						if res.Status == http.StatusTooManyRequests {
							time.Sleep(200 * time.Millisecond) // polls on
						}
					}
				})
			}
			for i := 0; i < 600 && answers(0) < 30; i++ { // every stranger is looping
				time.Sleep(50 * time.Millisecond)
			}
			stefano := map[int]int{}
			for i := range 6 {
				res := loginFrom(t, s, fmt.Sprintf("198.51.100.%d", 150+i), demo.Researcher, "stefano")
				stefano[res.Status]++
				if res.Status == http.StatusServiceUnavailable {
					time.Sleep(time.Second) // its Retry-After
				}
			}
			for i := 0; i < 1200 && answers(http.StatusTooManyRequests) < 30; i++ { // bounded wait for their refusals
				time.Sleep(50 * time.Millisecond)
			}
			close(stop)
			wg.Wait()
			t.Logf("stefano's answers from 6 new addresses: %v; strangers' answers: %v", stefano, statuses)
			if stefano[http.StatusOK] < 5 || stefano[http.StatusOK]+stefano[http.StatusServiceUnavailable] != 6 {
				t.Errorf("stefano from 6 new addresses while 30 addresses loop: %v, want 200 (one 503 at most)", stefano)
			}
			if statuses[http.StatusTooManyRequests] == 0 {
				t.Error("the strangers were never refused with 429")
			}
			if statuses[http.StatusOK] != 0 {
				t.Errorf("random usernames logged in: %v", statuses)
			}
		})
	}
}

// TestOwnerIsNotLockedOutAfterARestart is the reviewer's case: alice
// logs in from 127.0.0.1, the server restarts, a stranger sends wrong
// passwords for her account from addresses rotating through 127.0.7.x;
// alice, trying from 127.0.0.1 between them, gets 200 every time (she got
// 429 every time: her trusted pair was only in the old process's
// memory). From a new address in another network she is told to come
// back at her turn: one turn after the stream's, within two refills.
func TestOwnerIsNotLockedOutAfterARestart(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			first := behindProxy(t, backend)
			if res := loginFrom(t, first, "127.0.0.1", demo.Doctor, "alice"); res.Status != http.StatusOK {
				t.Fatalf("alice's first login: %d %s", res.Status, res.Body)
			}
			if err := first.Stop(); err != nil {
				t.Fatal(err)
			}
			s := behindProxyEditing(t, backend, func(c *app.Config) {
				c.DataDir, c.DatabaseURL = first.Config.DataDir, first.Config.DatabaseURL
			})
			refused := 0
			for i := range 4 * throttle.AccountBurst {
				if wantRefusedOrWrong(t, loginFrom(t, s, fmt.Sprintf("127.0.7.%d", i%256), demo.Doctor, "guess")) == http.StatusTooManyRequests {
					refused++
				}
				if i%5 == 4 {
					if res := loginFrom(t, s, "127.0.0.1", demo.Doctor, "alice"); res.Status != http.StatusOK {
						t.Fatalf("alice from her usual address after %d stranger attempts: %d %s, want 200", i+1, res.Status, res.Body)
					}
				}
			}
			if refused == 0 {
				t.Fatal("the stranger's stream was never refused")
			}
			res := loginFrom(t, s, "127.0.9.10", demo.Doctor, "alice")
			checkProblem(t, res, http.StatusTooManyRequests)
			if secs, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || secs < 1 || secs > 2*int(throttle.AccountRefill.Seconds()) {
				t.Errorf("alice from a new network: Retry-After %q, want whole seconds up to %v", res.Header.Get("Retry-After"), 2*throttle.AccountRefill)
			}
		})
	}
}
