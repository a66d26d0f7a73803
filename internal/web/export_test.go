package web

// Routes returns the route table, for the external tests that walk
// every page.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }
