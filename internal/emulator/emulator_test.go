package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	adminToken = "1000.admin.token"
	basePath   = "/crm/bulk/v8/backup"
	urlsPath   = basePath + "/urls"
	histPath   = basePath + "/history"
	jsonCT     = "application/json;charset=UTF-8"
)

var (
	ist      = time.FixedZone("IST", 5*60*60+30*60)
	idRe     = regexp.MustCompile(`^[1-9][0-9]{18}$`)
	dateRe   = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$`)
	dataRe   = regexp.MustCompile(`^https://download-accl\.zoho\.com/v2/crm/757345985/backup/[0-9]{19}/Data_00[0-9]\.zip$`)
	attachRe = regexp.MustCompile(`^https://download-accl\.zoho\.com/v2/crm/757345985/backup/[0-9]{19}/Attachments_00[0-9]\.zip$`)
)

// fakeClock is a settable clock, safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// start is a Tuesday: 2026-03-10 10:00:00 +05:30.
var start = time.Date(2026, 3, 10, 10, 0, 0, 0, ist)

// newServer starts a server with an admin token holding the ALL scope.
func newServer(t *testing.T, opts ...Option) *Server {
	t.Helper()
	s := New(opts...)
	if err := s.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(s.Close)
	s.AddToken(adminToken, ScopeAll)
	return s
}

// newClockedServer is newServer with a fake clock at start.
func newClockedServer(t *testing.T, opts ...Option) (*Server, *fakeClock) {
	t.Helper()
	clk := newClock(start)
	return newServer(t, append([]Option{WithClock(clk.Now)}, opts...)...), clk
}

type result struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// send issues a request with an optional Authorization header value.
func send(t *testing.T, s *Server, method, path, auth, body string) result {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	res := result{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &res.body); err != nil {
			t.Fatalf("%s %s: body is not a JSON object: %v: %s", method, path, err, raw)
		}
	}
	return res
}

// do sends with the admin token.
func do(t *testing.T, s *Server, method, path, body string) result {
	t.Helper()
	return send(t, s, method, path, "Zoho-oauthtoken "+adminToken, body)
}

func keysOf(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func wantKeys(t *testing.T, what string, m map[string]any, want ...string) {
	t.Helper()
	sort.Strings(want)
	if got := keysOf(m); !slices.Equal(got, want) {
		t.Fatalf("%s keys = %v, want %v", what, got, want)
	}
}

func str(t *testing.T, v any) string {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		t.Fatalf("%#v is not a string", v)
	}
	return s
}

func obj(t *testing.T, v any, what string) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s = %#v, want an object", what, v)
	}
	return m
}

func wantStatus(t *testing.T, res result, status int) {
	t.Helper()
	if res.status != status {
		t.Fatalf("HTTP status = %d, want %d; body %s", res.status, status, res.raw)
	}
}

func wantJSON(t *testing.T, res result) {
	t.Helper()
	if ct := res.header.Get("Content-Type"); ct != jsonCT {
		t.Fatalf("Content-Type = %q, want %q", ct, jsonCT)
	}
}

func wantNoContent(t *testing.T, res result) {
	t.Helper()
	wantStatus(t, res, http.StatusNoContent)
	if len(res.raw) != 0 {
		t.Fatalf("204 body = %q, want empty", res.raw)
	}
	if ct := res.header.Get("Content-Type"); ct != "" {
		t.Fatalf("204 Content-Type = %q, want none", ct)
	}
}

// checkError verifies an error object: exactly the four keys, status
// "error", and the code and message; it returns details.
func checkError(t *testing.T, e map[string]any, code, message string) map[string]any {
	t.Helper()
	wantKeys(t, "error", e, "code", "details", "message", "status")
	if e["code"] != code || e["message"] != message || e["status"] != "error" {
		t.Fatalf("error = %v, want code %q message %q status error", e, code, message)
	}
	return obj(t, e["details"], "details")
}

// wantTopError checks a top-level error envelope and returns its details.
func wantTopError(t *testing.T, res result, status int, code, message string) map[string]any {
	t.Helper()
	wantStatus(t, res, status)
	wantJSON(t, res)
	return checkError(t, res.body, code, message)
}

// wantNestedError checks a business error: HTTP 400 (the only status Zoho
// documents for them) with the error nested under "backup". It returns details.
func wantNestedError(t *testing.T, res result, code, message string) map[string]any {
	t.Helper()
	wantStatus(t, res, http.StatusBadRequest)
	wantJSON(t, res)
	wantKeys(t, "envelope", res.body, "backup")
	return checkError(t, obj(t, res.body["backup"], "backup"), code, message)
}

func wantDetails(t *testing.T, details map[string]any, want map[string]any) {
	t.Helper()
	got, _ := json.Marshal(details)
	exp, _ := json.Marshal(want)
	if !bytes.Equal(got, exp) {
		t.Fatalf("details = %s, want %s", got, exp)
	}
}

// wantSuccess checks the action-success envelope and returns details.id.
func wantSuccess(t *testing.T, res result, message string) string {
	t.Helper()
	wantStatus(t, res, http.StatusOK)
	wantJSON(t, res)
	wantKeys(t, "envelope", res.body, "backup")
	b := obj(t, res.body["backup"], "backup")
	wantKeys(t, "backup", b, "status", "code", "message", "details")
	if b["status"] != "success" || b["code"] != "SUCCESS" || b["message"] != message {
		t.Fatalf("success = %v, want message %q", b, message)
	}
	d := obj(t, b["details"], "details")
	wantKeys(t, "details", d, "id")
	id, _ := d["id"].(string)
	if !idRe.MatchString(id) {
		t.Fatalf("details.id = %#v, want a 19-digit string", d["id"])
	}
	return id
}

func schedule(t *testing.T, s *Server, rule string) string {
	t.Helper()
	body := ""
	if rule != "" {
		body = fmt.Sprintf(`{"backup":{"rrule":%q}}`, rule)
	}
	return wantSuccess(t, do(t, s, http.MethodPost, basePath, body), msgScheduled)
}

func cancelPath(id string) string { return basePath + "/" + id + "/actions/cancel" }

func getDetails(t *testing.T, s *Server) map[string]any {
	t.Helper()
	res := do(t, s, http.MethodGet, basePath, "")
	wantStatus(t, res, http.StatusOK)
	wantJSON(t, res)
	wantKeys(t, "envelope", res.body, "backup")
	b := obj(t, res.body["backup"], "backup")
	wantKeys(t, "backup", b, "id", "scheduled_date", "start_date", "rrule", "requester", "status")
	r := obj(t, b["requester"], "requester")
	wantKeys(t, "requester", r, "id", "name", "zuid")
	if r["id"] != "4876876000000327001" || r["name"] != "Patricia Boyle" || r["zuid"] != "7534658674" {
		t.Fatalf("requester = %v", r)
	}
	return b
}

