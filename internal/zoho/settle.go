package zoho

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Settling a POST /backup whose answer was lost.
//
// POST /backup is never sent twice after a failure Zoho may have acted on
// (retry.go, retryUnprocessed): a second backup would spend another of the
// few the edition allows a month. Leaving the outcome to the user is no
// better: Zoho usually did act, so the next apply meets
// BACKUP_ALREADY_SCHEDULED. So the outcome is read back instead, and a
// backup that matches what was asked, and was not there before the write, is
// taken as the write's result.
//
// "Not there before" is known without a GET before every POST, which would
// cost every schedule one more request (and API credit) on the happy path
// to serve a rare failure:
//
//   - A recurring rule. Zoho keeps one scheduled or running backup at a time
//     and refuses a POST while one exists (BACKUP_ALREADY_SCHEDULED,
//     https://www.zoho.com/crm/developer/docs/api/v8/schedule-data-backup.html).
//     So a SCHEDULED or INPROGRESS backup with the same rule, found after
//     the failure, is either the backup this POST made, or one that was there
//     before, in which case Zoho refused this POST with
//     BACKUP_ALREADY_SCHEDULED for a backup with the same rule, and such a
//     refusal is adopted (AdoptScheduled). Either way it is the outcome. A
//     rule's backup cannot have finished already: its first run is in the
//     future.
//   - An immediate backup. One found INPROGRESS may have been running
//     before (then Zoho refused this POST and it started nothing), and one
//     this POST started may already be COMPLETED or FAILED by the time it is
//     read (a small organization's export takes seconds). Its status tells
//     neither, and Zoho sends no dates for it. Zoho's history does: starting
//     a backup logs an "initiated" event with its log_time
//     (https://www.zoho.com/crm/developer/docs/api/v8/backup-history.html
//     shows the action; that every start logs one is this project's reading,
//     which the emulator follows). So the history's newest event that starts
//     a backup must be that "initiated" event, at or after the moment the
//     POST was first sent, less clockSkewAllowance (retries of a 429 or 503
//     before it only widen the window). That costs one GET /backup/history,
//     on this path only.
//
// Anything else (the read fails, finds no backup, another rule, an
// immediate backup initiated before the POST) settles nothing: the caller
// reports an *UnsettledError, which says that Zoho may have acted.

// clockSkewAllowance is how much earlier than this machine's clock Zoho's
// log_time of the backup this POST started may be: the two clocks differ a
// little, and log_time has whole seconds. An allowance too small reports a
// backup this POST started as unsettled (the user is told to check); one
// too large takes an immediate backup someone else started moments before
// for this one. A minute errs towards the benign side: that backup is
// running or done either way.
const clockSkewAllowance = time.Minute

// History actions that start a backup: "initiated" for an immediate backup,
// "scheduled" for a rule.
const (
	historyActionInitiated = "initiated"
	historyActionScheduled = "scheduled"
)

