package zoho

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

const sampleBackup = `{"backup":{"id":"4876876000001593003","scheduled_date":"2022-07-26T09:58:45+05:30","start_date":"2022-07-12T12:30:00+05:30","rrule":"RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU","requester":{"id":"4876876000000327001","name":"Patricia Boyle","zuid":"7534658674"},"status":"SCHEDULED"}}`

// readErrorCases are answers every read endpoint must turn into an
// *APIError with the code (both envelope forms) or a body excerpt.
var readErrorCases = []struct {
	name     string
	status   int
	body     string
	wantCode string
}{
	{"scope mismatch top-level", 401, `{"code":"OAUTH_SCOPE_MISMATCH","details":{},"message":"invalid oauth scope to access this URL","status":"error"}`, CodeOAuthScopeMismatch},
	{"no permission", 403, `{"status":"error","code":"NO_PERMISSION","message":"permission denied","details":{"permissions_needed":[""]}}`, CodeNoPermission},
	{"invalid token", 401, `{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}`, CodeInvalidToken},
	{"internal error nested", 500, `{"backup":{"code":"INTERNAL_ERROR","details":{},"message":"Internal Server Error","status":"error"}}`, CodeInternalError},
	{"error envelope with HTTP 200", 200, `{"backup":{"code":"INTERNAL_ERROR","details":{},"message":"odd","status":"error"}}`, CodeInternalError},
	{"invalid request method", 400, `{"code":"INVALID_REQUEST_METHOD","details":{},"message":"The http request method type is not a valid one","status":"error"}`, CodeInvalidRequestMethod},
	{"html gateway page", 502, `<html><title>502 Bad Gateway</title></html>`, ""},
	{"empty 200", 200, ``, ""},
	{"truncated json", 200, `{"backup":{"id":"48768`, ""},
	{"200 without the expected key", 200, `{"something":{}}`, ""},
}

func checkReadError(t *testing.T, err error, status int, wantCode, operation string) {
	t.Helper()
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("want *APIError, got %T %v", err, err)
	}
	if apiErr.Code != wantCode || apiErr.HTTPStatus != status {
		t.Errorf("got code %q HTTP %d, want %q %d", apiErr.Code, apiErr.HTTPStatus, wantCode, status)
	}
	if wantCode == "" && apiErr.BodyExcerpt == "" {
		t.Error("an unreadable answer must quote an excerpt of the body")
	}
	if !strings.Contains(err.Error(), operation) {
		t.Errorf("error %q does not say %q", err, operation)
	}
}

func TestGetBackup(t *testing.T) {
	client, seen := cannedServer(t, 200, sampleBackup)
	backup, err := client.GetBackup(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if backup.ID != "4876876000001593003" || backup.Status != "SCHEDULED" || *backup.RRule != "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU" ||
		*backup.ScheduledDate != "2022-07-26T09:58:45+05:30" || *backup.StartDate != "2022-07-12T12:30:00+05:30" ||
		*backup.Requester != (Requester{ID: "4876876000000327001", Name: "Patricia Boyle", ZUID: "7534658674"}) {
		t.Errorf("unexpected backup %+v", backup)
	}
	if len(*seen) != 1 || (*seen)[0].Method != http.MethodGet || (*seen)[0].URL.Path != "/crm/bulk/v8/backup" || (*seen)[0].URL.RawQuery != "" {
		t.Errorf("want one GET /crm/bulk/v8/backup, got %d requests", len(*seen))
	}
}

func TestGetBackupNullsAndUnknownStatus(t *testing.T) {
	client, _ := cannedServer(t, 200, `{"backup":{"status":"PAYMENT_FAILED","id":"4876876000001593003","scheduled_date":null,"start_date":null,"rrule":null,"requester":{"id":"1","name":"A","zuid":"2"}}}`)
	backup, err := client.GetBackup(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if backup.Status != "PAYMENT_FAILED" || backup.RRule != nil || backup.ScheduledDate != nil || backup.StartDate != nil {
		t.Errorf("unexpected backup %+v", backup)
	}
}

func TestGetBackupNoContent(t *testing.T) {
	client, _ := cannedServer(t, 204, "")
	backup, err := client.GetBackup(context.Background())
	if err != nil || backup != nil {
		t.Fatalf("204 must be (nil, nil), got %+v, %v", backup, err)
	}
}

func TestGetBackupErrors(t *testing.T) {
	cases := append(readErrorCases[:len(readErrorCases):len(readErrorCases)],
		struct {
			name     string
			status   int
			body     string
			wantCode string
		}{"backup without an id", 200, `{"backup":{"status":"SCHEDULED"}}`, ""})
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			client, _ := cannedServer(t, tt.status, tt.body)
			_, err := client.GetBackup(context.Background())
			checkReadError(t, err, tt.status, tt.wantCode, "read the latest backup")
		})
	}
}

func TestGetBackupURLs(t *testing.T) {
	client, seen := cannedServer(t, 200, `{"urls":{"data_links":["https://download-accl.zoho.com/v2/crm/757345985/backup/4876876000001594004/Data_001.zip"],"attachment_links":["https://download-accl.zoho.com/v2/crm/757345985/backup/4876876000001594004/Attachments_001.zip"],"expiry_date":"2022-06-30T17:31:03+05:30"}}`)
	urls, err := client.GetBackupURLs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(urls.DataLinks) != 1 || !strings.HasSuffix(urls.DataLinks[0], "/Data_001.zip") || len(urls.AttachmentLinks) != 1 || *urls.ExpiryDate != "2022-06-30T17:31:03+05:30" {
		t.Errorf("unexpected urls %+v", urls)
	}
	if len(*seen) != 1 || (*seen)[0].Method != http.MethodGet || (*seen)[0].URL.Path != "/crm/bulk/v8/backup/urls" {
		t.Error("want one GET /crm/bulk/v8/backup/urls")
	}
}

