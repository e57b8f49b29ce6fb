package zoho

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Retries are a small loop of our own rather than hashicorp/go-retryablehttp,
// for reasons that hold for this client in particular:
//   - retryablehttp calls CloseIdleConnections() on the HTTP client whenever
//     it gives up or a request's context ends. This client shares one
//     http.Client (and its kept-alive connections) across every resource of
//     a provider process, so one resource's Ctrl-C, timeout or exhausted
//     retries would drop the connections every other resource is using, and
//     each would pay a new TCP and TLS handshake.
//   - The diagnostics need typed outcomes, which retryablehttp reduces to an
//     error string: how many attempts were made, whether an earlier attempt
//     may have acted (a lost answer to a cancellation, a schedule that must
//     not be sent twice), and which limit ended the retries (max_retries,
//     the operation's timeouts, Ctrl-C, a Retry-After past the deadline).
//     RetryError, ErrMayHaveActed and AttemptTimeoutError carry them.
//   - The retry decision depends on the request (a PUT cancel may be sent
//     again after any transient failure, a POST schedule only after failures
//     Zoho cannot have acted on), and a Retry-After is capped.
//   - The answer to INVALID_TOKEN happens inside an attempt
//     (doWithFreshToken), so that a rejected token costs a resend with the
//     current token (and a refresh only when the rejected one is still the
//     current one), not a retry with its backoff.
// The policy is unit tested in retry_test.go.

// Defaults of the retry policy and the per-attempt timeout. Zoho documents
// no Retry-After header, so the backoff alone must ride out a short
// throttle: five retries wait about 0.5+1+2+4+8 to 1+2+4+8+16 seconds, 15 to
// 31 seconds in all, which outlasts a burst of concurrent calls.
const (
	DefaultMaxRetries     = 5
	DefaultRequestTimeout = 30 * time.Second
	DefaultMinBackoff     = time.Second
	DefaultMaxBackoff     = 30 * time.Second
	// DefaultMaxRetryAfter caps a Retry-After header: a server asking for an
	// hour would otherwise hold an apply for an hour.
	DefaultMaxRetryAfter = time.Minute
)

// RetryPolicy says how often and how patiently a failed request is sent
// again. Zero durations take the defaults above.
type RetryPolicy struct {
	// MaxRetries is how many times a request is sent again after its first
	// attempt failed transiently; 0 disables retries.
	MaxRetries int
	// MinBackoff is the wait before the first retry; it doubles with each
	// retry up to MaxBackoff, and each wait is drawn between half of it and
	// all of it (jitter, so parallel requests do not retry in lock step).
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// MaxRetryAfter caps the wait a Retry-After header may ask for.
	MaxRetryAfter time.Duration
}

// DefaultRetryPolicy is the policy of a client whose Config sets none.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxRetries: DefaultMaxRetries}
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxRetries < 0 {
		p.MaxRetries = 0
	}
	if p.MinBackoff <= 0 {
		p.MinBackoff = DefaultMinBackoff
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = DefaultMaxBackoff
	}
	if p.MaxBackoff < p.MinBackoff {
		p.MaxBackoff = p.MinBackoff
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = DefaultMaxRetryAfter
	}
	return p
}

