package emulator

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"
)

// rawDo sends an authenticated request with its own client and returns the
// raw answer or the transport error; unlike do, it tolerates any body and
// no answer at all.
func rawDo(ctx context.Context, s *Server, method, path string) (status int, header http.Header, body string, err error) {
	req, err := http.NewRequestWithContext(ctx, method, s.URL()+path, nil)
	if err != nil {
		return 0, nil, "", err
	}
	req.Header.Set("Authorization", "Zoho-oauthtoken "+adminToken)
	// A fresh transport per call: no kept-alive connection, so a dropped
	// connection is reported rather than retried by the transport.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(raw), err
}

func wantBackupStatus(t *testing.T, s *Server, id, want string) {
	t.Helper()
	b, ok := s.Backup(id)
	if !ok || b.Status != want {
		t.Fatalf("backup %s is %q (found %v), want %s", id, b.Status, ok, want)
	}
}

func TestFaultSequence(t *testing.T) {
	s := newServer(t)
	id := s.SeedBackup(StatusScheduled, "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO").ID
	path := cancelPath(id)
	s.InjectSequence(http.MethodPut, path,
		Fault{},
		Fault{Status: http.StatusTooManyRequests, Code: CodeTooManyRequests, Message: msgTooManyRequests},
		Fault{Status: http.StatusBadGateway, Body: "<html>502 Bad Gateway</html>", Header: http.Header{"Content-Type": {"text/html"}}},
		Fault{Status: http.StatusOK, Body: `{"backup":{"status":"succ`},
	)
	wantTopError(t, do(t, s, http.MethodPut, path, ""), 500, CodeInternalError, msgInternalError)
	wantTopError(t, do(t, s, http.MethodPut, path, ""), 429, CodeTooManyRequests, msgTooManyRequests)
	status, header, body, err := rawDo(context.Background(), s, http.MethodPut, path)
	if err != nil || status != 502 || body != "<html>502 Bad Gateway</html>" || header.Get("Content-Type") != "text/html" {
		t.Fatalf("raw HTML step: %d %q %q %v", status, header.Get("Content-Type"), body, err)
	}
	status, header, body, err = rawDo(context.Background(), s, http.MethodPut, path)
	if err != nil || status != 200 || body != `{"backup":{"status":"succ` || header.Get("Content-Type") != jsonCT {
		t.Fatalf("truncated JSON step: %d %q %v", status, body, err)
	}
	wantBackupStatus(t, s, id, StatusScheduled)
	// The sequence is used up: the endpoint answers again.
	wantSuccess(t, do(t, s, http.MethodPut, path, ""), msgStopped)
	wantBackupStatus(t, s, id, StatusStopped)
	if got := s.CountRequests(http.MethodPut, path); got != 5 {
		t.Errorf("%d requests recorded, want 5", got)
	}
}

func TestFaultDelay(t *testing.T) {
	s := newServer(t)
	id := s.SeedBackup(StatusScheduled, "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO").ID
	path := cancelPath(id)

	t.Run("a client that gives up first leaves nothing done", func(t *testing.T) {
		s.InjectFault(Fault{Method: http.MethodPut, Path: path, Delay: time.Minute})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		if _, _, _, err := rawDo(ctx, s, http.MethodPut, path); err == nil {
			t.Fatal("want a timeout")
		}
		if time.Since(start) > 10*time.Second {
			t.Error("the delay outlived the client")
		}
		wantBackupStatus(t, s, id, StatusScheduled)
	})

	t.Run("a slow answer passes through", func(t *testing.T) {
		s.InjectFault(Fault{Method: http.MethodPut, Path: path, Delay: 150 * time.Millisecond, PassThrough: true})
		start := time.Now()
		wantSuccess(t, do(t, s, http.MethodPut, path, ""), msgStopped)
		if elapsed := time.Since(start); elapsed < 150*time.Millisecond {
			t.Errorf("answered after %s, want at least the delay", elapsed)
		}
	})
}

func TestFaultDrop(t *testing.T) {
	s := newServer(t)
	first := s.SeedBackup(StatusScheduled, "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO").ID

	// Dropped before the endpoint: the backup is untouched.
	s.InjectFault(Fault{Method: http.MethodPut, Path: cancelPath(first), Drop: true})
	if _, _, _, err := rawDo(context.Background(), s, http.MethodPut, cancelPath(first)); err == nil {
		t.Fatal("want a transport error for a dropped connection")
	}
	wantBackupStatus(t, s, first, StatusScheduled)

	// Dropped after the endpoint acted: cancelled, but the answer is lost.
	s.InjectFault(Fault{Method: http.MethodPut, Path: cancelPath(first), Drop: true, PassThrough: true})
	if _, _, _, err := rawDo(context.Background(), s, http.MethodPut, cancelPath(first)); err == nil {
		t.Fatal("want a transport error for a dropped connection")
	}
	wantBackupStatus(t, s, first, StatusStopped)
	wantNestedError(t, do(t, s, http.MethodPut, cancelPath(first), ""), CodeAlreadyCancelled, msgAlreadyCancelled)
}

