package provider

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/zoho"
)

// remedies says, for each Zoho code, why it happens and what to do. The
// wording is shared by every resource and data source so that a user who
// searches an error finds one explanation. The error reference page
// (templates/guides/errors.md.tmpl) quotes each remedy word for word;
// TestErrorReferenceQuotesEveryRemedy keeps the two in step.
var remedies = map[string]string{
	zoho.CodeInProgress: "The backup is already running, and Zoho cannot cancel a backup once it has started. " +
		"Wait for it to finish; then remove this resource, or point it at the next scheduled backup.",
	zoho.CodeResourceNotFound: "Zoho has no scheduled backup with this id: the id is wrong, belongs to another organization " +
		"or data centre, or the backup has already finished. Find the id of the current backup with " +
		"the zohocrm_backup data source (its id attribute), with GET {api_domain}/crm/bulk/v8/backup (the \"id\" field), " +
		"or in Zoho CRM under Setup > Data Administration > Export.",
	zoho.CodeOAuthScopeMismatch: "The access token lacks the scope this call needs. Generate a new token whose scopes include " +
		"ZohoCRM.bulk.backup.ALL (or ZohoCRM.bulk.backup.UPDATE to cancel and ZohoCRM.bulk.backup.READ to read).",
	zoho.CodeNoPermission: "The Zoho user who generated the access token may not manage data backups: only users with the " +
		"Administrator profile can. Ask a Zoho CRM administrator to generate the token, or to do this for you.",
	zoho.CodeInvalidToken: "The access token is invalid or has expired (Zoho access tokens live one hour). " +
		"Generate a new one and set it in access_token or ZOHOCRM_ACCESS_TOKEN. With refresh credentials the provider has " +
		"already refreshed the token once: check that accounts_url and api_domain belong to the same data centre.",
	zoho.CodeAuthenticationFailure: "Zoho received no usable access token. Set access_token in the provider block " +
		"or the ZOHOCRM_ACCESS_TOKEN environment variable.",
	zoho.CodeInvalidURLPattern: "Zoho does not know this URL. Check api_domain (it must be your data centre's API domain, " +
		"such as https://www.zohoapis.eu, with no path) and api_version (such as v8).",
	zoho.CodeInvalidRequestMethod: "Zoho rejected the HTTP method of this call. This is a bug in the provider or a proxy " +
		"that rewrites requests; please report it with the log of TF_LOG=DEBUG.",
	zoho.CodeInternalError: "Zoho failed to process the request. Try again later; if it persists, contact support@zohocrm.com.",
	zoho.CodeTooManyRequests: "The Zoho organization has used its API credits for the last 24 hours or too many calls run at once " +
		"(5 to 25 concurrent calls, by edition). The provider already waited and retried (unless max_retries is 0); if this persists, the daily credits " +
		"are spent: wait for them to refill, lower Terraform's -parallelism, or raise max_retries to wait longer.",
	zoho.CodeBackupAlreadyScheduled: "Zoho keeps one scheduled or running backup at a time, so it refused another. Nothing was scheduled. " +
		"There are two ways out: cancel the existing backup (declare a zohocrm_backup_cancellation with its id, or cancel it in " +
		"Zoho CRM under Setup > Data Administration > Export), then apply again; or manage the existing backup with this " +
		"resource instead of scheduling a new one, with terraform import. A backup that is already running cannot be " +
		"cancelled: wait for it to finish, then apply again.",
	zoho.CodeLimitExceeded: monthlyLimitRemedy,
	zoho.CodeLimitReached:  monthlyLimitRemedy,
	zoho.CodeInvalidData: "Zoho refused a value in the request as invalid. For a backup schedule it is the rrule: the provider " +
		"checks it against Zoho's documented grammar (FREQ=WEEKLY or MONTHLY; INTERVAL=1 to 52; BYDAY=a weekday, or for " +
		"MONTHLY rules BYMONTHDAY=1 to 31) before sending it, so Zoho applies a rule its documentation does not describe. " +
		"Try a simpler rule, such as FREQ=WEEKLY;INTERVAL=1;BYDAY=MO, and report the refused one to the provider's maintainers.",
	zoho.CodeRequestBodyNotReadable: "Zoho could not read the body of the request. This is a bug in the provider or a proxy " +
		"that rewrites requests; please report it with the log of TF_LOG=DEBUG.",
	zoho.CodeAPINotSupported: "Zoho does not serve this API in the version the provider called. Set api_version to a " +
		"supported version (the message and details name it), or remove api_version to use v8.",
	// The codes below are declared by Zoho's Node.js SDK for API v8 and not
	// documented on Zoho's pages; zoho/errors.go says how the client treats each.
	zoho.CodeNotAllowed: "Zoho does not allow this backup operation for the organization, or for the backup in its present state. " +
		"Nothing was changed, and asking again gets the same answer, so it was not retried. Zoho's message above says more. " +
		"Scheduling a backup (zohocrm_backup_schedule, zohocrm_backup_start): check that the organization's Zoho CRM edition " +
		"includes data backup and that the token's user has the Administrator profile. Cancelling (zohocrm_backup_cancellation, " +
		"zohocrm_backup_cancel): only a SCHEDULED backup can be cancelled; read its status with the zohocrm_backup data source. " +
		"Reading (the zohocrm_backup, zohocrm_backup_urls and zohocrm_backup_history data sources): the organization may not use " +
		"data backup at all; check its edition in Zoho CRM under Setup > Data Administration > Export.",
	zoho.CodeAlreadyUsed: "Zoho says that what this request would use has already been used. Nothing was changed, and asking " +
		"again gets the same answer, so it was not retried. Scheduling a backup (zohocrm_backup_schedule, zohocrm_backup_start): " +
		"the backups the organization's edition allows for this period are most likely spent, as with LIMIT_EXCEEDED; read the " +
		"zohocrm_backup_history data source to see them, and wait until next month or purchase additional backups in Zoho CRM. " +
		"Cancelling or reading: Zoho's message above names what was used; check the backup in Zoho CRM under " +
		"Setup > Data Administration > Export.",
	zoho.CodeMandatoryNotFound: "Zoho says a value it requires is missing from the request; the details above name it " +
		"(api_name, json_path). The provider sends what Zoho documents for each backup call (for a schedule, backup.rrule, or an " +
		"empty body for an immediate backup; nothing for a cancellation or a read), so this is a bug in the provider or a proxy " +
		"that rewrites requests: please report it to the provider's maintainers with the log of TF_LOG=DEBUG. It was not " +
		"retried: the same request gets the same answer.",
	zoho.CodeBadRequest: "Zoho could not accept the request as it was sent. The provider sends each backup call as Zoho " +
		"documents it, so this is a bug in the provider or a proxy that rewrites requests: please report it to the provider's " +
		"maintainers with the log of TF_LOG=DEBUG and the details above. It was not retried: the same request gets the same answer.",
	zoho.CodeInternalServerError: "Zoho failed to process the request, as with INTERNAL_ERROR. The provider retries it, whatever " +
		"HTTP status comes with it (unless max_retries is 0), except a request that schedules a backup: Zoho may have acted on " +
		"that one before it failed, so it is never sent twice: the provider reads the latest backup back and, when Zoho did schedule it, records it " +
		"with a warning. Otherwise try again later; if it persists, contact support@zohocrm.com.",
	zoho.CodeNotModified: "Zoho, or a cache between Terraform and Zoho, answered HTTP 304 Not Modified, which answers only a " +
		"conditional request (If-None-Match, If-Modified-Since), and the provider sends none. The answer holds nothing to use " +
		"and asking again would get the same, so it was not retried. Look for a caching proxy or gateway between Terraform and " +
		"api_domain (HTTPS_PROXY, a corporate gateway) and bypass it for Zoho's API domain; if there is none, report it to the " +
		"provider's maintainers with the log of TF_LOG=DEBUG.",
}

