package zoho

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// Tests of the codes Zoho's Node.js SDK for API v8 declares beyond the
// documented ones: each is classified the same nested under "backup" and at
// the top level, a refusal costs one request whatever its status, a server
// failure is retried (a POST only when Zoho cannot have acted), and a 304
// or an unknown code gives an error that says what arrived.

// sdkEnvelope is an error envelope with code and message, nested under
// "backup" or at the top level.
func sdkEnvelope(code, message string, nested bool) string {
	inner := fmt.Sprintf(`{"code":%q,"details":{"api_name":"rrule","json_path":"$.backup.rrule"},"message":%q,"status":"error"}`, code, message)
	if nested {
		return `{"backup":` + inner + `}`
	}
	return inner
}

// placements names the two places Zoho puts an error envelope.
var placements = map[string]bool{"top level": false, "nested": true}

// backupCall is one call of the client, reduced to its error.
type backupCall struct {
	name string
	call func(context.Context, *Client) error
}

// backupCalls are every call the client makes: a write that must not run
// twice (POST), an idempotent write (PUT) and the three reads (GET).
var backupCalls = []backupCall{
	{"schedule", func(ctx context.Context, c *Client) error {
		_, err := c.ScheduleBackup(ctx, "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO")
		return err
	}},
	{"cancel", func(ctx context.Context, c *Client) error { _, err := c.CancelBackup(ctx, backupID); return err }},
	{"read", func(ctx context.Context, c *Client) error { _, err := c.GetBackup(ctx); return err }},
	{"urls", func(ctx context.Context, c *Client) error { _, err := c.GetBackupURLs(ctx); return err }},
	{"history", func(ctx context.Context, c *Client) error { _, err := c.GetBackupHistory(ctx, 0); return err }},
}

// wantAPIError fails unless err is (or wraps) an *APIError with code and status.
func wantAPIError(t *testing.T, err error, code string, status int) *APIError {
	t.Helper()
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("want an *APIError with code %q, got %T %v", code, err, err)
	}
	if apiErr.Code != code || apiErr.HTTPStatus != status {
		t.Fatalf("got code %q HTTP %d, want %q HTTP %d (%v)", apiErr.Code, apiErr.HTTPStatus, code, status, err)
	}
	return apiErr
}

// answerCase is one scripted error answer to one backup call.
type answerCase struct {
	code   string
	nested bool
	status int
	call   backupCall
}

func (c answerCase) name() string {
	placement := "top level"
	if c.nested {
		placement = "nested"
	}
	return fmt.Sprintf("%s/%s/%d/%s", c.code, placement, c.status, c.call.name)
}

// answerCases is every combination of codes, both placements, statuses and
// backup calls.
func answerCases(codes []string, statuses []int) []answerCase {
	var cases []answerCase
	for _, code := range codes {
		for _, nested := range []bool{false, true} {
			for _, status := range statuses {
				for _, call := range backupCalls {
					cases = append(cases, answerCase{code: code, nested: nested, status: status, call: call})
				}
			}
		}
	}
	return cases
}

// TestRefusalCodesAreNeverRetried: NOT_ALLOWED, ALREADY_USED,
// MANDATORY_NOT_FOUND, BAD_REQUEST and an envelope naming "Not Modified"
// cost one request for every call, in both placements, whatever status comes
// with them, even one (500, 503, 429) that alone would be retried.
func TestRefusalCodesAreNeverRetried(t *testing.T) {
	codes := []string{CodeNotAllowed, CodeAlreadyUsed, CodeMandatoryNotFound, CodeBadRequest, CodeNotModified}
	statuses := []int{http.StatusBadRequest, http.StatusForbidden, http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusTooManyRequests}
	for _, tc := range answerCases(codes, statuses) {
		t.Run(tc.name(), func(t *testing.T) {
			url, hits := scriptedServer(t, step{status: tc.status, body: sdkEnvelope(tc.code, "refused by Zoho", tc.nested)})
			client, logs := newTestClient(t, url, fastRetries(5), 0)
			err := tc.call.call(context.Background(), client)
			apiErr := wantAPIError(t, err, tc.code, tc.status)
			if apiErr.Message != "refused by Zoho" || apiErr.DetailString("api_name") != "rrule" {
				t.Errorf("message %q, details %s", apiErr.Message, apiErr.Details)
			}
			if errors.As(err, new(*RetryError)) || errors.Is(err, ErrMayHaveActed) {
				t.Errorf("a refusal is reported as such, got %v", err)
			}
			if got := hits.Load(); got != 1 || len(logs.lines) != 0 {
				t.Errorf("%d requests and retry lines %v, want 1 request and none", got, logs.reasons())
			}
		})
	}
}

