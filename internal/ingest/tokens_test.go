package ingest_test

import (
	"context"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"serenade/internal/audit"
	"serenade/internal/domain"
	"serenade/internal/ingest"
	"serenade/internal/pseudonym"
	"serenade/internal/testsupport/storetest"
)

// entriesOf lists the trail's ingest entries.
func entriesOf(t *testing.T, env *storetest.Env) []audit.Entry {
	t.Helper()
	es, err := env.DB.QueryAudit(context.Background(), audit.Filter{Action: ingest.Action, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// TestATokenWritesOnlyItsInstallation: two homes send readings of
// streams with the same key; each token writes its own installation's
// stream and never the other's, and a transport that names another token
// than the one presented is refused.
func TestATokenWritesOnlyItsInstallation(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		svc := service(t, env)
		a := newHome(t, env, svc)
		b := newHome(t, env, svc)
		env.Clock.Advance(time.Hour)
		mustSend(t, a, array(reading("kitchen.motion", a.start, 1), reading("kitchen.motion", a.start.Add(time.Second), 0)))
		mustSend(t, b, array(reading("kitchen.motion", b.start.Add(time.Minute), 1)))
		for _, h := range []struct {
			home
			want int
		}{{a, 2}, {b, 1}} {
			streams, err := env.DB.Streams(context.Background(), h.installation)
			if err != nil || len(streams) != 1 {
				t.Fatalf("streams of %d: %v %v", h.installation, streams, err)
			}
			rs, err := env.DB.Readings(context.Background(), streams[0].ID, 0, 1<<62)
			if err != nil || len(rs) != h.want {
				t.Errorf("installation %d holds %d readings (%v), want %d", h.installation, len(rs), err, h.want)
			}
		}
		aPub, _, _ := ingest.SplitToken(a.token)
		_, err := b.svc.Accept(context.Background(), b.token, strings.NewReader(array(reading("kitchen.motion", b.start, 1))),
			ingest.Options{TokenPublicID: aPub})
		if !errors.Is(err, ingest.ErrWrongInstallation) || ingest.StatusOf(err) != 403 {
			t.Errorf("B's token on A's topic: %v", err)
		}
	})
}

// TestUnknownAndRevokedTokensAreRefusedAndAudited: a malformed token, an
// unknown public id, a wrong secret and a revoked token are 401s, each
// recorded with the token's public id (or as malformed), and none writes.
func TestUnknownAndRevokedTokensAreRefusedAndAudited(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		h := newHome(t, env, service(t, env))
		env.Clock.Advance(time.Hour)
		pub, _, _ := ingest.SplitToken(h.token)
		other, otherPub, _ := ingest.NewToken()
		wrongSecret := h.token[:len(h.token)-4] + "0000"
		if wrongSecret == h.token {
			wrongSecret = h.token[:len(h.token)-4] + "1111"
		}
		body := array(reading("kitchen.motion", h.start, 1))
		tries := []struct {
			name, token, subject string
			want                 error
		}{
			{"malformed", "Bearer nonsense", "ingest-token:(malformed)", ingest.ErrUnknownToken},
			{"a user's JWT", "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxIn0.c2ln", "ingest-token:(malformed)", ingest.ErrUnknownToken},
			{"unknown", other, "ingest-token:" + otherPub, ingest.ErrUnknownToken},
			{"wrong secret", wrongSecret, "ingest-token:" + pub, ingest.ErrUnknownToken},
		}
		for _, try := range tries {
			if _, err := h.svc.Accept(context.Background(), try.token, strings.NewReader(body), ingest.Options{}); !errors.Is(err, try.want) {
				t.Errorf("%s: %v, want %v", try.name, err, try.want)
			}
		}
		toks, err := h.svc.Tokens(storetest.Installer(), h.installation)
		if err != nil || len(toks) != 1 {
			t.Fatalf("tokens: %v %v", toks, err)
		}
		if _, err := h.svc.Revoke(storetest.Installer(), h.installation, toks[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := h.send(t, body); !errors.Is(err, ingest.ErrRevokedToken) || ingest.StatusOf(err) != 401 {
			t.Errorf("revoked: %v", err)
		}
		tries = append(tries, struct {
			name, token, subject string
			want                 error
		}{"revoked", h.token, "ingest-token:" + pub, ingest.ErrRevokedToken})
		entries := entriesOf(t, env)
		for _, try := range tries {
			if !slices.ContainsFunc(entries, func(e audit.Entry) bool {
				return e.ActorSubject == try.subject && e.Status == 401 && e.Outcome == audit.OutcomeDenied
			}) {
				t.Errorf("%s: no 401 entry for %s in %+v", try.name, try.subject, entries)
			}
		}
		for _, e := range entries {
			if strings.Contains(e.ActorSubject, "nonsense") || strings.Contains(e.ActorSubject, "eyJ") || strings.Contains(e.ActorSubject, h.token) {
				t.Errorf("the trail keeps what was presented: %+v", e)
			}
		}
		if s, r, _ := counts(t, env); s != 0 || r != 0 {
			t.Errorf("refused tokens wrote %d streams, %d readings", s, r)
		}
	})
}

// TestReadingsOutsideTheCollectionPeriodAreAConflict: before the
// installation ticket is closed nothing is collected (409); a withdrawal
// revokes the installation's tokens (401 afterwards), and an
// uninstallation's close ends collection for a token still live (409).
func TestReadingsOutsideTheCollectionPeriodAreAConflict(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		svc := service(t, env)
		st := env.Study()
		p := storetest.Must[domain.Patient](t)(st.Enrol(storetest.Doctor(), storetest.Mario()))
		inst := storetest.Must[domain.Installation](t)(st.InstallationOfPatient(storetest.Doctor(), p.ID))
		tok := storetest.Must[ingest.Provisioned](t)(svc.Provision(storetest.Installer(), inst.ID))
		h := home{env: env, svc: svc, installation: inst.ID, token: tok.Token}
		env.Clock.Advance(time.Minute)
		_, err := h.send(t, array(reading("kitchen.motion", env.Clock.Now(), 1)))
		var bad *ingest.BadItemError
		if !errors.As(err, &bad) || !bad.Conflict || ingest.StatusOf(err) != 409 {
			t.Errorf("before collection: %v", err)
		}
		if err := st.Withdraw(storetest.Doctor(), p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := h.send(t, array(reading("kitchen.motion", env.Clock.Now(), 1))); !errors.Is(err, ingest.ErrRevokedToken) {
			t.Errorf("after withdrawal: %v, want a revoked token", err)
		}
		if _, err := svc.Provision(storetest.Installer(), inst.ID); domain.KindOf(err) != domain.KindConflict {
			t.Errorf("provisioning after withdrawal: %v, want a conflict", err)
		}

		q := newHome(t, env, svc) // collecting
		env.Clock.Advance(time.Hour)
		un := storetest.Must[domain.Ticket](t)(st.OpenTicket(storetest.Installer(), q.installation, domain.CategoryUninstallation, "Kit back."))
		storetest.Must[domain.Ticket](t)(st.CloseTicket(storetest.Installer(), un.ID))
		env.Clock.Advance(time.Minute)
		mustSend(t, q, array(reading("kitchen.motion", q.start.Add(time.Minute), 1))) // before the end: kept
		_, err = q.send(t, array(reading("kitchen.motion", env.Clock.Now(), 1)))
		if !errors.As(err, &bad) || ingest.StatusOf(err) != 409 || bad.Field != "time" {
			t.Errorf("after the uninstallation: %v", err)
		}
	})
}

