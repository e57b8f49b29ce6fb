package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// Backup statuses, as listed on the Get Data Backup Details page for v5 to v8
// (https://www.zoho.com/crm/developer/docs/api/v8/get-backup-info.html). Zoho has no
// IN_PROGRESS or CANCELLED status: a cancelled schedule is STOPPED.
const (
	StatusScheduled  = "SCHEDULED"
	StatusInProgress = "INPROGRESS"
	StatusCompleted  = "COMPLETED"
	StatusFailed     = "FAILED"
	StatusStopped    = "STOPPED"
)

// Statuses lists every valid backup status.
var Statuses = []string{StatusScheduled, StatusInProgress, StatusCompleted, StatusFailed, StatusStopped}

// Requester is the CRM user who asked for a backup (requester, done_by).
type Requester struct {
	ID, Name, ZUID string
}

// Backup is a snapshot of one emulated backup. Nil dates are JSON null.
type Backup struct {
	ID     string
	Status string
	// RRule is "" for an immediate backup, else the rule in its
	// "RRULE:"-prefixed form.
	RRule         string
	ScheduledDate *time.Time
	StartDate     *time.Time
	Requester     Requester
	// Download links, set when the backup completes.
	DataLinks       []string
	AttachmentLinks []string
	ExpiryDate      *time.Time
	// CreatedTime is emulator bookkeeping (not sent by Zoho): it decides
	// which month's quota the backup counts against.
	CreatedTime time.Time
}

// backupRecord is the server's mutable copy plus derived data.
type backupRecord struct {
	Backup
	repeatType string // history repeat_type: immediate, weekly, biweekly, monthly
	// finishesAt is when an immediate backup made by POST /backup leaves
	// INPROGRESS for the configured outcome; zero for every other backup.
	finishesAt time.Time
	// job is the download job id of generated links; "" when there are
	// none or SetDownloadLinks replaced them.
	job string
}

func (b *Backup) clone() Backup {
	c := *b
	c.ScheduledDate = cloneTime(b.ScheduledDate)
	c.StartDate = cloneTime(b.StartDate)
	c.ExpiryDate = cloneTime(b.ExpiryDate)
	c.DataLinks = slices.Clone(b.DataLinks)
	c.AttachmentLinks = slices.Clone(b.AttachmentLinks)
	return c
}

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := *t
	return &v
}

func validStatus(status string) bool { return slices.Contains(Statuses, status) }

// SeedBackup creates a backup directly in status, with rrule ("" for an
// immediate backup), and makes it the latest. History gets the entries the
// API would have written on the way to that status. It panics on an unknown
// status or an invalid rrule, which are mistakes in the test itself; use
// TrySeedBackup to get an error instead.
func (s *Server) SeedBackup(status, rrule string) Backup {
	b, err := s.TrySeedBackup(status, rrule)
	if err != nil {
		panic(err)
	}
	return b
}

