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
)

// hostileTail is server text long enough that quoting it whole would flood
// a terminal: everything quoted must be bounded.
var hostileTail = strings.Repeat("x", 10_000)

// echoingSecrets is what a broken or hostile accounts server writes into
// every field it controls: the refresh credentials it received, a line
// break that would forge a log line, and a flood.
var echoingSecrets = "leak client_secret=" + testClientSecret + " refresh_token=" + testRefreshToken + "\nforged line " + hostileTail

// echoingToken is the same for the API, which receives only the access
// token (and may echo any other Zoho token it holds).
var echoingToken = "leak " + testToken + " other token " + testRefreshToken + "\nforged line " + hostileTail

// serverQuotes lists every string of err that came from the server.
func serverQuotes(err error) []string {
	quotes := []string{err.Error()}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		quotes = append(quotes, apiErr.Code, apiErr.Message, apiErr.Status, string(apiErr.Details), apiErr.BodyExcerpt)
	}
	var tokenErr *TokenError
	if errors.As(err, &tokenErr) {
		quotes = append(quotes, tokenErr.Code, tokenErr.Description, tokenErr.BodyExcerpt)
	}
	return quotes
}

// checkQuotedSafely fails when any quote holds a secret, a line break or
// more than a diagnostic should show.
func checkQuotedSafely(t *testing.T, quotes ...string) {
	t.Helper()
	for _, quote := range quotes {
		for _, secret := range []string{testToken, testClientSecret, testRefreshToken} {
			if strings.Contains(quote, secret) {
				t.Errorf("quotes a secret: %.300q", quote)
			}
		}
		if strings.Contains(quote, "\n") {
			t.Errorf("quotes a line break: %.300q", quote)
		}
		if len(quote) > 1000 {
			t.Errorf("quotes %d bytes: %.300q", len(quote), quote)
		}
	}
}

// TestEveryServerStringIsRedactedAndBounded covers the class of defect 2:
// each string a server controls, in each answer of the API and of the
// accounts server, echoes the secrets and a flood; none of it reaches an
// error (hence a diagnostic) or a log line unredacted or unbounded.
func TestEveryServerStringIsRedactedAndBounded(t *testing.T) {
	quoted := fmt.Sprintf("%q", echoingToken)
	apiAnswers := map[string]step{
		"envelope code":       {status: 400, body: `{"code":` + quoted + `,"details":{},"message":"m","status":"error"}`},
		"envelope message":    {status: 400, body: `{"code":"INVALID_DATA","details":{},"message":` + quoted + `,"status":"error"}`},
		"envelope status":     {status: 400, body: `{"code":"INVALID_DATA","details":{},"message":"m","status":` + quoted + `}`},
		"envelope details":    {status: 400, body: `{"code":"INVALID_DATA","details":{"id":` + quoted + `},"message":"m","status":"error"}`},
		"nested envelope":     {status: 400, body: `{"backup":{"code":` + quoted + `,"details":{"x":` + quoted + `},"message":` + quoted + `,"status":"error"}}`},
		"body excerpt":        {status: 502, body: "<html>" + echoingToken + "</html>"},
		"redirect location":   {status: 302, header: http.Header{"Location": {"https://evil.example/" + testToken + "/" + hostileTail + "?refresh_token=" + testRefreshToken}}},
		"retried code in log": {status: 503, body: `{"code":` + quoted + `,"details":{},"message":"m","status":"error"}`},
	}
	for name, answer := range apiAnswers {
		t.Run("API "+name, func(t *testing.T) {
			url, _ := scriptedServer(t, answer)
			client, logs := newTestClient(t, url, fastRetries(1), 0)
			_, err := client.CancelBackup(context.Background(), backupID)
			if err == nil {
				t.Fatal("want an error")
			}
			checkQuotedSafely(t, serverQuotes(err)...)
			checkQuotedSafely(t, logs.reasons()...)
		})
	}

	quoted = fmt.Sprintf("%q", echoingSecrets)
	tokenAnswers := map[string]step{
		"error":             {status: 200, body: `{"error":` + quoted + `}`},
		"error_description": {status: 200, body: `{"error":"invalid_code","error_description":` + quoted + `}`},
		"body excerpt":      {status: 500, body: "<html>" + echoingSecrets + "</html>"},
		"redirect location": {status: 307, header: http.Header{"Location": {"https://evil.example/" + testRefreshToken + "/" + hostileTail}}},
	}
	for name, answer := range tokenAnswers {
		t.Run("token endpoint "+name, func(t *testing.T) {
			url, _ := scriptedServer(t, answer)
			logs := &logRecorder{}
			_, err := newSource(t, url, func(c *RefreshConfig) { c.Log = logs.logf }).Token(context.Background())
			if err == nil {
				t.Fatal("want an error")
			}
			checkQuotedSafely(t, serverQuotes(err)...)
			for _, line := range logs.lines {
				checkQuotedSafely(t, fmt.Sprint(line))
			}
		})
	}
}

