package zoho

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

const scheduledBody = `{"backup":{"status":"success","code":"SUCCESS","message":"Backup scheduled successfully.","details":{"id":"4876876000001593003"}}}`

func TestScheduleBackupImmediateSendsAnEmptyBody(t *testing.T) {
	client, seen := cannedServer(t, 200, scheduledBody)
	result, err := client.ScheduleBackup(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if result.ID != "4876876000001593003" || result.Code != CodeSuccess || result.Message != "Backup scheduled successfully." {
		t.Errorf("unexpected result %+v", result)
	}
	req := (*seen)[0]
	body, _ := io.ReadAll(req.Body)
	if len(*seen) != 1 || req.Method != http.MethodPost || req.URL.Path != "/crm/bulk/v8/backup" || len(body) != 0 || req.Header.Get("Content-Type") != "" {
		t.Errorf("want one POST /crm/bulk/v8/backup with no body, got %s %s %q", req.Method, req.URL.Path, body)
	}
}

func TestScheduleBackupSendsTheDocumentedRule(t *testing.T) {
	for _, rule := range []string{"FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "RRULE:BYDAY=TU;INTERVAL=2;FREQ=WEEKLY"} {
		client, seen := cannedServer(t, 200, scheduledBody)
		if _, err := client.ScheduleBackup(context.Background(), rule); err != nil {
			t.Fatal(err)
		}
		req := (*seen)[0]
		body, _ := io.ReadAll(req.Body)
		if string(body) != `{"backup":{"rrule":"RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"}}` || req.Header.Get("Content-Type") != "application/json" {
			t.Errorf("rule %q sent as %q (%s)", rule, body, req.Header.Get("Content-Type"))
		}
	}
}

func TestScheduleBackupRejectsABadRuleWithoutRequest(t *testing.T) {
	client, seen := cannedServer(t, 200, scheduledBody)
	_, err := client.ScheduleBackup(context.Background(), "FREQ=DAILY;INTERVAL=1;BYDAY=MO")
	if err == nil || !strings.Contains(err.Error(), `part "FREQ=DAILY"`) {
		t.Fatalf("want an error naming the part, got %v", err)
	}
	if len(*seen) != 0 {
		t.Errorf("a bad rule must not reach the API, got %d requests", len(*seen))
	}
}

func TestScheduleBackupErrors(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		wantCode string
		wantID   string
	}{
		{"already scheduled", 400, `{"backup":{"code":"BACKUP_ALREADY_SCHEDULED","details":{"id":"4876876000001593003"},"message":"Backup is already scheduled","status":"error"}}`, CodeBackupAlreadyScheduled, "4876876000001593003"},
		{"already scheduled top-level", 400, `{"code":"BACKUP_ALREADY_SCHEDULED","details":{"id":"4876876000001593009"},"message":"Backup is already scheduled","status":"error"}`, CodeBackupAlreadyScheduled, "4876876000001593009"},
		{"limit exceeded nested", 400, `{"backup":{"code":"LIMIT_EXCEEDED","details":{},"message":"Backup limit exceeded.","status":"error"}}`, CodeLimitExceeded, ""},
		{"limit exceeded top-level", 400, `{"code":"LIMIT_EXCEEDED","details":{},"message":"Backup limit exceeded.","status":"error"}`, CodeLimitExceeded, ""},
		{"limit reached nested", 400, `{"backup":{"code":"LIMIT_REACHED","details":{},"message":"Backup limit exceeded.","status":"error"}}`, CodeLimitReached, ""},
		{"limit reached top-level", 400, `{"code":"LIMIT_REACHED","details":{},"message":"Backup limit exceeded.","status":"error"}`, CodeLimitReached, ""},
		{"invalid data", 400, `{"backup":{"code":"INVALID_DATA","details":{"api_name":"rrule","json_path":"$.backup.rrule"},"message":"Invalid data","status":"error"}}`, CodeInvalidData, ""},
		{"body not readable", 400, `{"code":"REQUEST_BODY_NOT_READABLE","details":{},"message":"unable to read the request body","status":"error"}`, CodeRequestBodyNotReadable, ""},
		{"scope mismatch", 401, `{"code":"OAUTH_SCOPE_MISMATCH","details":{},"message":"invalid oauth scope to access this URL","status":"error"}`, CodeOAuthScopeMismatch, ""},
		{"no permission", 403, `{"code":"NO_PERMISSION","details":{"permissions":["x"]},"message":"permission denied","status":"error"}`, CodeNoPermission, ""},
		{"internal error", 500, `{"code":"INTERNAL_ERROR","details":{},"message":"Internal Server Error","status":"error"}`, CodeInternalError, ""},
		{"html", 502, `<html>bad gateway</html>`, "", ""},
		{"success without an id", 200, `{"backup":{"status":"success","code":"SUCCESS","message":"Backup scheduled successfully.","details":{}}}`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, _ := cannedServer(t, tt.status, tt.body)
			_, err := client.ScheduleBackup(context.Background(), "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO")
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("want *APIError, got %T %v", err, err)
			}
			if apiErr.Code != tt.wantCode || apiErr.HTTPStatus != tt.status || apiErr.DetailString("id") != tt.wantID {
				t.Errorf("got %q HTTP %d id %q, want %q %d %q", apiErr.Code, apiErr.HTTPStatus, apiErr.DetailString("id"), tt.wantCode, tt.status, tt.wantID)
			}
			if !strings.Contains(err.Error(), "schedule a backup with rule RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO") {
				t.Errorf("error %q does not say what was being done", err)
			}
		})
	}
}