// monthlyLimitRemedy explains the monthly limit, under either of its codes:
// Zoho's docs say LIMIT_EXCEEDED, its SDK LIMIT_REACHED.
const monthlyLimitRemedy = "The organization has used every data backup its Zoho CRM edition allows this month " +
	"(4 for Ultimate, 2 for the other paid editions). Nothing was scheduled. Wait until next month, when Zoho refreshes " +
	"the limit, or purchase additional backups in Zoho CRM; then apply again."

// detailedCodes are the codes whose diagnostic quotes Zoho's details: they
// name the value or the object Zoho refused, which the remedy points to.
// Unknown codes quote them too.
var detailedCodes = map[string]bool{
	zoho.CodeNotAllowed:        true,
	zoho.CodeAlreadyUsed:       true,
	zoho.CodeMandatoryNotFound: true,
	zoho.CodeBadRequest:        true,
}

// unknownAnswerRemedy covers bodies that are not a Zoho answer at all (an
// HTML page from a gateway or proxy, an empty or truncated body).
const unknownAnswerRemedy = "This is not an answer the provider knows. If the body is an HTML page, a proxy or gateway " +
	"between you and Zoho answered instead of Zoho: check api_domain and try again later."

// unknownCodeRemedy covers a Zoho envelope whose code has no remedy yet:
// the diagnostic still quotes the code, Zoho's message and the HTTP status.
const unknownCodeRemedy = "Zoho answered with a code this provider does not know yet; its message, quoted above, says " +
	"what went wrong, and Zoho lists its general codes at https://www.zoho.com/crm/developer/docs/api/v8/status-codes.html. " +
	"It was retried only if its HTTP status is one the provider retries (429, or a 5xx other than 501). Please report the " +
	"code to the provider's maintainers with the log of TF_LOG=DEBUG, so that it gets its own explanation."

