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
	// NoContentLength answers without Content-Length (a chunked 200); a
	// Range answer's Content-Range then ends in "/*" (total unknown). With
	// TruncateAfter the body ends cleanly there, and a 206's Content-Range
	// covers just the bytes sent.
	NoContentLength bool
	// ContentRange replaces the Content-Range header of a 206 answer, as a
	// server that miscounts does ("bytes 100-9223372036854775807/*").
	ContentRange string
	// ChangeETagAfter > 0 lets this many matching GETs be served, then
	// gives the requested file new bytes, ETag and Last-Modified before the
	// next one (see ChangeDownload), and ends. Its other fields are ignored.
	ChangeETagAfter int
	// Layout serves a hostile archive (OverlappingEntries, ManyEntries) in
	// place of the file, with its own size and ETag.
	Layout ZipLayout
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
	seen int // GETs counted by a ChangeETagAfter fault
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

// takeDownloadFault counts the GET of p for ChangeETagAfter faults, then
// consumes the first other fault matching p's file. Callers hold s.mu.
func (s *Server) takeDownloadFault(p downloadPath) (DownloadFault, bool) {
	s.dlFaults = slices.DeleteFunc(s.dlFaults, func(f *downloadFaultState) bool {
		if f.ChangeETagAfter <= 0 || (f.File != "" && f.File != p.file) {
			return false
		}
		if f.seen++; f.seen <= f.ChangeETagAfter {
			return false
		}
		s.bumpVersion(p)
		return true
	})
	for i, f := range s.dlFaults {
		if f.ChangeETagAfter > 0 || (f.File != "" && f.File != p.file) {
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
