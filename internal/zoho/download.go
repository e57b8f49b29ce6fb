package zoho

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Downloading a backup file, resumed and checked: docs/design/download.md.

// ScopeFilesAll is the OAuth scope Zoho documents for downloading backup files.
const ScopeFilesAll = "ZohoFiles.files.ALL"

// CodeInvalidOAuthScope is the download host's code for a missing scope.
const CodeInvalidOAuthScope = "INVALID_OAUTHSCOPE"

// MaxDownloadBytes bounds one file: four times the 1 GB Zoho documents.
const MaxDownloadBytes int64 = 4 << 30

// maxDownloadRedirects bounds the redirects one request follows.
const maxDownloadRedirects = 5

// downloadBufferBytes is each of readAhead's buffers.
const downloadBufferBytes = 256 << 10

// maxErrorBodyBytes bounds what is read of an answer not the file.
const maxErrorBodyBytes = 64 << 10

// DownloadTarget receives a file's bytes, typically a hashing .part file.
type DownloadTarget interface {
	io.Writer
	Size() int64
	// Validator is the one recorded when the held bytes were started, or "".
	Validator() string
	// Reset discards everything held and records validator ("" for none).
	Reset(validator string) error
}

// DownloadProgress is reported as bytes arrive; the caller throttles.
type DownloadProgress struct {
	Written int64 // bytes the target holds
	Total   int64 // the file's size
}

// DownloadResult is what a download did, returned with an error too.
type DownloadResult struct {
	Link        DownloadLink
	Size        int64 // the file's size, once complete
	HeldAtStart int64
	// Fetched is the file's bytes received in this call, over all attempts.
	Fetched int64
	// Attempts is the requests sent, redirects and token resends included.
	Attempts int
	// Resumed: held bytes were kept (a 206, or a 416 naming their size).
	Resumed bool
	// Restarted: held bytes were discarded and the file fetched from zero.
	Restarted bool
	// AlreadyComplete: a 416 named the size held; nothing was fetched.
	AlreadyComplete bool
}

// DownloadScopeError is a download refused for the token's scopes.
type DownloadScopeError struct {
	*APIError
	Scope string
}

func (e *DownloadScopeError) Error() string {
	return fmt.Sprintf("%v: the access token lacks the scope %s, which Zoho requires to download backup files: add %s to the Self Client's scopes, generate a new grant token and refresh token with it, and configure the provider with them", e.APIError, e.Scope, e.Scope)
}

func (e *DownloadScopeError) Unwrap() error { return e.APIError }

// DownloadAnswerError is an answer that cannot be the file asked for, or
// whose size is unknown or past MaxDownloadBytes.
type DownloadAnswerError struct {
	Operation, Problem string
	HTTPStatus         int
}

func (e *DownloadAnswerError) Error() string {
	return fmt.Sprintf("%s: HTTP %d answer refused: %s", e.Operation, e.HTTPStatus, e.Problem)
}

// StallError is a download's attempt timeout: no byte for RequestTimeout.
type StallError AttemptTimeoutError

func (e *StallError) Error() string {
	return fmt.Sprintf("%s: no data received for %s (the request timeout)", e.Operation, e.Timeout)
}

// IncompleteBodyError is a body that ended before the size announced.
type IncompleteBodyError struct {
	Operation  string
	Held, Want int64
	// Err is io.ErrUnexpectedEOF for a closed connection, nil for a short range.
	Err error
}

func (e *IncompleteBodyError) Error() string {
	return fmt.Sprintf("%s: the answer ended at byte %d of %d", e.Operation, e.Held, e.Want)
}

func (e *IncompleteBodyError) Unwrap() error { return e.Err }

// Download fetches the file link names into target, resuming what it holds
// (If-Range with its validator), and returns once it holds the whole file.
// link comes from CheckDownloadLink; its host is checked again, and nothing
// is sent to a host the client does not trust (*DownloadHostError). An
// answer without a known size is a *DownloadAnswerError, never retried.
// Transient failures resume after the retry policy's backoff; MaxRetries
// bounds those in a row without progress. The error is then a *RetryError,
// as when ctx ends; the target keeps what it holds. A 416 naming the size
// held is AlreadyComplete: the caller must still check the bytes held.
// progress, if not nil, is called after each write.
func (c *Client) Download(ctx context.Context, link DownloadLink, target DownloadTarget, progress func(DownloadProgress)) (DownloadResult, error) {
	if link.URL == nil {
		return DownloadResult{}, &DownloadLinkError{Problem: "it was not checked (CheckDownloadLink)"}
	}
	if err := checkTokenTarget(c.downloadPolicy(), link.URL, false); err != nil {
		return DownloadResult{}, err
	}
	d := &download{
		client:    c,
		operation: fmt.Sprintf("download %s of backup %s", link.FileName, link.JobID),
		target:    target,
		progress:  progress,
	}
	d.result.Link = link
	d.result.HeldAtStart = target.Size()
	err := d.run(ctx)
	return d.result, err
}

