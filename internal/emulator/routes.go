package emulator

import (
	"io"
	"net/http"
	"strings"
)

// maxBodyBytes caps what the emulator reads from a request. The backup API's
// only body is a one-key rrule object; anything this large is a client bug.
const maxBodyBytes = 1 << 20

// authScheme is the literal header prefix Zoho documents: the scheme
// "Zoho-oauthtoken", one space, then the token. Zoho documents no other
// scheme (Bearer is [UNCONFIRMED]), so nothing else is accepted.
const authScheme = "Zoho-oauthtoken "

// operation is one method on one path.
type operation struct {
	scopes []string // any one of them grants access
	handle func(s *Server, c *call) response
}

// call is one backup-API request being answered.
type call struct {
	r       *http.Request
	body    []byte
	bodyErr error
	id      string // {id} path segment, for cancel
}

var (
	opSchedule = operation{scopes: []string{ScopeAll, ScopeCreate}, handle: (*Server).schedule}
	opDetails  = operation{scopes: []string{ScopeAll, ScopeRead}, handle: (*Server).details}
	opURLs     = operation{scopes: []string{ScopeAll, ScopeRead}, handle: (*Server).urls}
	opHistory  = operation{scopes: []string{ScopeAll, ScopeRead}, handle: (*Server).historyPage}
	opCancel   = operation{scopes: []string{ScopeAll, ScopeUpdate}, handle: (*Server).cancel}
)

// match maps a path to the operations it supports, keyed by method. Matching
// is exact (no trailing slash, no doubled slashes, configured versions only):
// Zoho documents these paths and nothing else, so a client that relies on
// path leniency fails here with INVALID_URL_PATTERN rather than in production.
func (s *Server) match(path string) (ops map[string]operation, id string, ok bool) {
	rest, ok := strings.CutPrefix(path, "/crm/bulk/")
	if !ok {
		return nil, "", false
	}
	version, rest, ok := strings.Cut(rest, "/")
	if !ok || !s.cfg.versions[version] {
		return nil, "", false
	}
	switch rest {
	case "backup":
		return map[string]operation{http.MethodPost: opSchedule, http.MethodGet: opDetails}, "", true
	case "backup/urls":
		return map[string]operation{http.MethodGet: opURLs}, "", true
	case "backup/history":
		return map[string]operation{http.MethodGet: opHistory}, "", true
	}
	// backup/{id}/actions/cancel. Any non-empty id matches the pattern; an id
	// that names no backup is the handler's RESOURCE_NOT_FOUND, as on Zoho.
	idPart, ok := strings.CutPrefix(rest, "backup/")
	if !ok {
		return nil, "", false
	}
	id, ok = strings.CutSuffix(idPart, "/actions/cancel")
	if !ok || id == "" || strings.Contains(id, "/") {
		return nil, "", false
	}
	return map[string]operation{http.MethodPut: opCancel}, id, true
}

// serveAPI records the request, then answers it.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	body, bodyErr := readBody(r)
	s.record(r, body)
	release, admitted := s.admit()
	defer release()
	if !admitted {
		deliver(w, r, errTooManyRequests())
		return
	}
	s.simulateLatency(r)
	deliver(w, r, s.handleAPI(&call{r: r, body: body, bodyErr: bodyErr}))
}

func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err == nil && len(body) > maxBodyBytes {
		err = io.ErrUnexpectedEOF
	}
	return body, err
}

// handleAPI applies the checks common to every endpoint, in the order Zoho
// answers them: URL, authentication, token, method, scope,
// administrator profile, injected faults; then the endpoint itself.
func (s *Server) handleAPI(c *call) response {
	ops, id, ok := s.match(c.r.URL.Path)
	if !ok {
		return errInvalidURLPattern()
	}
	token, ok := oauthToken(c.r.Header)
	if !ok {
		return errAuthenticationFailure()
	}
	c.id = id

	s.mu.Lock()
	defer s.mu.Unlock()
	s.finishImmediateBackups()
	info, ok := s.tokens[token]
	if !ok || info.expiredAt(s.now()) || !s.spendTokenUse(token) {
		return errInvalidToken()
	}
	op, ok := ops[c.r.Method]
	if !ok {
		return errInvalidRequestMethod()
	}
	if !hasAnyScope(info.scopes, op.scopes) {
		return errOAuthScopeMismatch()
	}
	if !info.admin {
		return errNoPermission(s.cfg.permissionsNeeded)
	}
	if resp, ok := s.takeFault(c, op); ok {
		return resp
	}
	return op.handle(s, c)
}

// oauthToken extracts the token from "Authorization: Zoho-oauthtoken <t>".
// A missing header, another scheme or an empty token is "no usable token",
// which Zoho answers AUTHENTICATION_FAILURE rather than INVALID_TOKEN.
func oauthToken(h http.Header) (string, bool) {
	token, ok := strings.CutPrefix(h.Get("Authorization"), authScheme)
	if !ok || strings.TrimSpace(token) == "" {
		return "", false
	}
	return token, true
}