// backoff is the wait before retry number retry (1 for the first retry):
// exponential, capped, with "equal jitter" (between half and all of the
// step), and at least what a Retry-After header asked for, capped.
func (p RetryPolicy) backoff(retry int, retryAfter time.Duration) time.Duration {
	step := p.MaxBackoff
	if shift := retry - 1; shift < 30 && p.MinBackoff<<shift < p.MaxBackoff {
		step = p.MinBackoff << shift
	}
	wait := step/2 + rand.N(step/2+1)
	return max(wait, min(retryAfter, p.MaxRetryAfter))
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date
// (RFC 9110 10.2.3). A date in the past means "now".
func parseRetryAfter(value string, now time.Time) (time.Duration, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	if seconds, err := strconv.ParseInt(value, 10, 64); err == nil {
		if seconds < 0 {
			return 0, false
		}
		// Anything beyond a day is as good as "a day": the cap applies later.
		return time.Duration(min(seconds, 86400)) * time.Second, true
	}
	when, err := http.ParseTime(value)
	if err != nil {
		return 0, false
	}
	return max(when.Sub(now), 0), true
}

// retryLoop runs attempt until it succeeds, fails for good, the policy's
// retries are used up, or ctx ends, waiting the backoff between attempts.
// MaxRetries bounds the failures in a row: an attempt that made progress
// (a download's bytes) starts the count anew. A transient failure that
// outlasts the retries, or that ctx ends, is a *RetryError.
func (c *Client) retryLoop(ctx context.Context, state *retryState, attempt func(context.Context) attemptOutcome) (*response, error) {
	for state.attempts = 1; ; state.attempts++ {
		outcome := attempt(ctx)
		resp, retry, err := c.decide(ctx, outcome, state)
		if !retry {
			return resp, err
		}
		if err := c.waitToRetry(ctx, outcome, state); err != nil {
			return nil, err
		}
	}
}

// attemptOutcome is one attempt, classified. Neither failed nor err: a
// success, with resp (nil for a download, whose success is its target).
type attemptOutcome struct {
	resp *response
	// err is the attempt's error, or the *APIError of a failed answer.
	err    error
	failed bool
	fail   failure
	// progressed is set when the attempt moved the operation forward
	// before it failed.
	progressed bool
}

// classifyAttempt classifies what one attempt of an API call returned.
func classifyAttempt(operation string, resp *response, err error) attemptOutcome {
	if err != nil {
		return attemptOutcome{err: err, failed: true, fail: classifyError(err)}
	}
	fail, failed := classifyResponse(resp, time.Now())
	outcome := attemptOutcome{resp: resp, failed: failed, fail: fail}
	if failed {
		outcome.err = apiError(operation, resp)
	}
	return outcome
}

// retryState is what the loop carries from one attempt to the next.
type retryState struct {
	operation string
	scope     retryScope
	attempts  int
	// failures counts the failures in a row since the last progress.
	failures int
	// mayHaveActed is set once an attempt failed in a way Zoho may have
	// acted on (retryUnprocessed explains which).
	mayHaveActed bool
	// previous is the last failure, for when ctx ends the next attempt.
	previous error
	// logMsg and logFields, if set, replace the retry log line's message
	// and add to its fields.
	logMsg    string
	logFields func(map[string]any)
}

// decide says what follows an attempt: return its answer or error to the
// caller (retry false, with resp or err), stop with a typed *RetryError, or
// retry (retry true).
func (c *Client) decide(ctx context.Context, outcome attemptOutcome, state *retryState) (resp *response, retry bool, err error) {
	if outcome.failed && ctx.Err() != nil {
		// Ctrl-C or the operation's deadline: stop at once (a success is
		// still returned: Zoho has acted on it). An attempt cut short
		// before it got anywhere says nothing; the failure before it, if
		// any, says why the operation needed retries.
		last := outcome.err
		if outcome.resp == nil && !outcome.progressed && state.previous != nil {
			last = state.previous
		}
		return nil, false, &RetryError{Operation: state.operation, Attempts: state.attempts, Last: last, Stopped: ctx.Err()}
	}
	retryable := outcome.failed && outcome.fail.transient && (state.scope == retryTransient || outcome.fail.unprocessed)
	if !retryable || c.retry.MaxRetries == 0 {
		return returned(outcome, retryable, state)
	}
	if outcome.progressed {
		state.failures = 0
	}
	state.failures++
	if state.failures > c.retry.MaxRetries {
		return nil, false, &RetryError{Operation: state.operation, Attempts: state.attempts, Last: outcome.err}
	}
	state.mayHaveActed = state.mayHaveActed || !outcome.fail.unprocessed
	state.previous = outcome.err
	return nil, true, nil
}

// returned hands an attempt that is not retried to the caller: an answer
// with how it was obtained, or an error. A transient failure that was not
// retried because Zoho may have acted on it says so (ErrMayHaveActed): the
// caller must tell the user to check before sending it again.
func returned(outcome attemptOutcome, retryable bool, state *retryState) (*response, bool, error) {
	if outcome.resp != nil {
		outcome.resp.attempts, outcome.resp.earlierAttemptMayHaveActed = state.attempts, state.mayHaveActed
		return outcome.resp, false, nil
	}
	if outcome.failed && outcome.fail.transient && !retryable {
		return nil, false, fmt.Errorf("%w (%w)", outcome.err, ErrMayHaveActed)
	}
	return nil, false, outcome.err
}

// waitToRetry logs the retry and waits its backoff. It returns a
// *RetryError instead when the wait would end past ctx's deadline (at once,
// saying how long Zoho asked to wait) or ctx ends during it.
func (c *Client) waitToRetry(ctx context.Context, outcome attemptOutcome, state *retryState) error {
	wait := c.retry.backoff(state.failures, outcome.fail.retryAfter)
	msg, fields := "Retrying Zoho API request", map[string]any{
		"operation":   state.operation,
		"attempt":     state.attempts,
		"max_retries": c.retry.MaxRetries,
		"reason":      outcome.fail.reason,
		"wait":        wait.String(),
	}
	if state.logMsg != "" {
		msg = state.logMsg
	}
	if state.logFields != nil {
		state.logFields(fields)
	}
	c.logf(ctx, msg, fields)
	stopped := &RetryError{Operation: state.operation, Attempts: state.attempts, Last: outcome.err}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
		stopped.Stopped, stopped.RetryAfter = context.DeadlineExceeded, outcome.fail.retryAfter
		return stopped
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		stopped.Stopped = ctx.Err()
		return stopped
	case <-timer.C:
		return nil
	}
}

