package emulator

import (
	"maps"
	"net/http"
	"slices"
)

// Fault makes matching requests fail instead of reaching their endpoint. It
// applies after routing and authentication (a request that would have been
// refused earlier is still refused for that reason), so it models a server
// that accepted the call and then broke, or throttled it.
type Fault struct {
	Method string // "" matches any method
	Path   string // exact request path; "" matches any path
	// Times is how many matching requests fail: 0 means once, a negative
	// number means until ClearFaults.
	Times int
	// Status, Code and Message default to 500 INTERNAL_ERROR "Internal Server
	// Error". The body is the top-level error envelope with Details ({} if nil).
	Status  int
	Code    string
	Message string
	Details map[string]any
	// Header is added to the response, e.g. Retry-After for a 429.
	Header http.Header
}

type faultState struct {
	Fault
	left int // < 0: unlimited
}

// InjectFault queues a fault. Faults are checked in the order injected.
func (s *Server) InjectFault(f Fault) {
	if f.Status == 0 {
		f.Status = http.StatusInternalServerError
	}
	if f.Code == "" {
		f.Code = CodeInternalError
	}
	if f.Message == "" && f.Code == CodeInternalError {
		f.Message = msgInternalError
	}
	left := f.Times
	if left == 0 {
		left = 1
	}
	f.Details = maps.Clone(f.Details)
	f.Header = f.Header.Clone()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultState{Fault: f, left: left})
}

// FailNext makes the next n requests to method and path answer 500
// INTERNAL_ERROR.
func (s *Server) FailNext(method, path string, n int) {
	if n <= 0 {
		return
	}
	s.InjectFault(Fault{Method: method, Path: path, Times: n})
}

// ClearFaults removes every pending fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault consumes the first fault matching the request. Callers hold s.mu.
func (s *Server) takeFault(method, path string) (response, bool) {
	for i, f := range s.faults {
		if (f.Method != "" && f.Method != method) || (f.Path != "" && f.Path != path) {
			continue
		}
		if f.left > 0 {
			f.left--
			if f.left == 0 {
				s.faults = slices.Delete(s.faults, i, i+1)
			}
		}
		resp := topLevelError(f.Status, f.Code, f.Message, maps.Clone(f.Details))
		resp.header = f.Header.Clone()
		return resp, true
	}
	return response{}, false
}
