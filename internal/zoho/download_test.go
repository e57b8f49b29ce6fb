package zoho

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestDownloadWholeFile(t *testing.T) {
	content := fileContent(3<<20 + 17)
	client, link, fs := loopbackDownload(t, content, nil, Config{UserAgent: "test-agent/1"})
	target := &memTarget{}
	var reports []DownloadProgress
	result, err := client.Download(context.Background(), link, target, func(p DownloadProgress) { reports = append(reports, p) })
	if err != nil {
		t.Fatal(err)
	}
	checkContent(t, target, content)
	size := int64(len(content))
	if result.Size != size || result.Fetched != size || result.Attempts != 1 || result.Resumed || result.Restarted || result.AlreadyComplete || result.HeldAtStart != 0 {
		t.Errorf("result %+v", result)
	}
	seen := fs.requests()
	if len(seen) != 1 || seen[0].authorization != "Zoho-oauthtoken "+testToken || seen[0].rangeHeader != "" || seen[0].ifRange != "" || seen[0].acceptEncoding != "identity" {
		t.Errorf("requests %+v", seen)
	}
	if target.validator != testETag {
		t.Errorf("the target recorded the validator %q, want the answer's ETag %q", target.validator, testETag)
	}
	last := DownloadProgress{}
	for _, p := range reports {
		if p.Written < last.Written || p.Total != size {
			t.Fatalf("progress went from %+v to %+v", last, p)
		}
		last = p
	}
	if last.Written != size || len(reports) < 2 {
		t.Errorf("%d progress reports, the last %+v", len(reports), last)
	}
}

