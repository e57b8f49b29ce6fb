package emulator

import (
	"net/http"
	"time"
)

// Error codes the emulator answers with. They are Zoho's own codes, spelled
// exactly as Zoho documents them (ALREADY_CANCELLED has two Ls even
// though its message, "canceled", has one).
const (
	CodeInvalidURLPattern      = "INVALID_URL_PATTERN"
	CodeAuthenticationFailure  = "AUTHENTICATION_FAILURE"
	CodeInvalidToken           = "INVALID_TOKEN"
	CodeInvalidRequestMethod   = "INVALID_REQUEST_METHOD"
	CodeOAuthScopeMismatch     = "OAUTH_SCOPE_MISMATCH"
	CodeNoPermission           = "NO_PERMISSION"
	CodeInternalError          = "INTERNAL_ERROR"
	CodeInvalidData            = "INVALID_DATA"
	CodeRequestBodyNotReadable = "REQUEST_BODY_NOT_READABLE"
	CodeBackupAlreadyScheduled = "BACKUP_ALREADY_SCHEDULED"
	CodeLimitExceeded          = "LIMIT_EXCEEDED"
	CodeLimitReached           = "LIMIT_REACHED"
	CodeAlreadyCancelled       = "ALREADY_CANCELLED"
	CodeInProgress             = "INPROGRESS"
	CodeResourceNotFound       = "RESOURCE_NOT_FOUND"
	CodeTooManyRequests        = "TOO_MANY_REQUESTS"
)

// Messages, as documented on the pages docs/design/emulator.md lists. Where Zoho's
// docs and observed responses differ, the observed wording is used, because
// that is what a client sees on the wire.
const (
	msgInvalidURLPattern     = "Please check if the URL trying to access is a correct one"
	msgAuthenticationFailure = "Authentication failed"
	msgInvalidToken          = "invalid oauth token"
	msgInvalidRequestMethod  = "The http request method type is not a valid one"
	msgOAuthScopeMismatch    = "invalid oauth scope to access this URL"
	msgNoPermission          = "permission denied"
	msgInternalError         = "Internal Server Error"
	msgInvalidData           = "Invalid data"
	// The REQUEST_BODY_NOT_READABLE message is not documented anywhere
	// ([UNCONFIRMED]); clients must key on the code, not this text.
	msgRequestBodyNotReadable = "unable to read the request body"
	msgBackupAlreadyScheduled = "Backup is already scheduled"
	msgLimitExceeded          = "Backup limit exceeded."
	msgAlreadyCancelled       = "Backup is already canceled"
	msgInProgress             = "Backup is in progress"
	msgResourceNotFound       = "The requested resource doesn't exist"
	// msgTooManyRequests is the v8 status-codes page's wording for 429.
	msgTooManyRequests = "Number of API requests for the 24 hour period is exceeded or the concurrency limit of the user for the app is exceeded."

	msgScheduled = "Backup scheduled successfully."
	msgStopped   = "Backup stopped successfully."
)

// backupPermission is what NO_PERMISSION lists as missing. Zoho does not
// document the permission's name for data backup, so this is a stand-in;
// clients should only rely on the code and the shape of details.
const backupPermission = "data_backup"

// errorBody is Zoho's error object. All four keys are always present (OAS
// API_Exception requires them), and details is {} rather than null when
// there is nothing to say.
type errorBody struct {
	Code    string         `json:"code"`
	Details map[string]any `json:"details"`
	Message string         `json:"message"`
	Status  string         `json:"status"`
}

// successBody is Zoho's action-success object (OAS SuccessWrapper).
type successBody struct {
	Status  string         `json:"status"`
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details"`
}

// response is what a handler decides; it is written after the server's lock
// is released. A nil body means "no body" (used for 204).
type response struct {
	status int
	body   any
	header http.Header
	// Set by injected faults only (faults.go): a verbatim body instead of
	// JSON, a delay before answering, or no answer at all.
	raw   []byte
	delay time.Duration
	drop  bool
}

func newErrorBody(code, message string, details map[string]any) errorBody {
	if details == nil {
		details = map[string]any{}
	}
	return errorBody{Code: code, Details: details, Message: message, Status: "error"}
}

// topLevelError is the framework/auth/routing envelope:
// {"code":..., "details":..., "message":..., "status":"error"}.
func topLevelError(status int, code, message string, details map[string]any) response {
	return response{status: status, body: newErrorBody(code, message, details)}
}