// getHistory fetches one page and checks the envelope and entry shapes.
func getHistory(t *testing.T, s *Server, query string) ([]map[string]any, map[string]any) {
	t.Helper()
	res := do(t, s, http.MethodGet, histPath+query, "")
	wantStatus(t, res, http.StatusOK)
	wantJSON(t, res)
	wantKeys(t, "envelope", res.body, "history", "info")
	info := obj(t, res.body["info"], "info")
	wantKeys(t, "info", info, "per_page", "count", "page", "more_records")
	list, ok := res.body["history"].([]any)
	if !ok {
		t.Fatalf("history = %#v, want a list", res.body["history"])
	}
	entries := make([]map[string]any, len(list))
	for i, v := range list {
		e := obj(t, v, "history entry")
		wantKeys(t, "history entry", e, "id", "done_by", "log_time", "state", "action", "repeat_type", "file_name", "count")
		wantKeys(t, "done_by", obj(t, e["done_by"], "done_by"), "id", "name", "zuid")
		if id, _ := e["id"].(string); !idRe.MatchString(id) {
			t.Fatalf("history id = %#v", e["id"])
		}
		if lt, _ := e["log_time"].(string); !dateRe.MatchString(lt) {
			t.Fatalf("log_time = %#v", e["log_time"])
		}
		if e["count"] != float64(0) {
			t.Fatalf("count = %#v, want 0", e["count"])
		}
		entries[i] = e
	}
	return entries, info
}

func TestScheduleImmediate(t *testing.T) {
	s, _ := newClockedServer(t)

	id := schedule(t, s, "")

	b := getDetails(t, s)
	if b["id"] != id || b["status"] != StatusInProgress {
		t.Fatalf("details = %v, want id %s INPROGRESS", b, id)
	}
	for _, k := range []string{"rrule", "scheduled_date", "start_date"} {
		if b[k] != nil {
			t.Errorf("%s = %#v, want null for an immediate backup", k, b[k])
		}
	}
	entries, info := getHistory(t, s, "")
	if len(entries) != 1 {
		t.Fatalf("history has %d entries, want 1", len(entries))
	}
	e := entries[0]
	if e["action"] != "initiated" || e["repeat_type"] != "immediate" || e["state"] != nil || e["file_name"] != nil {
		t.Fatalf("history entry = %v", e)
	}
	if e["log_time"] != "2026-03-10T10:00:00+05:30" {
		t.Fatalf("log_time = %v", e["log_time"])
	}
	wantDetails(t, info, map[string]any{"count": 1, "more_records": false, "page": 1, "per_page": 200})
}

func TestScheduleWithRRule(t *testing.T) {
	tests := []struct {
		rule       string
		stored     string
		next       string
		repeatType string
	}{
		{"RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TH", "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TH", "2026-03-12", "biweekly"},
		{"FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "2026-03-17", "biweekly"},
		{"RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=16", "RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=16", "2026-03-16", "monthly"},
		{"RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=1TH", "RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=1TH", "2026-04-02", "monthly"},
		{"FREQ=MONTHLY;INTERVAL=1;BYDAY=4TH", "RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=4TH", "2026-03-26", "monthly"},
		{"RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR", "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR", "2026-03-13", "weekly"},
		{"RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=-1FR", "RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=-1FR", "2026-03-27", "monthly"},
		{"RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=MO", "RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=MO", "2026-03-16", "monthly"},
		{"RRULE:FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=31", "RRULE:FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=31", "2026-03-31", "monthly"},
		{"RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=10", "RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=10", "2026-04-10", "monthly"},
		{"RRULE:BYDAY=SU;INTERVAL=52;FREQ=WEEKLY", "RRULE:BYDAY=SU;INTERVAL=52;FREQ=WEEKLY", "2026-03-15", "weekly"},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			s, _ := newClockedServer(t)
			id := schedule(t, s, tt.rule)

			b := getDetails(t, s)
			want := tt.next + "T10:00:00+05:30"
			if b["id"] != id || b["status"] != StatusScheduled || b["rrule"] != tt.stored ||
				b["scheduled_date"] != want || b["start_date"] != want {
				t.Fatalf("details = %v, want rrule %s dates %s", b, tt.stored, want)
			}
			entries, _ := getHistory(t, s, "")
			if len(entries) != 1 || entries[0]["action"] != "scheduled" ||
				entries[0]["repeat_type"] != tt.repeatType || entries[0]["state"] != nil {
				t.Fatalf("history = %v, want one scheduled/%s entry", entries, tt.repeatType)
			}
		})
	}
}

func TestRRuleValidation(t *testing.T) {
	bad := []string{
		"",
		"RRULE:",
		"RRULE:FREQ=DAILY;INTERVAL=1;BYDAY=MO",
		"RRULE:FREQ=YEARLY;INTERVAL=1;BYMONTHDAY=1",
		"RRULE:FREQ=WEEKLY;BYDAY=MO",
		"RRULE:INTERVAL=1;BYDAY=MO",
		"RRULE:FREQ=WEEKLY;INTERVAL=0;BYDAY=MO",
		"RRULE:FREQ=WEEKLY;INTERVAL=53;BYDAY=MO",
		"RRULE:FREQ=WEEKLY;INTERVAL=01;BYDAY=MO",
		"RRULE:FREQ=WEEKLY;INTERVAL=-1;BYDAY=MO",
		"RRULE:FREQ=WEEKLY;INTERVAL=x;BYDAY=MO",
		"RRULE:FREQ=WEEKLY;INTERVAL=1",
		"RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=MO;BYMONTHDAY=3",
		"RRULE:FREQ=WEEKLY;INTERVAL=1;BYMONTHDAY=3",
		"RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=1TH",
		"RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=5TH",
		"RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=0TH",
		"RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=-2TH",
		"RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=0",
		"RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=32",
		"RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=XX",
		"RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TU",
		"RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO;",
		"RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO;COUNT=3",
		"RRULE:FREQ=WEEKLY;FREQ=WEEKLY;INTERVAL=1;BYDAY=MO",
		"RRULE:freq=weekly;interval=1;byday=mo",
		"RRULE:FREQ=WEEKLY; INTERVAL=1;BYDAY=MO",
		"rrule:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO",
		"RRULE:RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO",
		"FREQ=MONTHLY;COUNT=3;BYDAY=WE;", // v2 form, not accepted in v8
	}
	for _, rule := range bad {
		t.Run(rule, func(t *testing.T) {
			s := newServer(t)
			res := do(t, s, http.MethodPost, basePath, fmt.Sprintf(`{"backup":{"rrule":%q}}`, rule))
			details := wantNestedError(t, res, CodeInvalidData, "Invalid data")
			wantDetails(t, details, map[string]any{"api_name": "rrule", "json_path": "$.backup.rrule"})
			wantNoContent(t, do(t, s, http.MethodGet, basePath, ""))
		})
	}
	t.Run("non-string rrule", func(t *testing.T) {
		s := newServer(t)
		res := do(t, s, http.MethodPost, basePath, `{"backup":{"rrule":7}}`)
		wantNestedError(t, res, CodeInvalidData, "Invalid data")
	})
}

