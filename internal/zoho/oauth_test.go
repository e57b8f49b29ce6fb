package zoho

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
)

const (
	testClientID     = "1000.CLIENTIDCLIENTIDCLIENTID"
	testClientSecret = "s3cr3t-client-secret-0123456789abcdef"
	testRefreshToken = "1000.0123456789abcdef0123456789abcdef.fedcba9876543210fedcba9876543210"
)

var testCreds = RefreshCredentials{ClientID: testClientID, ClientSecret: testClientSecret, RefreshToken: testRefreshToken}

// tokenServer answers the token endpoint with status and body and records
// the requests' forms.
func tokenServer(t *testing.T, status int, body string) (*httptest.Server, *[]*http.Request) {
	t.Helper()
	var mu sync.Mutex
	var seen []*http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		seen = append(seen, r)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func newSource(t *testing.T, accountsURL string, mutate ...func(*RefreshConfig)) *RefreshingTokenSource {
	t.Helper()
	cfg := RefreshConfig{AccountsURL: accountsURL, Credentials: testCreds, UserAgent: "test-agent/1"}
	for _, m := range mutate {
		m(&cfg)
	}
	src, err := NewRefreshingTokenSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestRefreshSendsDocumentedRequest(t *testing.T) {
	srv, seen := tokenServer(t, 200, `{"access_token":"1000.d2dddf7602e8e90b8e7252c07449da55.e794f7281ba755afaa803aefd19cb8ce","api_domain":"https://www.zohoapis.eu","token_type":"Bearer","expires_in":3600}`)
	issued := time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)
	src := newSource(t, srv.URL+"/", func(c *RefreshConfig) { c.Now = func() time.Time { return issued } })

	token, err := src.AccessToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if token.Value != "1000.d2dddf7602e8e90b8e7252c07449da55.e794f7281ba755afaa803aefd19cb8ce" || token.APIDomain != "https://www.zohoapis.eu" || !token.Expiry.Equal(issued.Add(time.Hour)) {
		t.Errorf("token %+v", token)
	}
	if len(*seen) != 1 {
		t.Fatalf("want 1 request, got %d", len(*seen))
	}
	req := (*seen)[0]
	if req.Method != http.MethodPost || req.URL.Path != "/oauth/v2/token" || req.URL.RawQuery != "" {
		t.Errorf("request %s %s?%s: credentials must travel in the body, not the URL", req.Method, req.URL.Path, req.URL.RawQuery)
	}
	if ct := req.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type %q", ct)
	}
	for key, value := range map[string]string{"grant_type": "refresh_token", "client_id": testClientID, "client_secret": testClientSecret, "refresh_token": testRefreshToken} {
		if got := req.PostForm.Get(key); got != value {
			t.Errorf("form %s = %q, want %q", key, got, value)
		}
	}
	if req.Header.Get("Authorization") != "" {
		t.Error("the token request must carry no Authorization header")
	}
}

func TestTokenLifetimeForms(t *testing.T) {
	tests := map[string]struct {
		body string
		want time.Duration
	}{
		"modern seconds":         {`{"access_token":"a","expires_in":3600}`, time.Hour},
		"legacy ms with seconds": {`{"access_token":"a","expires_in_sec":3600,"expires_in":3600000}`, time.Hour},
		"short lifetime":         {`{"access_token":"a","expires_in":120}`, 2 * time.Minute},
		"missing":                {`{"access_token":"a"}`, time.Hour},
		"not a number":           {`{"access_token":"a","expires_in":"soon"}`, time.Hour},
	}
	issued := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			srv, _ := tokenServer(t, 200, tt.body)
			src := newSource(t, srv.URL, func(c *RefreshConfig) { c.Now = func() time.Time { return issued } })
			token, err := src.AccessToken(context.Background())
			if name == "not a number" {
				// A string where a number belongs is not a token answer Zoho sends.
				if err == nil {
					t.Fatal("want an error for a non-numeric expires_in")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := token.Expiry.Sub(issued); got != tt.want {
				t.Errorf("lifetime %s, want %s", got, tt.want)
			}
		})
	}
}

