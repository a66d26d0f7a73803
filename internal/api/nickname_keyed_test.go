package api_test

import (
	"net/http"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/pseudonym"
	"serenade/internal/resource"
	"serenade/internal/testsupport/apptest"
)

// TestNicknameIsTheKeyedDraw, on both backends: the nickname a role
// reads is the keyed draw of the server's pseudonym key (not a hash of
// the caller's pseudonym, which the caller could compute), and a patient
// named after that draw reads as another name, the same on every read.
func TestNicknameIsTheKeyedDraw(t *testing.T) {
	t.Parallel()
	onDemoPatient(t, "Via Padova 118", func(t *testing.T, s *apptest.Server, st domain.Study, codec *pseudonym.Codec, p domain.Patient) {
		drawn := codec.Nickname(domain.RoleMonitoring, p.ID)
		id := p.Identity
		id.FirstName, id.LastName = drawn, "Colombo"
		id.CodiceFiscale = mustRename(t, id.CodiceFiscale, "Colombo", drawn)
		if _, err := st.UpdateIdentity(doctorCtx(), p.ID, id); err != nil {
			t.Fatal(err)
		}
		inst, _ := openTicketOf(t, st, p.ID)
		tok := s.Login(t, demo.Monitoring, "vincenzo")
		path := "/api/v1/installations/" + codec.Encode(domain.RoleMonitoring, resource.Installation, inst)
		want := codec.Nickname(domain.RoleMonitoring, p.ID, drawn, "Colombo")
		for range 2 {
			var view struct {
				Nickname string `json:"nickname"`
			}
			if res := s.Do(t, http.MethodGet, path, tok, nil); res.Status != http.StatusOK {
				t.Fatalf("installation: %d %s", res.Status, res.Body)
			} else {
				res.JSON(t, &view)
			}
			if view.Nickname != want || view.Nickname == drawn || view.Nickname == "" {
				t.Errorf("patient named %s Colombo reads as %q, want the keyed re-draw %q", drawn, view.Nickname, want)
			}
		}
	})
}
