package emulator

import (
	"net/http"
	"slices"
	"time"
)

// Request is one recorded backup-API request, exactly as the client sent it.
type Request struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
	Time     time.Time
}

// record logs a request before it is answered, so a test sees it even when
// the answer is an error.
func (s *Server) record(r *http.Request, body []byte) {
	rec := Request{
		Method:   r.Method,
		Path:     r.URL.Path,
		RawQuery: r.URL.RawQuery,
		Header:   r.Header.Clone(),
		Body:     slices.Clone(body),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.Time = s.now()
	s.requests = append(s.requests, rec)
}

// Requests returns copies of the recorded backup-API requests in arrival
// order. Admin (/_emulator/) requests are not recorded.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = r
		out[i].Header = r.Header.Clone()
		out[i].Body = slices.Clone(r.Body)
	}
	return out
}

// CountRequests counts recorded requests with this method and exact path.
func (s *Server) CountRequests(method, path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// ResetRequests forgets every recorded request.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}
