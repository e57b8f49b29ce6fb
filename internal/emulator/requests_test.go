package emulator

import (
	"net/http"
	"testing"
	"time"
)

func TestRequestRecording(t *testing.T) {
	s, clk := newClockedServer(t)
	body := `{"backup":{"rrule":"RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO"}}`
	do(t, s, http.MethodPost, basePath, body)
	clk.Advance(time.Minute)
	do(t, s, http.MethodGet, histPath+"?page=2&per_page=5", "")
	send(t, s, http.MethodGet, "/nowhere", "", "") // refused requests are recorded too
	if resp, err := http.Get(s.URL() + "/_emulator/backups"); err != nil {
		t.Fatal(err)
	} else {
		_ = resp.Body.Close()
	}

	reqs := s.Requests()
	if len(reqs) != 3 {
		t.Fatalf("recorded %d requests, want 3: %+v", len(reqs), reqs)
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Path != basePath || r.RawQuery != "" || string(r.Body) != body ||
		r.Header.Get("Authorization") != "Zoho-oauthtoken "+adminToken ||
		r.Header.Get("Content-Type") != "application/json" || !r.Time.Equal(start) {
		t.Fatalf("first request = %+v", r)
	}
	r = reqs[1]
	if r.Method != http.MethodGet || r.Path != histPath || r.RawQuery != "page=2&per_page=5" ||
		len(r.Body) != 0 || !r.Time.Equal(start.Add(time.Minute)) {
		t.Fatalf("second request = %+v", r)
	}
	if reqs[2].Path != "/nowhere" || reqs[2].Header.Get("Authorization") != "" {
		t.Fatalf("third request = %+v", reqs[2])
	}

	reqs[0].Header.Set("Authorization", "changed")
	reqs[0].Body[0] = 'X'
	if again := s.Requests()[0]; again.Header.Get("Authorization") == "changed" || again.Body[0] == 'X' {
		t.Fatal("Requests shares memory with the server")
	}

	if n := s.CountRequests(http.MethodPost, basePath); n != 1 {
		t.Fatalf("CountRequests(POST) = %d", n)
	}
	if n := s.CountRequests(http.MethodGet, histPath); n != 1 {
		t.Fatalf("CountRequests(GET history) = %d (the query is not part of the path)", n)
	}
	if n := s.CountRequests(http.MethodGet, basePath); n != 0 {
		t.Fatalf("CountRequests(GET) = %d", n)
	}
	s.ResetRequests()
	if n := len(s.Requests()); n != 0 {
		t.Fatalf("after reset: %d requests", n)
	}
}