// addZohoError turns an error from the zoho client into a diagnostic that
// says what was being done, what Zoho answered and what to do. When the
// request was retried, or a limit ended it (the operation's timeouts, the
// request timeout, max_retries, Ctrl-C), the detail says which and how to
// raise it.
func addZohoError(ctx context.Context, diags *diag.Diagnostics, summary string, err error) {
	diags.AddError(summary, describeError(ctx, err))
}

// describeError is the detail text for any error of the zoho client.
func describeError(ctx context.Context, err error) string {
	var retryErr *zoho.RetryError
	if !errors.As(err, &retryErr) {
		if ctx.Err() != nil {
			// Ended before the client could even say so (e.g. while
			// getting a token).
			return describeStop(ctx, ctx.Err(), 1) + "\n\n" + describeFailure(err)
		}
		return describeFailure(err)
	}
	last := describeFailure(retryErr.Last)
	if retryErr.RetryAfter > 0 {
		return describeRetryAfterPastDeadline(ctx, retryErr) + "\n\nThe last attempt failed this way: " + last
	}
	if retryErr.Stopped != nil {
		return describeStop(ctx, retryErr.Stopped, retryErr.Attempts) + "\n\nThe last attempt failed this way: " + last
	}
	return fmt.Sprintf("Zoho still failed after %d attempts (the first and max_retries = %d retries), "+
		"so the failure is not a short hiccup. To keep trying for longer, raise max_retries in the provider block "+
		"(or %s). The last attempt failed this way: %s", retryErr.Attempts, retryErr.Attempts-1, envMaxRetries, last)
}

// describeStop explains that the operation's context ended: its time limit
// or a cancellation (Ctrl-C).
func describeStop(ctx context.Context, stopped error, attempts int) string {
	if !errors.Is(stopped, context.DeadlineExceeded) {
		return fmt.Sprintf("The operation was cancelled (Terraform was interrupted, for example with Ctrl-C) after %d attempt(s), "+
			"before Zoho confirmed it. Nothing was written to state; apply again to finish it.", attempts)
	}
	limit, ok := limitOf(ctx)
	if !ok {
		return fmt.Sprintf("The operation ran out of time after %d attempt(s). Nothing was written to state.", attempts)
	}
	block := strings.TrimPrefix(limit.attribute, "timeouts.")
	return fmt.Sprintf("The operation did not finish within %s = %s, the limit on the whole operation "+
		"including every retry and the waits between them, after %d attempt(s). Nothing was written to state. "+
		"If Zoho is slow or throttling rather than down, raise the limit in the resource, for example "+
		"timeouts = { %s = \"%s\" }, and apply again.", limit.attribute, limit.timeout, attempts, block, 2*limit.timeout)
}

