package zoho

import (
	"context"
	"fmt"
	"net/http"
)

// ActionResult is Zoho's answer to an action such as cancel or schedule.
type ActionResult struct {
	Code    string
	Message string
	// ID is details.id: the backup the action applied to.
	ID string
	// Attempts is how many times the request was sent (1 without retries).
	Attempts int
	// EarlierAttemptMayHaveActed is set when the request was retried after
	// a failure Zoho may nonetheless have processed (a dropped connection, a
	// timeout, a 5xx). An ALREADY_CANCELLED answer may then be this call's
	// own cancellation, whose answer was lost.
	EarlierAttemptMayHaveActed bool
}

// AlreadyCancelled reports whether the backup had been cancelled before.
func (r ActionResult) AlreadyCancelled() bool { return r.Code == CodeAlreadyCancelled }

// CancelBackup cancels the scheduled backup id:
// PUT /crm/bulk/{version}/backup/{id}/actions/cancel.
//
// ALREADY_CANCELLED is returned as a result, not an error: the backup is in
// the state the caller asked for, so cancelling is idempotent. That is also
// what makes the call safe to send again after a lost response. Every other
// answer that is not SUCCESS is an *APIError.
//
// Retries: when an attempt's answer is lost after Zoho acted on it, the retry
// is answered ALREADY_CANCELLED. The result then says so (Code
// ALREADY_CANCELLED) and sets EarlierAttemptMayHaveActed, so the caller can
// tell the user the backup is cancelled, probably by this very call.
func (c *Client) CancelBackup(ctx context.Context, id string) (ActionResult, error) {
	operation := "cancel backup " + id
	if err := ValidateBackupID(id); err != nil {
		return ActionResult{}, fmt.Errorf("%s: %w", operation, err)
	}
	resp, err := c.do(ctx, operation, http.MethodPut, "/backup/"+id+"/actions/cancel", nil, nil)
	if err != nil {
		return ActionResult{}, err
	}
	env, ok := parseEnvelope(resp.body)
	switch {
	case ok && env.Code == CodeSuccess && resp.status < 300:
	case ok && env.Code == CodeAlreadyCancelled:
	default:
		return ActionResult{}, apiError(operation, resp)
	}
	result := ActionResult{
		Code: env.Code, Message: env.Message, ID: id,
		Attempts: resp.attempts, EarlierAttemptMayHaveActed: resp.earlierAttemptMayHaveActed,
	}
	if detailID := detailString(env.Details, "id"); detailID != "" {
		result.ID = detailID
	}
	return result, nil
}
