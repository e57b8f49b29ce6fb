package zoho

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// Codes Zoho documents for the backup endpoints and the CRM API in general.
const (
	CodeSuccess                = "SUCCESS"
	CodeAlreadyCancelled       = "ALREADY_CANCELLED"
	CodeInProgress             = "INPROGRESS"
	CodeResourceNotFound       = "RESOURCE_NOT_FOUND"
	CodeOAuthScopeMismatch     = "OAUTH_SCOPE_MISMATCH"
	CodeNoPermission           = "NO_PERMISSION"
	CodeInvalidToken           = "INVALID_TOKEN"
	CodeAuthenticationFailure  = "AUTHENTICATION_FAILURE"
	CodeInvalidURLPattern      = "INVALID_URL_PATTERN"
	CodeInvalidRequestMethod   = "INVALID_REQUEST_METHOD"
	CodeInternalError          = "INTERNAL_ERROR"
	CodeInvalidData            = "INVALID_DATA"
	CodeBackupAlreadyScheduled = "BACKUP_ALREADY_SCHEDULED"
	CodeLimitExceeded          = "LIMIT_EXCEEDED"
	CodeLimitReached           = "LIMIT_REACHED" // the monthly limit as Zoho's SDK names it; the docs say LIMIT_EXCEEDED
	CodeTooManyRequests        = "TOO_MANY_REQUESTS"
	CodeRequestBodyNotReadable = "REQUEST_BODY_NOT_READABLE"
	CodeAPINotSupported        = "API_NOT_SUPPORTED"
)

// Codes that Zoho's Node.js SDK for API v8 declares besides the documented
// ones (docs/design/settle.md).
const (
	CodeNotAllowed          = "NOT_ALLOWED"
	CodeAlreadyUsed         = "ALREADY_USED"
	CodeMandatoryNotFound   = "MANDATORY_NOT_FOUND"
	CodeBadRequest          = "BAD_REQUEST"
	CodeInternalServerError = "INTERNAL_SERVER_ERROR"
	CodeNotModified         = "Not Modified" // given to an HTTP 304 too
)

// APIError is an answer that is not a success: Zoho's error envelope (Code
// is set) or an unreadable body (BodyExcerpt, redacted).
type APIError struct {
	Operation   string // what the client was doing, e.g. "cancel backup 4876876000001593003"
	HTTPStatus  int
	Code        string
	Message     string
	Status      string
	Details     json.RawMessage
	BodyExcerpt string
}

func (e *APIError) Error() string {
	if e.HTTPStatus == http.StatusNotModified {
		return fmt.Sprintf("%s: unexpected HTTP 304 Not Modified, which answers only a conditional request, "+
			"and the client sends none: there is no earlier answer it could refer to", e.Operation)
	}
	if e.Code == "" {
		return fmt.Sprintf("%s: HTTP %d with a response that is not a Zoho API envelope: %q", e.Operation, e.HTTPStatus, e.BodyExcerpt)
	}
	return fmt.Sprintf("%s: HTTP %d, Zoho code %s: %s", e.Operation, e.HTTPStatus, e.Code, e.Message)
}

// DetailString returns details[key] when it is a string, such as an id.
func (e *APIError) DetailString(key string) string {
	return detailString(e.Details, key)
}

func detailString(details json.RawMessage, key string) string {
	var fields map[string]any
	if json.Unmarshal(details, &fields) != nil {
		return ""
	}
	s, _ := fields[key].(string)
	return s
}

// ErrorCode returns the Zoho code of err when it is (or wraps) an *APIError.
func ErrorCode(err error) string {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Code
	}
	return ""
}