// TestTokenRefusalIsRememberedForTheProcess covers defect 1 and its class:
// an answer of the accounts server that asking again cannot change is sent
// once, however many requests wait for a token (20 resources here); a
// transient failure is asked again, as before.
func TestTokenRefusalIsRememberedForTheProcess(t *testing.T) {
	tests := map[string]struct {
		answer  step
		perCall bool // transient: each Token call asks again
	}{
		"invalid_code":          {answer: step{status: 200, body: `{"error":"invalid_code"}`}},
		"invalid_client":        {answer: step{status: 200, body: `{"error":"invalid_client"}`}},
		"invalid_client_secret": {answer: step{status: 200, body: `{"error":"invalid_client_secret"}`}},
		"Access Denied as 200":  {answer: step{status: 200, body: `{"error":"Access Denied"}`}},
		"Access Denied as 400":  {answer: step{status: 400, body: `{"error":"Access Denied"}`}},
		"an undocumented error": {answer: step{status: 200, body: `{"error":"something_new"}`}},
		"a 4xx page":            {answer: step{status: 403, body: `<html>forbidden</html>`}},
		"a redirect":            {answer: step{status: 302, header: http.Header{"Location": {"https://accounts.example/login"}}}},
		"a 5xx page":            {answer: step{status: 502, body: `<html>bad gateway</html>`}, perCall: true},
		"a 429":                 {answer: step{status: 429, body: `<html>slow down</html>`}, perCall: true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			url, hits := scriptedServer(t, tt.answer)
			source := newSource(t, url)
			const waiting = 20
			var wg sync.WaitGroup
			var failures atomic.Int32
			for range waiting {
				wg.Go(func() {
					var tokenErr *TokenError
					if _, err := source.Token(context.Background()); errors.As(err, &tokenErr) {
						failures.Add(1)
					}
				})
			}
			wg.Wait()
			if failures.Load() != waiting {
				t.Errorf("%d of %d calls failed with a *TokenError", failures.Load(), waiting)
			}
			want := int32(1)
			if tt.perCall {
				want = waiting
			}
			if hits.Load() != want {
				t.Errorf("%d token requests for %d waiting calls, want %d", hits.Load(), waiting, want)
			}
		})
	}
}

// TestTokenRefusalOfOneResourceIsNotRetriedByTheClient: through the API
// client, 20 concurrent cancellations with a revoked refresh token send one
// token request and no API request at all.
func TestTokenRefusalOfOneResourceIsNotRetriedByTheClient(t *testing.T) {
	accounts, tokenHits := scriptedServer(t, step{status: 200, body: `{"error":"invalid_code"}`})
	api, apiHits := scriptedServer(t, step{status: 200, body: `{}`})
	client, err := NewClient(Config{APIDomain: api, Tokens: newSource(t, accounts), Retry: fastRetries(5)})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := client.CancelBackup(context.Background(), backupID); !errors.As(err, new(*TokenError)) {
				t.Errorf("want a *TokenError, got %v", err)
			}
		})
	}
	wg.Wait()
	if tokenHits.Load() != 1 || apiHits.Load() != 0 {
		t.Errorf("%d token requests and %d API requests, want 1 and 0", tokenHits.Load(), apiHits.Load())
	}
}

// TestUnsendableTokenIsNeverRetried covers defect 3 and its class: a token
// with a character a header cannot carry is refused before anything is
// sent, at once (not after five retries), with an error that names the
// character and its place but never quotes the token.
func TestUnsendableTokenIsNeverRetried(t *testing.T) {
	for name, token := range map[string]string{
		"trailing newline":    testToken + "\n",
		"carriage return":     testToken + "\r\n",
		"embedded NUL":        "1000.abc\x00def",
		"DEL":                 testToken + "\x7f",
		"header injection":    testToken + "\r\nX-Evil: 1",
		"vertical whitespace": "\v" + testToken,
	} {
		t.Run(name, func(t *testing.T) {
			url, hits := scriptedServer(t, step{status: 200, body: `{}`})
			client, err := NewClient(Config{APIDomain: url, Tokens: StaticToken(token), Retry: &RetryPolicy{MaxRetries: 5, MinBackoff: time.Second}})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = client.CancelBackup(context.Background(), backupID)
			var unsendable *TokenNotSendableError
			if !errors.As(err, &unsendable) {
				t.Fatalf("want a *TokenNotSendableError, got %v", err)
			}
			if errors.As(err, new(*RetryError)) || time.Since(start) > 500*time.Millisecond {
				t.Errorf("retried (took %s): %v", time.Since(start), err)
			}
			if hits.Load() != 0 {
				t.Errorf("%d requests reached the server", hits.Load())
			}
			if !strings.Contains(err.Error(), "control character U+") || strings.Contains(err.Error(), "1000.") {
				t.Errorf("error does not name the character, or quotes the token: %q", err)
			}
		})
	}
	if err := CheckHeaderValue(testToken + "\twith tab"); err != nil {
		t.Errorf("a horizontal tab is a valid header character: %v", err)
	}
}