func TestRefreshErrorsAreTypedAndRedacted(t *testing.T) {
	tests := map[string]struct {
		status   int
		body     string
		wantCode string
		wantText string
	}{
		"invalid_code":          {200, `{"error":"invalid_code"}`, TokenErrorInvalidCode, `error "invalid_code"`},
		"invalid_client":        {200, `{"error":"invalid_client"}`, TokenErrorInvalidClient, `HTTP 200 with error "invalid_client"`},
		"invalid_client_secret": {200, `{"error":"invalid_client_secret"}`, TokenErrorInvalidClientSecret, `"invalid_client_secret"`},
		"throttle as 200": {200, `{"error_description":"You have made too many requests continuously. Please try again after some time.","error":"Access Denied","status":"failure"}`,
			TokenErrorAccessDenied, `"Access Denied": You have made too many requests continuously`},
		"throttle as 400": {400, `{"error_description":"You have made too many requests continuously. Please try again after some time.","error":"Access Denied","status":"failure"}`,
			TokenErrorAccessDenied, `HTTP 400 with error "Access Denied"`},
		"gateway page echoing the request": {502, "<html>bad gateway client_secret=" + testClientSecret + "&refresh_token=" + testRefreshToken + "</html>",
			"", `not a Zoho token answer: "<html>bad gateway client_secret=[REDACTED]&refresh_token=[REDACTED]</html>"`},
		"description echoing a secret": {200, `{"error":"invalid_code","error_description":"bad ` + testRefreshToken + `"}`, TokenErrorInvalidCode, `bad [REDACTED]`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			srv, _ := tokenServer(t, tt.status, tt.body)
			_, err := newSource(t, srv.URL).Token(context.Background())
			var tokenErr *TokenError
			if !errors.As(err, &tokenErr) {
				t.Fatalf("want a *TokenError, got %v", err)
			}
			if tokenErr.Code != tt.wantCode || tokenErr.HTTPStatus != tt.status {
				t.Errorf("code %q status %d, want %q %d", tokenErr.Code, tokenErr.HTTPStatus, tt.wantCode, tt.status)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not contain %q", err, tt.wantText)
			}
			for _, secret := range []string{testClientSecret, testRefreshToken} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error quotes a secret: %q", err)
				}
			}
		})
	}
}

func TestNewRefreshingTokenSourceValidates(t *testing.T) {
	if _, err := NewRefreshingTokenSource(RefreshConfig{AccountsURL: "http://accounts.zoho.com", Credentials: testCreds}); err == nil ||
		!strings.Contains(err.Error(), "accounts URL") || !strings.Contains(err.Error(), "plain http") {
		t.Errorf("plain http to a remote accounts server must be refused, got %v", err)
	}
	_, err := NewRefreshingTokenSource(RefreshConfig{AccountsURL: DefaultAccountsURL, Credentials: RefreshCredentials{ClientID: "x"}})
	if err == nil || !strings.Contains(err.Error(), "client secret") || !strings.Contains(err.Error(), "refresh token") {
		t.Errorf("missing credentials must be listed, got %v", err)
	}
}

// emulatorSource starts the emulator with the test Self Client and returns a
// token source and a client that use it.
func emulatorSource(t *testing.T, opts ...emulator.Option) (*emulator.Server, *RefreshingTokenSource, *Client) {
	t.Helper()
	srv := emulator.New(opts...)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	srv.AddRefreshToken(testClientID, testClientSecret, testRefreshToken, emulator.ScopeAll)
	src := newSource(t, srv.URL())
	client, err := NewClient(Config{APIDomain: srv.URL(), Tokens: src})
	if err != nil {
		t.Fatal(err)
	}
	return srv, src, client
}

func TestRefreshIsLazyAndSingleFlight(t *testing.T) {
	srv, src, _ := emulatorSource(t)
	if got := srv.Refreshes(); got != 0 {
		t.Fatalf("creating the source must not refresh, got %d refreshes", got)
	}
	tokens := make([]string, 20)
	var wg sync.WaitGroup
	for i := range tokens {
		wg.Go(func() {
			token, err := src.Token(context.Background())
			if err != nil {
				t.Error(err)
			}
			tokens[i] = token
		})
	}
	wg.Wait()
	if got := srv.Refreshes(); got != 1 {
		t.Errorf("20 concurrent callers caused %d refreshes, want 1", got)
	}
	issued := srv.IssuedTokens(testRefreshToken)
	for i, token := range tokens {
		if len(issued) != 1 || token != issued[0] {
			t.Fatalf("caller %d got a token that is not the one issued", i)
		}
	}
}