type download struct {
	client    *Client
	operation string
	target    DownloadTarget
	progress  func(DownloadProgress)
	result    DownloadResult
}

func (d *download) run(ctx context.Context) error {
	state := &retryState{operation: d.operation, scope: retryTransient, logMsg: "Resuming Zoho backup download"}
	state.logFields = func(fields map[string]any) {
		fields["link"], fields["held_bytes"], fields["failures"] = d.result.Link.RedactedURL, d.target.Size(), state.failures
	}
	_, err := d.client.retryLoop(ctx, state, d.attempt)
	return err
}

// attempt sends one request and handles its answer, under a stall watchdog.
func (d *download) attempt(ctx context.Context) attemptOutcome {
	attemptCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	watchdog := startWatchdog(d.client.requestTimeout, func() {
		cancel(&StallError{Operation: d.operation, Timeout: d.client.requestTimeout})
	})
	defer watchdog.stop()
	ask := d.resumePoint()
	resp, err := d.client.sendWithCurrentToken(attemptCtx, d.operation, func(ctx context.Context) (*response, error) {
		return d.sendOnce(ctx, ask)
	})
	var outcome attemptOutcome
	switch {
	case err != nil:
		outcome = d.sendFailure(attemptCtx, err)
	case resp.file == nil:
		outcome = d.errorAnswer(resp)
	default:
		defer resp.file.Body.Close()
		watchdog.reset()
		outcome = d.answer(attemptCtx, resp.file, ask.from, watchdog)
	}
	if outcome.failed && ctx.Err() != nil {
		outcome.err = fmt.Errorf("%s: interrupted with %d bytes held", d.operation, d.target.Size())
	}
	return outcome
}

func fileDone() attemptOutcome { return attemptOutcome{} }

func permanent(err error) attemptOutcome {
	return attemptOutcome{err: err, failed: true, fail: failure{reason: "permanent"}}
}

func transient(err error, reason string, progressed bool) attemptOutcome {
	return attemptOutcome{err: err, failed: true, fail: failure{transient: true, reason: reason}, progressed: progressed}
}

// rangeAsk asks for the bytes from from on, If-Range validator; 0: all.
type rangeAsk struct {
	from      int64
	validator string
}

// resumePoint resumes after the bytes held only if they have a validator.
func (d *download) resumePoint() rangeAsk {
	held := d.target.Size()
	if held == 0 {
		return rangeAsk{}
	}
	validator := d.target.Validator()
	if validator == "" || len(validator) > maxValidatorBytes || CheckHeaderValue(validator) != nil {
		return rangeAsk{}
	}
	return rangeAsk{from: held, validator: validator}
}

func (d *download) answer(ctx context.Context, resp *http.Response, from int64, watchdog *watchdog) attemptOutcome {
	switch resp.StatusCode {
	case http.StatusOK:
		return d.whole(ctx, resp, watchdog)
	case http.StatusPartialContent:
		return d.partial(ctx, resp, from, watchdog)
	case http.StatusRequestedRangeNotSatisfiable:
		return d.unsatisfiable(resp, from)
	}
	return permanent(fmt.Errorf("%s: HTTP %d handed over as a file", d.operation, resp.StatusCode))
}

// whole streams a 200 of announced size into the emptied target.
func (d *download) whole(ctx context.Context, resp *http.Response, watchdog *watchdog) attemptOutcome {
	total := resp.ContentLength
	switch {
	case total < 0:
		return permanent(d.sizeUnknown(resp.StatusCode, "it has no Content-Length"))
	case total > MaxDownloadBytes:
		return permanent(d.tooLarge(fmt.Sprintf("the server announces %d bytes", total)))
	}
	if err := d.reset(validatorOf(resp.Header)); err != nil {
		return permanent(err)
	}
	return d.stream(ctx, resp, 0, total, total, watchdog)
}

// partial streams a 206 that continues the bytes held, of the same file.
func (d *download) partial(ctx context.Context, resp *http.Response, from int64, watchdog *watchdog) attemptOutcome {
	header := resp.Header.Get("Content-Range")
	quoted := serverText(header, maxCodeBytes)
	cr, verdict := parseContentRange(header)
	switch verdict {
	case rangeTooLarge:
		return permanent(d.refuse(resp.StatusCode, fmt.Sprintf("its Content-Range %q names bytes past the %d a file may have; nothing of it was kept", quoted, MaxDownloadBytes)))
	case rangeSizeUnknown:
		return permanent(d.sizeUnknown(resp.StatusCode, fmt.Sprintf("its Content-Range %q gives no total size", quoted)))
	}
	problem := ""
	switch {
	case verdict != rangeOK:
		problem = fmt.Sprintf("its Content-Range %q is not bytes first-last/size", quoted)
	case cr.first != from:
		problem = fmt.Sprintf("its Content-Range %q does not start at byte %d, where the bytes asked for start", quoted, from)
	case resp.ContentLength >= 0 && resp.ContentLength != cr.last-cr.first+1:
		problem = fmt.Sprintf("its Content-Range %q does not match its Content-Length %d", quoted, resp.ContentLength)
	case from > 0:
		problem = validatorMismatch(d.target.Validator(), resp.Header)
	}
	if problem != "" {
		return d.restart(resp.StatusCode, from, problem)
	}
	if from == 0 {
		if err := d.reset(validatorOf(resp.Header)); err != nil {
			return permanent(err)
		}
	}
	d.result.Resumed = d.result.Resumed || from > 0
	return d.stream(ctx, resp, from, cr.last+1, cr.total, watchdog)
}