func TestScheduleBodyForms(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		immediate bool // default mode: accepted as immediate
	}{
		{"whitespace only", " \n\t", true},
		{"empty object", `{}`, true},
		{"empty backup", `{"backup":{}}`, true},
		{"null backup", `{"backup":null}`, true},
		{"null rrule", `{"backup":{"rrule":null}}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t)
			schedule0 := do(t, s, http.MethodPost, basePath, tt.body)
			wantSuccess(t, schedule0, msgScheduled)
			if b := getDetails(t, s); b["status"] != StatusInProgress || b["rrule"] != nil {
				t.Fatalf("details = %v, want an immediate backup", b)
			}

			strict := newServer(t, WithEmptyObjectImmediate(false))
			res := do(t, strict, http.MethodPost, basePath, tt.body)
			if strings.TrimSpace(tt.body) == "" {
				wantSuccess(t, res, msgScheduled) // A truly empty body is always immediate.
				return
			}
			d := wantNestedError(t, res, CodeInvalidData, "Invalid data")
			wantDetails(t, d, map[string]any{"api_name": "rrule", "json_path": "$.backup.rrule"})
		})
	}

	for _, body := range []string{`{"backup":`, `not json`, `[]`, `"RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO"`, `{"backup":{"rrule":"x"}} {}`} {
		t.Run("unreadable "+body, func(t *testing.T) {
			s := newServer(t)
			res := do(t, s, http.MethodPost, basePath, body)
			d := wantTopError(t, res, http.StatusBadRequest, CodeRequestBodyNotReadable, msgRequestBodyNotReadable)
			wantDetails(t, d, map[string]any{})
		})
	}

	t.Run("backup not an object", func(t *testing.T) {
		s := newServer(t)
		res := do(t, s, http.MethodPost, basePath, `{"backup":"RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO"}`)
		d := wantNestedError(t, res, CodeInvalidData, "Invalid data")
		wantDetails(t, d, map[string]any{"api_name": "backup", "json_path": "$.backup"})
	})
}

func TestAlreadyScheduled(t *testing.T) {
	const rule = "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO"
	tests := []struct {
		name   string
		setup  func(s *Server) string // returns the active backup's id
		finish func(s *Server, id string)
	}{
		{
			name:   "scheduled",
			setup:  func(s *Server) string { return s.SeedBackup(StatusScheduled, rule).ID },
			finish: func(s *Server, id string) { _ = s.SetStatus(id, StatusStopped) },
		},
		{
			name:   "in progress",
			setup:  func(s *Server) string { return s.SeedBackup(StatusInProgress, "").ID },
			finish: func(s *Server, id string) { _ = s.SetStatus(id, StatusCompleted) },
		},
		{
			name:   "in progress, then failed",
			setup:  func(s *Server) string { return s.SeedBackup(StatusInProgress, rule).ID },
			finish: func(s *Server, id string) { _ = s.SetStatus(id, StatusFailed) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t)
			id := tt.setup(s)
			for _, body := range []string{"", `{"backup":{"rrule":"` + rule + `"}}`} {
				res := do(t, s, http.MethodPost, basePath, body)
				d := wantNestedError(t, res, CodeBackupAlreadyScheduled, "Backup is already scheduled")
				wantDetails(t, d, map[string]any{"id": id})
			}
			// Input is validated before state.
			res := do(t, s, http.MethodPost, basePath, `{"backup":{"rrule":"bad"}}`)
			wantNestedError(t, res, CodeInvalidData, "Invalid data")

			tt.finish(s, id)
			newID := schedule(t, s, rule)
			if newID <= id {
				t.Fatalf("new id %s is not after %s", newID, id)
			}
		})
	}
}

func TestMonthlyQuota(t *testing.T) {
	const rule = "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO"
	scheduleAndCancel := func(t *testing.T, s *Server) {
		t.Helper()
		id := schedule(t, s, rule)
		wantSuccess(t, do(t, s, http.MethodPut, cancelPath(id), ""), msgStopped)
	}

	t.Run("limit then next month", func(t *testing.T) {
		s, clk := newClockedServer(t, WithMonthlyQuota(2))
		scheduleAndCancel(t, s)
		scheduleAndCancel(t, s)
		for _, body := range []string{"", `{"backup":{"rrule":"` + rule + `"}}`} {
			res := do(t, s, http.MethodPost, basePath, body)
			d := wantNestedError(t, res, CodeLimitExceeded, "Backup limit exceeded.")
			wantDetails(t, d, map[string]any{})
		}
		clk.Advance(24 * 24 * time.Hour) // 2026-04-03
		scheduleAndCancel(t, s)
	})

	t.Run("default is four", func(t *testing.T) {
		s, _ := newClockedServer(t)
		for range 4 {
			scheduleAndCancel(t, s)
		}
		wantNestedError(t, do(t, s, http.MethodPost, basePath, ""), CodeLimitExceeded, "Backup limit exceeded.")
	})

	t.Run("seeded backups count", func(t *testing.T) {
		s, _ := newClockedServer(t, WithMonthlyQuota(1))
		s.SeedBackup(StatusCompleted, "")
		wantNestedError(t, do(t, s, http.MethodPost, basePath, ""), CodeLimitExceeded, "Backup limit exceeded.")
	})

	t.Run("zero", func(t *testing.T) {
		s := newServer(t, WithMonthlyQuota(0))
		wantNestedError(t, do(t, s, http.MethodPost, basePath, ""), CodeLimitExceeded, "Backup limit exceeded.")
		wantNoContent(t, do(t, s, http.MethodGet, basePath, ""))
	})

	t.Run("unlimited", func(t *testing.T) {
		s := newServer(t, WithMonthlyQuota(-1))
		for range 10 {
			scheduleAndCancel(t, s)
		}
	})

	t.Run("already scheduled wins over limit", func(t *testing.T) {
		s := newServer(t, WithMonthlyQuota(1))
		id := schedule(t, s, rule)
		d := wantNestedError(t, do(t, s, http.MethodPost, basePath, ""), CodeBackupAlreadyScheduled, "Backup is already scheduled")
		wantDetails(t, d, map[string]any{"id": id})
	})
}

func TestDetails(t *testing.T) {
	t.Run("never scheduled is 204", func(t *testing.T) {
		s := newServer(t)
		wantNoContent(t, do(t, s, http.MethodGet, basePath, ""))
	})

	t.Run("reports the latest", func(t *testing.T) {
		s, _ := newClockedServer(t)
		s.SeedBackup(StatusCompleted, "")
		b := s.SeedBackup(StatusStopped, "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU")
		got := getDetails(t, s)
		if got["id"] != b.ID || got["status"] != StatusStopped || got["rrule"] != "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU" {
			t.Fatalf("details = %v, want %+v", got, b)
		}
		if latest, ok := s.Latest(); !ok || latest.ID != b.ID {
			t.Fatalf("Latest = %+v, %v", latest, ok)
		}
	})

	t.Run("UTC location prints +00:00", func(t *testing.T) {
		s, _ := newClockedServer(t, WithLocation(time.UTC))
		schedule(t, s, "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR")
		b := getDetails(t, s)
		if b["scheduled_date"] != "2026-03-13T04:30:00+00:00" {
			t.Fatalf("scheduled_date = %v", b["scheduled_date"])
		}
	})
}

func TestURLs(t *testing.T) {
	t.Run("lifecycle", func(t *testing.T) {
		s, clk := newClockedServer(t)
		wantNoContent(t, do(t, s, http.MethodGet, urlsPath, ""))

		id := schedule(t, s, "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR")
		wantNoContent(t, do(t, s, http.MethodGet, urlsPath, ""))
		if err := s.SetStatus(id, StatusInProgress); err != nil {
			t.Fatal(err)
		}
		wantNoContent(t, do(t, s, http.MethodGet, urlsPath, ""))

		clk.Advance(time.Hour)
		if err := s.SetStatus(id, StatusCompleted); err != nil {
			t.Fatal(err)
		}
		res := do(t, s, http.MethodGet, urlsPath, "")
		wantStatus(t, res, http.StatusOK)
		wantJSON(t, res)
		wantKeys(t, "envelope", res.body, "urls")
		u := obj(t, res.body["urls"], "urls")
		wantKeys(t, "urls", u, "data_links", "attachment_links", "expiry_date")
		if u["expiry_date"] != "2026-03-17T11:00:00+05:30" {
			t.Fatalf("expiry_date = %v, want 7 days after completion", u["expiry_date"])
		}
		data, _ := u["data_links"].([]any)
		att, _ := u["attachment_links"].([]any)
		if len(data) != 1 || len(att) != 1 {
			t.Fatalf("links = %v", u)
		}
		dl, _ := data[0].(string)
		al, _ := att[0].(string)
		if !dataRe.MatchString(dl) || !strings.HasSuffix(dl, "/Data_001.zip") ||
			!attachRe.MatchString(al) || !strings.HasSuffix(al, "/Attachments_001.zip") {
			t.Fatalf("links = %q, %q", dl, al)
		}
		if strings.Contains(dl, "/"+id+"/") {
			t.Fatalf("job id in %q should differ from the backup id", dl)
		}
		b, _ := s.Backup(id)
		if !slices.Equal(b.DataLinks, []string{dl}) || b.ExpiryDate == nil || !b.ExpiryDate.Equal(start.Add(time.Hour+7*24*time.Hour)) {
			t.Fatalf("Backup = %+v", b)
		}

		clk.Advance(7*24*time.Hour - time.Second)
		wantStatus(t, do(t, s, http.MethodGet, urlsPath, ""), http.StatusOK)
		clk.Advance(time.Second)
		wantNoContent(t, do(t, s, http.MethodGet, urlsPath, ""))
	})

	t.Run("several files, no attachments", func(t *testing.T) {
		s := newServer(t, WithDownloadFiles(2, 0))
		s.SeedBackup(StatusCompleted, "")
		res := do(t, s, http.MethodGet, urlsPath, "")
		wantStatus(t, res, http.StatusOK)
		u := obj(t, res.body["urls"], "urls")
		data, _ := u["data_links"].([]any)
		att, ok := u["attachment_links"].([]any)
		if len(data) != 2 || !ok || len(att) != 0 {
			t.Fatalf("urls = %s", res.raw)
		}
		if !strings.HasSuffix(str(t, data[1]), "/Data_002.zip") {
			t.Fatalf("second link = %v", data[1])
		}
	})

	t.Run("only the latest backup counts", func(t *testing.T) {
		s := newServer(t)
		s.SeedBackup(StatusCompleted, "")
		wantStatus(t, do(t, s, http.MethodGet, urlsPath, ""), http.StatusOK)
		schedule(t, s, "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR")
		wantNoContent(t, do(t, s, http.MethodGet, urlsPath, ""))
	})

	t.Run("failed backup has no links", func(t *testing.T) {
		s := newServer(t)
		s.SeedBackup(StatusFailed, "")
		wantNoContent(t, do(t, s, http.MethodGet, urlsPath, ""))
	})
}

func TestHistoryPaging(t *testing.T) {
	s, _ := newClockedServer(t)
	wantNoContent(t, do(t, s, http.MethodGet, histPath, ""))

	s.SeedHistory(449)
	schedule(t, s, "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU") // the 450th, newest

	tests := []struct {
		query string
		page  int
		per   int
		count int
		more  bool
	}{
		{"", 1, 200, 200, true},
		{"?page=1", 1, 200, 200, true},
		{"?page=2", 2, 200, 200, true},
		{"?page=3", 3, 200, 50, false},
		{"?page=3&per_page=200", 3, 200, 50, false},
		{"?per_page=100&page=5", 5, 100, 50, false},
		{"?per_page=50", 1, 50, 50, true},
		{"?per_page=1&page=450", 450, 1, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			entries, info := getHistory(t, s, tt.query)
			wantDetails(t, info, map[string]any{"count": tt.count, "more_records": tt.more, "page": tt.page, "per_page": tt.per})
			if len(entries) != tt.count {
				t.Fatalf("got %d entries, want %d", len(entries), tt.count)
			}
		})
	}

	for _, q := range []string{"?page=4", "?page=10&per_page=50", "?per_page=1&page=451"} {
		t.Run(q+" is past the end", func(t *testing.T) {
			wantNoContent(t, do(t, s, http.MethodGet, histPath+q, ""))
		})
	}

	t.Run("pages cover everything once, newest first", func(t *testing.T) {
		seen := map[string]bool{}
		var times []string
		for page := 1; ; page++ {
			entries, info := getHistory(t, s, fmt.Sprintf("?page=%d&per_page=120", page))
			for _, e := range entries {
				id := str(t, e["id"])
				if seen[id] {
					t.Fatalf("id %s on two pages", id)
				}
				seen[id] = true
				times = append(times, str(t, e["log_time"]))
			}
			if info["more_records"] != true {
				break
			}
		}
		if len(seen) != 450 {
			t.Fatalf("saw %d entries, want 450", len(seen))
		}
		if !slices.IsSortedFunc(times, func(a, b string) int { return strings.Compare(b, a) }) {
			t.Fatal("log_time is not newest first")
		}
		first, _ := getHistory(t, s, "?per_page=1")
		if first[0]["action"] != "scheduled" || first[0]["repeat_type"] != "biweekly" {
			t.Fatalf("newest entry = %v, want the schedule", first[0])
		}
	})
}

func TestHistoryInvalidParams(t *testing.T) {
	s := newServer(t)
	s.SeedHistory(3)
	tests := []struct{ query, param string }{
		{"?page=0", "page"},
		{"?page=-1", "page"},
		{"?page=abc", "page"},
		{"?page=", "page"},
		{"?page=1.5", "page"},
		{"?page=%2B1", "page"},
		{"?page=99999999999", "page"},
		{"?per_page=0", "per_page"},
		{"?per_page=201", "per_page"},
		{"?per_page=", "per_page"},
		{"?per_page=ten", "per_page"},
		{"?page=0&per_page=0", "page"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res := do(t, s, http.MethodGet, histPath+tt.query, "")
			d := wantTopError(t, res, http.StatusBadRequest, CodeInvalidData, "Invalid data")
			wantDetails(t, d, map[string]any{"param_name": tt.param})
		})
	}
}

func TestHistoryYearWindow(t *testing.T) {
	s, clk := newClockedServer(t)
	s.SeedBackup(StatusCompleted, "")
	entries, _ := getHistory(t, s, "")
	if len(entries) != 2 || entries[0]["state"] != "completed" || entries[0]["action"] != nil ||
		entries[1]["action"] != "initiated" {
		t.Fatalf("history = %v", entries)
	}
	clk.Advance(366 * 24 * time.Hour)
	wantNoContent(t, do(t, s, http.MethodGet, histPath, ""))
	if n := len(s.History()); n != 2 {
		t.Fatalf("History() kept %d entries, want 2", n)
	}
}

func TestSeedBackupHistory(t *testing.T) {
	const rule = "RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=16"
	type ev struct{ state, action, repeat string }
	tests := []struct {
		status, rule string
		want         []ev // oldest first
	}{
		{StatusScheduled, rule, []ev{{"", "scheduled", "monthly"}}},
		{StatusInProgress, "", []ev{{"", "initiated", "immediate"}}},
		{StatusInProgress, rule, []ev{{"", "scheduled", "monthly"}}},
		{StatusCompleted, "", []ev{{"", "initiated", "immediate"}, {"completed", "", "immediate"}}},
		{StatusFailed, rule, []ev{{"", "scheduled", "monthly"}, {"failure", "", "monthly"}}},
		{StatusStopped, rule, []ev{{"", "scheduled", "monthly"}, {"", "stopped", "monthly"}}},
	}
	for _, tt := range tests {
		t.Run(tt.status+" "+tt.rule, func(t *testing.T) {
			s := New()
			b := s.SeedBackup(tt.status, tt.rule)
			if b.Status != tt.status || b.RRule != tt.rule || !idRe.MatchString(b.ID) {
				t.Fatalf("seeded %+v", b)
			}
			if (tt.rule == "") != (b.ScheduledDate == nil && b.StartDate == nil) {
				t.Fatalf("dates %v %v for rule %q", b.ScheduledDate, b.StartDate, tt.rule)
			}
			if (tt.status == StatusCompleted) != (len(b.DataLinks) == 1 && b.ExpiryDate != nil) {
				t.Fatalf("links %v expiry %v", b.DataLinks, b.ExpiryDate)
			}
			h := s.History()
			slices.Reverse(h)
			var got []ev
			for _, e := range h {
				if e.BackupID != b.ID {
					t.Fatalf("entry for backup %q, want %q", e.BackupID, b.ID)
				}
				got = append(got, ev{e.State, e.Action, e.RepeatType})
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("history = %v, want %v", got, tt.want)
			}
		})
	}

	t.Run("bad input", func(t *testing.T) {
		s := New()
		if _, err := s.TrySeedBackup("CANCELLED", ""); err == nil {
			t.Error("TrySeedBackup accepted status CANCELLED")
		}
		if _, err := s.TrySeedBackup(StatusScheduled, "FREQ=DAILY"); err == nil {
			t.Error("TrySeedBackup accepted an invalid rrule")
		}
		if err := s.SetStatus("123", StatusCompleted); err == nil {
			t.Error("SetStatus accepted an unknown id")
		}
		b := s.SeedBackup(StatusScheduled, rule)
		if err := s.SetStatus(b.ID, "IN_PROGRESS"); err == nil {
			t.Error("SetStatus accepted IN_PROGRESS")
		}
		defer func() {
			if recover() == nil {
				t.Error("SeedBackup did not panic on a bad status")
			}
		}()
		s.SeedBackup("bogus", "")
	})

	t.Run("copies are independent", func(t *testing.T) {
		s := New()
		b := s.SeedBackup(StatusCompleted, "")
		b.DataLinks[0] = "changed"
		*b.ExpiryDate = time.Time{}
		again, _ := s.Backup(b.ID)
		if again.DataLinks[0] == "changed" || again.ExpiryDate.IsZero() {
			t.Fatal("Backup shares memory with the server")
		}
	})
}

func TestCancel(t *testing.T) {
	const rule = "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"

	t.Run("scheduled, then already cancelled", func(t *testing.T) {
		s := newServer(t)
		id := schedule(t, s, rule)
		got := wantSuccess(t, do(t, s, http.MethodPut, cancelPath(id), ""), "Backup stopped successfully.")
		if got != id {
			t.Fatalf("details.id = %s, want %s", got, id)
		}
		if b := getDetails(t, s); b["status"] != StatusStopped {
			t.Fatalf("status after cancel = %v", b["status"])
		}
		entries, _ := getHistory(t, s, "")
		if len(entries) != 2 || entries[0]["action"] != "stopped" || entries[0]["repeat_type"] != "biweekly" {
			t.Fatalf("history = %v", entries)
		}
		res := do(t, s, http.MethodPut, cancelPath(id), "")
		d := wantNestedError(t, res, "ALREADY_CANCELLED", "Backup is already canceled")
		wantDetails(t, d, map[string]any{"id": id})
	})

	tests := []struct {
		status, code, message string
	}{
		{StatusInProgress, "INPROGRESS", "Backup is in progress"},
		{StatusStopped, "ALREADY_CANCELLED", "Backup is already canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.status, func(t *testing.T) {
			s := newServer(t)
			b := s.SeedBackup(tt.status, rule)
			res := do(t, s, http.MethodPut, cancelPath(b.ID), "")
			d := wantNestedError(t, res, tt.code, tt.message)
			wantDetails(t, d, map[string]any{"id": b.ID})
			if after, _ := s.Backup(b.ID); after.Status != tt.status {
				t.Fatalf("status changed to %s", after.Status)
			}
		})
	}

	for _, nested := range []bool{false, true} {
		for _, status := range []string{"", StatusCompleted, StatusFailed} {
			t.Run(fmt.Sprintf("not found nested=%v status=%q", nested, status), func(t *testing.T) {
				s := newServer(t, WithResourceNotFoundNested(nested))
				id := "4876876000009999999"
				if status != "" {
					id = s.SeedBackup(status, "").ID
				}
				res := do(t, s, http.MethodPut, cancelPath(id), "")
				if nested {
					d := wantNestedError(t, res, CodeResourceNotFound, "The requested resource doesn't exist")
					wantDetails(t, d, map[string]any{"id": id})
				} else {
					d := wantTopError(t, res, http.StatusBadRequest, CodeResourceNotFound, "The requested resource doesn't exist")
					wantDetails(t, d, map[string]any{})
				}
			})
		}
	}
}

func TestRoutingAndAuthOrder(t *testing.T) {
	s := newServer(t)
	s.AddToken("noscope")
	s.AddToken("readonly", ScopeRead)
	s.AddNonAdminToken("nonadmin", ScopeAll)
	s.AddNonAdminToken("nonadmin-noscope", "ZohoCRM.modules.ALL")
	s.AddToken("revoked", ScopeAll)
	s.RevokeToken("revoked")
	admin := "Zoho-oauthtoken " + adminToken

	type want struct {
		status        int
		code, message string
	}
	urlPattern := want{404, CodeInvalidURLPattern, msgInvalidURLPattern}
	authFail := want{401, CodeAuthenticationFailure, "Authentication failed"}
	invalidToken := want{401, CodeInvalidToken, "invalid oauth token"}
	badMethod := want{400, CodeInvalidRequestMethod, "The http request method type is not a valid one"}
	scope := want{401, CodeOAuthScopeMismatch, "invalid oauth scope to access this URL"}
	noPerm := want{403, CodeNoPermission, "permission denied"}

	tests := []struct {
		name, method, path, auth string
		want                     want
	}{
		{"unknown path beats missing auth", "GET", "/crm/bulk/v8/backups", "", urlPattern},
		{"unsupported version", "GET", "/crm/bulk/v7/backup", admin, urlPattern},
		{"crm/v8 instead of crm/bulk", "GET", "/crm/v8/backup", admin, urlPattern},
		{"trailing slash", "GET", basePath + "/", admin, urlPattern},
		{"backup/info does not exist", "GET", basePath + "/info", admin, urlPattern},
		{"cancel without id", "PUT", basePath + "//actions/cancel", admin, urlPattern},
		{"cancel path too long", "PUT", cancelPath("1") + "/x", admin, urlPattern},
		{"root", "GET", "/", admin, urlPattern},
		{"no header", "GET", basePath, "", authFail},
		{"bearer scheme", "GET", basePath, "Bearer " + adminToken, authFail},
		{"lower-case scheme", "GET", basePath, "zoho-oauthtoken " + adminToken, authFail},
		{"scheme without token", "GET", basePath, "Zoho-oauthtoken ", authFail},
		{"bare token", "GET", basePath, adminToken, authFail},
		{"unknown token", "GET", basePath, "Zoho-oauthtoken nope", invalidToken},
		{"revoked token", "GET", basePath, "Zoho-oauthtoken revoked", invalidToken},
		{"unknown token beats bad method", "DELETE", basePath, "Zoho-oauthtoken nope", invalidToken},
		{"bad method on /backup", "DELETE", basePath, admin, badMethod},
		{"PUT on /backup", "PUT", basePath, admin, badMethod},
		{"POST on urls", "POST", urlsPath, admin, badMethod},
		{"PUT on history", "PUT", histPath, admin, badMethod},
		{"GET on cancel", "GET", cancelPath("4876876000001593003"), admin, badMethod},
		{"POST on cancel", "POST", cancelPath("4876876000001593003"), admin, badMethod},
		{"bad method beats scope", "PATCH", basePath, "Zoho-oauthtoken noscope", badMethod},
		{"no scopes", "GET", basePath, "Zoho-oauthtoken noscope", scope},
		{"read scope cannot create", "POST", basePath, "Zoho-oauthtoken readonly", scope},
		{"scope beats admin check", "GET", basePath, "Zoho-oauthtoken nonadmin-noscope", scope},
		{"non-admin", "GET", basePath, "Zoho-oauthtoken nonadmin", noPerm},
		{"non-admin cancel", "PUT", cancelPath("1"), "Zoho-oauthtoken nonadmin", noPerm},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := send(t, s, tt.method, tt.path, tt.auth, "")
			d := wantTopError(t, res, tt.want.status, tt.want.code, tt.want.message)
			if tt.want.code == CodeNoPermission {
				wantDetails(t, d, map[string]any{"permissions": []string{backupPermission}})
			} else {
				wantDetails(t, d, map[string]any{})
			}
		})
	}

	t.Run("permissions_needed form", func(t *testing.T) {
		s := newServer(t, WithPermissionsNeededKey(true))
		s.AddNonAdminToken("nonadmin", ScopeAll)
		res := send(t, s, "GET", basePath, "Zoho-oauthtoken nonadmin", "")
		d := wantTopError(t, res, 403, CodeNoPermission, "permission denied")
		wantDetails(t, d, map[string]any{"permissions_needed": []string{backupPermission}})
	})

	t.Run("extra versions", func(t *testing.T) {
		s := newServer(t, WithVersions("v7", "v8"))
		wantNoContent(t, do(t, s, http.MethodGet, "/crm/bulk/v7/backup", ""))
		wantNoContent(t, do(t, s, http.MethodGet, "/crm/bulk/v8/backup", ""))
		wantTopError(t, do(t, s, http.MethodGet, "/crm/bulk/v6/backup", ""), 404, CodeInvalidURLPattern, msgInvalidURLPattern)
	})
}

func TestScopesPerEndpoint(t *testing.T) {
	endpoints := []struct {
		name, method, path string
		allowed            []string
	}{
		{"schedule", http.MethodPost, basePath, []string{ScopeAll, ScopeCreate}},
		{"details", http.MethodGet, basePath, []string{ScopeAll, ScopeRead}},
		{"urls", http.MethodGet, urlsPath, []string{ScopeAll, ScopeRead}},
		{"history", http.MethodGet, histPath, []string{ScopeAll, ScopeRead}},
		{"cancel", http.MethodPut, cancelPath("4876876000001593003"), []string{ScopeAll, ScopeUpdate}},
	}
	scopes := []string{ScopeAll, ScopeCreate, ScopeRead, ScopeUpdate, "ZohoCRM.modules.ALL", "ZohoCRM.settings.ALL"}
	for _, ep := range endpoints {
		for _, scope := range scopes {
			t.Run(ep.name+" "+scope, func(t *testing.T) {
				s := newServer(t)
				s.AddToken("tok", scope)
				// Another scope next to the right one must not get in the way.
				s.AddToken("tok2", "ZohoCRM.users.READ", scope)
				for _, tok := range []string{"tok", "tok2"} {
					res := send(t, s, ep.method, ep.path, "Zoho-oauthtoken "+tok, "")
					if slices.Contains(ep.allowed, scope) {
						if res.status == http.StatusUnauthorized || res.status == http.StatusForbidden {
							t.Fatalf("%s refused: %d %s", tok, res.status, res.raw)
						}
					} else {
						wantTopError(t, res, 401, CodeOAuthScopeMismatch, "invalid oauth scope to access this URL")
					}
				}
			})
		}
	}
}

func TestFaults(t *testing.T) {
	t.Run("fail next", func(t *testing.T) {
		s := newServer(t)
		s.FailNext(http.MethodPost, basePath, 2)
		for range 2 {
			d := wantTopError(t, do(t, s, http.MethodPost, basePath, ""), 500, CodeInternalError, "Internal Server Error")
			wantDetails(t, d, map[string]any{})
		}
		if _, ok := s.Latest(); ok {
			t.Fatal("a failed request created a backup")
		}
		wantNoContent(t, do(t, s, http.MethodGet, basePath, "")) // other method unaffected
		schedule(t, s, "")
	})

	t.Run("auth is checked first", func(t *testing.T) {
		s := newServer(t)
		s.FailNext("", "", 1)
		wantTopError(t, send(t, s, http.MethodGet, basePath, "", ""), 401, CodeAuthenticationFailure, "Authentication failed")
		wantTopError(t, do(t, s, http.MethodGet, urlsPath, ""), 500, CodeInternalError, "Internal Server Error")
	})

	t.Run("rate limit with header", func(t *testing.T) {
		s := newServer(t)
		s.InjectFault(Fault{
			Path:    histPath,
			Times:   -1,
			Status:  http.StatusTooManyRequests,
			Code:    "TOO_MANY_REQUESTS",
			Message: "too many requests",
			Header:  http.Header{"Retry-After": {"1"}},
		})
		for range 3 {
			res := do(t, s, http.MethodGet, histPath, "")
			wantTopError(t, res, 429, "TOO_MANY_REQUESTS", "too many requests")
			if res.header.Get("Retry-After") != "1" {
				t.Fatalf("Retry-After = %q", res.header.Get("Retry-After"))
			}
		}
		wantNoContent(t, do(t, s, http.MethodGet, urlsPath, ""))
		s.ClearFaults()
		wantNoContent(t, do(t, s, http.MethodGet, histPath, ""))
	})
}

func TestRequestRecording(t *testing.T) {
	s, clk := newClockedServer(t)
	body := `{"backup":{"rrule":"RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO"}}`
	do(t, s, http.MethodPost, basePath, body)
	clk.Advance(time.Minute)
	do(t, s, http.MethodGet, histPath+"?page=2&per_page=5", "")
	send(t, s, http.MethodGet, "/nowhere", "", "") // refused requests are recorded too
	if resp, err := http.Get(s.URL() + "/_emulator/backups"); err != nil {
		t.Fatal(err)
	} else {
		_ = resp.Body.Close()
	}

	reqs := s.Requests()
	if len(reqs) != 3 {
		t.Fatalf("recorded %d requests, want 3: %+v", len(reqs), reqs)
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Path != basePath || r.RawQuery != "" || string(r.Body) != body ||
		r.Header.Get("Authorization") != "Zoho-oauthtoken "+adminToken ||
		r.Header.Get("Content-Type") != "application/json" || !r.Time.Equal(start) {
		t.Fatalf("first request = %+v", r)
	}
	r = reqs[1]
	if r.Method != http.MethodGet || r.Path != histPath || r.RawQuery != "page=2&per_page=5" ||
		len(r.Body) != 0 || !r.Time.Equal(start.Add(time.Minute)) {
		t.Fatalf("second request = %+v", r)
	}
	if reqs[2].Path != "/nowhere" || reqs[2].Header.Get("Authorization") != "" {
		t.Fatalf("third request = %+v", reqs[2])
	}

	reqs[0].Header.Set("Authorization", "changed")
	reqs[0].Body[0] = 'X'
	if again := s.Requests()[0]; again.Header.Get("Authorization") == "changed" || again.Body[0] == 'X' {
		t.Fatal("Requests shares memory with the server")
	}

	if n := s.CountRequests(http.MethodPost, basePath); n != 1 {
		t.Fatalf("CountRequests(POST) = %d", n)
	}
	if n := s.CountRequests(http.MethodGet, histPath); n != 1 {
		t.Fatalf("CountRequests(GET history) = %d (the query is not part of the path)", n)
	}
	if n := s.CountRequests(http.MethodGet, basePath); n != 0 {
		t.Fatalf("CountRequests(GET) = %d", n)
	}
	s.ResetRequests()
	if n := len(s.Requests()); n != 0 {
		t.Fatalf("after reset: %d requests", n)
	}
}

func TestConcurrentRequests(t *testing.T) {
	s := newServer(t, WithMonthlyQuota(-1))
	const n = 24
	type outcome struct {
		status int
		code   string
	}
	var wg sync.WaitGroup
	outcomes := make(chan outcome, n)
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			req, err := http.NewRequest(http.MethodPost, s.URL()+basePath, nil)
			if err != nil {
				t.Error(err)
				return
			}
			req.Header.Set("Authorization", "Zoho-oauthtoken "+adminToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			var body struct {
				Backup struct {
					Code string `json:"code"`
				} `json:"backup"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Error(err)
				return
			}
			outcomes <- outcome{resp.StatusCode, body.Backup.Code}
		}()
		// Readers race with the writers; -race checks the locking.
		go func() {
			defer wg.Done()
			_ = s.Requests()
			_, _ = s.Latest()
			_ = s.History()
			if i%2 == 0 {
				if resp, err := http.Get(s.URL() + "/_emulator/backups"); err == nil {
					_ = resp.Body.Close()
				}
			}
		}()
	}
	wg.Wait()
	close(outcomes)
	ok, already := 0, 0
	for o := range outcomes {
		switch o {
		case outcome{http.StatusOK, "SUCCESS"}:
			ok++
		case outcome{http.StatusBadRequest, CodeBackupAlreadyScheduled}:
			already++
		default:
			t.Errorf("unexpected outcome %+v", o)
		}
	}
	if ok != 1 || already != n-1 {
		t.Fatalf("%d successes and %d BACKUP_ALREADY_SCHEDULED, want 1 and %d", ok, already, n-1)
	}
	if got := s.CountRequests(http.MethodPost, basePath); got != n {
		t.Fatalf("recorded %d POSTs, want %d", got, n)
	}
	if got := len(s.Backups()); got != 1 {
		t.Fatalf("%d backups, want 1", got)
	}
}

