package emulator

import "slices"

// DownloadFault breaks the answers of the download host. It applies to a GET
// that passed every check (token, scope, a live link) and would have been
// served, and consumes one use per such request. HEAD requests are never
// faulted. Fields combine: IgnoreRange with DropAfter is a server that
// ignores Range and drops mid-file.
type DownloadFault struct {
	// File is the file name to match ("Data_001.zip"); "" matches every file.
	File string
	// Times is how many matching requests the fault applies to: 0 means
	// once, a negative number means until ClearDownloadFaults.
	Times int
	// DropAfter > 0 closes the connection (resets the stream on HTTP/2)
	// after this many body bytes of the response, as a network cut does.
	DropAfter int64
	// TruncateAfter > 0 announces the full Content-Length but sends only
	// this many body bytes, then ends the response: the HTTP/1 connection
	// is closed cleanly, so the client sees an early EOF, not a reset.
	TruncateAfter int64
	// IgnoreRange answers 200 with the whole file whatever the Range header
	// asks, as a server or proxy without range support does.
	IgnoreRange bool
	// Corrupt serves the file at its full length with one byte in the
	// middle of its first entry flipped: it opens as a ZIP, but that
	// entry's CRC-32 check fails.
	Corrupt bool
	// Error answers this code's top-level error envelope instead of the
	// file: CodeInvalidToken (401, as for an access token revoked
	// mid-download), CodeInvalidOAuthScope (401), CodeForbidden (403),
	// CodeResourceNotFound (404), CodeURLRuleNotConfigured (401),
	// CodeAuthenticationFailure (401); any other value is 500
	// INTERNAL_ERROR.
	Error string
}

type downloadFaultState struct {
	DownloadFault
	left int // < 0: unlimited
}

// InjectDownloadFault queues a download fault. Faults are checked in the
// order injected; the first that matches a request applies.
func (s *Server) InjectDownloadFault(f DownloadFault) {
	left := f.Times
	if left == 0 {
		left = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dlFaults = append(s.dlFaults, &downloadFaultState{DownloadFault: f, left: left})
}

// ClearDownloadFaults removes every pending download fault.
func (s *Server) ClearDownloadFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dlFaults = nil
}

// SetDownloadThroughput caps each download response at bytesPerSecond; 0
// (the default) removes the cap. It applies to responses that start later.
func (s *Server) SetDownloadThroughput(bytesPerSecond int64) {
	s.dlThroughput.Store(max(bytesPerSecond, 0))
}

// takeDownloadFault consumes the first fault matching file. Callers hold s.mu.
func (s *Server) takeDownloadFault(file string) (DownloadFault, bool) {
	for i, f := range s.dlFaults {
		if f.File != "" && f.File != file {
			continue
		}
		if f.left > 0 {
			f.left--
			if f.left == 0 {
				s.dlFaults = slices.Delete(s.dlFaults, i, i+1)
			}
		}
		return f.DownloadFault, true
	}
	return DownloadFault{}, false
}

// initDownloads applies the download options that set state. Called by New.
func (s *Server) initDownloads() {
	s.dlThroughput.Store(s.cfg.download.throughput)
	for _, f := range s.cfg.download.faults {
		s.InjectDownloadFault(f)
	}
}