// unsatisfiable: a 416 naming the size held means complete.
func (d *download) unsatisfiable(resp *http.Response, from int64) attemptOutcome {
	header := resp.Header.Get("Content-Range")
	complete, ok := parseUnsatisfiedRange(header)
	if ok && from > 0 && complete == from {
		d.result.Size, d.result.AlreadyComplete, d.result.Resumed = from, true, true
		d.report(from, from)
		return fileDone()
	}
	problem := fmt.Sprintf("Range bytes=%d- is not satisfiable, and its Content-Range %q does not say the file has exactly the %d bytes held", from, serverText(header, maxCodeBytes), from)
	return d.restart(resp.StatusCode, from, problem)
}

// restart discards the bytes held, as a retry (permanent from byte 0).
func (d *download) restart(status int, from int64, problem string) attemptOutcome {
	answerErr := d.refuse(status, problem)
	if from == 0 {
		return permanent(answerErr)
	}
	if err := d.reset(""); err != nil {
		return permanent(err)
	}
	return transient(answerErr, fmt.Sprintf("HTTP %d that does not fit the %d bytes held; fetching the file from zero", status, from), false)
}

func (d *download) reset(validator string) error {
	held := d.target.Size()
	if err := d.target.Reset(validator); err != nil {
		return fmt.Errorf("%s: discarding the bytes held to fetch the file from zero: %w", d.operation, err)
	}
	if size := d.target.Size(); size != 0 {
		return fmt.Errorf("%s: the download target still holds %d bytes after it was reset", d.operation, size)
	}
	d.result.Restarted = d.result.Restarted || held > 0
	return nil
}

func (d *download) refuse(status int, problem string) *DownloadAnswerError {
	return &DownloadAnswerError{Operation: d.operation, HTTPStatus: status, Problem: problem}
}

// sizeUnknown refuses an answer without a size: a cut would look complete.
func (d *download) sizeUnknown(status int, why string) *DownloadAnswerError {
	return d.refuse(status, why+": no size was announced, so a cut could not be told from the end of the file, and nothing of it was kept")
}

func (d *download) errorAnswer(answer *response) attemptOutcome {
	if fail, transient := classifyResponse(answer, time.Now()); transient {
		return attemptOutcome{err: apiError(d.operation, answer), failed: true, fail: fail}
	}
	if answer.status >= 200 && answer.status < 300 {
		return permanent(d.refuse(answer.status, "a download answers 200 with the file, or 206 with the rest of it"))
	}
	apiErr := apiError(d.operation, answer)
	if answer.status == http.StatusUnauthorized && (apiErr.Code == CodeInvalidOAuthScope || apiErr.Code == CodeOAuthScopeMismatch) {
		return permanent(&DownloadScopeError{APIError: apiErr, Scope: ScopeFilesAll})
	}
	return permanent(apiErr)
}

// sendFailure classifies an error before the file's bytes.
func (d *download) sendFailure(ctx context.Context, err error) attemptOutcome {
	if stall, stalled := stallOf(ctx); stalled {
		return transient(stall, "no answer within the request timeout", false)
	}
	fail := classifyError(err)
	if errors.As(err, new(*url.Error)) {
		err = d.wrap(err)
	}
	return attemptOutcome{err: err, failed: true, fail: fail}
}

// readFailure makes any error mid-file transient: the download resumes.
func (d *download) readFailure(ctx context.Context, err error, end, total, got int64) attemptOutcome {
	if stall, stalled := stallOf(ctx); stalled {
		return transient(stall, "stalled mid-file", got > 0)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		// net/http's word for a body cut short of its Content-Length.
		short := &IncompleteBodyError{Operation: d.operation, Held: end, Want: total, Err: err}
		return transient(short, short.Error()+", connection closed", got > 0)
	}
	return transient(d.wrap(err), "connection lost mid-file: "+rootCause(err), got > 0)
}

func stallOf(ctx context.Context) (*StallError, bool) {
	var stall *StallError
	return stall, errors.As(context.Cause(ctx), &stall)
}

// wrap drops url.Error's URL, whose query may carry a credential.
func (d *download) wrap(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err
	}
	return fmt.Errorf("%s: %w", d.operation, err)
}

func (d *download) report(written, total int64) {
	if d.progress != nil {
		d.progress(DownloadProgress{Written: written, Total: total})
	}
}
