package emulator

import (
	"net/http"
	"testing"
	"time"
)

// An immediate backup runs for the configured time by the emulator clock,
// then completes: GET /backup shows COMPLETED, GET /backup/urls serves its
// links, and history logs the completion.
func TestImmediateBackupCompletesOnTheClock(t *testing.T) {
	s, clk := newClockedServer(t, WithImmediateBackup(3*time.Minute, StatusCompleted))
	id := schedule(t, s, "")

	clk.Advance(3*time.Minute - time.Second)
	if b := getDetails(t, s); b["id"] != id || b["status"] != StatusInProgress {
		t.Fatalf("before its run time: details = %v, want %s INPROGRESS", b, id)
	}
	wantNoContent(t, do(t, s, http.MethodGet, urlsPath, ""))

	clk.Advance(time.Second)
	if b := getDetails(t, s); b["id"] != id || b["status"] != StatusCompleted {
		t.Fatalf("after its run time: details = %v, want %s COMPLETED", b, id)
	}
	res := do(t, s, http.MethodGet, urlsPath, "")
	wantStatus(t, res, http.StatusOK)
	urls := obj(t, res.body["urls"], "urls")
	wantKeys(t, "urls", urls, "data_links", "attachment_links", "expiry_date")
	if links, _ := urls["data_links"].([]any); len(links) != 1 {
		t.Fatalf("data_links = %v, want one link", urls["data_links"])
	}
	entries, _ := getHistory(t, s, "")
	if len(entries) != 2 || entries[0]["state"] != "completed" {
		t.Fatalf("history = %v, want the completion first", entries)
	}
}

// WithImmediateBackup's FAILED outcome ends the backup without links.
func TestImmediateBackupCanFail(t *testing.T) {
	s, clk := newClockedServer(t, WithImmediateBackup(time.Minute, StatusFailed))
	id := schedule(t, s, "")
	clk.Advance(time.Minute)
	if b, ok := s.Latest(); !ok || b.ID != id || b.Status != StatusFailed {
		t.Fatalf("Latest = %+v, %v; want %s FAILED", b, ok, id)
	}
	wantNoContent(t, do(t, s, http.MethodGet, urlsPath, ""))
	entries, _ := getHistory(t, s, "")
	if len(entries) != 2 || entries[0]["state"] != "failure" {
		t.Fatalf("history = %v, want the failure first", entries)
	}
}

// AdvanceClock moves the run time too, and a seeded INPROGRESS backup, which
// tests build on purpose, keeps its status.
func TestImmediateBackupFollowsAdvanceClock(t *testing.T) {
	s := newServer(t)
	id := schedule(t, s, "")
	s.AdvanceClock(10 * time.Minute)
	if b, _ := s.Backup(id); b.Status != StatusCompleted {
		t.Fatalf("backup %s is %s after the default 10 minutes, want COMPLETED", id, b.Status)
	}

	other := newServer(t)
	kept := other.SeedBackup(StatusInProgress, "")
	other.AdvanceClock(24 * time.Hour)
	if b, _ := other.Backup(kept.ID); b.Status != StatusInProgress {
		t.Fatalf("seeded backup is %s a day later, want INPROGRESS as seeded", b.Status)
	}
}
