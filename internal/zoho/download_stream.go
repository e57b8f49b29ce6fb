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

// sendOnce authorizes and sends the GET of ask, following allowed
// redirects: a 200, 206 or 416 is handed over open, any other answer read.
func (d *download) sendOnce(ctx context.Context, ask rangeAsk) (*response, error) {
	token, err := d.client.authorize(ctx, d.operation)
	if err != nil {
		return nil, err
	}
	policy := d.client.downloadPolicy()
	target := d.result.Link.URL
	for hops := 0; ; hops++ {
		resp, err := d.get(ctx, target, token, ask)
		if err != nil {
			return nil, err
		}
		if !isRedirect(resp.StatusCode) {
			return d.received(resp, token)
		}
		next, err := d.redirect(ctx, policy, target, resp, hops)
		if err != nil {
			return nil, err
		}
		target = next
	}
}

func (d *download) received(resp *http.Response, token string) (*response, error) {
	d.client.answered(token, resp.StatusCode)
	answer := &response{status: resp.StatusCode, header: resp.Header, token: token}
	switch resp.StatusCode {
	case http.StatusOK, http.StatusPartialContent, http.StatusRequestedRangeNotSatisfiable:
		answer.file = resp
		return answer, nil
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBodyBytes))
	if err != nil {
		return nil, fmt.Errorf("%s: reading the HTTP %d answer: %w", d.operation, resp.StatusCode, err)
	}
	answer.body = body
	return answer, nil
}

// get sends one GET of target, which the allow-list accepted.
func (d *download) get(ctx context.Context, target *url.URL, token string, ask rangeAsk) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	if err != nil {
		return nil, d.wrap(fmt.Errorf("building the request: %w", err))
	}
	if req.URL.Host != target.Host {
		return nil, d.wrap(fmt.Errorf("building the request: its host %q is not the checked host %q", req.URL.Host, target.Host))
	}
	req.Header.Set("Authorization", "Zoho-oauthtoken "+token)
	// Go's transparent gzip would shift every Range offset.
	req.Header.Set("Accept-Encoding", "identity")
	if ask.from > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(ask.from, 10)+"-")
		req.Header.Set("If-Range", ask.validator)
	}
	if d.client.userAgent != "" {
		req.Header.Set("User-Agent", d.client.userAgent)
	}
	d.result.Attempts++
	return d.client.httpClient.Do(req)
}