func TestDownloadResumesWithRange(t *testing.T) {
	content := fileContent(1 << 20)
	client, link, fs := loopbackDownload(t, content, nil, Config{})
	held := 300_001
	target := heldTarget(content, held)
	result, err := client.Download(context.Background(), link, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkContent(t, target, content)
	if !result.Resumed || result.Restarted || result.HeldAtStart != int64(held) || result.Fetched != int64(len(content)-held) || result.Size != int64(len(content)) {
		t.Errorf("result %+v", result)
	}
	if seen := fs.requests(); len(seen) != 1 || seen[0].rangeHeader != "bytes=300001-" || seen[0].ifRange != testETag {
		t.Errorf("requests %+v", seen)
	}
}

func TestDownloadRestartsWhenRangeIsIgnored(t *testing.T) {
	content := fileContent(1 << 20)
	client, link, fs := loopbackDownload(t, content, func(int) fault { return fault{ignoreRange: true} }, Config{})
	target := heldTarget(content, 1000)
	result, err := client.Download(context.Background(), link, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkContent(t, target, content)
	if !result.Restarted || result.Resumed || result.Fetched != int64(len(content)) || result.Attempts != 1 || target.resets != 1 {
		t.Errorf("result %+v, %d resets", result, target.resets)
	}
	if seen := fs.requests(); len(seen) != 1 || seen[0].rangeHeader != "bytes=1000-" {
		t.Errorf("requests %+v", seen)
	}
}

// TestDownloadBadContentRangeRestartsFromZero: a 206 whose range does not
// start where the target ends cannot be joined to it; the target is
// discarded and the file fetched whole, as a retry.
func TestDownloadBadContentRangeRestartsFromZero(t *testing.T) {
	content := fileContent(100_000)
	for name, header := range map[string]string{
		"starts elsewhere": "bytes 0-89999/100000",
		"unreadable":       "bytes ten-99999/100000",
		"signed":           "bytes +10000-99999/100000",
		"past its size":    "bytes 10000-99999/50000",
		"no header":        "",
	} {
		t.Run(name, func(t *testing.T) {
			client, link, fs := loopbackDownload(t, content, firstAnswer(badRange(content[10000:], header)), Config{})
			target := heldTarget(content, 10000)
			result, err := client.Download(context.Background(), link, target, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkContent(t, target, content)
			seen := fs.requests()
			if len(seen) != 2 || seen[0].rangeHeader != "bytes=10000-" || seen[1].rangeHeader != "" {
				t.Errorf("requests %+v", seen)
			}
			if !result.Restarted || result.Fetched != int64(len(content)) {
				t.Errorf("result %+v", result)
			}
		})
	}
}

// badRange is a 206 with this Content-Range (none when empty) and rest as its body.
func badRange(rest []byte, header string) fault {
	if header == "" {
		return fault{status: http.StatusPartialContent, body: string(rest)}
	}
	return fault{contentRange: header}
}

// firstAnswer scripts f for the first request and the file for the others.
func firstAnswer(f fault) func(int) fault {
	return func(n int) fault {
		if n == 0 {
			return f
		}
		return fault{}
	}
}

func TestDownloadBadContentRangeWithNothingHeldIsAnError(t *testing.T) {
	content := fileContent(1000)
	client, link, fs := loopbackDownload(t, content, func(int) fault { return fault{contentRange: "bytes 5-999/1000"} }, Config{})
	_, err := client.Download(context.Background(), link, &memTarget{}, nil)
	var answerErr *DownloadAnswerError
	if !errors.As(err, &answerErr) || answerErr.HTTPStatus != http.StatusPartialContent || !strings.Contains(err.Error(), `"bytes 5-999/1000" does not start at byte 0`) {
		t.Fatalf("got %T %v", err, err)
	}
	if got := len(fs.requests()); got != 1 {
		t.Errorf("%d requests, want 1", got)
	}
}

func TestDownloadAlreadyComplete(t *testing.T) {
	content := fileContent(4096)
	client, link, fs := loopbackDownload(t, content, nil, Config{})
	target := heldTarget(content, len(content))
	result, err := client.Download(context.Background(), link, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkContent(t, target, content)
	if !result.AlreadyComplete || result.Fetched != 0 || result.Size != 4096 || target.resets != 0 {
		t.Errorf("result %+v", result)
	}
	if seen := fs.requests(); len(seen) != 1 || seen[0].rangeHeader != "bytes=4096-" || seen[0].ifRange != testETag {
		t.Errorf("requests %+v", seen)
	}
}

// TestDownloadHoldingMoreThanTheFileRestarts: a 416 whose size is not what
// the target holds means the target holds something else.
func TestDownloadHoldingMoreThanTheFileRestarts(t *testing.T) {
	content := fileContent(4096)
	client, link, fs := loopbackDownload(t, content, nil, Config{})
	target := heldTarget(append(append([]byte(nil), content...), "junk"...), len(content)+4)
	result, err := client.Download(context.Background(), link, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkContent(t, target, content)
	if !result.Restarted || result.AlreadyComplete || len(fs.requests()) != 2 {
		t.Errorf("result %+v, requests %+v", result, fs.requests())
	}
}

// TestDownloadDropMidStreamResumes: a connection dropped at 50 % resumes
// with Range from what arrived; nothing is fetched twice.
func TestDownloadDropMidStreamResumes(t *testing.T) {
	content := fileContent(2 << 20)
	half := int64(len(content) / 2)
	for _, mode := range []cut{dropConn, truncate} {
		t.Run(strconv.Itoa(int(mode)), func(t *testing.T) {
			script := firstAnswer(fault{after: half, cutMode: mode})
			client, link, fs := loopbackDownload(t, content, script, Config{})
			target := &memTarget{}
			result, err := client.Download(context.Background(), link, target, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkContent(t, target, content)
			size := int64(len(content))
			if result.Fetched > size+size/100 || result.Attempts != 2 || !result.Resumed {
				t.Errorf("result %+v: fetched %d bytes for a file of %d", result, result.Fetched, size)
			}
			seen := fs.requests()
			if len(seen) != 2 || seen[1].rangeHeader != "bytes="+strconv.FormatInt(half, 10)+"-" {
				t.Errorf("requests %+v", seen)
			}
		})
	}
}

// TestDownloadDropsThatMakeProgressDoNotUseUpRetries: with one retry
// allowed, a file that drops four times, each time after more bytes, still
// completes; drops with no progress use the retries up.
func TestDownloadDropsThatMakeProgressDoNotUseUpRetries(t *testing.T) {
	content := fileContent(1 << 20)
	script := func(n int) fault {
		if n < 4 {
			return fault{after: 100_000, cutMode: dropConn}
		}
		return fault{}
	}
	client, link, fs := loopbackDownload(t, content, script, Config{Retry: fastRetries(1)})
	target := &memTarget{}
	result, err := client.Download(context.Background(), link, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkContent(t, target, content)
	if result.Attempts != 5 || result.Fetched != int64(len(content)) || len(fs.requests()) != 5 {
		t.Errorf("result %+v", result)
	}

	stuck := func(int) fault { return fault{after: 0, cutMode: dropConn} }
	client, link, fs = loopbackDownload(t, content, stuck, Config{Retry: fastRetries(2)})
	_, err = client.Download(context.Background(), link, &memTarget{}, nil)
	var retryErr *RetryError
	if !errors.As(err, &retryErr) || retryErr.Stopped != nil || len(fs.requests()) != 3 {
		t.Fatalf("want a *RetryError after 3 requests, got %v after %d", err, len(fs.requests()))
	}
	if !strings.Contains(err.Error(), "download Data_001.zip of backup "+backupID) {
		t.Errorf("error %q does not name the file and backup", err)
	}
}

// TestDownloadTruncatedBodyIsDetected: a body shorter than its
// Content-Length is never taken for the file: with retries disabled it is
// an error, and the target keeps what arrived for the next call.
func TestDownloadTruncatedBodyIsDetected(t *testing.T) {
	content := fileContent(500_000)
	script := func(int) fault { return fault{after: 200_000, cutMode: truncate} }
	client, link, _ := loopbackDownload(t, content, script, Config{Retry: noRetries})
	target := &memTarget{}
	result, err := client.Download(context.Background(), link, target, nil)
	var short *IncompleteBodyError
	if !errors.As(err, &short) || !errors.Is(err, io.ErrUnexpectedEOF) || short.Held != 200_000 || short.Want != 500_000 {
		t.Fatalf("want the short body reported, got %T %v", err, err)
	}
	if !strings.Contains(err.Error(), "the answer ended at byte 200000 of 500000") {
		t.Errorf("error %q", err)
	}
	if result.Size != 0 || target.Len() != 200_000 || result.Fetched != 200_000 {
		t.Errorf("result %+v, target holds %d", result, target.Len())
	}
}

// TestDownloadShortRangeIsContinued: a 206 that ends before the file does
// (a well-formed answer, just shorter) is an *IncompleteBodyError, resumed.
func TestDownloadShortRangeIsContinued(t *testing.T) {
	content := fileContent(10_000)
	script := firstAnswer(fault{status: http.StatusPartialContent, header: map[string]string{"Content-Range": "bytes 0-999/10000", "ETag": testETag}, body: string(content[:1000])})
	logs := &logRecorder{}
	client, link, fs := loopbackDownload(t, content, script, Config{Logf: logs.logf})
	target := &memTarget{}
	if _, err := client.Download(context.Background(), link, target, nil); err != nil {
		t.Fatal(err)
	}
	checkContent(t, target, content)
	if seen := fs.requests(); len(seen) != 2 || seen[1].rangeHeader != "bytes=1000-" {
		t.Errorf("requests %+v", seen)
	}
	if got := logs.reasons(); len(got) != 1 || !strings.Contains(got[0], "the answer ended at byte 1000 of 10000") {
		t.Errorf("logged %q", got)
	}
}

func TestDownloadMoreThanAnnouncedIsRefused(t *testing.T) {
	content := fileContent(2000)
	script := func(int) fault {
		return fault{status: http.StatusPartialContent, header: map[string]string{"Content-Range": "bytes 0-999/1000", "Transfer-Encoding": "chunked"}, body: string(content)}
	}
	client, link, _ := loopbackDownload(t, content, script, Config{})
	target := &memTarget{}
	_, err := client.Download(context.Background(), link, target, nil)
	var answerErr *DownloadAnswerError
	if !errors.As(err, &answerErr) || !strings.Contains(err.Error(), "more than the 1000 bytes announced") {
		t.Fatalf("got %T %v", err, err)
	}
}

func TestDownloadStallIsResumed(t *testing.T) {
	content := fileContent(300_000)
	script := firstAnswer(fault{after: 100_000, cutMode: stall})
	logs := &logRecorder{}
	client, link, fs := loopbackDownload(t, content, script, Config{RequestTimeout: 200 * time.Millisecond, Logf: logs.logf})
	target := &memTarget{}
	start := time.Now()
	result, err := client.Download(context.Background(), link, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkContent(t, target, content)
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("took %s with a stall timeout of 200ms", elapsed)
	}
	if seen := fs.requests(); len(seen) != 2 || seen[1].rangeHeader != "bytes=100000-" || result.Fetched != int64(len(content)) {
		t.Errorf("requests %+v, result %+v", seen, result)
	}
	if got := logs.reasons(); len(got) != 1 || got[0] != "stalled mid-file" {
		t.Errorf("logged %q", got)
	}
}

// TestDownloadStallTimeoutIsNotAWholeRequestTimeout: a slow file that
// always trickles takes far longer than the request timeout, and completes.
func TestDownloadStallTimeoutIsNotAWholeRequestTimeout(t *testing.T) {
	content := fileContent(64 << 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(content)))
		for i := 0; i < len(content); i += 8 << 10 {
			_, _ = w.Write(content[i : i+8<<10])
			w.(http.Flusher).Flush() //nolint:forcetypeassert // net/http's writers flush.
			time.Sleep(60 * time.Millisecond)
		}
	}))
	t.Cleanup(srv.Close)
	client, err := NewClient(Config{APIDomain: "http://127.0.0.1:9", Tokens: StaticToken(testToken), RequestTimeout: 200 * time.Millisecond, Retry: noRetries})
	if err != nil {
		t.Fatal(err)
	}
	target := &memTarget{}
	start := time.Now()
	if _, err := client.Download(context.Background(), checkedLink(t, client, srv.URL+linkPathTail+"Data_001.zip"), target, nil); err != nil {
		t.Fatal(err)
	}
	checkContent(t, target, content)
	if elapsed := time.Since(start); elapsed < 400*time.Millisecond {
		t.Errorf("took %s: the server did not trickle", elapsed)
	}
}

// TestDownloadInvalidTokenRefreshesAndResumes: a token revoked mid-file is
// replaced (refresh mode) and the download resumes where it stopped.
func TestDownloadInvalidTokenRefreshesAndResumes(t *testing.T) {
	content := fileContent(1 << 20)
	half := int64(len(content) / 2)
	tokens := &rotatingTokens{tokens: []string{testToken, otherToken}}
	var fs *fileServer
	script := func(n int) fault {
		switch {
		case n == 0:
			return fault{after: half, cutMode: dropConn}
		case fs.requests()[n].authorization != "Zoho-oauthtoken "+otherToken:
			return fault{status: http.StatusUnauthorized, body: envelopeBody(CodeInvalidToken, "invalid oauth token")}
		}
		return fault{}
	}
	client, link, server := loopbackDownload(t, content, script, Config{Tokens: tokens, Retry: fastRetries(1)})
	fs = server
	target := &memTarget{}
	result, err := client.Download(context.Background(), link, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkContent(t, target, content)
	seen := fs.requests()
	wantRange := "bytes=" + strconv.FormatInt(half, 10) + "-"
	if len(seen) != 3 || seen[1].authorization != "Zoho-oauthtoken "+testToken || seen[2].authorization != "Zoho-oauthtoken "+otherToken || seen[1].rangeHeader != wantRange || seen[2].rangeHeader != wantRange {
		t.Errorf("requests %+v", seen)
	}
	if len(tokens.invalidated) != 1 || tokens.invalidated[0] != testToken || result.Attempts != 3 || result.Fetched != int64(len(content)) {
		t.Errorf("invalidated %q, result %+v", tokens.invalidated, result)
	}
}

// TestDownloadResendsAReplacedTokenWithoutARefresh: a download whose token
// was replaced by another request while it was on the wire is sent again
// with the current token, as an API call is, and spends no refresh.
func TestDownloadResendsAReplacedTokenWithoutARefresh(t *testing.T) {
	content := fileContent(5000)
	tokens := &replacedTokens{tokens: []string{testToken, otherToken}}
	var fs *fileServer
	script := func(n int) fault {
		if fs.requests()[n].authorization == "Zoho-oauthtoken "+testToken {
			return fault{status: http.StatusUnauthorized, body: envelopeBody(CodeInvalidToken, "invalid oauth token")}
		}
		return fault{}
	}
	client, link, server := loopbackDownload(t, content, script, Config{Tokens: tokens, Retry: noRetries})
	fs = server
	target := &memTarget{}
	if _, err := client.Download(context.Background(), link, target, nil); err != nil {
		t.Fatal(err)
	}
	checkContent(t, target, content)
	if seen := fs.requests(); len(seen) != 2 || seen[1].authorization != "Zoho-oauthtoken "+otherToken || tokens.invalidated.Load() != 0 {
		t.Errorf("requests %+v, %d invalidations", seen, tokens.invalidated.Load())
	}
}

// replacedTokens hands out its first token once, after which another
// request has replaced it with the second.
type replacedTokens struct {
	tokens      []string
	handedOut   atomic.Int32
	invalidated atomic.Int32
}

func (r *replacedTokens) Token(context.Context) (string, error) {
	return r.tokens[min(int(r.handedOut.Add(1))-1, 1)], nil
}

func (r *replacedTokens) peekToken() (string, bool) { return r.tokens[1], true }

func (r *replacedTokens) Invalidate(context.Context, string) { r.invalidated.Add(1) }

func (*replacedTokens) tokenAccepted(string) {}

func (*replacedTokens) tokenServed(string) bool { return false }

func TestDownloadInvalidTokenIsReportedWhenItCannotBeReplaced(t *testing.T) {
	invalid := func(int) fault {
		return fault{status: http.StatusUnauthorized, body: envelopeBody(CodeInvalidToken, "invalid oauth token")}
	}
	t.Run("static token", func(t *testing.T) {
		client, link, fs := loopbackDownload(t, fileContent(10), invalid, Config{})
		_, err := client.Download(context.Background(), link, &memTarget{}, nil)
		if ErrorCode(err) != CodeInvalidToken || len(fs.requests()) != 1 {
			t.Fatalf("got %v after %d requests", err, len(fs.requests()))
		}
	})
	t.Run("rejected again after a refresh", func(t *testing.T) {
		tokens := &rotatingTokens{tokens: []string{testToken, otherToken}}
		client, link, fs := loopbackDownload(t, fileContent(10), invalid, Config{Tokens: tokens})
		_, err := client.Download(context.Background(), link, &memTarget{}, nil)
		if ErrorCode(err) != CodeInvalidToken || len(fs.requests()) != 2 || len(tokens.invalidated) != 1 {
			t.Fatalf("got %v after %d requests, invalidated %q", err, len(fs.requests()), tokens.invalidated)
		}
	})
}

func TestDownloadScopeErrorNamesTheScope(t *testing.T) {
	for _, code := range []string{CodeInvalidOAuthScope, CodeOAuthScopeMismatch} {
		t.Run(code, func(t *testing.T) {
			script := func(int) fault {
				return fault{status: http.StatusUnauthorized, body: envelopeBody(code, "The access token you have used to make this API call does not have the required scope")}
			}
			client, link, fs := loopbackDownload(t, fileContent(10), script, Config{})
			_, err := client.Download(context.Background(), link, &memTarget{}, nil)
			var scopeErr *DownloadScopeError
			if !errors.As(err, &scopeErr) || scopeErr.Scope != "ZohoFiles.files.ALL" || ErrorCode(err) != code {
				t.Fatalf("want *DownloadScopeError, got %T %v", err, err)
			}
			if !strings.Contains(err.Error(), "add ZohoFiles.files.ALL to the Self Client's scopes") || len(fs.requests()) != 1 {
				t.Errorf("error %q after %d requests", err, len(fs.requests()))
			}
		})
	}
}

func TestDownloadErrorAnswersAreTypedAndRedacted(t *testing.T) {
	tests := map[string]struct {
		fault      fault
		wantStatus int
		wantCode   string
	}{
		"forbidden":        {fault{status: 403, body: envelopeBody("FORBIDDEN", "Permission denied "+strings.ReplaceAll(echoingToken, "\n", `\n`))}, 403, "FORBIDDEN"},
		"url rule":         {fault{status: 401, body: envelopeBody("URL_RULE_NOT_CONFIGURED", "Please check if the URL trying to access is a correct one")}, 401, "URL_RULE_NOT_CONFIGURED"},
		"not found (html)": {fault{status: 404, body: "<html>" + echoingToken + "</html>"}, 404, ""},
		"gone":             {fault{status: 410, body: ""}, 410, ""},
		"no content":       {fault{status: 204}, 204, ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			client, link, fs := loopbackDownload(t, fileContent(10), func(int) fault { return tt.fault }, Config{})
			_, err := client.Download(context.Background(), link, &memTarget{}, nil)
			if err == nil || len(fs.requests()) != 1 {
				t.Fatalf("got %v after %d requests", err, len(fs.requests()))
			}
			checkQuotedSafely(t, serverQuotes(err)...)
			var apiErr *APIError
			var answerErr *DownloadAnswerError
			switch {
			case errors.As(err, &apiErr):
				if apiErr.HTTPStatus != tt.wantStatus || apiErr.Code != tt.wantCode || !strings.HasPrefix(apiErr.Operation, "download Data_001.zip of backup ") {
					t.Errorf("got %+v", apiErr)
				}
			case errors.As(err, &answerErr):
				if answerErr.HTTPStatus != tt.wantStatus {
					t.Errorf("got %+v", answerErr)
				}
			default:
				t.Errorf("want *APIError or *DownloadAnswerError, got %T %v", err, err)
			}
		})
	}
}

func TestDownloadRetriesTransientAnswers(t *testing.T) {
	content := fileContent(5000)
	script := func(n int) fault {
		switch n {
		case 0:
			return fault{status: 503}
		case 1:
			return fault{status: 429, header: map[string]string{"Retry-After": "0"}, body: throttled}
		}
		return fault{}
	}
	logs := &logRecorder{}
	client, link, _ := loopbackDownload(t, content, script, Config{Logf: logs.logf})
	target := &memTarget{}
	result, err := client.Download(context.Background(), link, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkContent(t, target, content)
	if result.Attempts != 3 || strings.Join(logs.reasons(), "|") != "HTTP 503|HTTP 429 TOO_MANY_REQUESTS, Retry-After 0s" {
		t.Errorf("result %+v, logged %q", result, logs.reasons())
	}
	for _, line := range logs.lines {
		if line["link"] != link.RedactedURL || line["operation"] != "download Data_001.zip of backup "+backupID {
			t.Errorf("log line %v", line)
		}
	}
}

// TestDownloadCancelReturnsAtOnceKeepingTheTarget: Ctrl-C in the middle of
// a file returns within a second with what arrived kept.
func TestDownloadCancelReturnsAtOnceKeepingTheTarget(t *testing.T) {
	content := fileContent(1 << 20)
	script := func(int) fault { return fault{after: 200_000, cutMode: stall} }
	client, link, _ := loopbackDownload(t, content, script, Config{RequestTimeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	target := &memTarget{}
	var cancelledAt atomic.Int64
	progress := func(p DownloadProgress) {
		if p.Written == 200_000 && cancelledAt.Load() == 0 {
			go func() {
				time.Sleep(50 * time.Millisecond)
				cancelledAt.Store(time.Now().UnixNano())
				cancel()
			}()
		}
	}
	result, err := client.Download(ctx, link, target, progress)
	returned := time.Now()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	var retryErr *RetryError
	if !errors.As(err, &retryErr) || !strings.Contains(err.Error(), "interrupted with 200000 bytes held") {
		t.Errorf("error %q", err)
	}
	if took := returned.Sub(time.Unix(0, cancelledAt.Load())); took > time.Second {
		t.Errorf("returned %s after the cancellation", took)
	}
	if target.Len() != 200_000 || result.Fetched != 200_000 {
		t.Errorf("target holds %d, result %+v", target.Len(), result)
	}
}

func TestDownloadCancelDuringBackoffReturnsAtOnce(t *testing.T) {
	script := func(int) fault { return fault{status: 503} }
	slow := &RetryPolicy{MaxRetries: 5, MinBackoff: time.Minute, MaxBackoff: time.Minute}
	client, link, _ := loopbackDownload(t, fileContent(10), script, Config{Retry: slow})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := client.Download(ctx, link, &memTarget{}, nil)
	var retryErr *RetryError
	if !errors.As(err, &retryErr) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("took %s", took)
	}
}

// TestDownloadTakesNoLimiterSlot: a download in progress does not hold one
// of the API's concurrency slots, so API calls go on beside it.
func TestDownloadTakesNoLimiterSlot(t *testing.T) {
	content := fileContent(1 << 20)
	release := make(chan struct{})
	fs := &fileServer{content: content, script: func(int) fault { return fault{after: 1000, cutMode: stall} }}
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/crm/") {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		fs.ServeHTTP(w, r)
		<-release
	}))
	t.Cleanup(files.Close)
	t.Cleanup(func() { close(release) })
	client, err := NewClient(Config{APIDomain: files.URL, Tokens: StaticToken(testToken), MaxConcurrentRequests: 1, Retry: noRetries})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := client.Download(ctx, checkedLink(t, client, files.URL+linkPathTail+"Data_001.zip"), &memTarget{}, func(DownloadProgress) {
			select {
			case <-started:
			default:
				close(started)
			}
		})
		done <- err
	}()
	<-started
	apiCtx, apiCancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer apiCancel()
	if backup, err := client.GetBackup(apiCtx); err != nil || backup != nil {
		t.Fatalf("an API call beside a download: %v", err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("download ended with %v", err)
	}
}

// TestDownloadChecksTheLinksHostBeforeAnything: a link this client does not
// trust (unchecked, or checked by a client of another data centre) gets
// nothing sent and nothing written.
func TestDownloadChecksTheLinksHostBeforeAnything(t *testing.T) {
	content := fileContent(10)
	client, _, fs := loopbackDownload(t, content, nil, Config{})
	zohoLink, err := ParseDownloadLink(zohoLinkBase + "Data_001.zip")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []DownloadLink{{}, zohoLink} {
		target := heldTarget(content, 5)
		_, err := client.Download(context.Background(), bad, target, nil)
		var linkErr *DownloadLinkError
		var hostErr *DownloadHostError
		if !errors.As(err, &linkErr) && !errors.As(err, &hostErr) {
			t.Errorf("%+v: got %T %v", bad, err, err)
		}
		if target.Len() != 5 || target.resets != 0 {
			t.Errorf("%+v: target holds %d bytes after %d resets", bad, target.Len(), target.resets)
		}
	}
	if len(fs.requests()) != 0 {
		t.Errorf("%d requests", len(fs.requests()))
	}
}

func TestParseContentRange(t *testing.T) {
	for header, want := range map[string]contentRange{
		"bytes 0-9/10":                           {0, 9, 10},
		" bytes 5-5/6 ":                          {5, 5, 6},
		"bytes 0-0/1":                            {0, 0, 1},
		"bytes 00000000000000000000001-1/2":      {1, 1, 2},
		"bytes 1073741823-1073741823/1073741824": {1073741823, 1073741823, 1073741824},
		"bytes 0-4294967295/4294967296":          {0, MaxDownloadBytes - 1, MaxDownloadBytes},
	} {
		got, verdict := parseContentRange(header)
		if verdict != rangeOK || got != want {
			t.Errorf("%q: got %+v, verdict %d", header, got, verdict)
		}
	}
	for header, want := range map[string]rangeVerdict{
		"":                                 rangeMalformed,
		"bytes":                            rangeMalformed,
		"bytes */10":                       rangeMalformed,
		"bytes 9-0/10":                     rangeMalformed,
		"bytes 0-10/10":                    rangeMalformed,
		"bytes -1-5/10":                    rangeMalformed,
		"bytes 0-5/+10":                    rangeMalformed,
		"items 0-5/10":                     rangeMalformed,
		"bytes 0-5":                        rangeMalformed,
		"bytes 0x1-5/10":                   rangeMalformed,
		"bytes 100-199/*":                  rangeSizeUnknown,
		"bytes 1000-9223372036854775807/*": rangeTooLarge,
		"bytes 0-99999999999999999999/*":   rangeTooLarge,
		"bytes 0-9/9223372036854775808":    rangeTooLarge,
		"bytes 0-9/18446744073709551626":   rangeTooLarge,
		"bytes 0-4294967296/4294967297":    rangeTooLarge,
		"bytes 9223372036854775807-0/10":   rangeTooLarge,
		"bytes 1000-9223372036854775806/9223372036854775807": rangeTooLarge,
	} {
		if got, verdict := parseContentRange(header); verdict != want || got != (contentRange{}) {
			t.Errorf("%q: got %+v, verdict %d, want verdict %d", header, got, verdict, want)
		}
	}
	if n, ok := parseUnsatisfiedRange("bytes */4096"); !ok || n != 4096 {
		t.Errorf("got %d %v", n, ok)
	}
	for _, header := range []string{"", "bytes 0-1/2", "bytes */", "bytes */-1", "bytes */x", "bytes */99999999999999999999", "bytes */9223372036854775807"} {
		if _, ok := parseUnsatisfiedRange(header); ok {
			t.Errorf("%q accepted", header)
		}
	}
}

// TestDownloadWithoutAnnouncedSizeIsRefused: an answer that does not say
// how large the file is (a chunked 200, a 206 whose total is "*", or a
// Content-Range past any file's size) is refused before a byte is written,
// and not sent again; what the target held stays.
func TestDownloadWithoutAnnouncedSizeIsRefused(t *testing.T) {
	content := fileContent(100_000)
	tests := map[string]struct {
		fault fault
		want  string
	}{
		"200 without Content-Length": {fault{status: http.StatusOK, body: string(content[:40_000])}, "it has no Content-Length: no size was announced"},
		"206 with total *":           {fault{contentRange: "bytes 1000-99999/*"}, `"bytes 1000-99999/*" gives no total size: no size was announced`},
		"206 past int64":             {fault{contentRange: "bytes 1000-9223372036854775807/*"}, "names bytes past the 4294967296 a file may have"},
		"206 overflowing total":      {fault{contentRange: "bytes 1000-99999/99999999999999999999"}, "names bytes past the 4294967296"},
		"206 past the bound":         {fault{contentRange: "bytes 1000-99999/4294967297"}, "names bytes past the 4294967296"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			client, link, fs := loopbackDownload(t, content, func(int) fault { return tt.fault }, Config{})
			target := heldTarget(content, 1000)
			var reports []DownloadProgress
			result, err := client.Download(context.Background(), link, target, func(p DownloadProgress) { reports = append(reports, p) })
			var answerErr *DownloadAnswerError
			if !errors.As(err, &answerErr) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %T %v", err, err)
			}
			if len(fs.requests()) != 1 || result.Fetched != 0 || result.Size != 0 || len(reports) != 0 {
				t.Errorf("%d requests, result %+v, progress %+v", len(fs.requests()), result, reports)
			}
			if target.resets != 0 || target.validator != testETag {
				t.Errorf("the target was reset (%d, validator %q)", target.resets, target.validator)
			}
			checkContent(t, target, content[:1000])
		})
	}
}

