package emulator

import (
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxPerPage is both the default and the maximum per_page (https://www.zoho.com/crm/developer/docs/api/v8/backup-history.html).
const maxPerPage = 200

// historyWindow is the reach of GET /backup/history, whose docs say only the
// past one year of history is available.
const historyWindow = 365 * 24 * time.Hour

// HistoryEntry is one log event of GET /backup/history. Empty strings are
// sent as JSON null, as Zoho does for state, action and file_name.
type HistoryEntry struct {
	ID         string
	DoneBy     Requester
	LogTime    time.Time
	State      string // "completed", "failure" or "" (null)
	Action     string // "initiated", "scheduled", "stopped", "purchased" or "" (null)
	RepeatType string // "immediate", "weekly", "biweekly", "monthly"
	FileName   string
	Count      int
	// BackupID is emulator bookkeeping (not sent): the backup the event is about.
	BackupID string
}

// addHistory appends an event for b at the current time. A completed run
// names its ZIP file (see historyFileName); every entry carries the
// organization's purchased backups as count. Callers hold s.mu.
func (s *Server) addHistory(b *backupRecord, state, action string) {
	entry := HistoryEntry{
		ID:         s.newID(),
		DoneBy:     b.Requester,
		LogTime:    s.now(),
		State:      state,
		Action:     action,
		RepeatType: b.repeatType,
		Count:      s.cfg.purchasedBackups,
		BackupID:   b.ID,
	}
	if state == "completed" {
		entry.FileName = historyFileName(b.DataLinks, b.AttachmentLinks)
	}
	s.history = append(s.history, entry)
}

// historyFileName is the file a completed run's history entry names: the
// last path segment of its first data link (Data_001.zip), else of its first
// attachment link, else none. Zoho documents file_name as "the name of the
// zip file available for download" without saying which one when a backup
// is split into several; the first is this emulator's choice.
func historyFileName(dataLinks, attachmentLinks []string) string {
	for _, links := range [][]string{dataLinks, attachmentLinks} {
		if len(links) > 0 {
			return path.Base(links[0])
		}
	}
	return ""
}

// History returns all history entries, newest first, including any older
// than the one-year window the API shows.
func (s *Server) History() []HistoryEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finishImmediateBackups()
	out := slices.Clone(s.history)
	slices.Reverse(out)
	return out
}

// SeedHistory adds n past events, older than every existing entry, so tests
// can page through several pages. Each is a completed immediate backup, one
// hour apart, counting back from the oldest existing entry (or now).
func (s *Server) SeedHistory(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at := s.now()
	if len(s.history) > 0 {
		at = s.history[0].LogTime
	}
	seeded := make([]HistoryEntry, n)
	for i := range n {
		// Fill from the end so that seeded[0] is the oldest.
		at = at.Add(-time.Hour)
		seeded[n-1-i] = HistoryEntry{
			ID:         s.newID(),
			DoneBy:     s.cfg.requester,
			LogTime:    at,
			State:      "completed",
			RepeatType: "immediate",
			FileName:   "Data_001.zip",
			Count:      s.cfg.purchasedBackups,
		}
	}
	s.history = slices.Concat(seeded, s.history)
}

type historyJSON struct {
	ID         string        `json:"id"`
	DoneBy     requesterJSON `json:"done_by"`
	LogTime    string        `json:"log_time"`
	State      *string       `json:"state"`
	Action     *string       `json:"action"`
	RepeatType *string       `json:"repeat_type"`
	FileName   *string       `json:"file_name"`
	Count      int           `json:"count"`
}

type infoJSON struct {
	Page        int  `json:"page"`
	PerPage     int  `json:"per_page"`
	Count       int  `json:"count"`
	MoreRecords bool `json:"more_records"`
}

// historyPage is GET /backup/history?page=&per_page=.
func (s *Server) historyPage(c *call) response {
	q := c.r.URL.Query()
	page, ok := pageParam(q["page"], 1, 0)
	if !ok {
		return errInvalidParam("page")
	}
	perPage, ok := pageParam(q["per_page"], maxPerPage, maxPerPage)
	if !ok {
		return errInvalidParam("per_page")
	}

	visible := s.visibleHistory()
	start := (page - 1) * perPage
	// No history, or a page past the end: 204, Zoho's "nothing to list".
	if start >= len(visible) {
		return noContent()
	}
	end := min(start+perPage, len(visible))
	items := make([]historyJSON, 0, end-start)
	for _, h := range visible[start:end] {
		items = append(items, s.toHistoryJSON(h))
	}
	return response{status: http.StatusOK, body: map[string]any{
		"history": items,
		"info":    infoJSON{Page: page, PerPage: perPage, Count: len(items), MoreRecords: end < len(visible)},
	}}
}

// visibleHistory is the past year's entries, newest first. Callers hold s.mu.
func (s *Server) visibleHistory() []HistoryEntry {
	cutoff := s.now().Add(-historyWindow)
	out := make([]HistoryEntry, 0, len(s.history))
	for i := len(s.history) - 1; i >= 0; i-- {
		if s.history[i].LogTime.After(cutoff) {
			out = append(out, s.history[i])
		}
	}
	return out
}

// pageParam parses an optional positive integer query parameter. Absent
// means def; present it must be plain digits, at least 1 and, when limit > 0,
// at most limit. A repeated parameter is judged by its first value, as Go's
// Query().Get does.
func pageParam(values []string, def, limit int) (int, bool) {
	if len(values) == 0 {
		return def, true
	}
	v := values[0]
	if v == "" || len(v) > 9 || strings.TrimLeft(v, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || (limit > 0 && n > limit) {
		return 0, false
	}
	return n, true
}

func (s *Server) toHistoryJSON(h HistoryEntry) historyJSON {
	return historyJSON{
		ID:         h.ID,
		DoneBy:     requesterJSON(h.DoneBy),
		LogTime:    s.formatTime(h.LogTime),
		State:      nullable(h.State),
		Action:     nullable(h.Action),
		RepeatType: nullable(h.RepeatType),
		FileName:   nullable(h.FileName),
		Count:      h.Count,
	}
}