// TrySeedBackup is SeedBackup that reports bad input as an error. Seeded
// backups count against the monthly quota, like any backup created this month.
func (s *Server) TrySeedBackup(status, rule string) (Backup, error) {
	if !validStatus(status) {
		return Backup{}, fmt.Errorf("emulator: unknown backup status %q (want one of %v)", status, Statuses)
	}
	var parsed *rrule
	if rule != "" {
		r, err := parseRRule(rule)
		if err != nil {
			return Backup{}, fmt.Errorf("emulator: invalid rrule %q: %w", rule, err)
		}
		parsed = &r
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.createBackup(rule, parsed)
	s.transition(b, status)
	return b.clone(), nil
}

// SetStatus moves a backup to status, with the side effects the API would
// show: COMPLETED generates download links expiring after the link lifetime
// and a history entry with state "completed"; FAILED logs state "failure";
// STOPPED logs action "stopped". Any transition is allowed, because this is a
// test hook and tests need to build odd states; the usual path is
// SCHEDULED -> INPROGRESS -> COMPLETED.
func (s *Server) SetStatus(id, status string) error {
	if !validStatus(status) {
		return fmt.Errorf("emulator: unknown backup status %q (want one of %v)", status, Statuses)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.byID[id]
	if !ok {
		return fmt.Errorf("emulator: no backup %q", id)
	}
	s.transition(b, status)
	return nil
}

// Backup returns a copy of the backup with id.
func (s *Server) Backup(id string) (Backup, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finishImmediateBackups()
	b, ok := s.byID[id]
	if !ok {
		return Backup{}, false
	}
	return b.clone(), true
}

// Latest returns a copy of the most recently created backup, the one
// GET /backup reports.
func (s *Server) Latest() (Backup, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finishImmediateBackups()
	b := s.latest()
	if b == nil {
		return Backup{}, false
	}
	return b.clone(), true
}

// Backups returns copies of all backups, oldest first.
func (s *Server) Backups() []Backup {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finishImmediateBackups()
	out := make([]Backup, len(s.backups))
	for i, b := range s.backups {
		out[i] = b.clone()
	}
	return out
}

func (s *Server) latest() *backupRecord {
	if len(s.backups) == 0 {
		return nil
	}
	return s.backups[len(s.backups)-1]
}

// createBackup records a new backup as the API's POST would: SCHEDULED with
// dates for a rule, INPROGRESS without dates for an immediate backup (the v8
// docs say both dates are null without an rrule). Callers hold s.mu.
func (s *Server) createBackup(rule string, parsed *rrule) *backupRecord {
	now := s.now()
	b := &backupRecord{Backup: Backup{
		ID:          s.newID(),
		Requester:   s.cfg.requester,
		CreatedTime: now,
	}}
	if parsed == nil {
		b.Status, b.repeatType = StatusInProgress, "immediate"
		s.addHistory(b, "", "initiated")
	} else {
		start := parsed.next(now.In(s.cfg.location))
		b.Status, b.repeatType = StatusScheduled, parsed.repeatType()
		b.RRule = canonicalRRule(rule)
		b.StartDate, b.ScheduledDate = cloneTime(&start), cloneTime(&start)
		s.addHistory(b, "", "scheduled")
	}
	s.backups = append(s.backups, b)
	s.byID[b.ID] = b
	return b
}

// transition applies a status change and its side effects. Callers hold s.mu.
func (s *Server) transition(b *backupRecord, status string) {
	if b.Status == status {
		return
	}
	b.Status = status
	switch status {
	case StatusCompleted:
		s.completeLinks(b)
		s.addHistory(b, "completed", "")
	case StatusFailed:
		s.addHistory(b, "failure", "")
	case StatusStopped:
		s.addHistory(b, "", "stopped")
	}
}

// completeLinks generates links shaped like Zoho's
// (https://download-accl.zoho.com/v2/crm/{zgid}/backup/{job-id}/Data_001.zip)
// on the emulator's download host: http://127.0.0.1:PORT/v2/crm/... (see
// download.go). The job id is a fresh id, distinct from the backup id, as in
// the samples.
func (s *Server) completeLinks(b *backupRecord) {
	b.job = s.newID()
	s.fillLinks(b)
	expiry := s.now().Add(s.cfg.linkLifetime)
	b.ExpiryDate = &expiry
}

// activeBackup returns the newest backup that is SCHEDULED or INPROGRESS:
// while one exists, Zoho refuses another schedule.
func (s *Server) activeBackup() *backupRecord {
	for i := len(s.backups) - 1; i >= 0; i-- {
		if st := s.backups[i].Status; st == StatusScheduled || st == StatusInProgress {
			return s.backups[i]
		}
	}
	return nil
}

// quotaLeft reports whether another backup fits in this calendar month (in
// the server's zone; Zoho refreshes limits monthly).
func (s *Server) quotaLeft() bool {
	if s.cfg.monthlyQuota < 0 {
		return true
	}
	now := s.now().In(s.cfg.location)
	used := 0
	for _, b := range s.backups {
		c := b.CreatedTime.In(s.cfg.location)
		if c.Year() == now.Year() && c.Month() == now.Month() {
			used++
		}
	}
	return used < s.cfg.monthlyQuota
}

// schedule is POST /backup. Input is checked before state: a bad rule is
// INVALID_DATA even while another backup is scheduled.
func (s *Server) schedule(c *call) response {
	rule, parsed, errResp := s.parseScheduleBody(c.body, c.bodyErr)
	if errResp != nil {
		return *errResp
	}
	if active := s.activeBackup(); active != nil {
		return errAlreadyScheduled(active.ID)
	}
	if !s.quotaLeft() {
		return errMonthlyLimit(s.cfg.limitCode)
	}
	b := s.createBackup(rule, parsed)
	if parsed == nil {
		b.finishesAt = s.now().Add(s.cfg.immediateDuration)
	}
	return backupSuccess(msgScheduled, b.ID)
}

// finishImmediateBackups ends the immediate backups whose run time has
// passed by the emulator clock, as Zoho ends them while no one is looking.
// Callers hold s.mu.
func (s *Server) finishImmediateBackups() {
	now := s.now()
	for _, b := range s.backups {
		if b.Status == StatusInProgress && !b.finishesAt.IsZero() && !now.Before(b.finishesAt) {
			s.transition(b, s.cfg.immediateOutcome)
		}
	}
}

// parseScheduleBody reads POST /backup's body. An empty body means "back up
// now" (documented). Returns rule "" and parsed nil for an immediate backup.
func (s *Server) parseScheduleBody(body []byte, readErr error) (string, *rrule, *response) {
	fail := func(r response) (string, *rrule, *response) { return "", nil, &r }
	if readErr != nil {
		return fail(errRequestBodyNotReadable())
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return "", nil, nil
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return fail(errRequestBodyNotReadable())
	}
	raw, ok := rawField(top, "backup")
	if !ok {
		return s.noRule()
	}
	var wrapper map[string]json.RawMessage
	if err := json.Unmarshal(raw, &wrapper); err != nil {
		return fail(backupError(CodeInvalidData, msgInvalidData,
			map[string]any{"api_name": "backup", "json_path": "$.backup"}))
	}
	raw, ok = rawField(wrapper, "rrule")
	if !ok {
		return s.noRule()
	}
	var rule string
	if err := json.Unmarshal(raw, &rule); err != nil {
		return fail(errInvalidRRule())
	}
	parsed, err := parseRRule(rule)
	if err != nil {
		return fail(errInvalidRRule())
	}
	return rule, &parsed, nil
}

// noRule handles JSON bodies without an rrule ({}, {"backup":{}}, a null
// rrule), whose meaning is [UNCONFIRMED]; see WithEmptyObjectImmediate.
func (s *Server) noRule() (string, *rrule, *response) {
	if s.cfg.emptyObjectImmediate {
		return "", nil, nil
	}
	r := errInvalidRRule()
	return "", nil, &r
}

// rawField returns m[key] unless it is absent or JSON null.
func rawField(m map[string]json.RawMessage, key string) (json.RawMessage, bool) {
	raw, ok := m[key]
	if !ok || string(bytes.TrimSpace(raw)) == "null" {
		return nil, false
	}
	return raw, true
}

type requesterJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	ZUID string `json:"zuid"`
}

// backupJSON is GET /backup's "backup" object; keys as in Zoho's sample.
type backupJSON struct {
	ID            string        `json:"id"`
	ScheduledDate *string       `json:"scheduled_date"`
	StartDate     *string       `json:"start_date"`
	RRule         *string       `json:"rrule"`
	Requester     requesterJSON `json:"requester"`
	Status        string        `json:"status"`
}

// details is GET /backup: the latest backup, or 204 if there never was one.
func (s *Server) details(*call) response {
	b := s.latest()
	if b == nil {
		return noContent()
	}
	return response{status: http.StatusOK, body: map[string]any{"backup": backupJSON{
		ID:            b.ID,
		ScheduledDate: s.formatTimePtr(b.ScheduledDate),
		StartDate:     s.formatTimePtr(b.StartDate),
		RRule:         nullable(b.RRule),
		Requester:     requesterJSON(b.Requester),
		Status:        b.Status,
	}}}
}

type urlsJSON struct {
	DataLinks       []string `json:"data_links"`
	AttachmentLinks []string `json:"attachment_links"`
	ExpiryDate      string   `json:"expiry_date"`
}

// urls is GET /backup/urls: the latest backup's links while it is COMPLETED
// and they have not expired; otherwise 204, as Zoho documents for "no links".
// WithListedExpiredLinks keeps expired links listed [UNCONFIRMED].
func (s *Server) urls(*call) response {
	b := s.latest()
	if b == nil || b.Status != StatusCompleted || b.ExpiryDate == nil ||
		len(b.DataLinks)+len(b.AttachmentLinks) == 0 ||
		(!s.cfg.download.listExpiredLinks && !s.now().Before(*b.ExpiryDate)) {
		return noContent()
	}
	return response{status: http.StatusOK, body: map[string]any{"urls": urlsJSON{
		DataLinks:       nonNil(b.DataLinks),
		AttachmentLinks: nonNil(b.AttachmentLinks),
		ExpiryDate:      s.formatTime(*b.ExpiryDate),
	}}}
}

// nonNil keeps empty lists as [] rather than null.
func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return slices.Clone(v)
}

// cancel is PUT /backup/{id}/actions/cancel (the v8 cancel page).
func (s *Server) cancel(c *call) response {
	b, ok := s.byID[c.id]
	if !ok {
		return errResourceNotFound(s.cfg.resourceNotFoundNest, c.id)
	}
	switch b.Status {
	case StatusScheduled:
		s.transition(b, StatusStopped)
		return backupSuccess(msgStopped, b.ID)
	case StatusStopped:
		return errAlreadyCancelled(b.ID)
	case StatusInProgress:
		return errInProgress(b.ID)
	default:
		// COMPLETED and FAILED: Zoho documents no error for cancelling a
		// finished backup. RESOURCE_NOT_FOUND ("specify a valid backup ID")
		// is the closest documented answer: there is nothing left to cancel.
		return errResourceNotFound(s.cfg.resourceNotFoundNest, c.id)
	}
}