// TestHistoryPagingIsBounded covers defect 4 and its class: pages and
// entries of the history are bounded, and the error names the bound.
func TestHistoryPagingIsBounded(t *testing.T) {
	entry := `{"id":"4876876000001758001","done_by":null,"log_time":null,"state":null,"action":"scheduled","repeat_type":null,"file_name":null,"count":0}`
	page := func(entries int, more bool) string {
		return fmt.Sprintf(`{"history":[%s],"info":{"page":1,"per_page":200,"count":%d,"more_records":%t}}`,
			strings.TrimSuffix(strings.Repeat(entry+",", entries), ","), entries, more)
	}
	tests := map[string]struct {
		body      string
		wantHits  int32
		wantBound string
	}{
		"one entry per page, more_records forever":     {page(1, true), MaxHistoryPages, fmt.Sprintf("%d pages of %d entries", MaxHistoryPages, HistoryPerPage)},
		"full pages, more_records forever":             {page(HistoryPerPage, true), MaxHistoryPages, fmt.Sprintf("%d pages of %d entries", MaxHistoryPages, HistoryPerPage)},
		"a page longer than the per_page it was given": {page(HistoryPerPage+1, false), 1, fmt.Sprintf("%d entries per page", HistoryPerPage)},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			url, hits := scriptedServer(t, step{status: 200, body: tt.body})
			client, _ := newTestClient(t, url, noRetries, 0)
			_, err := client.GetBackupHistory(context.Background(), 0)
			var limitErr *LimitError
			if !errors.As(err, &limitErr) || limitErr.Bound != tt.wantBound {
				t.Fatalf("want a *LimitError naming %q, got %v", tt.wantBound, err)
			}
			if hits.Load() != tt.wantHits {
				t.Errorf("%d requests, want %d", hits.Load(), tt.wantHits)
			}
		})
	}
}

// TestBackupIDDomain covers defect 5: 1 to 19 digits, not all zeros.
func TestBackupIDDomain(t *testing.T) {
	for id, valid := range map[string]bool{
		"4876876000001593003":    true,
		"1":                      true,
		"9999999999999999999":    true,
		"0000000000000000001":    true,
		"":                       false,
		"0":                      false,
		"0000000000000000000":    false,
		"48768760000015930031":   false,
		strings.Repeat("1", 200): false,
		"4876876000001593003 ":   false,
		"-1":                     false,
		"1e5":                    false,
		"４８７":                    false,
	} {
		if err := ValidateBackupID(id); (err == nil) != valid {
			t.Errorf("ValidateBackupID(%.40q) = %v, want valid %t", id, err, valid)
		}
	}
}

// TestRetryAfterPastTheDeadlineSaysWhatZohoAskedFor: Retry-After: 3600
// under a 5 s deadline stops at once, and the error keeps the hour Zoho
// asked for (not the client's cap).
func TestRetryAfterPastTheDeadlineSaysWhatZohoAskedFor(t *testing.T) {
	url, hits := scriptedServer(t, step{status: 429, body: throttled, header: http.Header{"Retry-After": {"3600"}}})
	client, _ := newTestClient(t, url, &RetryPolicy{MaxRetries: 5, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	_, err := client.CancelBackup(ctx, backupID)
	var retryErr *RetryError
	if !errors.As(err, &retryErr) || retryErr.RetryAfter != time.Hour || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want a RetryError with RetryAfter 1h, got %#v", err)
	}
	if time.Since(start) > 2*time.Second || hits.Load() != 1 {
		t.Errorf("waited %s and sent %d requests, want at once and 1", time.Since(start), hits.Load())
	}
}

// TestTokenEndpointRedirectIsReportedAsRefused: a redirect from the
// accounts server is reported as such, not as an empty body.
func TestTokenEndpointRedirectIsReportedAsRefused(t *testing.T) {
	var followed atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { followed.Add(1) }))
	t.Cleanup(target.Close)
	url, _ := scriptedServer(t, step{status: 307, header: http.Header{"Location": {target.URL + "/oauth/v2/token"}}})
	_, err := newSource(t, url).Token(context.Background())
	var tokenErr *TokenError
	if !errors.As(err, &tokenErr) || !strings.Contains(tokenErr.BodyExcerpt, "redirect to "+target.URL+"/oauth/v2/token refused") {
		t.Fatalf("want a refused redirect, got %v", err)
	}
	if followed.Load() != 0 {
		t.Error("the redirect was followed with the credentials")
	}
}