func TestConcurrencyLimit(t *testing.T) {
	s := newServer(t)
	s.SetConcurrencyLimit(2)
	// Every answer takes a while, so the requests overlap.
	s.InjectFault(Fault{Times: -1, PassThrough: true, Delay: 500 * time.Millisecond})

	const n = 5
	statuses := make([]int, n)
	bodies := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _, body, err := rawDo(context.Background(), s, http.MethodGet, urlsPath)
			if err != nil {
				t.Error(err)
			}
			statuses[i], bodies[i] = status, body
		}()
	}
	wg.Wait()
	var ok, throttled int
	for i, status := range statuses {
		switch status {
		case http.StatusNoContent:
			ok++
		case http.StatusTooManyRequests:
			throttled++
			want := `{"code":"TOO_MANY_REQUESTS","details":{},"message":"` + msgTooManyRequests + `","status":"error"}`
			if bodies[i] != want {
				t.Errorf("429 body %s, want %s", bodies[i], want)
			}
		default:
			t.Errorf("status %d", status)
		}
	}
	peak, refused := s.ConcurrencyStats()
	if ok != 2 || throttled != 3 || peak != 2 || refused != 3 {
		t.Errorf("ok %d, throttled %d, peak %d, refused %d; want 2, 3, 2, 3", ok, throttled, peak, refused)
	}
	if got := len(s.Requests()); got != n {
		t.Errorf("%d requests recorded, want %d (throttled ones too)", got, n)
	}

	// Without the limit everything is answered.
	s.SetConcurrencyLimit(0)
	s.ClearFaults()
	if status, _, _, err := rawDo(context.Background(), s, http.MethodGet, urlsPath); err != nil || status != http.StatusNoContent {
		t.Errorf("after removing the limit: %d %v", status, err)
	}
}

func TestFaults(t *testing.T) {
	t.Run("fail next", func(t *testing.T) {
		s := newServer(t)
		s.FailNext(http.MethodPost, basePath, 2)
		for range 2 {
			d := wantTopError(t, do(t, s, http.MethodPost, basePath, ""), 500, CodeInternalError, "Internal Server Error")
			wantDetails(t, d, map[string]any{})
		}
		if _, ok := s.Latest(); ok {
			t.Fatal("a failed request created a backup")
		}
		wantNoContent(t, do(t, s, http.MethodGet, basePath, "")) // other method unaffected
		schedule(t, s, "")
	})

	t.Run("auth is checked first", func(t *testing.T) {
		s := newServer(t)
		s.FailNext("", "", 1)
		wantTopError(t, send(t, s, http.MethodGet, basePath, "", ""), 401, CodeAuthenticationFailure, "Authentication failed")
		wantTopError(t, do(t, s, http.MethodGet, urlsPath, ""), 500, CodeInternalError, "Internal Server Error")
	})

	t.Run("rate limit with header", func(t *testing.T) {
		s := newServer(t)
		s.InjectFault(Fault{
			Path:    histPath,
			Times:   -1,
			Status:  http.StatusTooManyRequests,
			Code:    "TOO_MANY_REQUESTS",
			Message: "too many requests",
			Header:  http.Header{"Retry-After": {"1"}},
		})
		for range 3 {
			res := do(t, s, http.MethodGet, histPath, "")
			wantTopError(t, res, 429, "TOO_MANY_REQUESTS", "too many requests")
			if res.header.Get("Retry-After") != "1" {
				t.Fatalf("Retry-After = %q", res.header.Get("Retry-After"))
			}
		}
		wantNoContent(t, do(t, s, http.MethodGet, urlsPath, ""))
		s.ClearFaults()
		wantNoContent(t, do(t, s, http.MethodGet, histPath, ""))
	})
}

func TestConcurrentRequests(t *testing.T) {
	s := newServer(t, WithMonthlyQuota(-1))
	const n = 24
	var wg sync.WaitGroup
	outcomes := make(chan outcome, n)
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if o, err := postOutcome(s); err != nil {
				t.Error(err)
			} else {
				outcomes <- o
			}
		}()
		// Readers race with the writers; -race checks the locking.
		go func() {
			defer wg.Done()
			_ = s.Requests()
			_, _ = s.Latest()
			_ = s.History()
			if i%2 == 0 {
				if resp, err := http.Get(s.URL() + "/_emulator/backups"); err == nil {
					_ = resp.Body.Close()
				}
			}
		}()
	}
	wg.Wait()
	close(outcomes)
	ok, already := 0, 0
	for o := range outcomes {
		switch o {
		case outcome{http.StatusOK, "SUCCESS"}:
			ok++
		case outcome{http.StatusBadRequest, CodeBackupAlreadyScheduled}:
			already++
		default:
			t.Errorf("unexpected outcome %+v", o)
		}
	}
	if ok != 1 || already != n-1 {
		t.Fatalf("%d successes and %d BACKUP_ALREADY_SCHEDULED, want 1 and %d", ok, already, n-1)
	}
	if got := s.CountRequests(http.MethodPost, basePath); got != n {
		t.Fatalf("recorded %d POSTs, want %d", got, n)
	}
	if got := len(s.Backups()); got != 1 {
		t.Fatalf("%d backups, want 1", got)
	}
}

// outcome is the HTTP status and the code of an answer to POST /backup.
type outcome struct {
	status int
	code   string
}

// postOutcome schedules an immediate backup and returns Zoho's answer.
func postOutcome(s *Server) (outcome, error) {
	req, err := http.NewRequest(http.MethodPost, s.URL()+basePath, nil)
	if err != nil {
		return outcome{}, err
	}
	req.Header.Set("Authorization", "Zoho-oauthtoken "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return outcome{}, err
	}
	defer resp.Body.Close()
	var body struct {
		Backup struct {
			Code string `json:"code"`
		} `json:"backup"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return outcome{}, err
	}
	return outcome{resp.StatusCode, body.Backup.Code}, nil
}
