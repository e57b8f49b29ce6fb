package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"time"
)

// TokenPath is the accounts server's token endpoint
// (https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token-expiry.html). The
// emulator serves it on the same host as the API, so a client under test
// points both its accounts URL and its API domain at the emulator.
const TokenPath = "/oauth/v2/token"

// Token-endpoint limits and lifetimes (v8 numbers of
// https://www.zoho.com/crm/developer/docs/api/v8/token-validity.html).
const (
	accessTokenLifetime   = time.Hour
	tokensPerWindow       = 10
	tokenWindow           = 10 * time.Minute
	maxActiveAccessTokens = 15
)

// Token-endpoint errors, as Zoho Accounts documents them. Zoho answers them with HTTP 200.
const (
	TokenErrorInvalidCode         = "invalid_code"
	TokenErrorInvalidClient       = "invalid_client"
	TokenErrorInvalidClientSecret = "invalid_client_secret"
	TokenErrorAccessDenied        = "Access Denied"
	// unsupportedGrantType answers a grant type other than refresh_token and
	// authorization_code. Zoho does not document this case; the code is
	// OAuth's standard one.
	unsupportedGrantType = "unsupported_grant_type"
	msgThrottled         = "You have made too many requests continuously. Please try again after some time."
)

// oauthState is the accounts server: Self Clients, their refresh tokens and
// what was asked of it. Guarded by Server.mu.
type oauthState struct {
	clients       map[string]string         // client id -> client secret
	refreshTokens map[string]*refreshRecord // refresh token -> record
	requests      []TokenRequest
	refreshes     int
	// maxUses is how many API calls an access token refreshed from now on
	// is accepted for (ExpireAccessTokensAfterCalls); 0: no such limit.
	maxUses int
	// usesLeft counts down the calls each such token has left.
	usesLeft map[string]int
}

type refreshRecord struct {
	clientID string
	scopes   []string
	revoked  bool
	issued   []issuedToken // oldest first
}

type issuedToken struct {
	value string
	at    time.Time
}

// TokenRequest is one call to the token endpoint, without its secrets.
type TokenRequest struct {
	Method    string
	GrantType string
	ClientID  string
	// Error is the "error" of the answer; empty when a token was issued.
	Error string
	Time  time.Time
}

// AddRefreshToken registers a Self Client (client id and secret) and one of
// its refresh tokens. Access tokens refreshed from it carry scopes and belong
// to an administrator, and they expire an hour later on the emulator's clock.
func (s *Server) AddRefreshToken(clientID, clientSecret, refreshToken string, scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.oauth.clients == nil {
		s.oauth.clients = make(map[string]string)
		s.oauth.refreshTokens = make(map[string]*refreshRecord)
	}
	s.oauth.clients[clientID] = clientSecret
	s.oauth.refreshTokens[refreshToken] = &refreshRecord{clientID: clientID, scopes: append([]string(nil), scopes...)}
}

// RevokeRefreshToken revokes a refresh token and the access tokens issued
// from it; refreshing with it then answers invalid_code.
func (s *Server) RevokeRefreshToken(refreshToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.oauth.refreshTokens[refreshToken]
	if !ok {
		return
	}
	rec.revoked = true
	for _, t := range rec.issued {
		delete(s.tokens, t.value)
	}
}

// Refreshes counts the access tokens the token endpoint has issued.
func (s *Server) Refreshes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.oauth.refreshes
}

// TokenRequests returns the calls to the token endpoint, oldest first.
func (s *Server) TokenRequests() []TokenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]TokenRequest(nil), s.oauth.requests...)
}

// IssuedTokens returns the access tokens issued from refreshToken, oldest
// first, including expired and invalidated ones.
func (s *Server) IssuedTokens(refreshToken string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.oauth.refreshTokens[refreshToken]
	if !ok {
		return nil
	}
	out := make([]string, len(rec.issued))
	for i, t := range rec.issued {
		out[i] = t.value
	}
	return out
}

// AdvanceClock moves the emulator's clock forward by d, on top of the clock
// it was created with: access tokens expire, the refresh throttle's window
// slides, and dates move on.
func (s *Server) AdvanceClock(d time.Duration) {
	s.clockOffset.Add(int64(d))
}

// ExpireAccessTokensAfterCalls makes every access token the token endpoint
// issues from now on expire after it has been accepted for calls API calls:
// the next call with it is answered 401 INVALID_TOKEN, as a token past its
// expiry is. Its token answer still says "expires_in": 3600, so the client
// cannot see it coming, as when Zoho drops a token early (the 16th live
// token of a refresh token invalidates the oldest). Counting calls rather
// than minutes makes a token's end depend on the load, not on the test's
// speed. A call refused before the token check (the concurrency limit, an
// unknown path) does not count. 0 or less turns the limit off for tokens
// issued afterwards; tokens added with AddToken never expire.
func (s *Server) ExpireAccessTokensAfterCalls(calls int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauth.maxUses = max(calls, 0)
}

