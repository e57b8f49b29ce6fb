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

// Downloading a backup file (GET {download-domain}/v2/crm/{zgid}/backup/{job-id}/{file-name},
// https://www.zoho.com/crm/developer/docs/api/v8/download-backup.html, scope
// ZohoFiles.files.ALL). Zoho splits a backup into ZIP files of up to 1 GB, so
// a download streams from the socket into the caller's DownloadTarget (which
// hashes in the same pass), resumes with Range after a dropped connection,
// and is bounded by a stall timeout rather than a whole-request timeout.
//
// Downloads do not take the concurrency limiter's slots (limiter.go). The
// limiter models Zoho's limit on concurrent CRM API calls, which Zoho
// counts on the API domain; the files are served by a separate download
// host. And a slot held for the minutes a 1 GB file takes would starve
// the API calls the limit exists for (with the Free edition's 5 slots,
// five downloads would stop every plan).

// ScopeFilesAll is the OAuth scope Zoho documents for downloading backup files.
const ScopeFilesAll = "ZohoFiles.files.ALL"

// CodeInvalidOAuthScope is the code Zoho's download page documents for a
// token without ScopeFilesAll; the CRM API says OAUTH_SCOPE_MISMATCH.
const CodeInvalidOAuthScope = "INVALID_OAUTHSCOPE"

// MaxDownloadBytes bounds the size of one file the client accepts: Zoho
// documents files of at most 1 GB, and a server announcing (or sending)
// more than four times that is not serving a backup; following it would
// fill the disk.
const MaxDownloadBytes int64 = 4 << 30

// maxDownloadRedirects bounds the redirects one request follows.
const maxDownloadRedirects = 5

// downloadBufferBytes is each read buffer of a download (readAhead holds
// readAheadBuffers of them): large reads keep system calls few at line
// rate, and they are the only memory a download holds whatever the file's
// size.
const downloadBufferBytes = 256 << 10

// maxErrorBodyBytes bounds what is read of an answer that is not the file.
const maxErrorBodyBytes = 64 << 10

// DownloadTarget receives a file's bytes. The caller owns it: typically a
// .part file that hashes what is written.
type DownloadTarget interface {
	io.Writer
	// Size is how many bytes the target holds (a .part file's length).
	Size() int64
	// Validator is the strong ETag, else the Last-Modified, of the answer
	// the held bytes were started with; "" when none was recorded.
	Validator() string
	// Reset discards everything held and records validator ("" for none).
	Reset(validator string) error
}

// DownloadProgress is reported as bytes arrive; the caller throttles.
type DownloadProgress struct {
	// Written is how many bytes the target holds.
	Written int64
	// Total is the file's size, or -1 while the server has not said.
	Total int64
}

// DownloadResult is what a download did. It is returned with an error too,
// saying how far the download got.
type DownloadResult struct {
	// Link is the checked link (its URL may carry a credential in its query:
	// store Link.RedactedURL).
	Link DownloadLink
	// Size is the file's total size, once complete.
	Size int64
	// HeldAtStart is what the target held when the call began.
	HeldAtStart int64
	// Fetched is the bytes of file content received in this call, over all
	// attempts (answers that are not the file are not counted).
	Fetched int64
	// Attempts is how many requests were sent (redirects and the resend
	// after a token refresh included).
	Attempts int
	// Resumed is set when the server honoured a Range request: bytes the
	// target held were kept.
	Resumed bool
	// Restarted is set when the target's bytes were discarded and the file
	// fetched from zero: the server answered a Range request with the whole
	// file, or with a range that did not fit what the target held.
	Restarted bool
	// AlreadyComplete is set when the target held the whole file already
	// (Zoho answered 416 with the size the target holds): nothing was fetched.
	AlreadyComplete bool
}

// DownloadScopeError is Zoho refusing the download because the token lacks
// the scope of the download host (INVALID_OAUTHSCOPE or OAUTH_SCOPE_MISMATCH).
type DownloadScopeError struct {
	*APIError
	// Scope is the scope the Self Client needs: ScopeFilesAll.
	Scope string
}

func (e *DownloadScopeError) Error() string {
	return fmt.Sprintf("%v: the access token lacks the scope %s, which Zoho requires to download backup files: add %s to the Self Client's scopes, generate a new grant token and refresh token with it, and configure the provider with them", e.APIError, e.Scope, e.Scope)
}

