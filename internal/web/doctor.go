package web

// doctorRoutes are the doctor's pages (patients).
func (s *Server) doctorRoutes() []Route {
	return nil
}
