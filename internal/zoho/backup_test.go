package zoho

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const testToken = "1000.8cb99d0123456789abcdef9be93.9b8abcdef0123456789f"

// noRetries keeps the tests of single answers to one request each.
var noRetries = &RetryPolicy{MaxRetries: 0}

// cannedServer answers every request with status and body and records what it saw.
func cannedServer(t *testing.T, status int, body string) (*Client, *[]*http.Request) {
	t.Helper()
	var seen []*http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Keep the body readable after the handler returns.
		sent, _ := io.ReadAll(r.Body)
		clone := r.Clone(context.Background())
		clone.Body = io.NopCloser(bytes.NewReader(sent))
		seen = append(seen, clone)
		if body != "" {
			w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	client, err := NewClient(Config{APIDomain: srv.URL + "/", Tokens: StaticToken(testToken), UserAgent: "test-agent/1", Retry: noRetries})
	if err != nil {
		t.Fatal(err)
	}
	return client, &seen
}

func TestCancelBackupSendsDocumentedRequest(t *testing.T) {
	client, seen := cannedServer(t, 200, `{"backup":{"status":"success","code":"SUCCESS","message":"Backup stopped successfully.","details":{"id":"4876876000001593003"}}}`)
	result, err := client.CancelBackup(context.Background(), "4876876000001593003")
	if err != nil {
		t.Fatal(err)
	}
	if result.Code != CodeSuccess || result.Message != "Backup stopped successfully." || result.ID != "4876876000001593003" || result.AlreadyCancelled() {
		t.Errorf("unexpected result %+v", result)
	}
	if len(*seen) != 1 {
		t.Fatalf("want exactly 1 request, got %d", len(*seen))
	}
	req := (*seen)[0]
	if req.Method != http.MethodPut || req.URL.Path != "/crm/bulk/v8/backup/4876876000001593003/actions/cancel" {
		t.Errorf("request %s %s", req.Method, req.URL.Path)
	}
	if got := req.Header.Get("Authorization"); got != "Zoho-oauthtoken "+testToken {
		t.Errorf("Authorization header %q", got)
	}
	if got := req.Header.Get("User-Agent"); got != "test-agent/1" {
		t.Errorf("User-Agent %q", got)
	}
	if req.ContentLength != 0 {
		t.Errorf("cancel must send no body, got %d bytes", req.ContentLength)
	}
}

// checkCancelAPIError: err is the *APIError of a cancellation, with the
// code, status and excerpt wanted, saying what was being done.
func checkCancelAPIError(t *testing.T, err error, status int, wantCode, wantExcerpt string) {
	t.Helper()
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("want *APIError, got %T %v", err, err)
	}
	if apiErr.Code != wantCode || apiErr.HTTPStatus != status {
		t.Errorf("got code %q status %d, want %q %d", apiErr.Code, apiErr.HTTPStatus, wantCode, status)
	}
	if apiErr.BodyExcerpt != wantExcerpt {
		t.Errorf("excerpt %q, want %q", apiErr.BodyExcerpt, wantExcerpt)
	}
	if !strings.Contains(err.Error(), "cancel backup 4876876000001593003") {
		t.Errorf("error %q does not say what was being done", err)
	}
}