// describeRetryAfterPastDeadline explains an operation that stopped at once
// because Zoho asked (Retry-After) for a wait longer than its time left.
func describeRetryAfterPastDeadline(ctx context.Context, retryErr *zoho.RetryError) string {
	detail := fmt.Sprintf("Zoho asked the provider to wait %s before trying again (a Retry-After header), after %d attempt(s); "+
		"the provider waits at most %s for it", retryErr.RetryAfter, retryErr.Attempts, zoho.DefaultMaxRetryAfter)
	limit, ok := limitOf(ctx)
	if !ok {
		return detail + ", which is longer than the operation had left, so it stopped now rather than wait for nothing. Nothing was written to state."
	}
	return fmt.Sprintf("%s, which is longer than %s = %s leaves, so it stopped now rather than wait for nothing. "+
		"Nothing was written to state. Apply again later, or raise the limit in the resource, for example "+
		"timeouts = { %s = \"%s\" }.", detail, limit.attribute, limit.timeout,
		strings.TrimPrefix(limit.attribute, "timeouts."), limit.timeout+zoho.DefaultMaxRetryAfter)
}

// describeFailure is the detail text for one failed attempt.
func describeFailure(err error) string {
	if errors.Is(err, zoho.ErrMayHaveActed) {
		// First: the answer it wraps (a 500, a timeout) is not the news.
		return describeMayHaveActed(err)
	}
	var tokenErr *zoho.TokenError
	if errors.As(err, &tokenErr) {
		return describeTokenError(tokenErr)
	}
	var apiErr *zoho.APIError
	if errors.As(err, &apiErr) {
		return describeAPIError(apiErr)
	}
	if detail, ok := describeLocalFailure(err); ok {
		return detail
	}
	var timeoutErr *zoho.AttemptTimeoutError
	if errors.As(err, &timeoutErr) {
		return fmt.Sprintf("Zoho sent no complete answer within request_timeout = %s, the limit on each attempt. "+
			"If Zoho is slow rather than unreachable, raise request_timeout in the provider block (or %s).",
			timeoutErr.Timeout, envRequestTimeout)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return "The request was still waiting for Zoho's answer."
	}
	if isLocalFileFailure(err) {
		return fmt.Sprintf("%s. This is a problem with a file on this machine, not with Zoho or the network: fix or remove the "+
			"file named above, then try again.", err)
	}
	if isNetworkFailure(err) {
		return fmt.Sprintf("%s. The request did not get an answer from Zoho: check the network and api_domain, then try again.", err)
	}
	return fmt.Sprintf("%s. Try again; if it fails the same way, report it to the provider's maintainers with the log of "+
		"TF_LOG=DEBUG.", err)
}

