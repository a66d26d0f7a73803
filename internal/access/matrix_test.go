package access

import (
	"testing"

	"serenade/internal/domain"
)

// TestMatrixFollowsTheSpec spells out SPEC §2 role by role, so a change
// to the matrix is a visible change to this table too.
func TestMatrixFollowsTheSpec(t *testing.T) {
	want := map[domain.Role][]Action{
		domain.RoleDoctor: {Self, PatientList, PatientCreate, PatientRead, PatientUpdate, PatientWithdraw,
			ContactSheetRead, ContactSheetWrite, ScreeningRead, ScreeningWrite, InstallationRead, InstallationWrite,
			InstallationCorrectDates, InstallationCorrectionsRead, TicketRead, DocumentRead, PatientAccessHistory, StreamRead, DeviceHealthRead},
		domain.RoleInstaller: {Self, ContactSheetRead, ContactSheetWrite, InstallationRead, InstallationWrite, InstallationCorrectionsRead,
			TicketRead, TicketOpen, TicketWrite, TicketClose, TicketQueue, DocumentRead, DocumentWrite, DocumentDelete, DeviceHealthRead, IngestTokenWrite},
		domain.RoleMonitoring: {Self, InstallationRead, InstallationWrite, InstallationCorrectDates, InstallationCorrectionsRead, TicketRead, TicketOpen, TicketWrite, TicketQueue, DocumentRead,
			StreamRead, DeviceHealthRead, IngestTokenWrite},
		domain.RoleResearcher: {Self, ScreeningRead, InstallationRead, DocumentRead, StreamRead, DeviceHealthRead, ReadingsExport},
		domain.RoleAdmin:      {Self, AuditRead, AuditVerify, AccountRead, AccountManage, KeyManage},
	}
	for _, role := range domain.AllRoles {
		granted := map[Action]bool{}
		for _, a := range want[role] {
			granted[a] = true
		}
		for _, a := range Actions() {
			t.Run(string(role)+" on "+string(a), func(t *testing.T) {
				if got := Allows([]domain.Role{role}, a); got != granted[a] {
					t.Errorf("Allows = %v, want %v", got, granted[a])
				}
			})
		}
	}
}

func TestNoRoleAndUnknownActionsAreDenied(t *testing.T) {
	for _, a := range Actions() {
		if Allows(nil, a) {
			t.Errorf("%s allowed without a role", a)
		}
	}
	if Allows(domain.AllRoles, Action("made.up")) {
		t.Error("an action missing from the matrix is allowed")
	}
}

func TestCombinedRolesActWithTheUnion(t *testing.T) {
	both := []domain.Role{domain.RoleResearcher, domain.RoleInstaller}
	if !Allows(both, ScreeningRead) || !Allows(both, TicketClose) || Allows(both, PatientRead) {
		t.Error("combined roles should get exactly the union of their grants")
	}
}