// TestStreamsAreCreatedOnFirstUseUpToTheLimit: the kind comes from the
// item or the key, the unit and cadence from the kind; a batch that
// would pass the per-installation limit is refused whole, naming the
// first item past it.
func TestStreamsAreCreatedOnFirstUseUpToTheLimit(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		h := newHome(t, env, service(t, env))
		env.Clock.Advance(time.Hour)
		at := h.start.Add(time.Minute)
		mustSend(t, h, array(reading("fridge.door", at, true), reading("tv.plug.power", at, 40),
			`{"stream":"hall.sensor1","time":`+itoa(at.UnixMilli())+`,"value":20.5,"kind":"temperature","cadence_s":120}`,
			reading("living.lux", at, 300)))
		got := map[string]domain.Stream{}
		for _, s := range storetest.Must[[]domain.Stream](t)(env.DB.Streams(context.Background(), h.installation)) {
			got[s.Key] = s
		}
		want := map[string][3]string{
			"fridge.door": {"contact", "1", "0"}, "tv.plug.power": {"power", "W", "60"},
			"hall.sensor1": {"temperature", "Cel", "120"}, "living.lux": {"other", "1", "0"},
		}
		for key, w := range want {
			s := got[key]
			if string(s.Kind) != w[0] || s.Unit != w[1] || itoa(int64(s.CadenceSeconds)) != w[2] {
				t.Errorf("%s: %s %s %d, want %v", key, s.Kind, s.Unit, s.CadenceSeconds, w)
			}
		}
		var items []string
		for i := len(got); i < domain.MaxStreamsPerInstallation+1; i++ {
			items = append(items, reading("s"+itoa(int64(i)), at, i))
		}
		before := len(got)
		_, err := h.send(t, array(items...))
		var bad *ingest.BadItemError
		if !errors.As(err, &bad) || bad.Index != domain.MaxStreamsPerInstallation-before || bad.Field != "stream" {
			t.Fatalf("past the limit: %v", err)
		}
		if s, _, _ := counts(t, env); s != before {
			t.Errorf("%d streams after a refused batch, want %d", s, before)
		}
		mustSend(t, h, array(items[:len(items)-1]...)) // up to the limit: fine
		if s, _, _ := counts(t, env); s != domain.MaxStreamsPerInstallation {
			t.Errorf("%d streams, want %d", s, domain.MaxStreamsPerInstallation)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestLastUseIsRecordedCoarsely: the first batch records the token's
// last use; batches within the next minute do not write it again; a
// batch after that does.
func TestLastUseIsRecordedCoarsely(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		h := newHome(t, env, service(t, env))
		lastUsed := func() *time.Time {
			toks := storetest.Must[[]domain.IngestToken](t)(h.svc.Tokens(storetest.Installer(), h.installation))
			return toks[0].LastUsedAt
		}
		if lastUsed() != nil {
			t.Fatal("a new token has a last use")
		}
		env.Clock.Advance(time.Minute)
		first := env.Clock.Now()
		mustSend(t, h, array(reading("kitchen.motion", first, 1)))
		env.Clock.Advance(30 * time.Second)
		mustSend(t, h, array(reading("kitchen.motion", env.Clock.Now(), 0)))
		if got := lastUsed(); got == nil || !got.Equal(first.Truncate(time.Microsecond)) {
			t.Errorf("last use %v, want %v (not rewritten within a minute)", got, first)
		}
		env.Clock.Advance(time.Minute)
		mustSend(t, h, array(reading("kitchen.motion", env.Clock.Now(), 1)))
		if got := lastUsed(); got == nil || !got.Equal(env.Clock.Now().Truncate(time.Microsecond)) {
			t.Errorf("last use %v, want %v", got, env.Clock.Now())
		}
	})
}