func TestIDsIncrease(t *testing.T) {
	s := newServer(t, WithMonthlyQuota(-1))
	prev := ""
	for range 5 {
		id := schedule(t, s, "")
		if err := s.SetStatus(id, StatusCompleted); err != nil {
			t.Fatal(err)
		}
		if len(id) != 19 || id <= prev {
			t.Fatalf("id %s after %s", id, prev)
		}
		prev = id
	}
}

func TestAdminEndpoints(t *testing.T) {
	s := newServer(t)
	do(t, s, http.MethodGet, basePath, "")

	res := send(t, s, http.MethodPost, "/_emulator/backups?status=SCHEDULED&rrule=FREQ%3DWEEKLY%3BINTERVAL%3D1%3BBYDAY%3DMO", "", "")
	wantStatus(t, res, http.StatusCreated)
	wantJSON(t, res)
	id, _ := res.body["id"].(string)
	if !idRe.MatchString(id) || res.body["status"] != StatusScheduled || res.body["rrule"] != "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO" {
		t.Fatalf("seeded = %s", res.raw)
	}

	res = send(t, s, http.MethodPut, "/_emulator/backups/"+id+"?status=COMPLETED", "", "")
	wantStatus(t, res, http.StatusOK)
	if res.body["status"] != StatusCompleted {
		t.Fatalf("after PUT: %s", res.raw)
	}
	if links, _ := res.body["data_links"].([]any); len(links) != 1 {
		t.Fatalf("data_links = %v", res.body["data_links"])
	}

	wantStatus(t, send(t, s, http.MethodPost, "/_emulator/backups?status=NOPE", "", ""), http.StatusBadRequest)
	wantStatus(t, send(t, s, http.MethodPut, "/_emulator/backups/123?status=COMPLETED", "", ""), http.StatusBadRequest)
	wantStatus(t, send(t, s, http.MethodDelete, "/_emulator/backups", "", ""), http.StatusMethodNotAllowed)
	wantStatus(t, send(t, s, http.MethodGet, "/_emulator/nothing", "", ""), http.StatusNotFound)

	req, _ := http.NewRequest(http.MethodGet, s.URL()+"/_emulator/backups", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var backups []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&backups); err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if len(backups) != 1 || backups[0]["id"] != id || backups[0]["status"] != StatusCompleted {
		t.Fatalf("backups = %v", backups)
	}

	resp, err = http.Get(s.URL() + "/_emulator/requests")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if bytes.Contains(raw, []byte(adminToken)) {
		t.Fatalf("admin requests leak the token: %s", raw)
	}
	var reqs []map[string]any
	if err := json.Unmarshal(raw, &reqs); err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 1 || reqs[0]["method"] != "GET" || reqs[0]["path"] != basePath {
		t.Fatalf("requests = %s (admin calls must not be recorded)", raw)
	}
	h := obj(t, reqs[0]["headers"], "headers")
	if auth, _ := h["Authorization"].([]any); len(auth) != 1 || auth[0] != "Zoho-oauthtoken [REDACTED]" {
		t.Fatalf("Authorization = %v", h["Authorization"])
	}
}