func TestCancelBackupEnvelopes(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		body        string
		wantCode    string // result code on success, error code on failure
		wantErr     bool
		wantExcerpt string
	}{
		{"success in documented key order", 200, `{"backup":{"status":"success","code":"SUCCESS","message":"Backup stopped successfully.","details":{"id":"4876876000001593003"}}}`, CodeSuccess, false, ""},
		{"success in another key order", 200, `{"backup":{"details":{"id":"4876876000001593003"},"message":"Backup stopped successfully.","code":"SUCCESS","status":"success"}}`, CodeSuccess, false, ""},
		{"already cancelled nested is success", 400, `{"backup":{"code":"ALREADY_CANCELLED","details":{"id":"4876876000001593003"},"message":"Backup is already canceled","status":"error"}}`, CodeAlreadyCancelled, false, ""},
		{"already cancelled top-level is success", 400, `{"code":"ALREADY_CANCELLED","details":{},"message":"Backup is already canceled","status":"error"}`, CodeAlreadyCancelled, false, ""},
		{"in progress nested", 400, `{"backup":{"code":"INPROGRESS","details":{"id":"4876876000001593003"},"message":"Backup is in progress","status":"error"}}`, CodeInProgress, true, ""},
		{"not found top-level", 400, `{"code":"RESOURCE_NOT_FOUND","details":{},"message":"The requested resource doesn't exist","status":"error"}`, CodeResourceNotFound, true, ""},
		{"not found nested", 400, `{"backup":{"code":"RESOURCE_NOT_FOUND","details":{"id":"1"},"message":"The requested resource doesn't exist","status":"error"}}`, CodeResourceNotFound, true, ""},
		{"scope mismatch", 401, `{"code":"OAUTH_SCOPE_MISMATCH","details":{},"message":"invalid oauth scope to access this URL","status":"error"}`, CodeOAuthScopeMismatch, true, ""},
		{"no permission", 403, `{"status":"error","code":"NO_PERMISSION","message":"permission denied","details":{"permissions":["Crm_Implied_Data_Backup"]}}`, CodeNoPermission, true, ""},
		{"invalid token", 401, `{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}`, CodeInvalidToken, true, ""},
		{"authentication failure", 401, `{"code":"AUTHENTICATION_FAILURE","details":{},"message":"Authentication failed","status":"error"}`, CodeAuthenticationFailure, true, ""},
		{"invalid url pattern", 404, `{"code":"INVALID_URL_PATTERN","details":{},"message":"Please check if the URL trying to access is a correct one","status":"error"}`, CodeInvalidURLPattern, true, ""},
		{"invalid request method", 400, `{"code":"INVALID_REQUEST_METHOD","details":{},"message":"The http request method type is not a valid one","status":"error"}`, CodeInvalidRequestMethod, true, ""},
		{"internal error", 500, `{"code":"INTERNAL_ERROR","details":{},"message":"Internal Server Error","status":"error"}`, CodeInternalError, true, ""},
		{"unknown code", 400, `{"code":"SOMETHING_NEW","details":{},"message":"a code nobody documented","status":"error"}`, "SOMETHING_NEW", true, ""},
		{"success code with an error status", 500, `{"backup":{"status":"success","code":"SUCCESS","message":"odd","details":{}}}`, "SUCCESS", true, ""},
		{"html gateway page", 502, "<html><head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>", "", true, "<html><head><title>502 Bad Gateway</title></head> <body>nginx</body></html>"},
		{"empty body", 200, "", "", true, "(empty body)"},
		{"truncated json", 200, `{"backup":{"status":"succ`, "", true, `{"backup":{"status":"succ`},
		{"json without envelope", 200, `{"unexpected":true}`, "", true, `{"unexpected":true}`},
		{"code of the wrong type", 400, `{"code":42,"details":{},"message":"x","status":"error"}`, "", true, `{"code":42,"details":{},"message":"x","status":"error"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, _ := cannedServer(t, tt.status, tt.body)
			result, err := client.CancelBackup(context.Background(), "4876876000001593003")
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if result.Code != tt.wantCode {
					t.Errorf("code %q, want %q", result.Code, tt.wantCode)
				}
				return
			}
			checkCancelAPIError(t, err, tt.status, tt.wantCode, tt.wantExcerpt)
		})
	}
}

func TestCancelBackupRejectsBadIDWithoutRequest(t *testing.T) {
	client, seen := cannedServer(t, 200, "{}")
	for _, id := range []string{"", "abc", "123/../456", "12 3"} {
		if _, err := client.CancelBackup(context.Background(), id); err == nil {
			t.Errorf("id %q: want an error", id)
		}
	}
	if len(*seen) != 0 {
		t.Errorf("bad ids must not reach the API, got %d requests", len(*seen))
	}
}

func TestErrorsNeverQuoteTheToken(t *testing.T) {
	body := `<html>debug: Authorization: Zoho-oauthtoken ` + testToken + ` and another 1000.0123456789abcdef.0123456789abcdef</html>`
	client, _ := cannedServer(t, 502, body)
	_, err := client.CancelBackup(context.Background(), "1")
	if err == nil || strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "1000.0123456789abcdef") {
		t.Fatalf("token leaked or no error: %v", err)
	}
	if !strings.Contains(err.Error(), "[REDACTED]") {
		t.Errorf("want a redaction marker in %q", err)
	}
}

func TestRedirectIsRefusedAndNotFollowed(t *testing.T) {
	var otherHostHits int
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { otherHostHits++ }))
	t.Cleanup(other.Close)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/steal?x=1", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(srv.Close)
	// Default retries: a refused redirect is permanent and must not be retried either.
	client, err := NewClient(Config{APIDomain: srv.URL, Tokens: StaticToken(testToken)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.CancelBackup(context.Background(), "1")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatus != http.StatusTemporaryRedirect || !strings.Contains(apiErr.BodyExcerpt, "redirect to") {
		t.Fatalf("want a refused redirect, got %v", err)
	}
	if strings.Contains(err.Error(), "x=1") {
		t.Errorf("redirect query leaked into %q", err)
	}
	if otherHostHits != 0 {
		t.Errorf("the redirect was followed %d times", otherHostHits)
	}
}

func TestOversizedBodyIsBounded(t *testing.T) {
	client, _ := cannedServer(t, 200, `{"backup":"`+strings.Repeat("a", maxResponseBytes+10)+`"}`)
	_, err := client.CancelBackup(context.Background(), "1")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || !strings.Contains(apiErr.BodyExcerpt, "not read further") || len(apiErr.BodyExcerpt) > 400 {
		t.Fatalf("want a bounded excerpt, got %v", err)
	}
}
