package emulator

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

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
			d := wantNestedError(t, res, CodeLimitReached, "Backup limit exceeded.")
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
		wantNestedError(t, do(t, s, http.MethodPost, basePath, ""), CodeLimitReached, "Backup limit exceeded.")
	})

	t.Run("seeded backups count", func(t *testing.T) {
		s, _ := newClockedServer(t, WithMonthlyQuota(1))
		s.SeedBackup(StatusCompleted, "")
		wantNestedError(t, do(t, s, http.MethodPost, basePath, ""), CodeLimitReached, "Backup limit exceeded.")
	})

	t.Run("zero", func(t *testing.T) {
		s := newServer(t, WithMonthlyQuota(0))
		wantNestedError(t, do(t, s, http.MethodPost, basePath, ""), CodeLimitReached, "Backup limit exceeded.")
		wantNoContent(t, do(t, s, http.MethodGet, basePath, ""))
	})

	t.Run("the documented code", func(t *testing.T) {
		s := newServer(t, WithMonthlyQuota(0), WithLimitCode(CodeLimitExceeded))
		d := wantNestedError(t, do(t, s, http.MethodPost, basePath, ""), CodeLimitExceeded, "Backup limit exceeded.")
		wantDetails(t, d, map[string]any{})
	})

	t.Run("an unknown code keeps the default", func(t *testing.T) {
		s := newServer(t, WithMonthlyQuota(0), WithLimitCode("LIMIT_WHATEVER"))
		wantNestedError(t, do(t, s, http.MethodPost, basePath, ""), CodeLimitReached, "Backup limit exceeded.")
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
	t.Run("lifecycle", testURLsLifecycle)

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

func testURLsLifecycle(t *testing.T) {
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
		!attachRe.MatchString(al) || !strings.HasSuffix(al, "/Attachments_001.zip") ||
		!strings.HasPrefix(dl, s.DownloadURL()+"/") || s.DownloadURL() == s.URL() {
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
}

// cancelRule is the rule of the backups TestCancel cancels.
const cancelRule = "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"

func TestCancel(t *testing.T) {
	t.Run("scheduled, then already cancelled", testCancelScheduledThenAlreadyCancelled)

	tests := []struct {
		status, code, message string
	}{
		{StatusInProgress, "INPROGRESS", "Backup is in progress"},
		{StatusStopped, "ALREADY_CANCELLED", "Backup is already canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.status, func(t *testing.T) {
			s := newServer(t)
			b := s.SeedBackup(tt.status, cancelRule)
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
				testCancelNotFound(t, nested, status)
			})
		}
	}
}

func testCancelScheduledThenAlreadyCancelled(t *testing.T) {
	s := newServer(t)
	id := schedule(t, s, cancelRule)
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
}

// testCancelNotFound cancels an unknown id (status "") or a backup that has
// finished with status: RESOURCE_NOT_FOUND, in the placement nested selects.
func testCancelNotFound(t *testing.T, nested bool, status string) {
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