func TestRedactHeader(t *testing.T) {
	h := http.Header{"Authorization": {"Zoho-oauthtoken secret", "secret2"}, "X-Other": {"keep"}}
	r := RedactHeader(h)
	if !slices.Equal(r["Authorization"], []string{"Zoho-oauthtoken [REDACTED]", "[REDACTED]"}) || r.Get("X-Other") != "keep" {
		t.Fatalf("redacted = %v", r)
	}
	if h.Get("Authorization") != "Zoho-oauthtoken secret" {
		t.Fatal("RedactHeader modified its input")
	}
	if RedactHeader(nil) == nil {
		t.Fatal("RedactHeader(nil) = nil")
	}
}

func TestListenLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "192.0.2.1:0", "example.com:0", "127.0.0.1"} {
		t.Run("refuse "+addr, func(t *testing.T) {
			s := New()
			if err := s.StartOn(addr); err == nil {
				s.Close()
				t.Fatalf("StartOn(%q) succeeded", addr)
			}
			if s.URL() != "" {
				t.Fatalf("URL = %q after a refused start", s.URL())
			}
		})
	}
	for _, addr := range []string{"127.0.0.1:0", "localhost:0", "127.0.0.2:0"} {
		t.Run("accept "+addr, func(t *testing.T) {
			s := New()
			if err := s.StartOn(addr); err != nil {
				t.Skipf("cannot listen on %s here: %v", addr, err)
			}
			defer s.Close()
			if !regexp.MustCompile(`^http://(127\.\d+\.\d+\.\d+|\[::1\]):\d+$`).MatchString(s.URL()) {
				t.Fatalf("URL = %q", s.URL())
			}
			if err := s.Start(); err == nil {
				t.Fatal("second Start succeeded")
			}
		})
	}
	t.Run("close is idempotent", func(t *testing.T) {
		s := New()
		s.Close()
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		url := s.URL()
		s.Close()
		s.Close()
		if _, err := http.Get(url + basePath); err == nil {
			t.Fatal("server still answers after Close")
		}
	})
}

