package emulator

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ScopeFiles is the scope of Zoho's Download Backed up Data call
// (https://www.zoho.com/crm/developer/docs/api/v8/download-backup.html). The
// backup API's scopes do not grant it, nor does it grant them.
const ScopeFiles = "ZohoFiles.files.ALL"

// Codes of the download host that the backup API does not use. The first two
// are listed on Zoho's download page; FORBIDDEN is its 403.
const (
	CodeURLRuleNotConfigured = "URL_RULE_NOT_CONFIGURED"
	CodeInvalidOAuthScope    = "INVALID_OAUTHSCOPE"
	CodeForbidden            = "FORBIDDEN"
)

const (
	msgURLRuleNotConfigured = "Please check if the URL trying to access is a correct one"
	msgInvalidOAuthScope    = "The access token you have used to make this API call does not have the required scope"
	msgForbidden            = "Permission denied"
)

// notStartedDownloadBase is the host of links made while the download host
// is not listening (before Start, or when the Server is mounted as a
// handler): Zoho's own download host, as in Zoho's samples. Start rewrites
// generated links to the emulator's download host.
const notStartedDownloadBase = "https://download-accl.zoho.com"

// downloadCopyBuffer is how much one response write carries.
const downloadCopyBuffer = 256 << 10

// downloadConfig holds the download host's options (options.go).
type downloadConfig struct {
	size             int64  // 0: DefaultDownloadSize
	address          string // "": the API's loopback IP, any port
	listExpiredLinks bool
	throughput       int64 // bytes a second a response; 0: unlimited
	faults           []DownloadFault
}

// downloadHost is the second listener: it serves the download links.
// Guarded by Server.lifeMu, except conns (connMu).
type downloadHost struct {
	srv    *http.Server
	ln     net.Listener
	done   chan struct{}
	connMu sync.Mutex
	conns  map[net.Conn]http.ConnState
}

// DownloadRequest is one request the download host received. It never holds
// the token: only whether an Authorization header was sent.
type DownloadRequest struct {
	Method string
	Path   string
	// Range and IfRange are the Range and If-Range headers as sent ("" without).
	Range   string
	IfRange string
	// Status is the answer's HTTP status; 0 until its header is written.
	Status int
	// BytesSent counts the body bytes written to the connection (updated as
	// they are sent; a dropped or truncated answer counts what was sent).
	BytesSent int64
	// Authorization reports whether the request carried an Authorization
	// header (its value is never recorded).
	Authorization bool
	Time          time.Time
}

// startDownloadHost opens the download listener next to the API's (same
// loopback IP, its own port, unless WithDownloadAddress says otherwise),
// served like the API: TLS with WithTLS, the same connection set-up delay.
// Callers hold s.lifeMu.
func (s *Server) startDownloadHost(api net.Addr) error {
	addr := s.cfg.download.address
	if addr == "" {
		tcp, _ := api.(*net.TCPAddr)
		addr = net.JoinHostPort(tcp.IP.String(), "0")
	}
	if err := checkLoopback(addr); err != nil {
		return fmt.Errorf("download host: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("emulator: download host: listen on %s: %w", addr, err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		_ = ln.Close()
		return fmt.Errorf("emulator: download host: %s resolved to non-loopback address %s", addr, ln.Addr())
	}
	h := &s.dl
	h.ln = ln
	h.srv = &http.Server{Handler: http.HandlerFunc(s.serveDownload), ReadHeaderTimeout: 10 * time.Second, ConnState: h.trackConn}
	h.done = make(chan struct{})
	go func(srv *http.Server, done chan struct{}) {
		defer close(done)
		_ = s.cfg.serve(srv, ln)
	}(h.srv, h.done)
	base := s.cfg.scheme() + "://" + ln.Addr().String()
	s.dlBase.Store(&base)
	s.relinkGenerated()
	return nil
}

// closeDownloadHost stops the download listener as Close stops the API's.
func (s *Server) closeDownloadHost() {
	s.lifeMu.Lock()
	h := &s.dl
	srv, ln, done := h.srv, h.ln, h.done
	h.srv, h.ln, h.done = nil, nil, nil
	s.lifeMu.Unlock()
	if srv == nil {
		return
	}
	srv.SetKeepAlivesEnabled(false)
	_ = ln.Close()
	h.closeInactiveConns()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		_ = srv.Close()
	}
	<-done
}