func (e *DownloadScopeError) Unwrap() error { return e.APIError }

// DownloadAnswerError is an answer of the download host that cannot be the
// file asked for (a Content-Range that does not fit, more bytes than
// announced, a status that is no answer to a GET of a file).
type DownloadAnswerError struct {
	Operation  string
	HTTPStatus int
	// Problem says what is wrong, quoting server text redacted and bounded.
	Problem string
}

func (e *DownloadAnswerError) Error() string {
	return fmt.Sprintf("%s: HTTP %d answer refused: %s", e.Operation, e.HTTPStatus, e.Problem)
}

// StallError is an attempt that received no byte for the stall timeout
// (Config.RequestTimeout): the connection is given up and the download
// resumed from what the target holds.
type StallError struct {
	Operation string
	Timeout   time.Duration
}

func (e *StallError) Error() string {
	return fmt.Sprintf("%s: no data received for %s (the request timeout)", e.Operation, e.Timeout)
}

// IncompleteBodyError is an answer whose body ended before the size it
// announced (Content-Length or Content-Range), cleanly or with the
// connection closed: a transient failure, resumed.
type IncompleteBodyError struct {
	Operation string
	// Held is what the target holds; Want is the size the answer promised.
	Held, Want int64
	// Err is how the body ended (io.ErrUnexpectedEOF when the connection
	// closed), or nil when the answer was complete but shorter than the file.
	Err error
}

func (e *IncompleteBodyError) Error() string {
	return fmt.Sprintf("%s: the answer ended at byte %d of %d", e.Operation, e.Held, e.Want)
}

func (e *IncompleteBodyError) Unwrap() error { return e.Err }

// Download fetches the file link names into target and returns once the
// target holds the whole file. link must come from CheckDownloadLink; its
// host is checked again (a link whose host this client does not trust is a
// *DownloadHostError, and nothing is sent). Then:
//   - When the target holds bytes, the request asks for the rest
//     (Range: bytes=N-). A 206 must carry a Content-Range starting at N; one
//     that does not (or does not parse) discards the target and restarts
//     from zero, counted as a retry, since the bytes held cannot be matched
//     to the file served. A 200 is the whole file: the target is discarded
//     and the body written from zero in the same request. A 416 whose
//     Content-Range says the file has exactly N bytes means the target is
//     complete; any other 416 restarts from zero, counted as a retry.
//   - The body is streamed into the target through a few fixed buffers,
//     read ahead while the target writes (readAhead). A
//     body shorter than its Content-Length or Content-Range, a dropped
//     connection, no byte for Config.RequestTimeout (a stall, not a limit on
//     the whole file), a 429 or a 5xx are transient: the download resumes
//     from what the target holds, after the retry policy's backoff.
//     RetryPolicy.MaxRetries bounds the failures in a row without a byte
//     received: a failure after progress starts the count anew, so a long
//     file survives any number of drops that each bring bytes (the
//     caller's ctx bounds the whole). MaxRetries 0 disables resuming within
//     a call (the target keeps what it holds, and the next call resumes).
//   - 401 INVALID_TOKEN drops the token (a token source with Invalidate,
//     refresh mode) and sends again with a new one, once until the next
//     progress. INVALID_OAUTHSCOPE or OAUTH_SCOPE_MISMATCH is a
//     *DownloadScopeError naming ScopeFilesAll; any other error answer is an
//     *APIError with its status, code and message, redacted and bounded.
//   - A redirect is followed only to a host the allow-list accepts (the
//     token goes with it, as the host may receive it), at most
//     maxDownloadRedirects times; a redirect elsewhere is a
//     *DownloadHostError naming the host, and nothing is sent to it.
//   - ctx ending (Ctrl-C, the caller's timeout) stops the download at once:
//     the error is a *RetryError wrapping ctx's error, and the target keeps
//     what it holds.
//
// Transient failures that outlast the retries are a *RetryError wrapping the
// last one (a *StallError, an *IncompleteBodyError, an *APIError or a
// transport error). progress, if not nil, is called after each write.
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

// download is one call of Download.
type download struct {
	client    *Client
	operation string
	target    DownloadTarget
	progress  func(DownloadProgress)
	result    DownloadResult
}