// MayHaveActed reports whether a failed write may nonetheless have been
// carried out by Zoho: its answer was lost (a reset after sending, no answer
// within the request timeout: ErrMayHaveActed), or it was an error Zoho can
// give after acting (a 500, or a gateway's 502 or 504), as retry.go
// classifies answers. A refusal (4xx), a 429 or a 503, which Zoho gives
// before processing, and a request that never left this machine are not.
func MayHaveActed(err error) bool {
	if errors.Is(err, ErrMayHaveActed) {
		return true
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	// The code decides before the status, as for retries: INTERNAL_ERROR
	// or INTERNAL_SERVER_ERROR under any status means Zoho had the request.
	transient, unprocessed := classifyAnswer(apiErr.HTTPStatus, apiErr.Code)
	return transient && !unprocessed
}

// ScheduleSettlement says how a POST /backup ended.
type ScheduleSettlement int

const (
	// Scheduled: Zoho answered SUCCESS with the new backup's id.
	Scheduled ScheduleSettlement = iota
	// AnswerLost: the write failed in a way Zoho may have acted on, and
	// the read-back found the backup it asked for (see the comment above).
	AnswerLost
	// Adopted: Zoho refused with BACKUP_ALREADY_SCHEDULED for a backup
	// with the same rule, which is taken over, as ALREADY_CANCELLED is
	// success for a cancellation.
	Adopted
)

// ScheduleOutcome is a POST /backup, settled.
type ScheduleOutcome struct {
	// ID is the backup's id.
	ID  string
	How ScheduleSettlement
	// Backup is the backup as read back while settling (AnswerLost,
	// Adopted); nil after SUCCESS, when the caller reads it if it needs to.
	Backup *Backup
	// Cause is the write's failure (AnswerLost) or Zoho's refusal
	// (Adopted); nil after SUCCESS.
	Cause error
	// InitiatedAt is the log_time of the history's "initiated" event that
	// ties an immediate backup to the lost write (AnswerLost, no rule).
	InitiatedAt string
}

// ScheduleBackupSettled is ScheduleBackup, settled: after a failure Zoho may
// have acted on it reads back what Zoho did (SettleSchedule), and a rule
// refused with BACKUP_ALREADY_SCHEDULED for a backup with the same rule is
// adopted (AdoptScheduled). An immediate backup is never adopted: a refusal
// proves this request started nothing. Errors are those of ScheduleBackup,
// an *UnsettledError (the write may have acted, the read-back could not
// tell), or a *ConflictError (refused for a backup that is not the one
// asked for).
func (c *Client) ScheduleBackupSettled(ctx context.Context, rule string) (ScheduleOutcome, error) {
	sentAt := time.Now()
	result, err := c.ScheduleBackup(ctx, rule)
	switch {
	case err == nil:
		return ScheduleOutcome{ID: result.ID, How: Scheduled}, nil
	case MayHaveActed(err):
		return c.SettleSchedule(ctx, rule, sentAt, err)
	case rule != "" && ErrorCode(err) == CodeBackupAlreadyScheduled:
		return c.AdoptScheduled(ctx, rule, err)
	}
	return ScheduleOutcome{}, err
}

// SettleSchedule reads back the outcome of a POST /backup for rule ("" for
// an immediate backup), first sent at sentAt, that failed with writeErr in a way
// Zoho may have acted on. It returns the backup that is the write's result
// (How AnswerLost), or an *UnsettledError that says what the read-back
// found. It reads GET /backup, and for an immediate backup one page of
// GET /backup/history.
func (c *Client) SettleSchedule(ctx context.Context, rule string, sentAt time.Time, writeErr error) (ScheduleOutcome, error) {
	latest, err := c.GetBackup(ctx)
	if err != nil {
		return ScheduleOutcome{}, &UnsettledError{Write: writeErr, ReadErr: err}
	}
	if latest == nil {
		return ScheduleOutcome{}, &UnsettledError{Write: writeErr, Why: "Zoho reports no backup at all"}
	}
	outcome := ScheduleOutcome{ID: latest.ID, How: AnswerLost, Backup: latest, Cause: writeErr}
	if rule != "" {
		if why := notActiveWithRule(latest, rule); why != "" {
			return ScheduleOutcome{}, &UnsettledError{Write: writeErr, Found: latest, Why: why}
		}
		return outcome, nil
	}
	if (latest.RRule != nil && *latest.RRule != "") || latest.Status == StatusStopped {
		return ScheduleOutcome{}, &UnsettledError{Write: writeErr, Found: latest,
			Why: "it is not an immediate backup this request can have started"}
	}
	history, err := c.GetBackupHistory(ctx, HistoryPerPage)
	if err != nil {
		return ScheduleOutcome{}, &UnsettledError{Write: writeErr, Found: latest, ReadErr: err}
	}
	initiated, why := initiatedSince(history, sentAt.Add(-clockSkewAllowance))
	if why != "" {
		return ScheduleOutcome{}, &UnsettledError{Write: writeErr, Found: latest, Why: why}
	}
	outcome.InitiatedAt = initiated
	return outcome, nil
}

// AdoptScheduled settles Zoho's refusal (BACKUP_ALREADY_SCHEDULED) of a
// POST /backup for rule: when the backup in the way is the latest, active,
// and has the same rule, it is what was asked for and is adopted (How
// Adopted). Otherwise the error is a *ConflictError naming it.
func (c *Client) AdoptScheduled(ctx context.Context, rule string, refusal error) (ScheduleOutcome, error) {
	var apiErr *APIError
	if !errors.As(refusal, &apiErr) {
		return ScheduleOutcome{}, refusal
	}
	conflict := &ConflictError{Refusal: apiErr}
	existing := apiErr.DetailString("id")
	latest, err := c.GetBackup(ctx)
	switch {
	case err != nil:
		conflict.ReadErr = err
		return ScheduleOutcome{}, conflict
	case latest == nil || (existing != "" && latest.ID != existing):
		// Zoho reports only the latest backup; the one in the way is
		// another, whose rule cannot be read.
		return ScheduleOutcome{}, conflict
	}
	conflict.Existing = latest
	if notActiveWithRule(latest, rule) != "" {
		return ScheduleOutcome{}, conflict
	}
	return ScheduleOutcome{ID: latest.ID, How: Adopted, Backup: latest, Cause: refusal}, nil
}

// notActiveWithRule says why backup is not an active backup with rule, or
// returns "".
func notActiveWithRule(backup *Backup, rule string) string {
	switch {
	case backup.Status != StatusScheduled && backup.Status != StatusInProgress:
		return "it is neither scheduled nor running"
	case backup.RRule == nil || !EquivalentRRules(*backup.RRule, rule):
		return "its rule is not the one asked for"
	}
	return ""
}

// initiatedSince finds, in history (newest first), the newest event that
// started a backup and requires it to be an immediate backup's "initiated"
// event logged at or after since. It returns that event's log_time, or why
// there is none.
func initiatedSince(history []HistoryEntry, since time.Time) (logTime, why string) {
	for _, entry := range history {
		action := ""
		if entry.Action != nil {
			action = *entry.Action
		}
		if action != historyActionInitiated && action != historyActionScheduled {
			continue
		}
		if action != historyActionInitiated || entry.LogTime == nil {
			return "", "Zoho's history does not show it being started by this request: the newest start is a " + action + " event"
		}
		logged, err := time.Parse(time.RFC3339, *entry.LogTime)
		if err != nil {
			return "", "Zoho's history does not show when it was started (the log_time of its initiated event is not a date)"
		}
		if logged.Before(since) {
			return "", fmt.Sprintf("Zoho's history shows it was started at %s, before this request was sent", logged.Format(time.RFC3339))
		}
		return logged.Format(time.RFC3339), "" // Zoho's text, parsed and bounded
	}
	return "", "Zoho's history shows no event that started it"
}

// DescribeBackup names a backup for a diagnostic, with what Zoho sent
// bounded: "backup 4876876000001593003 (SCHEDULED, rule
// RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO)", or "(INPROGRESS, immediate)".
func DescribeBackup(backup *Backup) string {
	kind := "immediate"
	if backup.RRule != nil && *backup.RRule != "" {
		kind = "rule " + serverText(*backup.RRule, maxRuleBytes)
		if normalized, err := NormalizeRRule(*backup.RRule); err == nil {
			kind = "rule " + normalized
		}
	}
	return fmt.Sprintf("backup %s (%s, %s)", backup.ID, serverText(backup.Status, maxCodeBytes), kind)
}

// maxRuleBytes bounds a rule quoted from Zoho: a documented one is under 60.
const maxRuleBytes = 120

// UnsettledError is a write that may have acted (MayHaveActed) whose result
// the read-back could not establish. It wraps the write's failure and
// ErrMayHaveActed.
type UnsettledError struct {
	// Write is the write's failure.
	Write error
	// ReadErr is why the read-back failed, if it did.
	ReadErr error
	// Found is the latest backup, when it was read and is not the write's
	// result; Why says why.
	Found *Backup
	Why   string
}

func (e *UnsettledError) Error() string {
	msg := e.Write.Error()
	if !errors.Is(e.Write, ErrMayHaveActed) {
		msg += " (" + ErrMayHaveActed.Error() + ")"
	}
	switch {
	case e.Found != nil && e.ReadErr != nil:
		return fmt.Sprintf("%s; reading back found %s, but reading Zoho's history to tell whether this request started it failed: %v",
			msg, DescribeBackup(e.Found), e.ReadErr)
	case e.ReadErr != nil:
		return fmt.Sprintf("%s; reading the latest backup back failed too: %v", msg, e.ReadErr)
	case e.Found != nil:
		return fmt.Sprintf("%s; reading back found %s, which is not this request's result: %s", msg, DescribeBackup(e.Found), e.Why)
	}
	return fmt.Sprintf("%s; reading the latest backup back: %s", msg, e.Why)
}

func (e *UnsettledError) Unwrap() []error { return []error{e.Write, ErrMayHaveActed} }

// ConflictError is Zoho's refusal (BACKUP_ALREADY_SCHEDULED) of a schedule
// because of a backup that is not the one asked for. It wraps the refusal.
type ConflictError struct {
	Refusal *APIError
	// Existing is the backup in the way, as read back; nil when it could
	// not be read (ReadErr) or is not the latest, the only one Zoho reports.
	Existing *Backup
	ReadErr  error
}

func (e *ConflictError) Error() string {
	switch {
	case e.Existing != nil:
		return fmt.Sprintf("%v; it is %s", e.Refusal, DescribeBackup(e.Existing))
	case e.ReadErr != nil:
		return fmt.Sprintf("%v; reading the backup in the way failed: %v", e.Refusal, e.ReadErr)
	}
	return e.Refusal.Error()
}

func (e *ConflictError) Unwrap() error { return e.Refusal }
