package emulator

import (
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Fault makes matching requests fail instead of reaching their endpoint. It
// applies after routing and authentication (a request that would have been
// refused earlier is still refused for that reason), so it models a server
// that accepted the call and then broke, or throttled it.
//
// By default a fault answers with a top-level error envelope; Nested puts it
// under "backup" instead, where Zoho puts its business errors. Body replaces
// the envelope with any bytes (HTML, truncated JSON, nothing at all with
// Status 204...). Status 304 answers with no body at all, as HTTP requires.
// Delay holds the answer back, Drop closes the connection without answering,
// and PassThrough lets the endpoint act first, so a fault can model an answer
// lost after Zoho did the work.
type Fault struct {
	Method string // "" matches any method
	Path   string // exact request path; "" matches any path
	// Times is how many matching requests fail: 0 means once, a negative
	// number means until ClearFaults.
	Times int
	// Status, Code and Message default to 500 INTERNAL_ERROR "Internal Server
	// Error". The body is the error envelope with Details ({} if nil), at the
	// top level unless Nested.
	Status  int
	Code    string
	Message string
	Details map[string]any
	// Nested sends the envelope as {"backup":{...}}, the placement of Zoho's
	// business errors, rather than at the top level, with Status as given
	// (not forced to 400), so a client is proved against a code in either
	// placement.
	Nested bool
	// Header is added to the response, e.g. Retry-After for a 429.
	Header http.Header
	// Body, when not empty, is sent verbatim instead of the envelope, with
	// Status (default 500) and the JSON Content-Type unless Header sets one.
	Body string
	// Delay holds the answer back this long. If the client gives up first
	// (its timeout, a dropped connection), nothing is sent and, unless
	// PassThrough, nothing was done: the request timed out in a queue.
	Delay time.Duration
	// Drop closes the connection without any answer (after Delay), as a
	// crashed proxy or a network cut does.
	Drop bool
	// PassThrough lets the request reach its endpoint, which acts on it
	// (cancels the backup...). Its answer is sent, after Delay, unless Drop
	// or a Status or Body replaces it: PassThrough with Drop is "Zoho
	// cancelled the backup, the answer was lost".
	PassThrough bool
}

type faultState struct {
	Fault
	left int // < 0: unlimited
	// replaces is set when the fault's own answer replaces the endpoint's.
	replaces bool
}

// InjectFault queues a fault. Faults are checked in the order injected.
func (s *Server) InjectFault(f Fault) {
	replaces := !f.PassThrough || f.Status != 0 || f.Body != ""
	if replaces && f.Status == 0 {
		f.Status = http.StatusInternalServerError
	}
	if replaces && f.Body == "" {
		if f.Code == "" {
			f.Code = CodeInternalError
		}
		if f.Message == "" && f.Code == CodeInternalError {
			f.Message = msgInternalError
		}
	}
	left := f.Times
	if left == 0 {
		left = 1
	}
	f.Details = maps.Clone(f.Details)
	f.Header = f.Header.Clone()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultState{Fault: f, left: left, replaces: replaces})
}

// InjectSequence scripts the next answers to method and path, one step per
// request, in order; once the steps are used up the endpoint answers
// normally again. A zero Fault{} step is a 500 INTERNAL_ERROR;
// Fault{PassThrough: true} is a normal answer. Each step's Method, Path and
// Times are set by the sequence.
//
//	s.InjectSequence(http.MethodPut, path, emulator.Fault{}, emulator.Fault{}) // two 500s, then success
func (s *Server) InjectSequence(method, path string, steps ...Fault) {
	for _, step := range steps {
		step.Method, step.Path, step.Times = method, path, 1
		s.InjectFault(step)
	}
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

// takeFault consumes the first fault matching the request and decides the
// answer; with PassThrough the endpoint op acts first. Callers hold s.mu.
func (s *Server) takeFault(c *call, op operation) (response, bool) {
	method, path := c.r.Method, c.r.URL.Path
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
		var resp response
		if f.PassThrough {
			resp = op.handle(s, c)
		}
		if f.replaces {
			resp = f.answer()
		}
		resp.delay, resp.drop = f.Delay, f.Drop
		return resp, true
	}
	return response{}, false
}

// answer is the fault's own response.
func (f *faultState) answer() response {
	switch {
	case f.Status == http.StatusNotModified:
		// A 304 has no body (RFC 9110 15.4.5): Body, Code and Nested
		// cannot change that.
		return response{status: f.Status, header: f.Header.Clone()}
	case f.Body != "":
		return response{status: f.Status, raw: []byte(f.Body), header: f.Header.Clone()}
	case f.Nested:
		return response{status: f.Status, header: f.Header.Clone(),
			body: map[string]any{"backup": newErrorBody(f.Code, f.Message, maps.Clone(f.Details))}}
	}
	resp := topLevelError(f.Status, f.Code, f.Message, maps.Clone(f.Details))
	resp.header = f.Header.Clone()
	return resp
}

// deliver writes a decided response, honouring a fault's delay, dropped
// connection or raw body. Nothing is written if the client leaves during the
// delay.
func deliver(w http.ResponseWriter, r *http.Request, resp response) {
	if resp.delay > 0 {
		timer := time.NewTimer(resp.delay)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-r.Context().Done():
			return
		}
	}
	if resp.drop {
		if hijacker, ok := w.(http.Hijacker); ok {
			if conn, _, err := hijacker.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // Aborts the connection without an answer.
	}
	if resp.raw == nil {
		writeResponse(w, resp)
		return
	}
	for k, v := range resp.header {
		w.Header()[k] = v
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	}
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.raw)
}

// concurrency enforces Zoho's limit of concurrent calls per organization
// (5 to 25 by edition, per Zoho's API-limits page:
// https://www.zoho.com/crm/developer/docs/api/v8/api-limits.html).
type concurrency struct {
	mu        sync.Mutex
	limit     int // 0: unlimited
	inFlight  int
	peak      int
	throttled int
}

// SetConcurrencyLimit makes the API answer 429 TOO_MANY_REQUESTS (top-level
// envelope, no Retry-After, as Zoho documents none) to any request that
// arrives while limit requests are being answered; 0 removes the limit. The
// check comes first, before routing and authentication: the throttle
// refuses the call before the API looks at it.
func (s *Server) SetConcurrencyLimit(limit int) {
	s.conc.mu.Lock()
	defer s.conc.mu.Unlock()
	s.conc.limit = max(limit, 0)
}

// ConcurrencyStats reports the most requests ever answered at once and how
// many were refused by the concurrency limit.
func (s *Server) ConcurrencyStats() (peak, throttled int) {
	s.conc.mu.Lock()
	defer s.conc.mu.Unlock()
	return s.conc.peak, s.conc.throttled
}

// admit takes a slot for a request, or reports that the limit is reached.
// release must be called either way.
func (s *Server) admit() (release func(), admitted bool) {
	c := &s.conc
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.limit > 0 && c.inFlight >= c.limit {
		c.throttled++
		return func() {}, false
	}
	c.inFlight++
	c.peak = max(c.peak, c.inFlight)
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.inFlight--
	}, true
}