// run makes attempts through the client's retry loop, whose count of
// failures in a row starts anew after each attempt that wrote bytes.
func (d *download) run(ctx context.Context) error {
	state := &retryState{operation: d.operation, scope: retryTransient, logMsg: "Resuming Zoho backup download"}
	state.logFields = func(fields map[string]any) {
		fields["link"], fields["held_bytes"], fields["failures"] = d.result.Link.RedactedURL, d.target.Size(), state.failures
	}
	_, err := d.client.retryLoop(ctx, state, d.attempt)
	return err
}

// attempt sends one request (under the replaced-token rule, following
// allowed redirects) and handles its answer, under a stall watchdog that
// cancels the attempt when no byte arrives for the request timeout.
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

// fileDone, permanent and transient are what an attempt comes to.
func fileDone() attemptOutcome { return attemptOutcome{} }

func permanent(err error) attemptOutcome {
	return attemptOutcome{err: err, failed: true, fail: failure{reason: "permanent"}}
}

func transient(err error, reason string, progressed bool) attemptOutcome {
	return attemptOutcome{err: err, failed: true, fail: failure{transient: true, reason: reason}, progressed: progressed}
}

// rangeAsk is what a request asks for: the bytes from from on, if the file
// still has validator; from 0 means the whole file.
type rangeAsk struct {
	from      int64
	validator string
}

// resumePoint resumes after the bytes held when the target recorded a
// validator to send with If-Range; without one, held bytes cannot be
// matched to the file served, and the file is asked for whole.
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

// answer handles an answer by its status; from is the byte the request
// asked to start at.
func (d *download) answer(ctx context.Context, resp *http.Response, from int64, watchdog *watchdog) attemptOutcome {
	switch resp.StatusCode {
	case http.StatusOK:
		return d.whole(ctx, resp, watchdog)
	case http.StatusPartialContent:
		return d.partial(ctx, resp, from, watchdog)
	case http.StatusRequestedRangeNotSatisfiable:
		return d.unsatisfiable(resp, from)
	}
	// Only these statuses are handed over open (sendOnce).
	return permanent(fmt.Errorf("%s: HTTP %d handed over as a file", d.operation, resp.StatusCode))
}

// whole streams a 200 answer, the whole file, into the emptied target,
// once its Content-Length says how large the file is.
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

// partial streams a 206 answer once its Content-Range continues the bytes
// asked for (from) within a file of known size, and its validator is the
// one the held bytes were started with.
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

// unsatisfiable handles a 416: complete when Zoho says the file has exactly
// the bytes asked to start at, else a restart from zero.
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

// restart discards what the target holds after an answer that does not fit
// it, so the next attempt fetches the file from zero; counted as a retry.
// An answer that does not fit a request for the whole file (from 0) is
// simply wrong: a permanent failure.
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

// reset empties the target and records validator.
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

// refuse is the error of an answer that cannot be the file asked for.
func (d *download) refuse(status int, problem string) *DownloadAnswerError {
	return &DownloadAnswerError{Operation: d.operation, HTTPStatus: status, Problem: problem}
}

// sizeUnknown refuses an answer that does not say how large the file is:
// its end could not be told from a cut.
func (d *download) sizeUnknown(status int, why string) *DownloadAnswerError {
	return d.refuse(status, why+": no size was announced, so a cut could not be told from the end of the file, and nothing of it was kept")
}

// errorAnswer handles an answer that is not the file: a transient failure
// to retry, or a typed error.
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

// sendFailure classifies an error of getting the token, sending the
// request or reading an error answer, as classifyError does; a stall (the
// watchdog ended the attempt) is transient.
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

// readFailure classifies an error while reading the file's bytes: whatever
// it is (a reset, a closed connection, a stall), the connection is lost and
// the download resumes from what the target holds.
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

// stallOf returns the *StallError that ended the attempt, if one did.
func stallOf(ctx context.Context) (*StallError, bool) {
	var stall *StallError
	return stall, errors.As(context.Cause(ctx), &stall)
}

// wrap names the operation in err, leaving out the URL that url.Error
// quotes (the link's query may carry a credential).
func (d *download) wrap(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err
	}
	return fmt.Errorf("%s: %w", d.operation, err)
}

// report calls the progress callback.
func (d *download) report(written, total int64) {
	if d.progress != nil {
		d.progress(DownloadProgress{Written: written, Total: total})
	}
}