// redirect returns where a redirect points, if the allow-list accepts it.
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
	if err := checkTokenTarget(policy, next, true); err != nil {
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

// checkTokenTarget applies the allow-list to a URL the token would go to.
func checkTokenTarget(policy downloadPolicy, u *url.URL, redirect bool) error {
	refused := func(reason string) error {
		return &DownloadHostError{Host: shorten(strings.ToValidUTF8(u.Host, "\uFFFD"), maxCodeBytes*2), Link: redactedLink(u), Redirect: redirect, Reason: reason, Allowed: policy.allowed()}
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return refused("it is not an http(s) location")
	case u.User != nil:
		return refused("the location carries a user name or password before its host")
	}
	return policy.check(u, redirect)
}

// stream writes a body, bytes held to bodyEnd of total, into the target.
func (d *download) stream(ctx context.Context, resp *http.Response, held, bodyEnd, total int64, watchdog *watchdog) attemptOutcome {
	d.report(held, total)
	chunks, release, stop := readAhead(resp.Body)
	defer stop()
	var got int64
	for c := range chunks {
		if c.n > 0 {
			watchdog.reset()
			if failed := d.write(resp.StatusCode, held, held+got, c.buf[:c.n], bodyEnd, total); failed != nil {
				return permanent(failed)
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
	return permanent(fmt.Errorf("%s: the body's reader stopped without an answer", d.operation))
}

// write appends data, from byte at, unless it passes the body's end.
func (d *download) write(status int, start, at int64, data []byte, bodyEnd, total int64) error {
	n := len(data)
	end := at + int64(n)
	if end > bodyEnd {
		return d.refuse(status, fmt.Sprintf("the body carries more than the %d bytes announced", bodyEnd-start))
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

func (d *download) finish(end, total, got int64) attemptOutcome {
	if end < total {
		short := &IncompleteBodyError{Operation: d.operation, Held: end, Want: total}
		return transient(short, short.Error(), got > 0)
	}
	if size := d.target.Size(); size != total {
		return permanent(fmt.Errorf("%s: the download target holds %d bytes after all %d of the file were written", d.operation, size, total))
	}
	d.result.Size = total
	return fileDone()
}

func (d *download) tooLarge(why string) error {
	return &LimitError{Operation: d.operation, Bound: fmt.Sprintf("%d bytes per file", MaxDownloadBytes), Why: why + "; Zoho documents backup files of at most 1 GB"}
}

// maxValidatorBytes bounds a validator recorded and sent back.
const maxValidatorBytes = 256

// validatorOf is an answer's strong ETag, else its Last-Modified, else "".
func validatorOf(h http.Header) string {
	v := strongETag(h)
	if v == "" {
		v = strings.TrimSpace(h.Get("Last-Modified"))
	}
	if len(v) > maxValidatorBytes {
		return ""
	}
	return v
}

func strongETag(h http.Header) string {
	etag := strings.TrimSpace(h.Get("ETag"))
	if strings.HasPrefix(etag, "W/") {
		return ""
	}
	return etag
}

// validatorMismatch says why a 206 is not of validator's file, or "".
func validatorMismatch(validator string, h http.Header) string {
	if etag := strongETag(h); etag != "" && etag != validator {
		return fmt.Sprintf("its ETag %q is not %q, the one the bytes held were started with", serverText(etag, maxCodeBytes), serverText(validator, maxCodeBytes))
	}
	if strings.HasPrefix(validator, `"`) {
		return ""
	}
	if modified := strings.TrimSpace(h.Get("Last-Modified")); modified != "" && modified != validator {
		return fmt.Sprintf("its Last-Modified %q is not %q, the one the bytes held were started with", serverText(modified, maxCodeBytes), serverText(validator, maxCodeBytes))
	}
	return ""
}

// contentRange is a 206's "bytes first-last/total" (RFC 9110 14.4).
type contentRange struct{ first, last, total int64 }

type rangeVerdict int

const (
	rangeOK          rangeVerdict = iota
	rangeMalformed                // not bytes first-last/total with first <= last < total
	rangeSizeUnknown              // total "*"
	rangeTooLarge                 // a number past MaxDownloadBytes (overflowing int64 or not)
)

// parseContentRange reads a 206's Content-Range: plain digits, bounded.
func parseContentRange(header string) (contentRange, rangeVerdict) {
	spec, found := strings.CutPrefix(strings.TrimSpace(header), "bytes ")
	rangePart, totalPart, found2 := strings.Cut(spec, "/")
	firstPart, lastPart, found3 := strings.Cut(rangePart, "-")
	if !found || !found2 || !found3 {
		return contentRange{}, rangeMalformed
	}
	first, v1 := parseByteCount(firstPart)
	last, v2 := parseByteCount(lastPart)
	total, v3 := int64(-1), rangeSizeUnknown
	if totalPart != "*" {
		total, v3 = parseByteCount(totalPart)
	}
	for _, v := range []rangeVerdict{rangeMalformed, rangeTooLarge, rangeSizeUnknown} {
		if v1 == v || v2 == v || v3 == v {
			return contentRange{}, v
		}
	}
	if first > last || last >= total {
		return contentRange{}, rangeMalformed
	}
	return contentRange{first: first, last: last, total: total}, rangeOK
}

// parseUnsatisfiedRange reads a 416's "bytes */total".
func parseUnsatisfiedRange(header string) (int64, bool) {
	totalPart, found := strings.CutPrefix(strings.TrimSpace(header), "bytes */")
	if !found {
		return 0, false
	}
	n, verdict := parseByteCount(totalPart)
	return n, verdict == rangeOK
}

// parseByteCount reads digits; past MaxDownloadBytes is rangeTooLarge.
func parseByteCount(s string) (int64, rangeVerdict) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, rangeMalformed
	}
	digits := strings.TrimLeft(s, "0")
	if len(digits) > 19 {
		return 0, rangeTooLarge
	}
	n, err := strconv.ParseInt("0"+digits, 10, 64)
	if err != nil || n > MaxDownloadBytes {
		return 0, rangeTooLarge
	}
	return n, rangeOK
}

// watchdog ends an attempt that receives nothing for timeout.
type watchdog struct {
	timer   *time.Timer
	timeout time.Duration
}

func startWatchdog(timeout time.Duration, fire func()) *watchdog {
	return &watchdog{timer: time.AfterFunc(timeout, fire), timeout: timeout}
}

func (w *watchdog) reset() { w.timer.Reset(w.timeout) }

func (w *watchdog) stop() { w.timer.Stop() }
