package zoho

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	backupID      = "4876876000001593003"
	cancelSuccess = `{"backup":{"status":"success","code":"SUCCESS","message":"Backup stopped successfully.","details":{"id":"4876876000001593003"}}}`
	alreadyDone   = `{"backup":{"code":"ALREADY_CANCELLED","details":{"id":"4876876000001593003"},"message":"Backup is already canceled","status":"error"}}`
	internalError = `{"code":"INTERNAL_ERROR","details":{},"message":"Internal Server Error","status":"error"}`
	throttled     = `{"code":"TOO_MANY_REQUESTS","details":{},"message":"too many requests","status":"error"}`
)

// fastRetries keeps the tests quick while exercising the real loop.
func fastRetries(n int) *RetryPolicy {
	return &RetryPolicy{MaxRetries: n, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxRetryAfter: 50 * time.Millisecond}
}

// step is one scripted answer: a status and body, a dropped connection, or a
// delay before answering.
type step struct {
	status int
	body   string
	header http.Header
	drop   bool
	delay  time.Duration
}

// scriptedServer answers request n with steps[n] (the last step repeats) and
// counts the requests.
func scriptedServer(t *testing.T, steps ...step) (url string, hits *atomic.Int32) {
	t.Helper()
	hits = new(atomic.Int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(hits.Add(1)) - 1
		s := steps[min(n, len(steps)-1)]
		if s.delay > 0 {
			select {
			case <-time.After(s.delay):
			case <-r.Context().Done():
				return
			}
		}
		if s.drop {
			if hijacker, ok := w.(http.Hijacker); ok {
				if conn, _, err := hijacker.Hijack(); err == nil {
					_ = conn.Close()
				}
			}
			return
		}
		for k, v := range s.header {
			w.Header()[k] = v
		}
		w.WriteHeader(s.status)
		_, _ = w.Write([]byte(s.body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, hits
}

// logRecorder collects what the client logs through Config.Logf.
type logRecorder struct {
	mu    sync.Mutex
	lines []map[string]any
}

func (l *logRecorder) logf(_ context.Context, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	entry := map[string]any{"msg": msg}
	for k, v := range fields {
		entry[k] = v
	}
	l.lines = append(l.lines, entry)
}

func (l *logRecorder) reasons() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range l.lines {
		reason, _ := line["reason"].(string)
		out = append(out, reason)
	}
	return out
}

func newTestClient(t *testing.T, url string, retry *RetryPolicy, requestTimeout time.Duration) (*Client, *logRecorder) {
	t.Helper()
	logs := &logRecorder{}
	client, err := NewClient(Config{APIDomain: url, Tokens: StaticToken(testToken), Retry: retry, RequestTimeout: requestTimeout, Logf: logs.logf})
	if err != nil {
		t.Fatal(err)
	}
	return client, logs
}

func TestRetryTransientFailuresThenSucceed(t *testing.T) {
	tests := map[string]struct {
		steps       []step
		wantReasons []string
	}{
		"two 500s": {
			steps:       []step{{status: 500, body: internalError}, {status: 500, body: internalError}, {status: 200, body: cancelSuccess}},
			wantReasons: []string{"HTTP 500 INTERNAL_ERROR", "HTTP 500 INTERNAL_ERROR"},
		},
		"429 without Retry-After, then 502 and 503 and 504": {
			steps: []step{
				{status: 429, body: throttled}, {status: 502, body: "<html>bad gateway</html>"},
				{status: 503, body: ""}, {status: 504, body: ""}, {status: 200, body: cancelSuccess},
			},
			wantReasons: []string{"HTTP 429 TOO_MANY_REQUESTS", "HTTP 502", "HTTP 503", "HTTP 504"},
		},
		"a dropped connection": {
			steps:       []step{{drop: true}, {status: 200, body: cancelSuccess}},
			wantReasons: []string{"connection closed without a complete answer"},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			url, hits := scriptedServer(t, tt.steps...)
			client, logs := newTestClient(t, url, fastRetries(5), 0)
			result, err := client.CancelBackup(context.Background(), backupID)
			if err != nil {
				t.Fatal(err)
			}
			if result.Code != CodeSuccess || result.Attempts != len(tt.steps) {
				t.Errorf("result %+v, want SUCCESS after %d attempts", result, len(tt.steps))
			}
			if got := int(hits.Load()); got != len(tt.steps) {
				t.Errorf("%d requests, want %d", got, len(tt.steps))
			}
			if got := logs.reasons(); strings.Join(got, "|") != strings.Join(tt.wantReasons, "|") {
				t.Errorf("logged reasons %q, want %q", got, tt.wantReasons)
			}
		})
	}
}

func TestRetryLogLinesSayWhatAndWhy(t *testing.T) {
	url, _ := scriptedServer(t, step{status: 500, body: internalError}, step{status: 200, body: cancelSuccess})
	client, logs := newTestClient(t, url, fastRetries(3), 0)
	if _, err := client.CancelBackup(context.Background(), backupID); err != nil {
		t.Fatal(err)
	}
	if len(logs.lines) != 1 {
		t.Fatalf("want one retry line, got %v", logs.lines)
	}
	line := logs.lines[0]
	if line["msg"] != "Retrying Zoho API request" || line["operation"] != "cancel backup "+backupID ||
		line["attempt"] != 1 || line["max_retries"] != 3 || line["wait"] == "" {
		t.Errorf("retry line %v", line)
	}
}

func TestNoRetryForPermanentAnswers(t *testing.T) {
	tests := map[string]step{
		"501":               {status: 501, body: `{"code":"NOT_IMPLEMENTED","details":{},"message":"x","status":"error"}`},
		"400 business":      {status: 400, body: `{"backup":{"code":"INPROGRESS","details":{},"message":"Backup is in progress","status":"error"}}`},
		"401":               {status: 401, body: `{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}`},
		"403":               {status: 403, body: `{"code":"NO_PERMISSION","details":{},"message":"permission denied","status":"error"}`},
		"404":               {status: 404, body: `{"code":"INVALID_URL_PATTERN","details":{},"message":"x","status":"error"}`},
		"200 not json":      {status: 200, body: "<html>"},
		"redirect":          {status: 302, header: http.Header{"Location": {"https://elsewhere.example/"}}},
		"already cancelled": {status: 400, body: alreadyDone},
	}
	for name, s := range tests {
		t.Run(name, func(t *testing.T) {
			url, hits := scriptedServer(t, s)
			client, logs := newTestClient(t, url, fastRetries(5), 0)
			_, _ = client.CancelBackup(context.Background(), backupID)
			if got := hits.Load(); got != 1 {
				t.Errorf("%d requests, want 1", got)
			}
			if len(logs.lines) != 0 {
				t.Errorf("nothing may be retried, logged %v", logs.lines)
			}
		})
	}
}

func TestRetriesExhausted(t *testing.T) {
	url, hits := scriptedServer(t, step{status: 500, body: internalError})
	client, _ := newTestClient(t, url, fastRetries(2), 0)
	_, err := client.CancelBackup(context.Background(), backupID)
	var retryErr *RetryError
	var apiErr *APIError
	if !errors.As(err, &retryErr) || retryErr.Attempts != 3 || retryErr.Stopped != nil {
		t.Fatalf("want a RetryError after 3 attempts, got %v", err)
	}
	if !errors.As(err, &apiErr) || apiErr.Code != CodeInternalError || apiErr.HTTPStatus != 500 {
		t.Errorf("the last answer is not reachable with errors.As: %v", err)
	}
	if !strings.Contains(err.Error(), "gave up after 3 attempts") || !strings.Contains(err.Error(), "HTTP 500") {
		t.Errorf("error %q", err)
	}
	if hits.Load() != 3 {
		t.Errorf("%d requests, want 3", hits.Load())
	}
}

func TestMaxRetriesZeroDisablesRetries(t *testing.T) {
	url, hits := scriptedServer(t, step{status: 503, body: ""})
	client, _ := newTestClient(t, url, fastRetries(0), 0)
	_, err := client.CancelBackup(context.Background(), backupID)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatus != 503 || errors.As(err, new(*RetryError)) {
		t.Fatalf("want the plain 503 answer, got %v", err)
	}
	if hits.Load() != 1 {
		t.Errorf("%d requests, want 1", hits.Load())
	}
}

func TestRetryAfterIsHonouredButCapped(t *testing.T) {
	url, hits := scriptedServer(t,
		step{status: 429, body: throttled, header: http.Header{"Retry-After": {"3600"}}},
		step{status: 200, body: cancelSuccess})
	client, logs := newTestClient(t, url, fastRetries(3), 0) // MaxRetryAfter 50 ms
	start := time.Now()
	if _, err := client.CancelBackup(context.Background(), backupID); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed < 50*time.Millisecond || elapsed > 5*time.Second {
		t.Errorf("waited %s, want the capped 50ms", elapsed)
	}
	if hits.Load() != 2 || !strings.Contains(logs.reasons()[0], "Retry-After 1h0m0s") {
		t.Errorf("%d requests, reasons %q", hits.Load(), logs.reasons())
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true},
		{" 7 ", 7 * time.Second, true},
		{"99999999999", 24 * time.Hour, true},
		{"Tue, 10 Mar 2026 10:00:30 GMT", 30 * time.Second, true},
		{"Tue, 10 Mar 2026 09:00:00 GMT", 0, true},
		{"", 0, false},
		{"-1", 0, false},
		{"soon", 0, false},
		{"1.5", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRetryAfter(%q) = %s %v, want %s %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestBackoffIsExponentialCappedAndJittered(t *testing.T) {
	p := RetryPolicy{MinBackoff: time.Second, MaxBackoff: 8 * time.Second, MaxRetryAfter: 20 * time.Second}.withDefaults()
	for retry, step := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 5: 8 * time.Second, 40: 8 * time.Second} {
		seen := map[time.Duration]bool{}
		for range 200 {
			wait := p.backoff(retry, 0)
			if wait < step/2 || wait > step {
				t.Fatalf("retry %d: wait %s outside [%s, %s]", retry, wait, step/2, step)
			}
			seen[wait] = true
		}
		if len(seen) < 10 {
			t.Errorf("retry %d: only %d distinct waits, want jitter", retry, len(seen))
		}
	}
	if wait := p.backoff(1, 15*time.Second); wait != 15*time.Second {
		t.Errorf("Retry-After 15s gave %s", wait)
	}
	if wait := p.backoff(1, time.Hour); wait != 20*time.Second {
		t.Errorf("Retry-After 1h is not capped: %s", wait)
	}
}

func TestDefaultPolicyRidesOutAShortThrottle(t *testing.T) {
	p := DefaultRetryPolicy().withDefaults()
	var shortest time.Duration
	for retry := 1; retry <= p.MaxRetries; retry++ {
		step := min(p.MinBackoff<<(retry-1), p.MaxBackoff)
		shortest += step / 2
	}
	// Zoho's concurrency limit clears as soon as other calls finish; its
	// documented answer has no Retry-After. The default must keep trying
	// for well over ten seconds without one.
	if p.MaxRetries < 3 || shortest < 10*time.Second {
		t.Errorf("default policy retries %d times over at least %s; too little to ride out a throttle", p.MaxRetries, shortest)
	}
}

func TestAttemptTimeoutIsRetriedThenReported(t *testing.T) {
	url, hits := scriptedServer(t, step{delay: time.Second, status: 200, body: cancelSuccess})
	client, logs := newTestClient(t, url, fastRetries(2), 50*time.Millisecond)
	start := time.Now()
	_, err := client.CancelBackup(context.Background(), backupID)
	var timeoutErr *AttemptTimeoutError
	if !errors.As(err, &timeoutErr) || timeoutErr.Timeout != 50*time.Millisecond {
		t.Fatalf("want an AttemptTimeoutError, got %v", err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a timed-out attempt must not look like the operation's deadline: %v", err)
	}
	if elapsed := time.Since(start); elapsed > 900*time.Millisecond {
		t.Errorf("took %s: attempts were not bounded", elapsed)
	}
	if hits.Load() != 3 || len(logs.lines) != 2 || !strings.Contains(logs.reasons()[0], "request timeout of 50ms") {
		t.Errorf("%d requests, reasons %q", hits.Load(), logs.reasons())
	}
}

func TestCancellationStopsWaitingAtOnce(t *testing.T) {
	url, hits := scriptedServer(t, step{status: 503})
	client, _ := newTestClient(t, url, &RetryPolicy{MaxRetries: 5, MinBackoff: time.Minute, MaxBackoff: time.Minute}, 0)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := client.CancelBackup(ctx, backupID)
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("kept waiting %s after cancellation", elapsed)
	}
	var retryErr *RetryError
	if !errors.As(err, &retryErr) || !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "cancelled") {
		t.Fatalf("want a cancelled RetryError, got %v", err)
	}
	if hits.Load() != 1 {
		t.Errorf("%d requests, want 1", hits.Load())
	}
}

func TestDeadlineBeforeNextAttemptStopsAtOnce(t *testing.T) {
	url, hits := scriptedServer(t, step{status: 500, body: internalError})
	client, _ := newTestClient(t, url, &RetryPolicy{MaxRetries: 5, MinBackoff: time.Minute, MaxBackoff: time.Minute}, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	_, err := client.CancelBackup(ctx, backupID)
	if time.Since(start) > 5*time.Second {
		t.Errorf("slept although the next attempt would be after the deadline")
	}
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, new(*APIError)) {
		t.Fatalf("want a deadline RetryError wrapping the 500, got %v", err)
	}
	if hits.Load() != 1 {
		t.Errorf("%d requests, want 1", hits.Load())
	}
}

func TestLostAnswerThenAlreadyCancelledIsFlagged(t *testing.T) {
	// The first attempt reached Zoho and cancelled the backup, but its
	// answer was lost; the retry finds the backup cancelled.
	url, _ := scriptedServer(t, step{drop: true}, step{status: 400, body: alreadyDone})
	client, _ := newTestClient(t, url, fastRetries(3), 0)
	result, err := client.CancelBackup(context.Background(), backupID)
	if err != nil {
		t.Fatal(err)
	}
	if !result.AlreadyCancelled() || !result.EarlierAttemptMayHaveActed || result.Attempts != 2 {
		t.Errorf("result %+v", result)
	}

	// A 429 is refused before processing: an ALREADY_CANCELLED after it is
	// really someone else's earlier cancellation.
	url, _ = scriptedServer(t, step{status: 429, body: throttled}, step{status: 400, body: alreadyDone})
	client, _ = newTestClient(t, url, fastRetries(3), 0)
	result, err = client.CancelBackup(context.Background(), backupID)
	if err != nil || result.EarlierAttemptMayHaveActed {
		t.Errorf("after a 429: result %+v, err %v", result, err)
	}
}

// TestPostIsRetriedOnlyWhenZohoCannotHaveActed checks the retry scope of a
// request that must not run twice (POST /backup schedules a backup).
func TestPostIsRetriedOnlyWhenZohoCannotHaveActed(t *testing.T) {
	tests := map[string]struct {
		steps     []step
		wantHits  int32
		wantRetry bool
	}{
		"429 is refused before processing":   {[]step{{status: 429, body: throttled}, {status: 200, body: "{}"}}, 2, true},
		"503 never reached an app server":    {[]step{{status: 503}, {status: 200, body: "{}"}}, 2, true},
		"500 may have been processed":        {[]step{{status: 500, body: internalError}, {status: 200, body: "{}"}}, 1, false},
		"502 upstream may have acted":        {[]step{{status: 502}, {status: 200, body: "{}"}}, 1, false},
		"a dropped connection may have been": {[]step{{drop: true}, {status: 200, body: "{}"}}, 1, false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			url, hits := scriptedServer(t, tt.steps...)
			client, _ := newTestClient(t, url, fastRetries(3), 0)
			_, _ = client.do(context.Background(), "schedule backup", http.MethodPost, "/backup", nil, nil)
			if hits.Load() != tt.wantHits {
				t.Errorf("%d requests, want %d", hits.Load(), tt.wantHits)
			}
		})
	}

	t.Run("a timed-out POST may have been processed", func(t *testing.T) {
		url, hits := scriptedServer(t, step{delay: time.Second, status: 200, body: "{}"})
		client, _ := newTestClient(t, url, fastRetries(3), 30*time.Millisecond)
		_, err := client.do(context.Background(), "schedule backup", http.MethodPost, "/backup", nil, nil)
		if !errors.As(err, new(*AttemptTimeoutError)) || !errors.Is(err, ErrMayHaveActed) || hits.Load() != 1 {
			t.Errorf("%d requests, err %v", hits.Load(), err)
		}
	})

	t.Run("a refused connection sent nothing", func(t *testing.T) {
		client, _ := newTestClient(t, closedPortURL(t), fastRetries(2), 0)
		_, err := client.do(context.Background(), "schedule backup", http.MethodPost, "/backup", nil, nil)
		var retryErr *RetryError
		if !errors.As(err, &retryErr) || retryErr.Attempts != 3 {
			t.Errorf("want 3 attempts, got %v", err)
		}
	})
}

// closedPortURL is a loopback URL on which nothing listens.
func closedPortURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return "http://" + addr
}

func TestClassifyError(t *testing.T) {
	// A real refused dial, as the transport reports it.
	client, _ := newTestClient(t, closedPortURL(t), fastRetries(0), 0)
	_, err := client.CancelBackup(context.Background(), backupID)
	if f := classifyError(err); !f.transient || !f.unprocessed {
		t.Errorf("refused connection %v classified %+v", err, f)
	}
	for name, err := range map[string]error{
		"api error":  &APIError{HTTPStatus: 302},
		"no token":   errors.New("cancel backup 1: getting an access token: no access token is configured"),
		"no host":    &net.DNSError{Err: "no such host", Name: "zohoapis.invalid", IsNotFound: true},
		"bad schema": errors.New("unsupported protocol scheme"),
	} {
		if f := classifyError(err); f.transient {
			t.Errorf("%s: %v classified transient", name, err)
		}
	}
}