// TestInternalServerErrorIsRetriedLikeInternalError: INTERNAL_SERVER_ERROR,
// in both placements and with a 5xx or a 4xx status, is retried by the
// idempotent calls (two failures then success: 3 requests) and gives up
// after max_retries; a POST is not sent again (1 request), since Zoho's
// application had it and may have acted, even with a 503.
func TestInternalServerErrorIsRetriedLikeInternalError(t *testing.T) {
	success := map[string]string{
		"cancel":  cancelSuccess,
		"read":    `{"backup":{"id":"4876876000001593003","status":"SCHEDULED"}}`,
		"urls":    `{"urls":{"data_links":[],"attachment_links":[],"expiry_date":null}}`,
		"history": `{"history":[],"info":{"per_page":200,"count":0,"page":1,"more_records":false}}`,
	}
	codes := []string{CodeInternalServerError, CodeInternalError}
	statuses := []int{http.StatusInternalServerError, http.StatusBadRequest, http.StatusServiceUnavailable}
	for _, tc := range answerCases(codes, statuses) {
		t.Run(tc.name(), func(t *testing.T) {
			failed := step{status: tc.status, body: sdkEnvelope(tc.code, "Internal Server Error", tc.nested)}
			if tc.call.name == "schedule" {
				checkPostNotResent(t, tc.call, failed, tc.code)
				return
			}
			checkRetriedThenSucceeds(t, tc.call, failed, step{status: http.StatusOK, body: success[tc.call.name]})
			checkRetriesUsedUp(t, tc.call, failed, tc.code)
		})
	}
}

// checkRetriedThenSucceeds: two failures, then success, in 3 requests.
func checkRetriedThenSucceeds(t *testing.T, bc backupCall, failed, succeeded step) {
	t.Helper()
	url, hits := scriptedServer(t, failed, failed, succeeded)
	client, logs := newTestClient(t, url, fastRetries(5), 0)
	if err := bc.call(context.Background(), client); err != nil {
		t.Fatalf("want success after two failures, got %v", err)
	}
	if got := hits.Load(); got != 3 || len(logs.lines) != 2 {
		t.Errorf("%d requests and retry lines %v, want 3 requests and 2 retries", got, logs.reasons())
	}
}

// checkRetriesUsedUp: a lasting failure ends after max_retries = 2, in 3 requests.
func checkRetriesUsedUp(t *testing.T, bc backupCall, failed step, code string) {
	t.Helper()
	url, hits := scriptedServer(t, failed)
	client, _ := newTestClient(t, url, fastRetries(2), 0)
	err := bc.call(context.Background(), client)
	var retryErr *RetryError
	if !errors.As(err, &retryErr) || retryErr.Attempts != 3 || hits.Load() != 3 {
		t.Fatalf("want a RetryError after 3 attempts, got %v after %d requests", err, hits.Load())
	}
	_ = wantAPIError(t, err, code, failed.status)
}

// checkPostNotResent: a POST that met a server failure is reported after
// one request.
func checkPostNotResent(t *testing.T, bc backupCall, failed step, code string) {
	t.Helper()
	url, hits := scriptedServer(t, failed, step{status: http.StatusOK, body: cancelSuccess})
	client, logs := newTestClient(t, url, fastRetries(5), 0)
	err := bc.call(context.Background(), client)
	_ = wantAPIError(t, err, code, failed.status)
	if got := hits.Load(); got != 1 || len(logs.lines) != 0 {
		t.Errorf("%d requests and retry lines %v: a POST Zoho may have acted on must not be sent again", got, logs.reasons())
	}
}

// TestNotModifiedIsReportedNotRetried: a bare 304 is neither retried nor
// taken for a refused redirect; the error names the status and says the
// client sends no conditional request.
func TestNotModifiedIsReportedNotRetried(t *testing.T) {
	for _, bc := range backupCalls {
		t.Run(bc.name, func(t *testing.T) {
			url, hits := scriptedServer(t, step{status: http.StatusNotModified, header: http.Header{"Location": {"https://elsewhere.example/"}}})
			client, logs := newTestClient(t, url, fastRetries(5), 0)
			err := bc.call(context.Background(), client)
			apiErr := wantAPIError(t, err, CodeNotModified, http.StatusNotModified)
			msg := err.Error()
			if !strings.Contains(msg, "unexpected HTTP 304 Not Modified") || !strings.Contains(msg, "conditional request") ||
				strings.Contains(msg, "redirect") || strings.Contains(apiErr.BodyExcerpt, "redirect") {
				t.Errorf("error %q (excerpt %q) does not say what a 304 is", msg, apiErr.BodyExcerpt)
			}
			if got := hits.Load(); got != 1 || len(logs.lines) != 0 {
				t.Errorf("%d requests and retry lines %v, want 1 request and none", got, logs.reasons())
			}
		})
	}
	t.Run("other 3xx are still refused redirects", func(t *testing.T) {
		url, hits := scriptedServer(t, step{status: http.StatusFound, header: http.Header{"Location": {"https://elsewhere.example/"}}})
		client, _ := newTestClient(t, url, fastRetries(5), 0)
		_, err := client.CancelBackup(context.Background(), backupID)
		var apiErr *APIError
		if !errors.As(err, &apiErr) || !strings.Contains(apiErr.BodyExcerpt, "redirect to https://elsewhere.example/ refused") || hits.Load() != 1 {
			t.Errorf("want a refused redirect after 1 request, got %v after %d", err, hits.Load())
		}
	})
}

