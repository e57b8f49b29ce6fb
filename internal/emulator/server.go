package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Scopes, as documented on each endpoint's page (docs/design/emulator.md lists the URLs).
const (
	ScopeAll    = "ZohoCRM.bulk.backup.ALL"
	ScopeCreate = "ZohoCRM.bulk.backup.CREATE"
	ScopeRead   = "ZohoCRM.bulk.backup.READ"
	ScopeUpdate = "ZohoCRM.bulk.backup.UPDATE"
)

// firstID is the base of generated ids. Zoho ids are 19-digit decimal
// strings; starting just below the id in Zoho's samples keeps generated ids
// the same length and shape.
const firstID uint64 = 4876876000001593000

// dateLayout is ISO 8601 with a numeric offset ("+05:30", "+00:00"), as in
// every Zoho sample; time.RFC3339 would print "Z" for UTC, which Zoho never does.
const dateLayout = "2006-01-02T15:04:05-07:00"

// Server emulates the backup API. It is safe for concurrent use: all state is
// guarded by one mutex, which handlers hold while they decide their answer.
type Server struct {
	cfg config

	mu       sync.Mutex
	tokens   map[string]tokenInfo
	backups  []*backupRecord // creation order; the last one is the latest
	byID     map[string]*backupRecord
	history  []HistoryEntry // oldest first
	requests []Request
	faults   []*faultState
	lastID   uint64
	oauth    oauthState

	// clockOffset (nanoseconds) is added to cfg.clock; see AdvanceClock.
	clockOffset atomic.Int64

	conc concurrency // the concurrency limit (faults.go)

	lifeMu sync.Mutex // guards the listener fields below
	srv    *http.Server
	ln     net.Listener
	done   chan struct{}

	connMu sync.Mutex
	conns  map[net.Conn]http.ConnState

	metrics metrics

	// The download host (download.go): its listener (lifeMu), the base of
	// its links, its requests and faults (mu), its throughput cap.
	dl           downloadHost
	dlBase       atomic.Pointer[string]
	downloads    []*DownloadRequest
	dlFaults     []*downloadFaultState
	dlVersions   map[downloadPath]fileVersion // download_versions.go
	dlThroughput atomic.Int64
}

type tokenInfo struct {
	scopes  []string
	admin   bool
	expires time.Time // zero: never
}

// New returns a Server that is not listening yet. Use Start, or mount it as
// an http.Handler (it implements ServeHTTP).
func New(opts ...Option) *Server {
	cfg := defaultConfig()
	for _, opt := range opts {
		opt(&cfg)
	}
	s := &Server{
		cfg:    cfg,
		tokens: make(map[string]tokenInfo),
		byID:   make(map[string]*backupRecord),
		lastID: firstID,
	}
	s.initDownloads()
	return s
}

// Start listens on 127.0.0.1 with an ephemeral port and serves in the
// background, with the download host on a second port (DownloadURL).
func (s *Server) Start() error { return s.StartOn("127.0.0.1:0") }

// StartOn listens on addr, which must be a loopback address ("127.0.0.1:8080",
// "[::1]:0", "localhost:0"). An empty host such as ":8080" would listen on
// every interface and is refused.
func (s *Server) StartOn(addr string) error {
	if err := checkLoopback(addr); err != nil {
		return err
	}
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	if s.ln != nil {
		return errors.New("emulator: already started")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("emulator: listen on %s: %w", addr, err)
	}
	// "localhost" is resolved by the system; make sure it really was loopback.
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		_ = ln.Close()
		return fmt.Errorf("emulator: %s resolved to non-loopback address %s", addr, ln.Addr())
	}
	if err := s.startDownloadHost(ln.Addr()); err != nil {
		_ = ln.Close()
		return err
	}
	s.ln = ln
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ConnState: s.trackConn}
	s.done = make(chan struct{})
	go func(srv *http.Server, done chan struct{}) {
		defer close(done)
		_ = s.cfg.serve(srv, ln) // Returns http.ErrServerClosed on Close.
	}(s.srv, s.done)
	return nil
}

// checkLoopback rejects any listen address whose host is not a loopback IP
// literal or "localhost".
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("emulator: bad listen address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("emulator: refusing to listen on %q: only loopback addresses (127.0.0.1, ::1, localhost) are allowed", addr)
	}
	return nil
}

// URL is the base URL, such as "http://127.0.0.1:41234" (no trailing slash;
// https with WithTLS), or "" before Start.
func (s *Server) URL() string {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.cfg.scheme() + "://" + s.ln.Addr().String()
}

