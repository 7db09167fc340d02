package payments

// logKeys is the number of store entries the event log justifies: its retained entries and
// its meta key once anything was logged.
func logKeys(s *Service) int {
	g := s.led.logState()
	if _, ok := s.led.st.Get([]byte(keyLogMeta)); !ok {
		return 0
	}
	return int(g.m.count) + 1
}
