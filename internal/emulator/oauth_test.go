package emulator

import (
	"bytes"
	"encoding/json"
	"log"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

const (
	clientID     = "1000.SELFCLIENT"
	clientSecret = "self-client-secret"
	refreshToken = "1000.refresh.token"
)

var accessTokenRe = regexp.MustCompile(`^1000\.[0-9a-f]{32}\.[0-9a-f]{32}$`)

// newOAuthServer is newClockedServer with one Self Client holding the ALL scope.
func newOAuthServer(t *testing.T, opts ...Option) (*Server, *fakeClock) {
	t.Helper()
	s, clk := newClockedServer(t, opts...)
	s.AddRefreshToken(clientID, clientSecret, refreshToken, ScopeAll)
	return s, clk
}

// refresh posts a refresh request as a form body.
func refresh(t *testing.T, s *Server, form url.Values) result {
	t.Helper()
	resp, err := http.PostForm(s.URL()+TokenPath, form)
	if err != nil {
		t.Fatal(err)
	}
	return readResult(t, resp)
}

func readResult(t *testing.T, resp *http.Response) result {
	t.Helper()
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	res := result{status: resp.StatusCode, header: resp.Header, raw: buf.Bytes()}
	if buf.Len() > 0 {
		if err := json.Unmarshal(buf.Bytes(), &res.body); err != nil {
			t.Fatalf("token endpoint body is not JSON: %s", buf.Bytes())
		}
	}
	return res
}

// accessToken is the token of a successful answer.
func accessToken(t *testing.T, res result) string {
	t.Helper()
	token, ok := res.body["access_token"].(string)
	if !ok {
		t.Fatalf("no access token in %s", res.raw)
	}
	return token
}

func refreshForm(id, secret, token string) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "client_id": {id}, "client_secret": {secret}, "refresh_token": {token}}
}

func TestTokenEndpointIssuesExpiringTokens(t *testing.T) {
	s, _ := newOAuthServer(t)
	backup := s.SeedBackup("SCHEDULED", "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR")
	res := refresh(t, s, refreshForm(clientID, clientSecret, refreshToken))
	if res.status != http.StatusOK || res.header.Get("Content-Type") != jsonCT {
		t.Fatalf("status %d, Content-Type %q", res.status, res.header.Get("Content-Type"))
	}
	wantKeys(t, "token answer", res.body, "access_token", "api_domain", "token_type", "expires_in")
	token, _ := res.body["access_token"].(string)
	if !accessTokenRe.MatchString(token) || res.body["api_domain"] != s.URL() || res.body["token_type"] != "Bearer" || res.body["expires_in"] != float64(3600) {
		t.Errorf("token answer %s", res.raw)
	}
	if s.Refreshes() != 1 {
		t.Errorf("Refreshes = %d", s.Refreshes())
	}

	// The token works on the backup API until the emulator's clock passes its hour.
	if got := send(t, s, http.MethodGet, basePath, "Zoho-oauthtoken "+token, ""); got.status != http.StatusOK {
		t.Fatalf("a fresh token got %d: %s", got.status, got.raw)
	}
	s.AdvanceClock(59 * time.Minute)
	if got := send(t, s, http.MethodGet, basePath, "Zoho-oauthtoken "+token, ""); got.status != http.StatusOK {
		t.Fatalf("a token 59 minutes old got %d", got.status)
	}
	s.AdvanceClock(time.Minute)
	got := send(t, s, http.MethodPut, basePath+"/"+backup.ID+"/actions/cancel", "Zoho-oauthtoken "+token, "")
	if got.status != http.StatusUnauthorized || got.body["code"] != CodeInvalidToken {
		t.Errorf("an expired token got %d %s, want 401 INVALID_TOKEN", got.status, got.raw)
	}
}