// TestDownloadWithoutValidatorStartsFromZero: bytes held with no validator
// recorded cannot be matched to the file served: no Range is sent, and the
// whole file replaces them.
func TestDownloadWithoutValidatorStartsFromZero(t *testing.T) {
	content := fileContent(50_000)
	client, link, fs := loopbackDownload(t, content, nil, Config{})
	target := heldTarget(content, 20_000)
	target.validator = ""
	result, err := client.Download(context.Background(), link, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkContent(t, target, content)
	if seen := fs.requests(); len(seen) != 1 || seen[0].rangeHeader != "" || seen[0].ifRange != "" {
		t.Errorf("requests %+v", seen)
	}
	if !result.Restarted || result.Resumed || result.Fetched != int64(len(content)) || target.validator != testETag {
		t.Errorf("result %+v, validator %q", result, target.validator)
	}
}

// TestDownloadOfAChangedFileIsNotSpliced: a .part started from another
// version of the file (another ETag) is never joined to this one: the
// server answers If-Range with the whole file, or a 206 of another version
// is refused and the file fetched from zero.
func TestDownloadOfAChangedFileIsNotSpliced(t *testing.T) {
	old := fileContent(60_000)
	content := fileContent(70_000)
	t.Run("If-Range answered with the whole file", func(t *testing.T) {
		client, link, fs := loopbackDownload(t, content, nil, Config{})
		target := heldTarget(old, 30_000)
		target.validator = `"v0"`
		result, err := client.Download(context.Background(), link, target, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkContent(t, target, content)
		if seen := fs.requests(); len(seen) != 1 || seen[0].ifRange != `"v0"` || seen[0].rangeHeader != "bytes=30000-" {
			t.Errorf("requests %+v", seen)
		}
		if !result.Restarted || result.Resumed || target.validator != testETag {
			t.Errorf("result %+v, validator %q", result, target.validator)
		}
	})
	t.Run("206 with another ETag", func(t *testing.T) {
		script := firstAnswer(fault{contentRange: "bytes 30000-69999/70000", etag: `"v2"`})
		client, link, fs := loopbackDownload(t, content, script, Config{})
		target := heldTarget(old, 30_000)
		result, err := client.Download(context.Background(), link, target, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkContent(t, target, content)
		seen := fs.requests()
		if len(seen) != 2 || seen[0].ifRange != testETag || seen[1].rangeHeader != "" {
			t.Errorf("requests %+v", seen)
		}
		if !result.Restarted || result.Fetched != int64(len(content)) || target.resets != 1 {
			t.Errorf("result %+v, %d resets", result, target.resets)
		}
	})
}

// TestDownloadValidatorIsTheStrongETagElseLastModified: a weak ETag cannot
// serve If-Range, so the Last-Modified is recorded instead.
func TestDownloadValidatorIsTheStrongETagElseLastModified(t *testing.T) {
	const modified = "Wed, 02 Dec 2026 10:00:00 GMT"
	for name, tt := range map[string]struct {
		header map[string]string
		want   string
	}{
		"strong":           {map[string]string{"ETag": `"abc"`, "Last-Modified": modified}, `"abc"`},
		"weak":             {map[string]string{"ETag": `W/"abc"`, "Last-Modified": modified}, modified},
		"date only":        {map[string]string{"Last-Modified": modified}, modified},
		"none":             {nil, ""},
		"too long to keep": {map[string]string{"ETag": `"` + strings.Repeat("e", maxValidatorBytes) + `"`}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			header := http.Header{}
			for k, v := range tt.header {
				header.Set(k, v)
			}
			if got := validatorOf(header); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	if problem := validatorMismatch(modified, http.Header{"Last-Modified": {"Thu, 03 Dec 2026 10:00:00 GMT"}}); !strings.Contains(problem, "Last-Modified") {
		t.Errorf("a changed date passed: %q", problem)
	}
	if problem := validatorMismatch(`"abc"`, http.Header{"Etag": {`W/"abc"`}, "Last-Modified": {modified}}); problem != "" {
		t.Errorf("a weak ETag or a date refused a resume of an ETag: %q", problem)
	}
}

func TestDownloadPastTheSizeBoundIsRefused(t *testing.T) {
	script := func(int) fault {
		return fault{status: http.StatusOK, header: map[string]string{"Content-Length": strconv.FormatInt(MaxDownloadBytes+1, 10)}}
	}
	client, link, _ := loopbackDownload(t, nil, script, Config{})
	target := &memTarget{}
	_, err := client.Download(context.Background(), link, target, nil)
	var limitErr *LimitError
	if !errors.As(err, &limitErr) || !strings.Contains(err.Error(), "at most 1 GB") || target.Len() != 0 {
		t.Fatalf("got %T %v", err, err)
	}
}