// attemptWithTimeout runs one attempt bounded by the request timeout, and
// names a timeout of the attempt (rather than of the whole operation) as such.
func (c *Client) attemptWithTimeout(ctx context.Context, operation string, attempt func(context.Context) (*response, error)) (*response, error) {
	attemptCtx, cancel := context.WithTimeout(ctx, c.requestTimeout)
	defer cancel()
	resp, err := attempt(attemptCtx)
	if err != nil && ctx.Err() == nil && errors.Is(attemptCtx.Err(), context.DeadlineExceeded) {
		return nil, &AttemptTimeoutError{Operation: operation, Timeout: c.requestTimeout}
	}
	return resp, err
}

// retryScope says which failures of a request may be sent again.
type retryScope int

const (
	// retryTransient is for idempotent requests (GET, and PUT cancel, whose
	// repeat is answered ALREADY_CANCELLED, which counts as success): any
	// transient failure is retried, even one Zoho may already have acted on.
	retryTransient retryScope = iota
	// retryUnprocessed is for requests that must not run twice, such as POST
	// /backup: scheduling twice costs the user one of the few backups their
	// edition allows a month. Only failures where Zoho's application cannot
	// have seen the request are retried:
	//   - the connection could not be opened (refused, unreachable, DNS
	//     timeout): no byte of the request left this machine;
	//   - HTTP 429: Zoho's throttle refuses the call before it is processed
	//     (the concurrency and credit limits are checked on arrival);
	//   - HTTP 503: the front end had no application server to hand the call
	//     to.
	// Everything else may have been processed before it failed (a reset or
	// dropped connection, a timeout while waiting for the answer, 500
	// INTERNAL_ERROR, INTERNAL_ERROR or INTERNAL_SERVER_ERROR with any
	// status, a 502 or 504 from a gateway whose upstream may have acted), so
	// it is reported instead of retried: the user then checks whether the
	// backup exists before applying again.
	retryUnprocessed
)

// retryScopeFor gives each request its scope from its method: POST is the
// only method of this API that creates something.
func retryScopeFor(method string) retryScope {
	if method == http.MethodPost {
		return retryUnprocessed
	}
	return retryTransient
}

// ErrMayHaveActed is wrapped into the error of a request that must not run
// twice (retryUnprocessed) when it failed after it may have reached Zoho (a
// dropped connection, a timeout), so it was not sent again.
var ErrMayHaveActed = errors.New("not sent again: Zoho may have acted on it before the failure")

// failure classifies one failed attempt.
type failure struct {
	// transient failures may succeed when sent again.
	transient bool
	// unprocessed failures cannot have reached Zoho's application.
	unprocessed bool
	// reason is what the retry log line says, e.g. "HTTP 503".
	reason string
	// retryAfter is what a Retry-After header asked for, if any.
	retryAfter time.Duration
}

// classifyResponse says whether an answer is a transient failure, and
// whether Zoho can have acted on it (classifyAnswer decides).
func classifyResponse(resp *response, now time.Time) (failure, bool) {
	code := answerCode(resp)
	transient, unprocessed := classifyAnswer(resp.status, code)
	if !transient {
		return failure{}, false
	}
	f := failure{transient: true, unprocessed: unprocessed, reason: "HTTP " + strconv.Itoa(resp.status)}
	if code != "" {
		f.reason += " " + serverText(code, maxCodeBytes, resp.token)
	}
	if after, ok := parseRetryAfter(resp.header.Get("Retry-After"), now); ok {
		f.retryAfter = after
		f.reason += ", Retry-After " + after.String()
	}
	return f, true
}

// answerCode is the code of the answer's envelope (nested under "backup" or
// at the top level), or "" when it has none.
func answerCode(resp *response) string {
	if len(resp.body) == 0 {
		return ""
	}
	env, _ := parseEnvelope(resp.body)
	return env.Code
}

// refusalCodes are Zoho's answers that say the request itself is refused:
// asking again gets the same answer, so they are never retried, whatever
// HTTP status comes with them (Zoho does not document theirs; a refusal
// carried by a 500 or a 429 is still a refusal). CodeNotModified is here
// for an envelope that names it; a bare 304 is never retried either.
var refusalCodes = map[string]bool{
	CodeNotAllowed:        true,
	CodeAlreadyUsed:       true,
	CodeMandatoryNotFound: true,
	CodeBadRequest:        true,
	CodeNotModified:       true,
}