func TestParseRRule(t *testing.T) {
	tests := []struct {
		rule, repeatType string
	}{
		{"FREQ=WEEKLY;INTERVAL=1;BYDAY=FR", "weekly"},
		{"FREQ=WEEKLY;INTERVAL=2;BYDAY=TH", "biweekly"},
		{"FREQ=WEEKLY;INTERVAL=3;BYDAY=TH", "weekly"},
		{"FREQ=MONTHLY;INTERVAL=2;BYDAY=2SA", "monthly"},
		{"RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=1", "monthly"},
	}
	for _, tt := range tests {
		r, err := parseRRule(tt.rule)
		if err != nil {
			t.Fatalf("parseRRule(%q): %v", tt.rule, err)
		}
		if got := r.repeatType(); got != tt.repeatType {
			t.Errorf("repeatType(%q) = %q, want %q", tt.rule, got, tt.repeatType)
		}
	}
	if got := canonicalRRule("FREQ=WEEKLY;INTERVAL=1;BYDAY=FR"); got != "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR" {
		t.Errorf("canonicalRRule = %q", got)
	}
}

func TestOptions(t *testing.T) {
	var logs safeBuffer
	s, clk := newClockedServer(t,
		WithRequester(Requester{ID: "111", Name: "Ada", ZUID: "222"}),
		WithZGID("999"),
		WithLinkLifetime(time.Hour),
		WithLogger(log.New(&logs, "", 0)),
	)
	id := schedule(t, s, "")
	res := do(t, s, http.MethodGet, basePath, "")
	wantDetails(t, obj(t, obj(t, res.body["backup"], "backup")["requester"], "requester"),
		map[string]any{"id": "111", "name": "Ada", "zuid": "222"})
	if err := s.SetStatus(id, StatusCompleted); err != nil {
		t.Fatal(err)
	}
	res = do(t, s, http.MethodGet, urlsPath+"?x=1", "")
	wantStatus(t, res, http.StatusOK)
	u := obj(t, res.body["urls"], "urls")
	links, _ := u["data_links"].([]any)
	if len(links) != 1 || !strings.HasPrefix(str(t, links[0]), "https://download-accl.zoho.com/v2/crm/999/backup/") ||
		u["expiry_date"] != "2026-03-10T11:00:00+05:30" {
		t.Fatalf("urls = %s", res.raw)
	}
	clk.Advance(time.Hour)
	wantNoContent(t, do(t, s, http.MethodGet, urlsPath, ""))

	out := logs.String()
	for _, line := range []string{"POST " + basePath + " 200 ", "GET " + urlsPath + "?x=1 200 ", "GET " + urlsPath + " 204 "} {
		if !strings.Contains(out, line) {
			t.Errorf("log lacks %q:\n%s", line, out)
		}
	}
	if strings.Contains(out, adminToken) {
		t.Errorf("log leaks the token:\n%s", out)
	}
}

func TestOversizedBody(t *testing.T) {
	s := newServer(t)
	body := `{"backup":{"rrule":"` + strings.Repeat("x", maxBodyBytes) + `"}}`
	res := do(t, s, http.MethodPost, basePath, body)
	wantTopError(t, res, http.StatusBadRequest, CodeRequestBodyNotReadable, msgRequestBodyNotReadable)
}

// safeBuffer is a bytes.Buffer the server's logger and the test can share.
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *safeBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *safeBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
