package zoho

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Settling a POST /backup whose answer was lost: docs/design/settle.md.

// clockSkewAllowance is how much earlier than sentAt Zoho may log a start.
const clockSkewAllowance = time.Minute

const (
	historyActionInitiated = "initiated"
	historyActionScheduled = "scheduled"
)

// MayHaveActed reports whether Zoho may have carried out a failed write: its
// answer was lost (ErrMayHaveActed), or it is an error Zoho can give after
// acting (a 500, 502 or 504, or INTERNAL_ERROR under any status).
func MayHaveActed(err error) bool {
	if errors.Is(err, ErrMayHaveActed) {
		return true
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	transient, unprocessed := classifyAnswer(apiErr.HTTPStatus, apiErr.Code)
	return transient && !unprocessed
}

// ScheduleSettlement says how a POST /backup ended.
type ScheduleSettlement int

const (
	Scheduled  ScheduleSettlement = iota // Zoho answered SUCCESS
	AnswerLost                           // the write may have acted; the read-back found its backup
	Adopted                              // refused for a backup with the same rule, taken over
)

// ScheduleOutcome is a POST /backup, settled. Backup (as read back), Cause
// and InitiatedAt (the start's log_time) are unset after SUCCESS.
type ScheduleOutcome struct {
	ID          string
	How         ScheduleSettlement
	Backup      *Backup
	Cause       error
	InitiatedAt string
}

// ScheduleBackupSettled is ScheduleBackup, then SettleSchedule after a failure
// Zoho may have acted on, or AdoptScheduled after a rule's
// BACKUP_ALREADY_SCHEDULED.
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
// an immediate backup), first sent at sentAt, that failed with writeErr. It
// returns the write's backup (AnswerLost) or an *UnsettledError.
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

// AdoptScheduled adopts the latest backup, when active with the same rule,
// after a BACKUP_ALREADY_SCHEDULED refusal; otherwise a *ConflictError.
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
		return ScheduleOutcome{}, conflict
	}
	conflict.Existing = latest
	if notActiveWithRule(latest, rule) != "" {
		return ScheduleOutcome{}, conflict
	}
	return ScheduleOutcome{ID: latest.ID, How: Adopted, Backup: latest, Cause: refusal}, nil
}

// notActiveWithRule says why backup is not an active backup with rule, or "".
func notActiveWithRule(backup *Backup, rule string) string {
	switch {
	case backup.Status != StatusScheduled && backup.Status != StatusInProgress:
		return "it is neither scheduled nor running"
	case backup.RRule == nil || !EquivalentRRules(*backup.RRule, rule):
		return "its rule is not the one asked for"
	}
	return ""
}

// initiatedSince returns the log_time of history's newest start event if it
// is "initiated" at or after since, else why not.
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
		return logged.Format(time.RFC3339), ""
	}
	return "", "Zoho's history shows no event that started it"
}

// DescribeBackup names a backup for a diagnostic, Zoho's text bounded:
// "backup 4876876000001593003 (SCHEDULED, rule RRULE:...)".
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

// maxRuleBytes bounds a rule quoted from Zoho.
const maxRuleBytes = 120

// UnsettledError is a write that may have acted whose result the read-back
// could not establish: ReadErr failed, or Found is not it (Why). It wraps
// Write and ErrMayHaveActed.
type UnsettledError struct {
	Write   error
	ReadErr error
	Found   *Backup
	Why     string
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

// ConflictError is a BACKUP_ALREADY_SCHEDULED refusal because of another
// backup, Existing when it was read back. It wraps Refusal.
type ConflictError struct {
	Refusal  *APIError
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