func TestGetBackupURLsNoContentAndErrors(t *testing.T) {
	client, _ := cannedServer(t, 204, "")
	if urls, err := client.GetBackupURLs(context.Background()); err != nil || urls != nil {
		t.Fatalf("204 must be (nil, nil), got %+v, %v", urls, err)
	}
	for _, tt := range readErrorCases {
		t.Run(tt.name, func(t *testing.T) {
			client, _ := cannedServer(t, tt.status, tt.body)
			_, err := client.GetBackupURLs(context.Background())
			checkReadError(t, err, tt.status, tt.wantCode, "read the backup download links")
		})
	}
}

// historyServer serves total entries in pages, as Zoho does, and records
// the queries it saw. A page past the end is 204.
func historyServer(t *testing.T, total int) (*Client, *[]string) {
	t.Helper()
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		queries = append(queries, r.URL.Path+"?"+r.URL.RawQuery)
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		perPage, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
		start, end := (page-1)*perPage, min(page*perPage, total)
		if start >= total {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		items := make([]string, 0, end-start)
		for i := start; i < end; i++ {
			items = append(items, fmt.Sprintf(`{"id":"%d","done_by":{"id":"1","name":"Patricia Boyle","zuid":"2"},"log_time":"2022-07-08T13:23:05+05:30","state":null,"action":"scheduled","repeat_type":"biweekly","file_name":null,"count":%d}`, 4876876000001758001+i, i%3))
		}
		fmt.Fprintf(w, `{"history":[%s],"info":{"page":%d,"per_page":%d,"count":%d,"more_records":%t}}`, strings.Join(items, ","), page, perPage, len(items), end < total)
	}))
	t.Cleanup(srv.Close)
	client, err := NewClient(Config{APIDomain: srv.URL, Tokens: StaticToken(testToken)})
	if err != nil {
		t.Fatal(err)
	}
	return client, &queries
}

func TestGetBackupHistoryFollowsAllPages(t *testing.T) {
	client, queries := historyServer(t, 450)
	entries, err := client.GetBackupHistory(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 450 || entries[0].ID != "4876876000001758001" || entries[449].ID != "4876876000001758450" {
		t.Fatalf("got %d entries", len(entries))
	}
	e := entries[1]
	if e.DoneBy.Name != "Patricia Boyle" || *e.LogTime != "2022-07-08T13:23:05+05:30" || e.State != nil || *e.Action != "scheduled" ||
		*e.RepeatType != "biweekly" || e.FileName != nil || e.Count != 1 {
		t.Errorf("entry decoded as %+v", e)
	}
	want := []string{
		"/crm/bulk/v8/backup/history?page=1&per_page=200",
		"/crm/bulk/v8/backup/history?page=2&per_page=200",
		"/crm/bulk/v8/backup/history?page=3&per_page=200",
	}
	if strings.Join(*queries, " ") != strings.Join(want, " ") {
		t.Errorf("queries %v, want %v", *queries, want)
	}
}

func TestGetBackupHistoryMaxEntriesStopsEarly(t *testing.T) {
	client, queries := historyServer(t, 450)
	entries, err := client.GetBackupHistory(context.Background(), 250)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 250 || len(*queries) != 2 {
		t.Errorf("got %d entries in %d requests, want 250 in 2", len(entries), len(*queries))
	}
	client, queries = historyServer(t, 450)
	if entries, _ = client.GetBackupHistory(context.Background(), 200); len(entries) != 200 || len(*queries) != 1 {
		t.Errorf("got %d entries in %d requests, want 200 in 1", len(entries), len(*queries))
	}
}

func TestGetBackupHistoryEmpty(t *testing.T) {
	client, queries := historyServer(t, 0)
	entries, err := client.GetBackupHistory(context.Background(), 0)
	if err != nil || entries == nil || len(entries) != 0 || len(*queries) != 1 {
		t.Fatalf("204 must be an empty, non-nil list after one request, got %v, %v, %d requests", entries, err, len(*queries))
	}
}

func TestGetBackupHistoryErrors(t *testing.T) {
	for _, tt := range readErrorCases {
		t.Run(tt.name, func(t *testing.T) {
			client, _ := cannedServer(t, tt.status, tt.body)
			_, err := client.GetBackupHistory(context.Background(), 0)
			checkReadError(t, err, tt.status, tt.wantCode, "read backup history page 1")
		})
	}
	t.Run("invalid page parameter", func(t *testing.T) {
		client, _ := cannedServer(t, 400, `{"code":"INVALID_DATA","details":{"param_name":"per_page"},"message":"Invalid data","status":"error"}`)
		_, err := client.GetBackupHistory(context.Background(), 0)
		checkReadError(t, err, 400, CodeInvalidData, "read backup history page 1")
	})
	t.Run("more records forever without entries", func(t *testing.T) {
		client, _ := cannedServer(t, 200, `{"history":[],"info":{"page":1,"per_page":200,"count":0,"more_records":true}}`)
		_, err := client.GetBackupHistory(context.Background(), 0)
		if err == nil || !strings.Contains(err.Error(), "more_records but the page lists no entries") {
			t.Fatalf("want an error, got %v", err)
		}
	})
}