// spendTokenUse counts one accepted call for token and reports whether the
// token still had a call left (always true for a token without a limit).
// Callers hold s.mu.
func (s *Server) spendTokenUse(token string) bool {
	left, limited := s.oauth.usesLeft[token]
	if !limited {
		return true
	}
	if left == 0 {
		return false
	}
	s.oauth.usesLeft[token] = left - 1
	return true
}

// serveToken answers POST /oauth/v2/token. Parameters are read from the form
// body (url-encoded or multipart) or the query string, as Zoho accepts all of
// them. Every error is HTTP 200 with an "error" key, as on Zoho; the throttle's
// status is configurable because Zoho leaves it open [UNCONFIRMED]; see docs/design/emulator.md.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		// Zoho documents only POST; other methods are a client bug.
		writeResponse(w, response{status: http.StatusMethodNotAllowed, body: map[string]string{"error": "invalid_request_method"}})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	grantType, clientID := r.FormValue("grant_type"), r.FormValue("client_id")
	resp, issued := s.refreshAccessToken(grantType, clientID, r.FormValue("client_secret"), r.FormValue("refresh_token"), "http://"+r.Host)

	s.mu.Lock()
	s.oauth.requests = append(s.oauth.requests, TokenRequest{
		Method: r.Method, GrantType: grantType, ClientID: clientID, Error: resp.code, Time: s.now(),
	})
	if issued {
		s.oauth.refreshes++
	}
	s.mu.Unlock()
	writeResponse(w, resp.response)
}

// tokenResponse is an answer of the token endpoint.
type tokenResponse struct {
	response
	code string // the "error" value; empty on success
}

// tokenError is a documented token error: HTTP 200 with an "error" key.
func tokenError(code string) tokenResponse {
	return tokenResponse{response: response{status: http.StatusOK, body: map[string]string{"error": code}}, code: code}
}

// refreshAccessToken decides the answer, checking in the order a real
// accounts server must: grant type, client, secret, refresh token, throttle.
func (s *Server) refreshAccessToken(grantType, clientID, clientSecret, refreshToken, apiDomain string) (tokenResponse, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch grantType {
	case "refresh_token":
	case "authorization_code":
		// The emulator issues no grant codes, so every code is unknown.
		return tokenError(TokenErrorInvalidCode), false
	default:
		return tokenError(unsupportedGrantType), false
	}
	secret, known := s.oauth.clients[clientID]
	if !known {
		return tokenError(TokenErrorInvalidClient), false
	}
	if clientSecret != secret {
		return tokenError(TokenErrorInvalidClientSecret), false
	}
	rec, known := s.oauth.refreshTokens[refreshToken]
	if !known || rec.revoked || rec.clientID != clientID {
		return tokenError(TokenErrorInvalidCode), false
	}
	now := s.now()
	if rec.issuedSince(now.Add(-tokenWindow)) >= tokensPerWindow {
		return tokenResponse{
			response: response{status: s.cfg.tokenThrottleStatus, body: map[string]string{
				"error_description": msgThrottled,
				"error":             TokenErrorAccessDenied,
				"status":            "failure",
			}},
			code: TokenErrorAccessDenied,
		}, false
	}
	token := newAccessToken()
	rec.issued = append(rec.issued, issuedToken{value: token, at: now})
	s.tokens[token] = tokenInfo{scopes: rec.scopes, admin: true, expires: now.Add(accessTokenLifetime)}
	if s.oauth.maxUses > 0 {
		if s.oauth.usesLeft == nil {
			s.oauth.usesLeft = make(map[string]int)
		}
		s.oauth.usesLeft[token] = s.oauth.maxUses
	}
	s.evictOldestActive(rec, now)
	return tokenResponse{response: response{status: http.StatusOK, body: map[string]any{
		"access_token": token,
		"api_domain":   apiDomain,
		"token_type":   "Bearer",
		"expires_in":   int(accessTokenLifetime / time.Second),
	}}}, true
}

// issuedSince counts the tokens issued after since.
func (rec *refreshRecord) issuedSince(since time.Time) int {
	n := 0
	for _, t := range rec.issued {
		if t.at.After(since) {
			n++
		}
	}
	return n
}

// evictOldestActive enforces "15 active access tokens per refresh token; the
// 16th invalidates the oldest" (Zoho's token-validity page). Callers hold s.mu.
func (s *Server) evictOldestActive(rec *refreshRecord, now time.Time) {
	var active []string
	for _, t := range rec.issued {
		if info, ok := s.tokens[t.value]; ok && !info.expiredAt(now) {
			active = append(active, t.value)
		}
	}
	for len(active) > maxActiveAccessTokens {
		delete(s.tokens, active[0])
		active = active[1:]
	}
}

// newAccessToken returns a token shaped like Zoho's: "1000." and two runs of
// 32 hex digits.
func newAccessToken() string {
	buf := make([]byte, 32)
	_, _ = rand.Read(buf) // crypto/rand never fails on supported platforms.
	return "1000." + hex.EncodeToString(buf[:16]) + "." + hex.EncodeToString(buf[16:])
}

// expiredAt reports whether a token has expired; tokens added with AddToken
// never expire.
func (t tokenInfo) expiredAt(now time.Time) bool {
	return !t.expires.IsZero() && !now.Before(t.expires)
}
