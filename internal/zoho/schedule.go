package zoho

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// ScheduleBackup schedules a backup: POST /crm/bulk/{version}/backup. An
// empty rule asks for an immediate one; an invalid rule is never sent. Any
// answer but SUCCESS with the new backup's id is an *APIError.
func (c *Client) ScheduleBackup(ctx context.Context, rule string) (ActionResult, error) {
	operation := "schedule an immediate backup"
	var body []byte
	if rule != "" {
		normalized, err := NormalizeRRule(rule)
		if err != nil {
			return ActionResult{}, fmt.Errorf("schedule a backup: %w", err)
		}
		operation = "schedule a backup with rule " + normalized
		body, err = json.Marshal(map[string]map[string]string{"backup": {"rrule": normalized}})
		if err != nil {
			return ActionResult{}, fmt.Errorf("%s: encoding the request: %w", operation, err)
		}
	}
	resp, err := c.do(ctx, operation, http.MethodPost, "/backup", nil, body)
	if err != nil {
		return ActionResult{}, err
	}
	env, ok := resp.envelope()
	if !ok || env.Code != CodeSuccess || resp.status >= 300 {
		return ActionResult{}, apiError(operation, resp)
	}
	id := detailString(env.Details, "id")
	if ValidateBackupID(id) != nil {
		return ActionResult{}, &APIError{
			Operation:   operation,
			HTTPStatus:  resp.status,
			BodyExcerpt: excerpt(resp.body, resp.token) + " (SUCCESS without a backup id in details.id)",
		}
	}
	return ActionResult{Code: env.Code, Message: env.Message, ID: id}, nil
}
