package emulator

import (
	"bytes"
	"log"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestListenLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "192.0.2.1:0", "example.com:0", "127.0.0.1"} {
		t.Run("refuse "+addr, func(t *testing.T) {
			s := New()
			if err := s.StartOn(addr); err == nil {
				s.Close()
				t.Fatalf("StartOn(%q) succeeded", addr)
			}
			if s.URL() != "" {
				t.Fatalf("URL = %q after a refused start", s.URL())
			}
		})
	}
	for _, addr := range []string{"127.0.0.1:0", "localhost:0", "127.0.0.2:0"} {
		t.Run("accept "+addr, func(t *testing.T) {
			s := New()
			if err := s.StartOn(addr); err != nil {
				t.Fatalf("StartOn(%q) refused a loopback address: %v", addr, err)
			}
			defer s.Close()
			if !regexp.MustCompile(`^http://(127\.\d+\.\d+\.\d+|\[::1\]):\d+$`).MatchString(s.URL()) {
				t.Fatalf("URL = %q", s.URL())
			}
			if err := s.Start(); err == nil {
				t.Fatal("second Start succeeded")
			}
		})
	}
	t.Run("close is idempotent", testCloseIsIdempotent)
}

func testCloseIsIdempotent(t *testing.T) {
	s := New()
	s.Close()
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	url := s.URL()
	s.Close()
	s.Close()
	if _, err := http.Get(url + basePath); err == nil {
		t.Fatal("server still answers after Close")
	}
}

func TestOptions(t *testing.T) {
	var logs safeBuffer
	s, clk := newClockedServer(t,
		WithRequester(Requester{ID: "111", Name: "Ada", ZUID: "222"}),
		WithZGID("999"),
		WithLinkLifetime(time.Hour),
		WithLogger(log.New(&logs, "", 0)),
	)
	id := schedule(t, s, "")
	res := do(t, s, http.MethodGet, basePath, "")
	wantDetails(t, obj(t, obj(t, res.body["backup"], "backup")["requester"], "requester"),
		map[string]any{"id": "111", "name": "Ada", "zuid": "222"})
	if err := s.SetStatus(id, StatusCompleted); err != nil {
		t.Fatal(err)
	}
	res = do(t, s, http.MethodGet, urlsPath+"?x=1", "")
	wantStatus(t, res, http.StatusOK)
	u := obj(t, res.body["urls"], "urls")
	links, _ := u["data_links"].([]any)
	if len(links) != 1 || !strings.HasPrefix(str(t, links[0]), s.DownloadURL()+"/v2/crm/999/backup/") ||
		u["expiry_date"] != "2026-03-10T11:00:00+05:30" {
		t.Fatalf("urls = %s", res.raw)
	}
	clk.Advance(time.Hour)
	wantNoContent(t, do(t, s, http.MethodGet, urlsPath, ""))

	out := logs.String()
	for _, line := range []string{"POST " + basePath + " 200 ", "GET " + urlsPath + "?x=1 200 ", "GET " + urlsPath + " 204 "} {
		if !strings.Contains(out, line) {
			t.Errorf("log lacks %q:\n%s", line, out)
		}
	}
	if strings.Contains(out, adminToken) {
		t.Errorf("log leaks the token:\n%s", out)
	}
}

// safeBuffer is a bytes.Buffer the server's logger and the test can share.
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *safeBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *safeBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