// isNetworkFailure reports whether err is the network's: a transport error
// (*url.Error, *net.OpError, *net.DNSError, a net.Error that is not a
// local file's), an untrusted TLS certificate, a refused, reset or closed
// connection.
func isNetworkFailure(err error) bool {
	if isLocalFileFailure(err) {
		// fs.PathError wraps a syscall.Errno, which is a net.Error too.
		return false
	}
	return errors.As(err, new(*url.Error)) || errors.As(err, new(*net.OpError)) || errors.As(err, new(*net.DNSError)) ||
		errors.As(err, new(net.Error)) ||
		errors.As(err, new(*tls.CertificateVerificationError)) ||
		errors.As(err, new(x509.UnknownAuthorityError)) ||
		errors.As(err, new(x509.HostnameError)) ||
		errors.As(err, new(x509.CertificateInvalidError)) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// describeMayHaveActed explains a POST /backup that Zoho may have acted on
// and that reading back could not settle, and says how to check before
// trying again: never just "try again", which could start a second backup.
func describeMayHaveActed(err error) string {
	var detail strings.Builder
	fmt.Fprintf(&detail, "%s.\n\nThe request reached Zoho, but its answer was lost, or was an error Zoho can give after acting, "+
		"so Zoho may have scheduled the backup. It was not sent again: a repeat could schedule a second backup and use another "+
		"of the edition's monthly backups.", err)
	if errors.As(err, new(*zoho.UnsettledError)) {
		detail.WriteString(" Reading the latest backup back could not tell whether it did (what was found is above).")
	}
	var timeoutErr *zoho.AttemptTimeoutError
	if errors.As(err, &timeoutErr) {
		fmt.Fprintf(&detail, " If Zoho is slow rather than down, raise request_timeout (now %s) in the provider block (or %s).",
			timeoutErr.Timeout, envRequestTimeout)
	}
	detail.WriteString("\n\nCheck before trying again: read the zohocrm_backup data source (its id, status and rrule), " +
		"GET {api_domain}/crm/bulk/v8/backup, or Zoho CRM under Setup > Data Administration > Export; the " +
		"zohocrm_backup_history data source shows when a backup was initiated or scheduled. If a backup with the rule asked " +
		"for is scheduled, apply again: zohocrm_backup_schedule adopts it. If an immediate backup started after this request, " +
		"it is this request's backup: follow it there rather than start another. If there is none, apply or invoke again.")
	return detail.String()
}

// describeLocalFailure explains failures that are the provider's own
// decisions rather than Zoho's answers: a token it cannot send, a bound it
// put on a server's data.
func describeLocalFailure(err error) (string, bool) {
	var unsendable *zoho.TokenNotSendableError
	if errors.As(err, &unsendable) {
		return fmt.Sprintf("%s. Sending it again cannot help, so it was not retried. Check the token in access_token or %s "+
			"for a stray line break or other control character (a value read from a file usually ends with one: use "+
			"trimspace(file(...))); with refresh credentials, the accounts server issued such a token: check accounts_url.",
			unsendable, envAccessToken), true
	}
	var limitErr *zoho.LimitError
	if errors.As(err, &limitErr) {
		return fmt.Sprintf("%s. The provider bounds every answer it follows page by page, so that a server that never says "+
			"\"no more\" cannot hold the run or spend the organization's daily API credits. Zoho's real answers stay far inside "+
			"this bound: check that api_domain is your data centre's Zoho API domain, not a proxy or another service.", limitErr), true
	}
	return "", false
}

// describeAPIError is the detail text for an error answer from Zoho: its
// HTTP status, code and message (redacted and bounded by the client), the
// details where they name what was refused, and the remedy.
func describeAPIError(apiErr *zoho.APIError) string {
	if apiErr.HTTPStatus == http.StatusNotModified {
		return "Zoho answered HTTP 304 Not Modified, with no body.\n\n" + remedies[zoho.CodeNotModified]
	}
	if apiErr.Code == "" {
		return fmt.Sprintf("Zoho answered HTTP %d with a body that is not a Zoho API response: %s\n\n%s",
			apiErr.HTTPStatus, apiErr.BodyExcerpt, unknownAnswerRemedy)
	}
	remedy, known := remedies[apiErr.Code]
	if !known {
		remedy = unknownCodeRemedy
	}
	answer := fmt.Sprintf("Zoho answered HTTP %d with code %s: %q.", apiErr.HTTPStatus, apiErr.Code, apiErr.Message)
	if details := quotedDetails(apiErr.Details); details != "" && (detailedCodes[apiErr.Code] || !known) {
		answer += " Details: " + details + "."
	}
	return answer + "\n\n" + remedy
}

// quotedDetails is Zoho's details object on one line, or "" when it is
// absent or empty. The client has already bounded it and dropped it if it
// held anything secret.
func quotedDetails(details json.RawMessage) string {
	var compact bytes.Buffer
	if json.Compact(&compact, details) != nil || compact.Len() == 0 || compact.String() == "{}" || compact.String() == "null" {
		return ""
	}
	return strings.ToValidUTF8(compact.String(), "\uFFFD")
}
