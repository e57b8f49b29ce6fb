package zoho

import (
	"context"
	"fmt"
	"net/http"
)

// ActionResult is Zoho's answer to an action. With EarlierAttemptMayHaveActed,
// ALREADY_CANCELLED may be this call's own cancellation.
type ActionResult struct {
	Code                       string
	Message                    string
	ID                         string
	Attempts                   int
	EarlierAttemptMayHaveActed bool
}

// AlreadyCancelled reports whether the backup had been cancelled before.
func (r ActionResult) AlreadyCancelled() bool { return r.Code == CodeAlreadyCancelled }

// CancelBackup cancels backup id (PUT .../backup/{id}/actions/cancel); any
// answer but SUCCESS or ALREADY_CANCELLED is an *APIError.
func (c *Client) CancelBackup(ctx context.Context, id string) (ActionResult, error) {
	operation := "cancel backup " + id
	if err := ValidateBackupID(id); err != nil {
		return ActionResult{}, fmt.Errorf("%s: %w", operation, err)
	}
	resp, err := c.do(ctx, operation, http.MethodPut, "/backup/"+id+"/actions/cancel", nil, nil)
	if err != nil {
		return ActionResult{}, err
	}
	return cancelResult(operation, id, resp)
}

// cancelResult reads a cancel's answer.
func cancelResult(operation, id string, resp *response) (ActionResult, error) {
	env, ok := resp.envelope()
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
