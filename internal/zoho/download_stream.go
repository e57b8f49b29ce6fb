package zoho

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// send gets a token and sends the GET, asking for the bytes after held when
// the target holds some, and follows redirects the allow-list accepts.
func (d *download) send(ctx context.Context, held int64) (*http.Response, string, error) {
	token, err := d.client.tokens.Token(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("%s: getting an access token: %w", d.operation, err)
	}
	if err := CheckHeaderValue(token); err != nil {
		return nil, "", &TokenNotSendableError{Operation: d.operation, Reason: err.Error()}
	}
	policy := d.client.downloadPolicy()
	target := d.result.Link.URL
	for hops := 0; ; hops++ {
		resp, err := d.get(ctx, target, token, held)
		if err != nil || !isRedirect(resp.StatusCode) {
			return resp, token, err
		}
		next, err := d.redirect(ctx, policy, target, resp, hops)
		if err != nil {
			return nil, token, err
		}
		target = next
	}
}

// get sends one GET of target with the token. target has passed the
// allow-list: the token goes nowhere else.
func (d *download) get(ctx context.Context, target *url.URL, token string, held int64) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("building the request: %w", err)
	}
	if req.URL.Host != target.Host {
		// Never expected: the URL was re-read differently from the one checked.
		return nil, fmt.Errorf("building the request: its host %q is not the checked host %q", req.URL.Host, target.Host)
	}
	req.Header.Set("Authorization", "Zoho-oauthtoken "+token)
	// The bytes written must be the bytes served: Go's transparent gzip
	// would hide the Content-Length and shift every Range offset.
	req.Header.Set("Accept-Encoding", "identity")
	if held > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(held, 10)+"-")
	}
	if d.client.userAgent != "" {
		req.Header.Set("User-Agent", d.client.userAgent)
	}
	d.result.Attempts++
	return d.client.httpClient.Do(req)
}

// redirect closes a redirect answer and returns where it points, once the
// allow-list accepts that host; a redirect anywhere else is a
// *DownloadHostError, and nothing is sent there.
func (d *download) redirect(ctx context.Context, policy downloadPolicy, from *url.URL, resp *http.Response, hops int) (*url.URL, error) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBodyBytes))
	_ = resp.Body.Close()
	refuse := func(problem string) error {
		return &DownloadAnswerError{Operation: d.operation, HTTPStatus: resp.StatusCode, Problem: problem}
	}
	location := resp.Header.Get(refusedLocationHeader)
	if location == "" {
		return nil, refuse("a redirect without a Location")
	}
	next, err := from.Parse(location)
	if err != nil || next.Host == "" {
		return nil, refuse("a redirect to an unreadable location")
	}
	if err := checkRedirectTarget(policy, next); err != nil {
		return nil, err
	}
	if hops >= maxDownloadRedirects {
		return nil, refuse(fmt.Sprintf("more than %d redirects", maxDownloadRedirects))
	}
	d.client.logf(ctx, "Following a redirect of a Zoho backup download", map[string]any{
		"operation": d.operation,
		"status":    resp.StatusCode,
		"location":  redactedLink(next),
	})
	return next, nil
}

// checkRedirectTarget applies the allow-list to a redirect's location, which
// must also be http(s) without credentials, as a link must.
func checkRedirectTarget(policy downloadPolicy, next *url.URL) error {
	refused := func(reason string) error {
		return &DownloadHostError{Host: shorten(strings.ToValidUTF8(next.Host, "\uFFFD"), maxCodeBytes*2), Link: redactedLink(next), Redirect: true, Reason: reason, Allowed: policy.allowed()}
	}
	switch {
	case next.Scheme != "https" && next.Scheme != "http":
		return refused("it is not an http(s) location")
	case next.User != nil:
		return refused("the location carries a user name or password before its host")
	}
	return policy.check(next, true)
}

