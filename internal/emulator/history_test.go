package emulator

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

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

	t.Run("pages cover everything once, newest first", func(t *testing.T) { checkHistoryPagesCoverAll(t, s) })
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
			// The details keys Zoho's SDK models (no param_name).
			wantDetails(t, d, map[string]any{"api_name": tt.param, "json_path": "$." + tt.param})
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

// A completed run's entry names its first ZIP file; every entry reports
// the organization's purchased backups as a number.
func TestHistoryFileNameAndCount(t *testing.T) {
	for _, tt := range []struct {
		name      string
		opts      []Option
		file      string
		purchased float64
	}{
		{"defaults", nil, "Data_001.zip", 0},
		{"purchased backups", []Option{WithPurchasedBackups(3)}, "Data_001.zip", 3},
		{"attachments only", []Option{WithDownloadFiles(0, 2)}, "Attachments_001.zip", 0},
		{"no files", []Option{WithDownloadFiles(0, 0), WithPurchasedBackups(-1)}, "", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, tt.opts...)
			s.SeedBackup(StatusCompleted, "")
			entries, _ := getHistory(t, s, "")
			if len(entries) != 2 {
				t.Fatalf("history = %v", entries)
			}
			checkFileNameAndCount(t, entries, tt.file, tt.purchased)
		})
	}
	t.Run("seeded history", func(t *testing.T) {
		s := newServer(t, WithPurchasedBackups(1))
		s.SeedHistory(1)
		if h := s.History(); len(h) != 1 || h[0].FileName != "Data_001.zip" || h[0].Count != 1 {
			t.Fatalf("History() = %+v", h)
		}
	})
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
			b := checkSeededBackup(t, s, tt.status, tt.rule)
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

	t.Run("bad input", testSeedBadInput)

	t.Run("copies are independent", testSeedCopiesAreIndependent)
}

func testSeedCopiesAreIndependent(t *testing.T) {
	s := New()
	b := s.SeedBackup(StatusCompleted, "")
	b.DataLinks[0] = "changed"
	*b.ExpiryDate = time.Time{}
	again, _ := s.Backup(b.ID)
	if again.DataLinks[0] == "changed" || again.ExpiryDate.IsZero() {
		t.Fatal("Backup shares memory with the server")
	}
}

func testSeedBadInput(t *testing.T) {
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
	b := s.SeedBackup(StatusScheduled, "RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=16")
	if err := s.SetStatus(b.ID, "IN_PROGRESS"); err == nil {
		t.Error("SetStatus accepted IN_PROGRESS")
	}
	defer func() {
		if recover() == nil {
			t.Error("SeedBackup did not panic on a bad status")
		}
	}()
	s.SeedBackup("bogus", "")
}

// checkHistoryPagesCoverAll walks s's 450 history entries 120 a page: each
// entry appears once, newest first, and the newest is the schedule.
func checkHistoryPagesCoverAll(t *testing.T, s *Server) {
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
}

// checkSeededBackup seeds a backup with status and rule and checks what
// SeedBackup returns: an id, dates only with a rule, links only when complete.
func checkSeededBackup(t *testing.T, s *Server, status, rule string) Backup {
	t.Helper()
	b := s.SeedBackup(status, rule)
	if b.Status != status || b.RRule != rule || !idRe.MatchString(b.ID) {
		t.Fatalf("seeded %+v", b)
	}
	if (rule == "") != (b.ScheduledDate == nil && b.StartDate == nil) {
		t.Fatalf("dates %v %v for rule %q", b.ScheduledDate, b.StartDate, rule)
	}
	if (status == StatusCompleted) != (len(b.DataLinks) == 1 && b.ExpiryDate != nil) {
		t.Fatalf("links %v expiry %v", b.DataLinks, b.ExpiryDate)
	}
	return b
}

// checkFileNameAndCount checks a completed backup's two history entries,
// newest first: the completion names file ("" for null), the initiation no
// file, and both count purchased.
func checkFileNameAndCount(t *testing.T, entries []map[string]any, file string, purchased float64) {
	t.Helper()
	completed, initiated := entries[0], entries[1]
	var wantFile any
	if file != "" {
		wantFile = file
	}
	if completed["file_name"] != wantFile {
		t.Errorf("completed file_name = %v, want %v", completed["file_name"], wantFile)
	}
	if initiated["file_name"] != nil {
		t.Errorf("initiated file_name = %v, want null", initiated["file_name"])
	}
	for _, e := range entries {
		if e["count"] != purchased {
			t.Errorf("count = %#v, want %v", e["count"], purchased)
		}
	}
}