// TestAccessTokensExpireAfterCalls: with ExpireAccessTokensAfterCalls, a
// refreshed token is accepted for that many calls, then answered INVALID_TOKEN
// although its answer promised an hour; a 401 is not a use, the next token
// gets the same number of calls, and tokens added with AddToken are not
// limited.
func TestAccessTokensExpireAfterCalls(t *testing.T) {
	s, _ := newOAuthServer(t)
	s.ExpireAccessTokensAfterCalls(2)
	first := refresh(t, s, refreshForm(clientID, clientSecret, refreshToken))
	if first.body["expires_in"] != float64(3600) {
		t.Errorf("the token answer does not promise an hour: %s", first.raw)
	}
	token := accessToken(t, first)
	for i := range 2 {
		if got := send(t, s, http.MethodGet, basePath, "Zoho-oauthtoken "+token, ""); got.status != http.StatusNoContent && got.status != http.StatusOK {
			t.Fatalf("call %d with the token got %d: %s", i+1, got.status, got.raw)
		}
	}
	for i := range 2 {
		got := send(t, s, http.MethodGet, basePath, "Zoho-oauthtoken "+token, "")
		if got.status != http.StatusUnauthorized || got.body["code"] != CodeInvalidToken {
			t.Fatalf("call %d after the token's 2 got %d %s, want 401 INVALID_TOKEN", i+3, got.status, got.raw)
		}
	}
	next := accessToken(t, refresh(t, s, refreshForm(clientID, clientSecret, refreshToken)))
	for i := range 2 {
		if got := send(t, s, http.MethodGet, basePath, "Zoho-oauthtoken "+next, ""); got.status == http.StatusUnauthorized {
			t.Fatalf("call %d with the next token got 401: %s", i+1, got.raw)
		}
	}
	for range 5 {
		if got := do(t, s, http.MethodGet, basePath, ""); got.status == http.StatusUnauthorized {
			t.Fatalf("a token added with AddToken expired: %s", got.raw)
		}
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	s, _ := newOAuthServer(t)
	s.AddRefreshToken("1000.OTHERCLIENT", "other-secret", "1000.other.refresh", ScopeAll)
	tests := map[string]struct {
		form url.Values
		want string
	}{
		"unknown client":                 {refreshForm("1000.UNKNOWN", clientSecret, refreshToken), TokenErrorInvalidClient},
		"wrong secret":                   {refreshForm(clientID, "wrong", refreshToken), TokenErrorInvalidClientSecret},
		"unknown refresh token":          {refreshForm(clientID, clientSecret, "1000.unknown"), TokenErrorInvalidCode},
		"another client's refresh token": {refreshForm(clientID, clientSecret, "1000.other.refresh"), TokenErrorInvalidCode},
		"authorization code":             {url.Values{"grant_type": {"authorization_code"}, "client_id": {clientID}, "client_secret": {clientSecret}, "code": {"1000.x"}}, TokenErrorInvalidCode},
		"no grant type":                  {url.Values{"client_id": {clientID}}, "unsupported_grant_type"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			res := refresh(t, s, tt.form)
			if res.status != http.StatusOK {
				t.Errorf("status %d, want 200: Zoho answers token errors with HTTP 200", res.status)
			}
			wantKeys(t, "error", res.body, "error")
			if res.body["error"] != tt.want {
				t.Errorf("error %v, want %s", res.body["error"], tt.want)
			}
		})
	}
	if s.Refreshes() != 0 || len(s.TokenRequests()) != len(tests) {
		t.Errorf("Refreshes %d, TokenRequests %d", s.Refreshes(), len(s.TokenRequests()))
	}
	for _, r := range s.TokenRequests() {
		if r.Error == "" {
			t.Errorf("a failed request was recorded as a success: %+v", r)
		}
	}

	// Revoking a refresh token invalidates it and its access tokens.
	issued := accessToken(t, refresh(t, s, refreshForm("1000.OTHERCLIENT", "other-secret", "1000.other.refresh")))
	s.RevokeRefreshToken("1000.other.refresh")
	if res := refresh(t, s, refreshForm("1000.OTHERCLIENT", "other-secret", "1000.other.refresh")); res.body["error"] != TokenErrorInvalidCode {
		t.Errorf("a revoked refresh token got %s", res.raw)
	}
	if got := send(t, s, http.MethodGet, basePath, "Zoho-oauthtoken "+issued, ""); got.status != http.StatusUnauthorized {
		t.Errorf("an access token of a revoked refresh token got %d", got.status)
	}
}