// backupError is the business-error envelope, nested under "backup". Every
// business error Zoho documents for this API is HTTP 400.
func backupError(code, message string, details map[string]any) response {
	return response{status: http.StatusBadRequest, body: map[string]any{"backup": newErrorBody(code, message, details)}}
}

// backupSuccess is the 200 answer to schedule and cancel.
func backupSuccess(message, id string) response {
	return response{status: http.StatusOK, body: map[string]any{"backup": successBody{
		Status:  "success",
		Code:    "SUCCESS",
		Message: message,
		Details: map[string]any{"id": id},
	}}}
}

func noContent() response { return response{status: http.StatusNoContent} }

func errInvalidURLPattern() response {
	return topLevelError(http.StatusNotFound, CodeInvalidURLPattern, msgInvalidURLPattern, nil)
}

func errAuthenticationFailure() response {
	return topLevelError(http.StatusUnauthorized, CodeAuthenticationFailure, msgAuthenticationFailure, nil)
}

func errInvalidToken() response {
	return topLevelError(http.StatusUnauthorized, CodeInvalidToken, msgInvalidToken, nil)
}

func errInvalidRequestMethod() response {
	return topLevelError(http.StatusBadRequest, CodeInvalidRequestMethod, msgInvalidRequestMethod, nil)
}

func errOAuthScopeMismatch() response {
	return topLevelError(http.StatusUnauthorized, CodeOAuthScopeMismatch, msgOAuthScopeMismatch, nil)
}

// errNoPermission uses the OAS PermissionError details key "permissions"
// unless the server is configured for the "permissions_needed" form seen in
// third-party docs ([UNCONFIRMED] which Zoho sends).
func errNoPermission(permissionsNeededKey bool) response {
	key := "permissions"
	if permissionsNeededKey {
		key = "permissions_needed"
	}
	return topLevelError(http.StatusForbidden, CodeNoPermission, msgNoPermission,
		map[string]any{key: []string{backupPermission}})
}

func errRequestBodyNotReadable() response {
	return topLevelError(http.StatusBadRequest, CodeRequestBodyNotReadable, msgRequestBodyNotReadable, nil)
}

func errInvalidRRule() response {
	return backupError(CodeInvalidData, msgInvalidData,
		map[string]any{"api_name": "rrule", "json_path": "$.backup.rrule"})
}

// errInvalidParam names the refused query parameter with the details keys
// Zoho's SDK models for INVALID_DATA (api_name and json_path), as the rrule
// error does; which keys Zoho sends for a query parameter is [UNCONFIRMED].
func errInvalidParam(name string) response {
	return topLevelError(http.StatusBadRequest, CodeInvalidData, msgInvalidData,
		map[string]any{"api_name": name, "json_path": "$." + name})
}

func errAlreadyScheduled(id string) response {
	return backupError(CodeBackupAlreadyScheduled, msgBackupAlreadyScheduled,
		map[string]any{"id": id})
}

// errMonthlyLimit is the answer once the month's backups are spent. Its
// code is [UNCONFIRMED]: Zoho's SDK declares LIMIT_REACHED (the default),
// the schedule page LIMIT_EXCEEDED; see WithLimitCode.
func errMonthlyLimit(code string) response {
	return backupError(code, msgLimitExceeded, nil)
}

func errAlreadyCancelled(id string) response {
	return backupError(CodeAlreadyCancelled, msgAlreadyCancelled,
		map[string]any{"id": id})
}

func errInProgress(id string) response {
	return backupError(CodeInProgress, msgInProgress,
		map[string]any{"id": id})
}

// errResourceNotFound answers 400 (not 404, per the cancel page). Its
// placement is [UNCONFIRMED]: top-level with details {} (the OAS
// Resource_Not_Found) by default, or nested under "backup" with details {id}.
func errResourceNotFound(nested bool, id string) response {
	if nested {
		return backupError(CodeResourceNotFound, msgResourceNotFound,
			map[string]any{"id": id})
	}
	return topLevelError(http.StatusBadRequest, CodeResourceNotFound, msgResourceNotFound, nil)
}

// errTooManyRequests is the 429 of the concurrency limit. Its JSON shape is
// [UNCONFIRMED]; this emulator assumes the top-level envelope with details {}.
func errTooManyRequests() response {
	return topLevelError(http.StatusTooManyRequests, CodeTooManyRequests, msgTooManyRequests, nil)
}