func (h *downloadHost) trackConn(c net.Conn, state http.ConnState) {
	h.connMu.Lock()
	defer h.connMu.Unlock()
	if h.conns == nil {
		h.conns = make(map[net.Conn]http.ConnState)
	}
	switch state {
	case http.StateClosed, http.StateHijacked:
		delete(h.conns, c)
	default:
		h.conns[c] = state
	}
}

func (h *downloadHost) closeInactiveConns() {
	h.connMu.Lock()
	defer h.connMu.Unlock()
	for c, state := range h.conns {
		if state == http.StateNew || state == http.StateIdle {
			_ = c.Close()
			delete(h.conns, c)
		}
	}
}

// DownloadURL is the download host's base URL, such as
// "http://127.0.0.1:41235" (https with WithTLS), or "" when not listening.
func (s *Server) DownloadURL() string {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	if s.dl.ln == nil {
		return ""
	}
	return s.cfg.scheme() + "://" + s.dl.ln.Addr().String()
}

// downloadBase is the scheme and host of generated links.
func (s *Server) downloadBase() string {
	if p := s.dlBase.Load(); p != nil {
		return *p
	}
	return notStartedDownloadBase
}

// DownloadSize is the size of every file the download host serves.
func (s *Server) DownloadSize() int64 { return normalizeDownloadSize(s.cfg.download.size) }

// fillLinks (re)writes a backup's generated links from its job id. Callers
// hold s.mu.
func (s *Server) fillLinks(b *backupRecord) {
	base := s.downloadBase() + "/v2/crm/" + s.cfg.zgid + "/backup/" + b.job + "/"
	b.DataLinks = make([]string, 0, s.cfg.dataFiles)
	for i := 1; i <= s.cfg.dataFiles; i++ {
		b.DataLinks = append(b.DataLinks, fmt.Sprintf("%sData_%03d.zip", base, i))
	}
	b.AttachmentLinks = make([]string, 0, s.cfg.attachmentFiles)
	for i := 1; i <= s.cfg.attachmentFiles; i++ {
		b.AttachmentLinks = append(b.AttachmentLinks, fmt.Sprintf("%sAttachments_%03d.zip", base, i))
	}
}

// relinkGenerated points the links made before the download host listened
// at it. Links set by SetDownloadLinks are left as they are.
func (s *Server) relinkGenerated() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.backups {
		if b.job != "" {
			s.fillLinks(b)
		}
	}
}

// SetDownloadLinks replaces a backup's links with any strings (a foreign
// host, a traversal file name...), for tests of a client's link checks. A
// link on the download host whose path has the documented shape is served
// like a generated one. A backup without an expiry date gets one a link
// lifetime from now; the backup's status is not changed.
func (s *Server) SetDownloadLinks(backupID string, data, attachments []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.byID[backupID]
	if !ok {
		return fmt.Errorf("emulator: no backup %q", backupID)
	}
	b.job = ""
	b.DataLinks, b.AttachmentLinks = slices.Clone(data), slices.Clone(attachments)
	if b.ExpiryDate == nil {
		expiry := s.now().Add(s.cfg.linkLifetime)
		b.ExpiryDate = &expiry
	}
	return nil
}

// ExpectedSHA256 is the hex SHA-256 of what the download host now serves
// for link (DownloadSHA256 until ChangeDownload), or "" when link's path is
// not a download path.
func (s *Server) ExpectedSHA256(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	p, ok := parseDownloadPath(u.Path)
	if !ok {
		return ""
	}
	s.mu.Lock()
	gen := s.versionOf(p).gen
	s.mu.Unlock()
	return downloadSHA256(p.job, p.file, s.DownloadSize(), gen)
}