// serverFailureCodes say that Zoho's application failed while handling the
// request. They are transient whatever HTTP status comes with them: Zoho
// documents INTERNAL_ERROR with 500, its SDK adds INTERNAL_SERVER_ERROR with
// no status, and either one with a 4xx (or a 2xx) still means "Zoho failed",
// not "your request is wrong". Since the application had the request, Zoho
// may have acted on it, so a request that must not run twice (POST) is not
// sent again, even when the status is 503 or 429.
var serverFailureCodes = map[string]bool{
	CodeInternalError:       true,
	CodeInternalServerError: true,
}

// classifyAnswer decides from an answer's status and code: a code the
// client knows decides first (refusalCodes, serverFailureCodes); otherwise
// the status does, and 429 and every 5xx but 501 Not Implemented (which will
// not change on a retry) are transient. 429 and 503 are refused before
// Zoho's application sees the request (retryUnprocessed explains why).
// Everything else, a code nobody knows yet included, is an answer to report.
func classifyAnswer(status int, code string) (transient, unprocessed bool) {
	switch {
	case refusalCodes[code]:
		return false, false
	case serverFailureCodes[code]:
		return true, false
	case status == http.StatusTooManyRequests, status == http.StatusServiceUnavailable:
		return true, true
	case status >= 500 && status != http.StatusNotImplemented:
		return true, false
	}
	return false, false
}

// classifyError says whether an error from one attempt is a transient
// transport failure. Errors that will not change on a retry (a refused
// redirect, an oversized body, a bad certificate, an unknown host, no token)
// are not.
func classifyError(err error) failure {
	var apiErr *APIError
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var urlErr *url.Error
	var netErr net.Error
	var timeoutErr *AttemptTimeoutError
	switch {
	case errors.As(err, &timeoutErr):
		// The request may be waiting in Zoho's queue or being processed.
		return failure{transient: true, reason: "no answer within the request timeout of " + timeoutErr.Timeout.String()}
	case errors.As(err, &apiErr):
		return failure{reason: "permanent answer"}
	case errors.As(err, new(*tls.CertificateVerificationError)),
		errors.As(err, new(x509.UnknownAuthorityError)),
		errors.As(err, new(x509.HostnameError)),
		errors.As(err, new(x509.CertificateInvalidError)):
		return failure{reason: "TLS certificate not trusted"}
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return failure{reason: "unknown host"}
	case errors.As(err, &opErr) && opErr.Op == "dial":
		// Nothing was sent: the connection was never established.
		return failure{transient: true, unprocessed: true, reason: "cannot connect: " + rootCause(err)}
	case errors.Is(err, syscall.ECONNREFUSED):
		return failure{transient: true, unprocessed: true, reason: "connection refused"}
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return failure{transient: true, reason: "connection reset"}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return failure{transient: true, reason: "connection closed without a complete answer"}
	case errors.As(err, &netErr) && netErr.Timeout():
		return failure{transient: true, reason: "network timeout"}
	case errors.As(err, &urlErr):
		return failure{transient: true, reason: "transport error: " + rootCause(err)}
	}
	return failure{reason: "not a transport error"}
}

// rootCause is the innermost error's text, without the URL that url.Error
// prefixes (it is the same for every attempt).
func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// AttemptTimeoutError is one attempt that got no complete answer within the
// per-request timeout (Config.RequestTimeout, the provider's request_timeout).
type AttemptTimeoutError struct {
	Operation string
	Timeout   time.Duration
}

func (e *AttemptTimeoutError) Error() string {
	return fmt.Sprintf("%s: no complete answer from Zoho within the request timeout of %s", e.Operation, e.Timeout)
}

// RetryError is a request that failed transiently and was not retried
// further: either every retry failed too, or the caller's context ended
// (deadline or cancellation) between or during attempts. It wraps the last
// failure, so errors.As finds its *APIError, and the context's error.
type RetryError struct {
	Operation string
	// Attempts is how many times the request was sent.
	Attempts int
	// Last is the last attempt's failure.
	Last error
	// Stopped is the context error that ended retrying
	// (context.DeadlineExceeded or context.Canceled), or nil when the
	// retries were used up.
	Stopped error
	// RetryAfter is the wait Zoho asked for (Retry-After, before the
	// client's cap) when it reached past the operation's deadline, so the
	// client stopped at once rather than sleep for nothing; else 0.
	RetryAfter time.Duration
}

func (e *RetryError) Error() string {
	if e.Stopped == nil {
		return fmt.Sprintf("%v (gave up after %d attempts)", e.Last, e.Attempts)
	}
	why := "the operation was cancelled"
	if errors.Is(e.Stopped, context.DeadlineExceeded) {
		why = "the operation's time limit was reached"
	}
	return fmt.Sprintf("%v (stopped after %d attempts: %s)", e.Last, e.Attempts, why)
}

func (e *RetryError) Unwrap() []error {
	if e.Stopped == nil {
		return []error{e.Last}
	}
	return []error{e.Last, e.Stopped}
}