// Close stops the listener, letting in-flight requests finish for a few
// seconds. It is safe to call more than once, and before Start.
func (s *Server) Close() {
	s.closeDownloadHost()
	s.lifeMu.Lock()
	srv, ln, done := s.srv, s.ln, s.done
	s.srv, s.ln, s.done = nil, nil, nil
	s.lifeMu.Unlock()
	if srv == nil {
		return
	}
	// Like httptest.Server.Close: stop accepting, then drop connections that
	// are idle or never sent a request. http.Server.Shutdown alone waits up
	// to 5 s for the latter, which clients dial speculatively under load.
	srv.SetKeepAlivesEnabled(false)
	_ = ln.Close()
	s.closeInactiveConns()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		_ = srv.Close()
	}
	<-done
}

// trackConn is the http.Server ConnState hook.
func (s *Server) trackConn(c net.Conn, state http.ConnState) {
	s.countConnection(state)
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if s.conns == nil {
		s.conns = make(map[net.Conn]http.ConnState)
	}
	switch state {
	case http.StateClosed, http.StateHijacked:
		delete(s.conns, c)
	default:
		s.conns[c] = state
	}
}

func (s *Server) closeInactiveConns() {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	for c, state := range s.conns {
		if state == http.StateNew || state == http.StateIdle {
			_ = c.Close()
			delete(s.conns, c)
		}
	}
}

// AddToken registers an access token of an administrator with the given
// scopes. A token with no scopes gets OAUTH_SCOPE_MISMATCH everywhere: scopes
// are never implied, so tests of scope handling stay honest.
func (s *Server) AddToken(token string, scopes ...string) { s.addToken(token, true, scopes) }

// AddNonAdminToken registers a token of a user without the Administrator
// profile; backup endpoints answer it 403 NO_PERMISSION (after the scope check).
func (s *Server) AddNonAdminToken(token string, scopes ...string) {
	s.addToken(token, false, scopes)
}

func (s *Server) addToken(token string, admin bool, scopes []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[token] = tokenInfo{scopes: append([]string(nil), scopes...), admin: admin}
}

// RevokeToken forgets a token; later requests with it get 401 INVALID_TOKEN,
// as an expired or revoked Zoho access token does.
func (s *Server) RevokeToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, token)
}

// ServeHTTP serves the backup API and, under /_emulator/, the admin endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	switch {
	case isAdminPath(r.URL.Path):
		s.serveAdmin(rec, r)
	case r.URL.Path == TokenPath:
		s.serveToken(rec, r)
	default:
		s.serveAPI(rec, r)
	}
	s.logRequest(r, rec.status, time.Since(start))
}

func (s *Server) logRequest(r *http.Request, status int, elapsed time.Duration) {
	if s.cfg.logger == nil {
		return
	}
	target := r.URL.Path
	// The token endpoint takes credentials in its query string too.
	if r.URL.RawQuery != "" && r.URL.Path != TokenPath {
		target += "?" + r.URL.RawQuery
	}
	// Deliberately no headers: the Authorization value is a live credential.
	s.cfg.logger.Printf("%s %s %d %s", r.Method, target, status, elapsed.Round(time.Microsecond))
}

// statusRecorder remembers the status code for the log line.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// writeResponse sends a handler's decision. JSON bodies carry Zoho's
// Content-Type; a nil body (204) gets neither a body nor a JSON content type.
func writeResponse(w http.ResponseWriter, resp response) {
	for k, v := range resp.header {
		w.Header()[k] = v
	}
	if resp.body == nil {
		w.WriteHeader(resp.status)
		return
	}
	buf, err := json.Marshal(resp.body)
	if err != nil {
		http.Error(w, "emulator: encoding response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(buf)))
	w.WriteHeader(resp.status)
	_, _ = w.Write(buf)
}

func (s *Server) now() time.Time {
	return s.cfg.clock().Add(time.Duration(s.clockOffset.Load()))
}

func (s *Server) formatTime(t time.Time) string {
	return t.In(s.cfg.location).Format(dateLayout)
}

// formatTimePtr renders an optional date, nil becoming JSON null.
func (s *Server) formatTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	v := s.formatTime(*t)
	return &v
}

// newID returns the next 19-digit id. Callers hold s.mu.
func (s *Server) newID() string {
	s.lastID++
	return strconv.FormatUint(s.lastID, 10)
}

// nullable maps "" to JSON null.
func nullable(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}

func hasAnyScope(have, want []string) bool {
	for _, h := range have {
		for _, w := range want {
			if strings.EqualFold(h, w) {
				return true
			}
		}
	}
	return false
}
