package emulator

import (
	"net/http"
	"sync/atomic"
	"time"
)

// WithLatency delays every backup-API answer by d, to model the round trip to
// Zoho's servers, which a loopback emulator otherwise answers in microseconds.
// The delay is spent before the request is handled and without holding the
// server's lock, so concurrent requests wait in parallel, as they would on a
// real network. Admin (/_emulator/) requests are not delayed. Default 0.
func WithLatency(d time.Duration) Option {
	return func(c *config) { c.latency = max(d, 0) }
}

// Metrics are counters for benchmarks: how much work a client made the
// server do.
type Metrics struct {
	// ConnectionsAccepted counts the TCP connections the server accepted since
	// Start or the last ResetMetrics. A client that reuses connections keeps
	// it near its concurrency; one that does not opens one per request.
	ConnectionsAccepted int64 `json:"connections_accepted"`
	// Requests counts the recorded backup-API requests (as Requests does).
	Requests int `json:"requests"`
}

// metrics holds the counters updated outside the server's main lock.
type metrics struct {
	connectionsAccepted atomic.Int64
}

// Metrics returns the current counters.
func (s *Server) Metrics() Metrics {
	s.mu.Lock()
	requests := len(s.requests)
	s.mu.Unlock()
	return Metrics{ConnectionsAccepted: s.metrics.connectionsAccepted.Load(), Requests: requests}
}

// ResetMetrics zeroes the connection counter and forgets recorded requests,
// so that the next Metrics covers only what follows.
func (s *Server) ResetMetrics() {
	s.metrics.connectionsAccepted.Store(0)
	s.ResetRequests()
}

// countConnection is called from the http.Server ConnState hook: a new
// connection is one TCP accept.
func (s *Server) countConnection(state http.ConnState) {
	if state == http.StateNew {
		s.metrics.connectionsAccepted.Add(1)
	}
}

// simulateLatency waits for the configured latency, or until the client gives
// up on the request.
func (s *Server) simulateLatency(r *http.Request) {
	if s.cfg.latency <= 0 {
		return
	}
	timer := time.NewTimer(s.cfg.latency)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-r.Context().Done():
	}
}

// serveMetrics answers GET /_emulator/metrics.
func (s *Server) serveMetrics(w http.ResponseWriter) {
	writeResponse(w, response{status: http.StatusOK, body: s.Metrics()})
}
