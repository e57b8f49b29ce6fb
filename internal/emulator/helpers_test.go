package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
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
	dataRe   = regexp.MustCompile(`^http://127\.0\.0\.1:[0-9]+/v2/crm/757345985/backup/[0-9]{19}/Data_00[0-9]\.zip$`)
	attachRe = regexp.MustCompile(`^http://127\.0\.0\.1:[0-9]+/v2/crm/757345985/backup/[0-9]{19}/Attachments_00[0-9]\.zip$`)
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
		if c, ok := e["count"].(float64); !ok || c < 0 || c != float64(int(c)) {
			t.Fatalf("count = %#v, want a whole number", e["count"])
		}
		entries[i] = e
	}
	return entries, info
}