// stream writes a 200 or 206 body into the target, which holds held bytes;
// the file has total bytes (-1 when the server did not say).
func (d *download) stream(ctx context.Context, resp *http.Response, held, total int64, watchdog *watchdog) downloadStep {
	if total > MaxDownloadBytes {
		return downloadStep{err: d.tooLarge(fmt.Sprintf("the server announces %d bytes", total))}
	}
	d.report(held, total)
	chunks, release, stop := readAhead(resp.Body)
	defer stop()
	var got int64
	for c := range chunks {
		if c.n > 0 {
			watchdog.reset()
			if failed := d.write(resp.StatusCode, held+got, c.buf[:c.n], total); failed != nil {
				return downloadStep{err: failed}
			}
			got += int64(c.n)
		}
		release(c.buf)
		if c.err == io.EOF {
			return d.finish(held+got, total, got)
		}
		if c.err != nil {
			return d.readFailure(ctx, c.err, held+got, total, got)
		}
	}
	// The reader ends only after handing on the read that ended the body.
	return downloadStep{err: fmt.Errorf("%s: the body's reader stopped without an answer", d.operation)}
}

// write appends data to the target, which holds held bytes, unless it
// would pass the announced size or the bound on a file's size.
func (d *download) write(status int, held int64, data []byte, total int64) error {
	n := len(data)
	end := held + int64(n)
	switch {
	case total >= 0 && end > total:
		return &DownloadAnswerError{Operation: d.operation, HTTPStatus: status, Problem: fmt.Sprintf("the body carries more than the %d bytes announced", total)}
	case end > MaxDownloadBytes:
		return d.tooLarge("the body carries more")
	}
	written, err := d.target.Write(data)
	d.result.Fetched += int64(written)
	if err == nil && written < n {
		err = io.ErrShortWrite
	}
	if err != nil {
		return fmt.Errorf("%s: writing the file: %w", d.operation, err)
	}
	d.report(end, total)
	return nil
}

// finish checks the body that ended at end against the announced size.
func (d *download) finish(end, total, got int64) downloadStep {
	if total >= 0 && end < total {
		short := &IncompleteBodyError{Operation: d.operation, Held: end, Want: total}
		return downloadStep{err: short, retry: true, progressed: got > 0, reason: short.Error()}
	}
	if total < 0 {
		total = end
	}
	if size := d.target.Size(); size != total {
		return downloadStep{err: fmt.Errorf("%s: the download target holds %d bytes after all %d of the file were written", d.operation, size, total)}
	}
	d.result.Size = total
	return downloadStep{done: true}
}

// tooLarge is the error of a file past MaxDownloadBytes.
func (d *download) tooLarge(why string) error {
	return &LimitError{Operation: d.operation, Bound: fmt.Sprintf("%d bytes per file", MaxDownloadBytes), Why: why + "; Zoho documents backup files of at most 1 GB"}
}

// parseContentRange reads a 206's "bytes first-last/complete" (RFC 9110
// 14.4); complete is -1 for "*". Only plain decimal digits are accepted.
func parseContentRange(header string) (first, last, complete int64, ok bool) {
	spec, found := strings.CutPrefix(strings.TrimSpace(header), "bytes ")
	rangePart, completePart, found2 := strings.Cut(spec, "/")
	firstPart, lastPart, found3 := strings.Cut(rangePart, "-")
	if !found || !found2 || !found3 {
		return 0, 0, 0, false
	}
	first, ok1 := parseByteCount(firstPart)
	last, ok2 := parseByteCount(lastPart)
	complete, ok3 := int64(-1), completePart == "*"
	if !ok3 {
		complete, ok3 = parseByteCount(completePart)
	}
	if !ok1 || !ok2 || !ok3 || first > last || (complete >= 0 && last >= complete) {
		return 0, 0, 0, false
	}
	return first, last, complete, true
}

// parseUnsatisfiedRange reads a 416's "bytes */complete".
func parseUnsatisfiedRange(header string) (int64, bool) {
	completePart, found := strings.CutPrefix(strings.TrimSpace(header), "bytes */")
	if !found {
		return 0, false
	}
	return parseByteCount(completePart)
}

// parseByteCount reads 1 to 19 decimal digits.
func parseByteCount(s string) (int64, bool) {
	if s == "" || len(s) > 19 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// watchdog ends an attempt that receives nothing for timeout: a stall
// bound rather than a bound on the whole request, which a 1 GB file would
// outlast on any link.
type watchdog struct {
	timer   *time.Timer
	timeout time.Duration
}

func startWatchdog(timeout time.Duration, fire func()) *watchdog {
	return &watchdog{timer: time.AfterFunc(timeout, fire), timeout: timeout}
}

// reset restarts the timeout: bytes arrived.
func (w *watchdog) reset() { w.timer.Reset(w.timeout) }

func (w *watchdog) stop() { w.timer.Stop() }
