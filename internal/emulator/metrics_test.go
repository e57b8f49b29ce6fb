package emulator

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"
)

// cancelWith sends one cancel request through client and drains the answer,
// so that the connection can go back to the client's idle pool. The response
// it returns has its body read and closed.
func cancelWith(t *testing.T, client *http.Client, s *Server, id string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, s.URL()+cancelPath(id), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Zoho-oauthtoken "+adminToken)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatal(err)
	}
	return resp
}

func seedScheduled(s *Server, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = s.SeedBackup(StatusScheduled, "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO").ID
	}
	return ids
}

func TestManyScheduledBackupsCancelIndependently(t *testing.T) {
	s := newServer(t)
	ids := seedScheduled(s, 20)
	for _, id := range ids {
		wantSuccess(t, do(t, s, http.MethodPut, cancelPath(id), ""), msgStopped)
	}
	for _, b := range s.Backups() {
		if b.Status != StatusStopped {
			t.Errorf("backup %s is %s, want %s", b.ID, b.Status, StatusStopped)
		}
	}
}

func TestMetricsCountConnectionsAndRequests(t *testing.T) {
	s := newServer(t)
	ids := seedScheduled(s, 6)

	reusing := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(reusing.CloseIdleConnections)
	for _, id := range ids[:3] {
		if status := cancelWith(t, reusing, s, id).StatusCode; status != http.StatusOK {
			t.Fatalf("cancel %s: HTTP %d", id, status)
		}
	}
	if got := s.Metrics(); got != (Metrics{ConnectionsAccepted: 1, Requests: 3}) {
		t.Fatalf("after 3 requests on a keep-alive client: %+v, want 1 connection and 3 requests", got)
	}

	s.ResetMetrics()
	oneShot := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for _, id := range ids[3:] {
		cancelWith(t, oneShot, s, id)
	}
	if got := s.Metrics(); got != (Metrics{ConnectionsAccepted: 3, Requests: 3}) {
		t.Fatalf("after 3 requests without keep-alive: %+v, want 3 connections and 3 requests", got)
	}

	res := send(t, s, http.MethodGet, "/_emulator/metrics", "", "")
	wantStatus(t, res, http.StatusOK)
	wantJSON(t, res)
	// The admin call itself is one more connection (http.DefaultClient) and
	// is not a recorded API request.
	if res.body["connections_accepted"] != float64(4) || res.body["requests"] != float64(3) {
		t.Fatalf("GET /_emulator/metrics = %s", res.raw)
	}
	wantStatus(t, send(t, s, http.MethodPost, "/_emulator/metrics", "", ""), http.StatusMethodNotAllowed)
}

func TestLatencyDelaysEachAnswerInParallel(t *testing.T) {
	const latency = 150 * time.Millisecond
	s := newServer(t, WithLatency(latency))
	ids := seedScheduled(s, 8)

	began := time.Now()
	wantSuccess(t, do(t, s, http.MethodPut, cancelPath(ids[0]), ""), msgStopped)
	if took := time.Since(began); took < latency {
		t.Fatalf("one request took %s, want at least the %s latency", took, latency)
	}

	// Seven concurrent requests: the delay must not be serialised by the
	// server's lock, or they would take 7 x latency.
	began = time.Now()
	var wg sync.WaitGroup
	for _, id := range ids[1:] {
		wg.Go(func() { cancelWith(t, http.DefaultClient, s, id) })
	}
	wg.Wait()
	if took := time.Since(began); took < latency || took > 4*latency {
		t.Fatalf("7 concurrent requests took %s, want about one latency (%s)", took, latency)
	}
	for _, b := range s.Backups() {
		if b.Status != StatusStopped {
			t.Errorf("backup %s is %s after its delayed cancel", b.ID, b.Status)
		}
	}

	began = time.Now()
	wantStatus(t, send(t, s, http.MethodGet, "/_emulator/metrics", "", ""), http.StatusOK)
	if took := time.Since(began); took >= latency {
		t.Fatalf("an admin request took %s: admin calls must not be delayed", took)
	}
}

func TestLatencyEndsWhenTheClientGivesUp(t *testing.T) {
	s := newServer(t, WithLatency(time.Minute))
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+basePath, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Zoho-oauthtoken "+adminToken)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		_ = resp.Body.Close()
		t.Fatal("a request with a minute of latency answered within 100 ms")
	}
	// Close waits for in-flight handlers; a handler still sleeping would
	// hold it for the rest of the minute.
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close is still waiting for a delayed handler whose client left")
	}
}