func TestTokenEndpointThrottle(t *testing.T) {
	for _, status := range []int{http.StatusOK, http.StatusBadRequest} {
		s, _ := newOAuthServer(t, WithTokenThrottleStatus(status))
		for i := range 10 {
			if res := refresh(t, s, refreshForm(clientID, clientSecret, refreshToken)); res.body["access_token"] == nil {
				t.Fatalf("refresh %d was refused: %s", i+1, res.raw)
			}
			s.AdvanceClock(time.Second)
		}
		res := refresh(t, s, refreshForm(clientID, clientSecret, refreshToken))
		if res.status != status {
			t.Errorf("throttle status %d, want %d", res.status, status)
		}
		wantKeys(t, "throttle", res.body, "error", "error_description", "status")
		if res.body["error"] != "Access Denied" || res.body["status"] != "failure" ||
			res.body["error_description"] != "You have made too many requests continuously. Please try again after some time." {
			t.Errorf("throttle body %s", res.raw)
		}
		// The window is 10 minutes from the first token.
		s.AdvanceClock(10*time.Minute - 10*time.Second)
		if res := refresh(t, s, refreshForm(clientID, clientSecret, refreshToken)); res.body["access_token"] == nil {
			t.Errorf("after 10 minutes the refresh token must work again: %s", res.raw)
		}
		if s.Refreshes() != 11 {
			t.Errorf("Refreshes = %d, want 11", s.Refreshes())
		}
	}
}

func TestSixteenthTokenEvictsTheOldest(t *testing.T) {
	s, _ := newOAuthServer(t)
	for range 16 {
		refresh(t, s, refreshForm(clientID, clientSecret, refreshToken))
		s.AdvanceClock(time.Minute) // Stay under the throttle.
	}
	issued := s.IssuedTokens(refreshToken)
	if len(issued) != 16 {
		t.Fatalf("issued %d tokens", len(issued))
	}
	if got := send(t, s, http.MethodGet, basePath, "Zoho-oauthtoken "+issued[0], ""); got.status != http.StatusUnauthorized {
		t.Errorf("the oldest of 16 active tokens got %d, want 401", got.status)
	}
	// No backup exists, so an accepted token gets 204.
	if got := send(t, s, http.MethodGet, basePath, "Zoho-oauthtoken "+issued[1], ""); got.status != http.StatusNoContent {
		t.Errorf("the second token got %d, want 204", got.status)
	}
}

func TestIssuedTokensCarryTheRefreshTokenScopes(t *testing.T) {
	s, _ := newOAuthServer(t)
	s.AddRefreshToken(clientID, clientSecret, "1000.read.only", ScopeRead)
	token := accessToken(t, refresh(t, s, refreshForm(clientID, clientSecret, "1000.read.only")))
	if got := send(t, s, http.MethodGet, basePath, "Zoho-oauthtoken "+token, ""); got.status != http.StatusNoContent {
		t.Errorf("READ scope on GET /backup (no backup yet) got %d, want 204", got.status)
	}
	if got := send(t, s, http.MethodPost, basePath, "Zoho-oauthtoken "+token, ""); got.body["code"] != CodeOAuthScopeMismatch {
		t.Errorf("READ scope on POST /backup got %s", got.raw)
	}
}

func TestTokenEndpointAcceptsQueryAndNeverLogsIt(t *testing.T) {
	var logs bytes.Buffer
	s, _ := newClockedServer(t, WithLogger(log.New(&logs, "", 0)))
	s.AddRefreshToken(clientID, clientSecret, refreshToken, ScopeAll)
	resp, err := http.Post(s.URL()+TokenPath+"?"+refreshForm(clientID, clientSecret, refreshToken).Encode(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res := readResult(t, resp); res.body["access_token"] == nil {
		t.Errorf("parameters in the query string must work: %s", res.raw)
	}
	if strings.Contains(logs.String(), clientSecret) || strings.Contains(logs.String(), refreshToken) || !strings.Contains(logs.String(), "POST "+TokenPath+" 200") {
		t.Errorf("log %q", logs.String())
	}
	resp, err = http.Get(s.URL() + TokenPath)
	if err != nil {
		t.Fatal(err)
	}
	if res := readResult(t, resp); res.status != http.StatusMethodNotAllowed {
		t.Errorf("GET %s answered %d", TokenPath, res.status)
	}
	if len(s.Requests()) != 0 {
		t.Error("token requests must not be recorded with the backup-API requests (they carry secrets)")
	}
}
