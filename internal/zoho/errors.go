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

// Codes that Zoho's official Node.js SDK for API v8 (@zohocrm/nodejs-sdk-8.0)
// declares for the backup API besides the documented ones above. Zoho's
// pages do not say when it sends them; retry.go classifies each by what its
// name says, and the provider explains each.
const (
	// CodeNotAllowed: the operation is not permitted (for the organization's
	// edition, or for the backup in its current state).
	CodeNotAllowed = "NOT_ALLOWED"
	// CodeAlreadyUsed: what the request would spend has already been spent.
	CodeAlreadyUsed = "ALREADY_USED"
	// CodeMandatoryNotFound: a mandatory value is missing from the request.
	CodeMandatoryNotFound = "MANDATORY_NOT_FOUND"
	// CodeBadRequest: the request is malformed.
	CodeBadRequest = "BAD_REQUEST"
	// CodeInternalServerError: Zoho failed, as with CodeInternalError.
	CodeInternalServerError = "INTERNAL_SERVER_ERROR"
	// CodeNotModified is the SDK's name for HTTP 304 Not Modified (Zoho's
	// status-codes page lists the status:
	// https://www.zoho.com/crm/developer/docs/api/v8/status-codes.html). A
	// 304 answers only a conditional request, and this client sends none,
	// so the client gives it this code when it arrives (the answer has no
	// body to carry one), and accepts it from an envelope too.
	CodeNotModified = "Not Modified"
)

// APIError is an answer from Zoho that is not a success: either a documented
// error envelope (Code is set) or a body the client could not read as one
// (Code is empty and BodyExcerpt holds a short, redacted excerpt).
type APIError struct {
	// Operation names what the client was doing, e.g. "cancel backup 4876876000001593003".
	Operation string
	// HTTPStatus is the status code of the response.
	HTTPStatus int
	// Code, Message and Status are the envelope's fields.
	Code    string
	Message string
	Status  string
	// Details is the envelope's "details" object as Zoho sent it.
	Details json.RawMessage
	// BodyExcerpt is set when the body was not a Zoho envelope (an HTML
	// gateway page, an empty or truncated body).
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

// DetailString returns details[key] when it is a string, such as the id of the
// backup that BACKUP_ALREADY_SCHEDULED refers to.
func (e *APIError) DetailString(key string) string {
	return detailString(e.Details, key)
}

// detailString returns details[key] when details is an object and the value a string.
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