func TestRefreshBeforeExpiry(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n := calls.Add(1)
		fmt.Fprintf(w, `{"access_token":"1000.%032d.%032d","expires_in":3600}`, n, n)
	}))
	t.Cleanup(srv.Close)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	src := newSource(t, srv.URL, func(c *RefreshConfig) {
		c.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	first, _ := src.Token(context.Background())
	advance(time.Hour - RefreshMargin - time.Second)
	if again, _ := src.Token(context.Background()); again != first || calls.Load() != 1 {
		t.Errorf("a token with more than the margin left must be reused (%d refreshes)", calls.Load())
	}
	advance(time.Second)
	if next, _ := src.Token(context.Background()); next == first || calls.Load() != 2 {
		t.Errorf("a token within the margin of its expiry must be refreshed (%d refreshes)", calls.Load())
	}
}

func TestShortLivedTokenIsReused(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		fmt.Fprint(w, `{"access_token":"a","expires_in":120}`)
	}))
	t.Cleanup(srv.Close)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	src := newSource(t, srv.URL, func(c *RefreshConfig) { c.Now = func() time.Time { return now } })
	for range 3 {
		if _, err := src.Token(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if calls.Load() != 1 {
		t.Errorf("a token living less than the refresh margin must still be reused: %d refreshes", calls.Load())
	}
}

func TestWaitingForARefreshHonoursTheContext(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		<-release
		fmt.Fprint(w, `{"access_token":"a","expires_in":3600}`)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	src := newSource(t, srv.URL)
	go func() { _, _ = src.Token(context.Background()) }()
	time.Sleep(50 * time.Millisecond) // Let the first caller take the lock.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := src.Token(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a caller waiting for another's refresh must give up with its context, got %v", err)
	}
}

func TestInvalidTokenIsRefreshedAndRetriedOnce(t *testing.T) {
	srv, src, client := emulatorSource(t)
	backup := srv.SeedBackup("SCHEDULED", "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR")
	first, err := src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	srv.RevokeToken(first) // Zoho dropped it early (e.g. the 16th token evicted it).
	srv.ResetRequests()

	if _, err := client.CancelBackup(context.Background(), backup.ID); err != nil {
		t.Fatalf("the retry with a fresh token must succeed: %v", err)
	}
	requests := srv.Requests()
	if len(requests) != 2 || srv.Refreshes() != 2 {
		t.Fatalf("want the cancel sent twice and one more refresh, got %d requests and %d refreshes", len(requests), srv.Refreshes())
	}
	issued := srv.IssuedTokens(testRefreshToken)
	if requests[0].Header.Get("Authorization") != "Zoho-oauthtoken "+first || requests[1].Header.Get("Authorization") != "Zoho-oauthtoken "+issued[1] {
		t.Error("the retry must carry the new token")
	}
}

func TestConcurrentInvalidTokensCauseOneRefresh(t *testing.T) {
	srv, src, client := emulatorSource(t, emulator.WithMonthlyQuota(-1))
	ids := make([]string, 20)
	for i := range ids {
		ids[i] = srv.SeedBackup("SCHEDULED", "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR").ID
	}
	first, _ := src.Token(context.Background())
	srv.RevokeToken(first)
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			if _, err := client.CancelBackup(context.Background(), id); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := srv.Refreshes(); got != 2 {
		t.Errorf("20 requests rejected with the same token caused %d refreshes after the first, want 1", got-1)
	}
}

func TestPersistentInvalidTokenIsReportedAfterOneRetry(t *testing.T) {
	var apiCalls, refreshes atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/v2/token" {
			n := refreshes.Add(1)
			fmt.Fprintf(w, `{"access_token":"1000.%032d.%032d","expires_in":3600}`, n, n)
			return
		}
		apiCalls.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}`)
	}))
	t.Cleanup(srv.Close)
	client, err := NewClient(Config{APIDomain: srv.URL, Tokens: newSource(t, srv.URL)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.CancelBackup(context.Background(), "4876876000001593003")
	if ErrorCode(err) != CodeInvalidToken || apiCalls.Load() != 2 || refreshes.Load() != 2 {
		t.Errorf("want INVALID_TOKEN after exactly one retry, got %v after %d calls and %d refreshes", err, apiCalls.Load(), refreshes.Load())
	}

	// A static token cannot be replaced, so it is not retried.
	apiCalls.Store(0)
	static, _ := NewClient(Config{APIDomain: srv.URL, Tokens: StaticToken(testToken)})
	if _, err := static.CancelBackup(context.Background(), "4876876000001593003"); ErrorCode(err) != CodeInvalidToken || apiCalls.Load() != 1 {
		t.Errorf("a static token must be sent once, got %d calls (%v)", apiCalls.Load(), err)
	}
}