// TestUnknownCodeKeepsCodeMessageAndStatus: a code nobody knows yet, in
// either placement, gives an error with the code, Zoho's message (redacted
// and bounded) and the HTTP status. Its status decides the retry: a 4xx is
// reported at once, a 500 is retried like any 5xx.
func TestUnknownCodeKeepsCodeMessageAndStatus(t *testing.T) {
	message := "quota of " + testToken + " " + strings.Repeat("é", 300)
	for placement, nested := range placements {
		for status, wantHits := range map[int]int32{http.StatusBadRequest: 1, http.StatusInternalServerError: 3} {
			t.Run(fmt.Sprintf("%s/%d", placement, status), func(t *testing.T) {
				url, hits := scriptedServer(t, step{status: status, body: sdkEnvelope("SOMETHING_NEW", message, nested)})
				client, _ := newTestClient(t, url, fastRetries(2), 0)
				_, err := client.CancelBackup(context.Background(), backupID)
				apiErr := wantAPIError(t, err, "SOMETHING_NEW", status)
				msg := err.Error()
				if !strings.Contains(msg, fmt.Sprintf("HTTP %d, Zoho code SOMETHING_NEW: quota of [REDACTED] é", status)) || strings.Contains(msg, testToken) {
					t.Errorf("error %q lacks status, code or redacted message", msg)
				}
				if len(apiErr.Message) > excerptBytes+len("…") || !strings.HasSuffix(apiErr.Message, "…") {
					t.Errorf("message of %d bytes is not bounded to %d: %q", len(apiErr.Message), excerptBytes, apiErr.Message)
				}
				if got := hits.Load(); got != wantHits {
					t.Errorf("%d requests, want %d", got, wantHits)
				}
			})
		}
	}
}

// TestClassifyAnswer: a known code decides before the status; otherwise
// the status does.
func TestClassifyAnswer(t *testing.T) {
	tests := []struct {
		status                   int
		code                     string
		transient, unprocessedOK bool
	}{
		{500, CodeNotAllowed, false, false},
		{503, CodeBadRequest, false, false},
		{429, CodeMandatoryNotFound, false, false},
		{200, CodeAlreadyUsed, false, false},
		{502, CodeNotModified, false, false},
		{500, CodeInternalServerError, true, false},
		{400, CodeInternalServerError, true, false},
		{503, CodeInternalServerError, true, false},
		{200, CodeInternalError, true, false},
		{501, "", false, false},
		{503, "", true, true},
		{429, CodeTooManyRequests, true, true},
		{500, "SOMETHING_NEW", true, false},
		{400, "SOMETHING_NEW", false, false},
		{304, "", false, false},
	}
	for _, tt := range tests {
		transient, unprocessed := classifyAnswer(tt.status, tt.code)
		if transient != tt.transient || unprocessed != tt.unprocessedOK {
			t.Errorf("HTTP %d %q: transient %v unprocessed %v, want %v %v", tt.status, tt.code, transient, unprocessed, tt.transient, tt.unprocessedOK)
		}
	}
}

// TestEnvelopeFindsEachSDKCodeInBothPlacements: parseEnvelope reads every
// code of this file nested under "backup" and at the top level alike.
func TestEnvelopeFindsEachSDKCodeInBothPlacements(t *testing.T) {
	for _, code := range []string{CodeNotAllowed, CodeAlreadyUsed, CodeMandatoryNotFound, CodeBadRequest, CodeInternalServerError, CodeNotModified} {
		for placement, nested := range placements {
			env, ok := parseEnvelope([]byte(sdkEnvelope(code, "m", nested)))
			if !ok || env.Code != code || env.Message != "m" || detailString(env.Details, "json_path") != "$.backup.rrule" {
				t.Errorf("%s %s: parsed %+v, ok %v", code, placement, env, ok)
			}
		}
	}
}