// DownloadRequests returns the download host's requests, oldest first. They
// are kept apart from Requests, which holds the backup API's only.
func (s *Server) DownloadRequests() []DownloadRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]DownloadRequest, len(s.downloads))
	for i, r := range s.downloads {
		out[i] = *r
	}
	return out
}

// ResetDownloadRequests forgets the recorded download requests.
func (s *Server) ResetDownloadRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.downloads = nil
}

// downloadPath is a parsed /v2/crm/{zgid}/backup/{job-id}/{file} path. The
// zgid is not checked here: a link is served if a backup lists its path.
type downloadPath struct{ job, file string }

func parseDownloadPath(path string) (downloadPath, bool) {
	rest, ok := strings.CutPrefix(path, "/v2/crm/")
	if !ok {
		return downloadPath{}, false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 4 || parts[1] != "backup" || parts[0] == "" || parts[2] == "" || parts[3] == "" {
		return downloadPath{}, false
	}
	return downloadPath{job: parts[2], file: parts[3]}, true
}

// downloadPlan is what a download request is answered with.
type downloadPlan struct {
	path    downloadPath
	content fileContent
	etag    string
	version fileVersion
	fault   DownloadFault // the data fault applied, if any
}

// serveDownload answers the download host, recording every request.
func (s *Server) serveDownload(w http.ResponseWriter, r *http.Request) {
	entry := &DownloadRequest{
		Method: r.Method, Path: r.URL.Path, Range: r.Header.Get("Range"), IfRange: r.Header.Get("If-Range"),
		Authorization: r.Header.Get("Authorization") != "",
	}
	s.mu.Lock()
	entry.Time = s.now()
	s.downloads = append(s.downloads, entry)
	s.mu.Unlock()
	rec := &downloadWriter{ResponseWriter: w, s: s, entry: entry}
	began := time.Now()
	defer func() { // Deferred: a dropped answer is logged too.
		s.mu.Lock()
		status := entry.Status
		s.mu.Unlock()
		s.logRequest(r, status, time.Since(began))
	}()
	plan, errResp := s.planDownload(r)
	if errResp != nil {
		writeResponse(rec, *errResp)
		return
	}
	s.sendFile(rec, r, plan)
}

// planDownload applies Zoho's checks in the API's order (URL, credentials,
// token, method, scope, profile), then finds the link and consumes a fault.
func (s *Server) planDownload(r *http.Request) (downloadPlan, *response) {
	fail := func(resp response) (downloadPlan, *response) { return downloadPlan{}, &resp }
	p, ok := parseDownloadPath(r.URL.Path)
	if !ok {
		return fail(downloadError(CodeURLRuleNotConfigured))
	}
	token, ok := oauthToken(r.Header)
	if !ok {
		return fail(errAuthenticationFailure())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	info, ok := s.tokens[token]
	switch {
	case !ok || info.expiredAt(s.now()):
		return fail(errInvalidToken())
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		return fail(errInvalidRequestMethod())
	case !hasAnyScope(info.scopes, []string{ScopeFiles}):
		return fail(downloadError(CodeInvalidOAuthScope))
	case !info.admin:
		return fail(downloadError(CodeForbidden))
	case !s.linkServable(r.URL.Path):
		return fail(downloadError(CodeResourceNotFound))
	}
	plan := downloadPlan{path: p}
	if r.Method == http.MethodGet {
		if f, ok := s.takeDownloadFault(p); ok {
			if f.Error != "" {
				return fail(downloadError(f.Error))
			}
			plan.fault = f
		}
	}
	plan.version = s.versionOf(p)
	size := s.DownloadSize()
	if layout := plan.fault.Layout; !layout.IsZero() {
		plan.content, plan.etag = layout.content(), etagOf(p, size, plan.version.gen, layout)
		return plan, nil
	}
	z := newZipFileVersion(p.job, p.file, size, plan.version.gen)
	if plan.fault.Corrupt {
		z.corrupt()
	}
	plan.content, plan.etag = z, etagOf(p, size, plan.version.gen, ZipLayout{})
	return plan, nil
}

// linkServable reports whether some backup has a link with this path whose
// expiry date has not passed on the emulator clock. Callers hold s.mu.
func (s *Server) linkServable(path string) bool {
	now := s.now()
	for _, b := range s.backups {
		if b.ExpiryDate == nil || !now.Before(*b.ExpiryDate) {
			continue
		}
		for _, link := range slices.Concat(b.DataLinks, b.AttachmentLinks) {
			if u, err := url.Parse(link); err == nil && u.Path == path {
				return true
			}
		}
	}
	return false
}

// downloadError is the top-level envelope for a code the download host
// answers with, at the status Zoho's download page gives it.
func downloadError(code string) response {
	switch code {
	case CodeInvalidToken:
		return errInvalidToken()
	case CodeInvalidOAuthScope:
		return topLevelError(http.StatusUnauthorized, code, msgInvalidOAuthScope, nil)
	case CodeForbidden:
		return topLevelError(http.StatusForbidden, code, msgForbidden, nil)
	case CodeResourceNotFound:
		// Zoho documents no answer for a missing or expired file; a 404 with
		// the API's RESOURCE_NOT_FOUND is this emulator's assumption.
		return topLevelError(http.StatusNotFound, code, msgResourceNotFound, nil)
	case CodeAuthenticationFailure:
		return errAuthenticationFailure()
	case CodeURLRuleNotConfigured:
		return topLevelError(http.StatusUnauthorized, code, msgURLRuleNotConfigured, nil)
	default:
		return topLevelError(http.StatusInternalServerError, CodeInternalError, msgInternalError, nil)
	}
}

// sendFile writes the file (or its range) with Zoho's download headers and
// the file's validators (ETag, Last-Modified), honouring If-Range.
func (s *Server) sendFile(w *downloadWriter, r *http.Request, plan downloadPlan) {
	size, f := plan.content.Size(), plan.fault
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", `attachment; filename="`+plan.path.file+`"`)
	h.Set("Accept-Ranges", "bytes")
	h.Set("ETag", plan.etag)
	h.Set("Last-Modified", plan.version.modified.Format(http.TimeFormat))
	kind := rangeNone
	var start, end int64
	if !f.IgnoreRange && ifRangeHolds(r.Header.Get("If-Range"), plan.etag, plan.version.modified) {
		start, end, kind = parseRange(r.Header.Get("Range"), size)
	}
	switch kind {
	case rangeUnsatisfiable:
		h.Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
		h.Set("Content-Length", "0")
		w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
		return
	case rangeNone:
		start, end = 0, size-1
	}
	if f.NoContentLength && f.TruncateAfter > 0 {
		end, f.TruncateAfter = min(end, start+f.TruncateAfter-1), 0 // an honest short answer
	}
	total := strconv.FormatInt(size, 10)
	if f.NoContentLength {
		total = "*"
	} else {
		h.Set("Content-Length", strconv.FormatInt(end-start+1, 10))
	}
	if kind == rangeSatisfiable {
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%s", start, end, total))
		if f.ContentRange != "" {
			h.Set("Content-Range", f.ContentRange)
		}
		w.WriteHeader(http.StatusPartialContent)
	} else {
		w.WriteHeader(http.StatusOK)
	}
	if r.Method == http.MethodHead {
		return
	}
	if f.NoContentLength {
		w.flush() // commits to chunked encoding: no Content-Length is computed
	}
	s.streamBody(w, r, plan.content, start, end-start+1, f)
}

type rangeKind int

const (
	rangeNone rangeKind = iota
	rangeSatisfiable
	rangeUnsatisfiable
)

// parseRange reads a single "bytes=N-", "bytes=N-M" or "bytes=-K" range (RFC
// 9110 section 14). A header it does not understand, or one with several
// ranges, is ignored (answered 200 with the whole file), as the RFC allows.
func parseRange(header string, size int64) (start, end int64, kind rangeKind) {
	spec, ok := strings.CutPrefix(header, "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return 0, 0, rangeNone
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return 0, 0, rangeNone
	}
	if first == "" { // suffix: the last K bytes
		k, err := strconv.ParseInt(last, 10, 64)
		if err != nil || k < 0 {
			return 0, 0, rangeNone
		}
		if k == 0 {
			return 0, 0, rangeUnsatisfiable
		}
		return max(size-k, 0), size - 1, rangeSatisfiable
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 {
		return 0, 0, rangeNone
	}
	end = size - 1
	if last != "" {
		if end, err = strconv.ParseInt(last, 10, 64); err != nil || end < start {
			return 0, 0, rangeNone
		}
		end = min(end, size-1)
	}
	if start >= size {
		return 0, 0, rangeUnsatisfiable
	}
	return start, end, rangeSatisfiable
}

// streamBody copies length bytes from off, paced by the throughput cap, and
// applies a drop or truncation fault.
func (s *Server) streamBody(w *downloadWriter, r *http.Request, z fileContent, off, length int64, f DownloadFault) {
	send, abort := length, false
	switch {
	case f.DropAfter > 0 && f.DropAfter < length:
		send, abort = f.DropAfter, true
	case f.TruncateAfter > 0 && f.TruncateAfter < length:
		send = f.TruncateAfter
	}
	pace := newPacer(s.dlThroughput.Load())
	buf := make([]byte, min(int64(downloadCopyBuffer), max(send, 1), pace.chunk()))
	for sent := int64(0); sent < send; {
		n, _ := z.ReadAt(buf[:min(int64(len(buf)), send-sent)], off+sent)
		if _, err := w.Write(buf[:n]); err != nil {
			return // The client went away.
		}
		sent += int64(n)
		if !pace.wait(r.Context(), sent) {
			return
		}
	}
	w.flush()
	if abort {
		// Closes the connection (HTTP/1) or resets the stream (HTTP/2)
		// without finishing the body.
		panic(http.ErrAbortHandler)
	}
	// A truncated body ends here: the server closes the HTTP/1 connection,
	// since fewer bytes than Content-Length were written.
}

// pacer holds a response to a throughput cap.
type pacer struct {
	bytesPerSecond int64
	start          time.Time
}

func newPacer(bytesPerSecond int64) pacer {
	return pacer{bytesPerSecond: bytesPerSecond, start: time.Now()}
}

// chunk is the write size: about 20 writes a second under a cap.
func (p pacer) chunk() int64 {
	if p.bytesPerSecond <= 0 {
		return downloadCopyBuffer
	}
	return max(p.bytesPerSecond/20, 1)
}

// wait sleeps until sent bytes are due, or reports false if the client left.
func (p pacer) wait(ctx context.Context, sent int64) bool {
	if p.bytesPerSecond <= 0 {
		return true
	}
	due := p.start.Add(time.Duration(float64(sent) / float64(p.bytesPerSecond) * float64(time.Second)))
	d := time.Until(due)
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// downloadWriter records the status and the body bytes in the request's
// record as they are sent. Each count is made before the bytes leave, and
// corrected if the write fails, so a client that has read the whole body
// and then looks at DownloadRequests never sees less than it received.
type downloadWriter struct {
	http.ResponseWriter
	s           *Server
	entry       *DownloadRequest
	wroteHeader bool
}

func (w *downloadWriter) WriteHeader(code int) {
	w.s.mu.Lock()
	w.entry.Status = code
	w.s.mu.Unlock()
	w.wroteHeader = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *downloadWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	w.count(int64(len(p)))
	n, err := w.ResponseWriter.Write(p)
	w.count(int64(n - len(p)))
	return n, err
}

func (w *downloadWriter) count(n int64) {
	if n == 0 {
		return
	}
	w.s.mu.Lock()
	w.entry.BytesSent += n
	w.s.mu.Unlock()
}

// flush pushes buffered bytes to the connection, so that a drop after N
// bytes really delivers N bytes first.
func (w *downloadWriter) flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *downloadWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
