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

// The retry loop shared by API calls and downloads: what is retried, and how
// long to wait. docs/design/send-path.md says why.

// Defaults of the retry policy and the per-attempt timeout: five retries
// wait 15 to 31 seconds in all.
const (
	DefaultMaxRetries     = 5
	DefaultRequestTimeout = 30 * time.Second
	DefaultMinBackoff     = time.Second
	DefaultMaxBackoff     = 30 * time.Second
	// DefaultMaxRetryAfter caps a Retry-After header.
	DefaultMaxRetryAfter = time.Minute
)

// RetryPolicy says how failed requests are sent again; zero durations
// take the defaults.
type RetryPolicy struct {
	// MaxRetries bounds transient failures in a row; 0 disables retries.
	MaxRetries int
	// MinBackoff is the first wait; it doubles up to MaxBackoff, each wait
	// drawn between half of it and all of it.
	MinBackoff    time.Duration
	MaxBackoff    time.Duration
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

// backoff is the wait before retry number retry (from 1): exponential,
// capped, jittered, and at least the capped retryAfter.
func (p RetryPolicy) backoff(retry int, retryAfter time.Duration) time.Duration {
	step := p.MaxBackoff
	if shift := retry - 1; shift < 30 && p.MinBackoff<<shift < p.MaxBackoff {
		step = p.MinBackoff << shift
	}
	wait := step/2 + rand.N(step/2+1)
	return max(wait, min(retryAfter, p.MaxRetryAfter))
}

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date.
func parseRetryAfter(value string, now time.Time) (time.Duration, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	if seconds, err := strconv.ParseInt(value, 10, 64); err == nil {
		if seconds < 0 {
			return 0, false
		}
		return time.Duration(min(seconds, 86400)) * time.Second, true
	}
	when, err := http.ParseTime(value)
	if err != nil {
		return 0, false
	}
	return max(when.Sub(now), 0), true
}

// retryLoop runs attempt until it succeeds, fails for good, MaxRetries
// failures come in a row (progress starts the count anew), or ctx ends;
// the last two are a *RetryError.
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

// attemptOutcome is one attempt, classified; neither failed nor err: success.
type attemptOutcome struct {
	resp   *response
	err    error
	failed bool
	fail   failure
	// progressed: the attempt moved the operation forward before it failed.
	progressed bool
}

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

type retryState struct {
	operation string
	scope     retryScope
	attempts  int
	// failures counts the failures in a row since the last progress.
	failures     int
	mayHaveActed bool
	previous     error
	// logMsg and logFields, if set, replace the log line's message and add
	// to its fields.
	logMsg    string
	logFields func(map[string]any)
}

// decide says whether to return an attempt, stop, or retry.
func (c *Client) decide(ctx context.Context, outcome attemptOutcome, state *retryState) (resp *response, retry bool, err error) {
	if outcome.failed && ctx.Err() != nil {
		// An attempt cut short before it got anywhere says nothing; the
		// failure before it says why retries were needed.
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

// returned hands over an attempt not retried, flagging ErrMayHaveActed.
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

// waitToRetry waits the backoff, unless it would pass ctx's deadline.
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

// attemptWithTimeout bounds attempt by the request timeout.
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
	// retryTransient (GET, PUT cancel): any transient failure is retried.
	retryTransient retryScope = iota
	// retryUnprocessed (POST): only failures Zoho's application cannot have
	// seen are retried (no connection, 429, 503).
	retryUnprocessed
)

// retryScopeFor: POST is the only method of this API that creates.
func retryScopeFor(method string) retryScope {
	if method == http.MethodPost {
		return retryUnprocessed
	}
	return retryTransient
}

// ErrMayHaveActed is wrapped into the error of a POST that failed after it
// may have reached Zoho, and so was not sent again.
var ErrMayHaveActed = errors.New("not sent again: Zoho may have acted on it before the failure")

type failure struct {
	transient   bool // may succeed when sent again
	unprocessed bool // cannot have reached Zoho's application
	reason      string
	retryAfter  time.Duration
}

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

func answerCode(resp *response) string {
	env, _ := resp.envelope()
	return env.Code
}

// refusalCodes are never retried, whatever their HTTP status.
var refusalCodes = map[string]bool{
	CodeNotAllowed:        true,
	CodeAlreadyUsed:       true,
	CodeMandatoryNotFound: true,
	CodeBadRequest:        true,
	CodeNotModified:       true,
}

// serverFailureCodes are transient whatever their HTTP status.
var serverFailureCodes = map[string]bool{
	CodeInternalError:       true,
	CodeInternalServerError: true,
}

// classifyAnswer decides from a known code, else from the status: 429 and
// every 5xx but 501 are transient, and 429 and 503 unprocessed.
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

// classifyError says whether an error is a transient transport failure.
func classifyError(err error) failure {
	var apiErr *APIError
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var urlErr *url.Error
	var netErr net.Error
	var timeoutErr *AttemptTimeoutError
	switch {
	case errors.As(err, &timeoutErr):
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

// rootCause is the innermost error's text (no url.Error prefix).
func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// AttemptTimeoutError is an attempt not answered within RequestTimeout.
type AttemptTimeoutError struct {
	Operation string
	Timeout   time.Duration
}

func (e *AttemptTimeoutError) Error() string {
	return fmt.Sprintf("%s: no complete answer from Zoho within the request timeout of %s", e.Operation, e.Timeout)
}

// RetryError is a transient failure not retried further: the retries were
// used up, or the caller's context ended. It wraps Last and Stopped.
type RetryError struct {
	Operation string
	Attempts  int
	Last      error
	// Stopped is ctx's error, or nil when the retries were used up.
	Stopped error
	// RetryAfter is Zoho's wait when it passed the deadline; else 0.
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
