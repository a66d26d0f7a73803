package web

import (
	"net/http"

	"serenade/internal/api"
)

// accountsData is the admin's accounts list (GET /accounts): read only,
// as accounts are managed on the host (serenade user).
type accountsData struct {
	Accounts []api.AccountOut
}

// accountsPage lists the local accounts.
func (s *Server) accountsPage(w http.ResponseWriter, r *http.Request) error {
	var d accountsData
	if err := s.client(r).Get("/accounts", nil, &d); err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "accounts", s.page(r, "accounts.title", d))
}