// blocked is a payload that delivers nothing until released; reading
// says the batch holds its slot.
type blocked struct{ reading, release chan struct{} }

func (b blocked) Read(p []byte) (int, error) {
	close(b.reading)
	<-b.release
	return 0, io.EOF
}

// TestOverloadIsRefusedNotQueued: with every slot taken by a batch in
// flight, the next batch is refused at once with a retry delay, and
// audited; once the slot frees, batches are accepted again.
func TestOverloadIsRefusedNotQueued(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		svc := ingest.New(ingest.Config{DB: env.DB, Audit: auditWriter(t, env), Pseudonyms: pseudonym.New(env.DB.PseudonymKey()),
			MaxInFlight: 1, RetryAfter: 3 * time.Second})
		h := newHome(t, env, svc)
		env.Clock.Advance(time.Minute)
		slow := blocked{reading: make(chan struct{}), release: make(chan struct{})}
		done := make(chan error, 1)
		go func() {
			_, err := svc.Accept(context.Background(), h.token, slow, ingest.Options{})
			done <- err
		}()
		<-slow.reading
		_, err := h.send(t, array(reading("kitchen.motion", env.Clock.Now(), 1)))
		var busy *ingest.OverloadedError
		if !errors.As(err, &busy) || busy.RetryAfter != 3*time.Second || ingest.StatusOf(err) != 503 {
			t.Fatalf("with the slot taken: %v", err)
		}
		close(slow.release)
		if err := <-done; ingest.StatusOf(err) != 400 {
			t.Errorf("the slow batch (empty): %v", err)
		}
		mustSend(t, h, array(reading("kitchen.motion", env.Clock.Now().Add(-time.Second), 1)))
		if !slices.ContainsFunc(entriesOf(t, env), func(e audit.Entry) bool { return e.Status == 503 }) {
			t.Error("the overload refusal is not in the trail")
		}
	})
}
