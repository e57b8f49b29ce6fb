package emulator

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	filesToken    = "1000.files.token"    // ScopeAll and ScopeFiles, administrator
	onlyFileToken = "1000.onlyfile.token" // ScopeFiles only
	userFileToken = "1000.userfile.token" // ScopeFiles, not an administrator
)

// newDownloadServer is newClockedServer with the download tokens and one
// COMPLETED backup; it returns the backup.
func newDownloadServer(t *testing.T, opts ...Option) (*Server, *fakeClock, Backup) {
	t.Helper()
	s, clk := newClockedServer(t, opts...)
	s.AddToken(filesToken, ScopeAll, ScopeFiles)
	s.AddToken(onlyFileToken, ScopeFiles)
	s.AddNonAdminToken(userFileToken, ScopeFiles)
	return s, clk, s.SeedBackup(StatusCompleted, "")
}

// fetched is a download host answer.
type fetched struct {
	status  int
	header  http.Header
	body    []byte
	readErr error // reading the body failed (dropped or truncated)
	length  int64 // the answer's Content-Length; -1 when none came
}

// fetch sends method to link with token ("" for none) and extra headers.
func fetch(t *testing.T, client *http.Client, method, link, token string, header ...string) fetched {
	t.Helper()
	req, err := http.NewRequest(method, link, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Zoho-oauthtoken "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, link, err)
	}
	defer resp.Body.Close()
	body, readErr := io.ReadAll(resp.Body)
	return fetched{status: resp.StatusCode, header: resp.Header, body: body, readErr: readErr, length: resp.ContentLength}
}

func get(t *testing.T, link string, header ...string) fetched {
	t.Helper()
	return fetch(t, nil, http.MethodGet, link, filesToken, header...)
}

func sha(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// wantFile checks a complete 200 answer: Zoho's headers and the content.
func wantFile(t *testing.T, s *Server, link string, f fetched) {
	t.Helper()
	if f.status != http.StatusOK || f.readErr != nil {
		t.Fatalf("GET %s: %d, %v: %.300s", link, f.status, f.readErr, f.body)
	}
	name := link[strings.LastIndex(link, "/")+1:]
	want := map[string]string{
		"Content-Type":        "application/zip",
		"Content-Length":      strconv.FormatInt(s.DownloadSize(), 10),
		"Content-Disposition": `attachment; filename="` + name + `"`,
		"Accept-Ranges":       "bytes",
	}
	for k, v := range want {
		if got := f.header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if got := sha(f.body); got != s.ExpectedSHA256(link) {
		t.Fatalf("SHA-256 %s, want %s", got, s.ExpectedSHA256(link))
	}
	if _, err := checkArchive(t, f.body); err != nil {
		t.Fatalf("%s does not check as a ZIP: %v", name, err)
	}
}

func TestDownloadHostServesTheLinks(t *testing.T) {
	var logs safeBuffer
	s, _, _ := newDownloadServer(t, WithDownloadFiles(2, 1), WithLogger(log.New(&logs, "", 0)))
	b := s.SeedBackup(StatusCompleted, "")
	s.ResetRequests()
	api, _ := url.Parse(s.URL())
	dl, _ := url.Parse(s.DownloadURL())
	if dl.Host == api.Host || dl.Hostname() != "127.0.0.1" {
		t.Fatalf("download host %s, API host %s: want a second loopback listener", dl.Host, api.Host)
	}
	links := slices.Concat(b.DataLinks, b.AttachmentLinks)
	if len(links) != 3 {
		t.Fatalf("links = %v", links)
	}
	hashes := map[string]bool{}
	for _, link := range links {
		if !strings.HasPrefix(link, s.DownloadURL()+"/v2/crm/757345985/backup/") {
			t.Fatalf("link %s is not on the download host", link)
		}
		wantFile(t, s, link, get(t, link))
		hashes[s.ExpectedSHA256(link)] = true
	}
	if len(hashes) != 3 {
		t.Fatalf("the three files share content: %v", hashes)
	}
	if n := len(s.Requests()); n != 0 {
		t.Fatalf("the API recorded %d requests for downloads, want 0", n)
	}
	reqs := s.DownloadRequests()
	if len(reqs) != 3 {
		t.Fatalf("%d download requests, want 3", len(reqs))
	}
	u, _ := url.Parse(links[0])
	if r := reqs[0]; r.Method != http.MethodGet || r.Path != u.Path || r.Status != http.StatusOK ||
		r.BytesSent != s.DownloadSize() || !r.Authorization || r.Range != "" || !r.Time.Equal(start) {
		t.Fatalf("request = %+v", r)
	}
	if strings.Contains(fmt.Sprintf("%+v", reqs), filesToken) {
		t.Fatal("a download request record holds the token")
	}
	if out := logs.String(); !strings.Contains(out, "GET "+u.Path+" 200 ") || strings.Contains(out, filesToken) {
		t.Fatalf("log lacks the download or holds the token:\n%s", out)
	}
	s.ResetDownloadRequests()
	if len(s.DownloadRequests()) != 0 {
		t.Fatal("ResetDownloadRequests kept requests")
	}
}

func TestDownloadHostRanges(t *testing.T) {
	s, _, b := newDownloadServer(t, WithDownloadSize(100_000))
	link := b.DataLinks[0]
	full := get(t, link).body
	const size = 100_000
	tests := []struct {
		header, contentRange string
		from, to             int // the slice of the full body, to exclusive
	}{
		{"bytes=0-", "bytes 0-99999/100000", 0, size},
		{"bytes=50000-", "bytes 50000-99999/100000", 50000, size},
		{"bytes=99999-", "bytes 99999-99999/100000", 99999, size},
		{"bytes=10-19", "bytes 10-19/100000", 10, 20},
		{"bytes=99990-200000", "bytes 99990-99999/100000", 99990, size},
		{"bytes=-100", "bytes 99900-99999/100000", 99900, size},
	}
	for _, tt := range tests {
		f := get(t, link, "Range", tt.header)
		if f.status != http.StatusPartialContent || f.header.Get("Content-Range") != tt.contentRange ||
			f.header.Get("Content-Length") != strconv.Itoa(tt.to-tt.from) || !bytes.Equal(f.body, full[tt.from:tt.to]) {
			t.Errorf("Range %s: %d, Content-Range %q, Content-Length %q, %d bytes", tt.header,
				f.status, f.header.Get("Content-Range"), f.header.Get("Content-Length"), len(f.body))
		}
	}
	for _, unsatisfiable := range []string{"bytes=100000-", "bytes=200000-300000", "bytes=-0"} {
		f := get(t, link, "Range", unsatisfiable)
		if f.status != http.StatusRequestedRangeNotSatisfiable || f.header.Get("Content-Range") != "bytes */100000" || len(f.body) != 0 {
			t.Errorf("Range %s: %d, Content-Range %q", unsatisfiable, f.status, f.header.Get("Content-Range"))
		}
	}
	// Ignored, as RFC 9110 allows: the whole file.
	for _, ignored := range []string{"bytes=0-1,5-6", "items=0-5", "bytes=9-2", "bytes=x-"} {
		if f := get(t, link, "Range", ignored); f.status != http.StatusOK || !bytes.Equal(f.body, full) {
			t.Errorf("Range %s: %d, %d bytes; want 200 and the whole file", ignored, f.status, len(f.body))
		}
	}
	reqs := s.DownloadRequests()
	if r := reqs[2]; r.Range != "bytes=50000-" || r.Status != http.StatusPartialContent || r.BytesSent != 50000 {
		t.Fatalf("recorded %+v", r)
	}
}

func TestDownloadHostHead(t *testing.T) {
	s, _, b := newDownloadServer(t)
	f := fetch(t, nil, http.MethodHead, b.DataLinks[0], filesToken)
	if f.status != http.StatusOK || len(f.body) != 0 || f.header.Get("Content-Length") != strconv.FormatInt(DefaultDownloadSize, 10) ||
		f.header.Get("Content-Type") != "application/zip" {
		t.Fatalf("HEAD: %d %v", f.status, f.header)
	}
	if r := s.DownloadRequests(); len(r) != 1 || r[0].Method != http.MethodHead || r[0].BytesSent != 0 {
		t.Fatalf("recorded %+v", r)
	}
}

// wantDownloadError checks a top-level envelope from the download host.
func wantDownloadError(t *testing.T, f fetched, status int, code, message string) {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal(f.body, &body); err != nil {
		t.Fatalf("%d %s: not JSON: %v", f.status, f.body, err)
	}
	wantTopError(t, result{status: f.status, header: f.header, raw: f.body, body: body}, status, code, message)
}

func TestDownloadHostRefusals(t *testing.T) {
	s, _, b := newDownloadServer(t)
	link := b.DataLinks[0]
	jobDir := link[:strings.LastIndex(link, "/")+1]
	tests := []struct {
		name, method, link, token string
		status                    int
		code, message             string
	}{
		{"no token", http.MethodGet, link, "", 401, CodeAuthenticationFailure, msgAuthenticationFailure},
		{"unknown token", http.MethodGet, link, "1000.unknown", 401, CodeInvalidToken, msgInvalidToken},
		{"backup scope only", http.MethodGet, link, adminToken, 401, CodeInvalidOAuthScope, msgInvalidOAuthScope},
		{"not an administrator", http.MethodGet, link, userFileToken, 403, CodeForbidden, msgForbidden},
		{"POST", http.MethodPost, link, filesToken, 400, CodeInvalidRequestMethod, msgInvalidRequestMethod},
		{"not a download path", http.MethodGet, s.DownloadURL() + "/crm/bulk/v8/backup", filesToken, 401, CodeURLRuleNotConfigured, msgURLRuleNotConfigured},
		{"extra segment", http.MethodGet, link + "/x", filesToken, 401, CodeURLRuleNotConfigured, msgURLRuleNotConfigured},
		{"unknown file", http.MethodGet, jobDir + "Data_009.zip", filesToken, 404, CodeResourceNotFound, msgResourceNotFound},
		{"unknown job", http.MethodGet, strings.Replace(link, b.DataLinks[0][len(jobDir)-20:len(jobDir)-1], "4876876000001599999", 1), filesToken, 404, CodeResourceNotFound, msgResourceNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantDownloadError(t, fetch(t, nil, tt.method, tt.link, tt.token), tt.status, tt.code, tt.message)
		})
	}
	reqs := s.DownloadRequests()
	if len(reqs) != len(tests) || reqs[0].Authorization || !reqs[1].Authorization || reqs[0].Status != 401 {
		t.Fatalf("recorded %+v", reqs)
	}
	// Scopes do not cross: the download scope gives no access to the API.
	wantTopError(t, send(t, s, http.MethodGet, urlsPath, "Zoho-oauthtoken "+onlyFileToken, ""),
		http.StatusUnauthorized, CodeOAuthScopeMismatch, msgOAuthScopeMismatch)
	wantFile(t, s, link, fetch(t, nil, http.MethodGet, link, onlyFileToken))
}

func TestDownloadHostRefreshedToken(t *testing.T) {
	s, _, b := newDownloadServer(t)
	s.AddRefreshToken("client", "secret", "refresh", ScopeAll, ScopeFiles)
	resp, err := http.PostForm(s.URL()+TokenPath, url.Values{
		"grant_type": {"refresh_token"}, "client_id": {"client"}, "client_secret": {"secret"}, "refresh_token": {"refresh"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %+v, %v", tok, err)
	}
	wantFile(t, s, b.DataLinks[0], fetch(t, nil, http.MethodGet, b.DataLinks[0], tok.AccessToken))
}

func TestDownloadLinksExpire(t *testing.T) {
	for _, listed := range []bool{false, true} {
		t.Run(fmt.Sprintf("listed=%v", listed), func(t *testing.T) {
			s, clk, b := newDownloadServer(t, WithLinkLifetime(time.Hour), WithListedExpiredLinks(listed))
			link := b.DataLinks[0]
			clk.Advance(time.Hour - time.Second)
			wantFile(t, s, link, get(t, link))
			clk.Advance(time.Second)
			wantDownloadError(t, get(t, link), http.StatusNotFound, CodeResourceNotFound, msgResourceNotFound)
			res := do(t, s, http.MethodGet, urlsPath, "")
			if !listed {
				wantNoContent(t, res)
				return
			}
			wantStatus(t, res, http.StatusOK)
			u := obj(t, res.body["urls"], "urls")
			if data, _ := u["data_links"].([]any); len(data) != 1 || data[0] != link || u["expiry_date"] != "2026-03-10T11:00:00+05:30" {
				t.Fatalf("urls = %s", res.raw)
			}
		})
	}
}

func TestDownloadHostOverTLS(t *testing.T) {
	cert, certPEM, err := NewLoopbackCertificate()
	if err != nil {
		t.Fatal(err)
	}
	s, _, b := newDownloadServer(t, WithTLS(cert))
	if !strings.HasPrefix(s.DownloadURL(), "https://127.0.0.1:") || !strings.HasPrefix(b.DataLinks[0], s.DownloadURL()+"/") {
		t.Fatalf("download URL %s, link %s", s.DownloadURL(), b.DataLinks[0])
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	f := fetch(t, client, http.MethodGet, b.DataLinks[0], filesToken)
	wantFile(t, s, b.DataLinks[0], f)
	part := fetch(t, client, http.MethodGet, b.DataLinks[0], filesToken, "Range", "bytes=1000-")
	if part.status != http.StatusPartialContent || !bytes.Equal(part.body, f.body[1000:]) {
		t.Fatalf("range over TLS: %d, %d bytes", part.status, len(part.body))
	}
}

// TestLinksBeforeStart covers backups completed before Start: their links
// name Zoho's host until the download host listens, then point at it. Close
// closes the download host too.
func TestLinksBeforeStart(t *testing.T) {
	s := New()
	s.AddToken(filesToken, ScopeAll, ScopeFiles)
	b := s.SeedBackup(StatusCompleted, "")
	if s.DownloadURL() != "" || !strings.HasPrefix(b.DataLinks[0], "https://download-accl.zoho.com/v2/crm/757345985/backup/") {
		t.Fatalf("before Start: %q, %s", s.DownloadURL(), b.DataLinks[0])
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	after, _ := s.Backup(b.ID)
	if !strings.HasPrefix(after.DataLinks[0], s.DownloadURL()+"/") ||
		after.DataLinks[0][len(s.DownloadURL()):] != strings.TrimPrefix(b.DataLinks[0], "https://download-accl.zoho.com") {
		t.Fatalf("after Start: %s (was %s)", after.DataLinks[0], b.DataLinks[0])
	}
	wantFile(t, s, after.DataLinks[0], get(t, after.DataLinks[0]))
	s.Close()
	if s.DownloadURL() != "" {
		t.Fatal("DownloadURL after Close")
	}
	if _, err := (&http.Client{Timeout: 2 * time.Second}).Get(after.DataLinks[0]); err == nil {
		t.Fatal("the download host still answers after Close")
	}
}

func TestSetDownloadLinks(t *testing.T) {
	s, _, b := newDownloadServer(t)
	served := s.DownloadURL() + "/v2/crm/757345985/backup/4876876000001599000/Custom_001.zip"
	data := []string{"https://evil.example/v2/crm/1/backup/2/Data_001.zip", served}
	attachments := []string{s.DownloadURL() + "/v2/crm/757345985/backup/4876876000001599000/..%2F..%2Fetc%2Fpasswd"}
	if err := s.SetDownloadLinks(b.ID, data, attachments); err != nil {
		t.Fatal(err)
	}
	if err := s.SetDownloadLinks("404", nil, nil); err == nil {
		t.Fatal("SetDownloadLinks accepted an unknown backup")
	}
	res := do(t, s, http.MethodGet, urlsPath, "")
	wantStatus(t, res, http.StatusOK)
	u := obj(t, res.body["urls"], "urls")
	gotData, _ := json.Marshal(u["data_links"])
	gotAtt, _ := json.Marshal(u["attachment_links"])
	wantData, _ := json.Marshal(data)
	wantAtt, _ := json.Marshal(attachments)
	if !bytes.Equal(gotData, wantData) || !bytes.Equal(gotAtt, wantAtt) {
		t.Fatalf("urls = %s", res.raw)
	}
	wantFile(t, s, served, get(t, served))
	// Links set by hand are kept exactly as given.
	if got, _ := s.Backup(b.ID); !slices.Equal(got.DataLinks, data) {
		t.Fatalf("links = %v", got.DataLinks)
	}
	// The generated links were replaced: they are no longer served.
	wantDownloadError(t, get(t, b.DataLinks[0]), http.StatusNotFound, CodeResourceNotFound, msgResourceNotFound)
}

// BenchmarkDownloadHost downloads a 1 GiB file over loopback HTTP, as a
// client would (MB/s is the emulator and the client together).
func BenchmarkDownloadHost(b *testing.B) {
	s := New(WithDownloadSize(1 << 30))
	if err := s.Start(); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	s.AddToken(filesToken, ScopeFiles)
	link := s.SeedBackup(StatusCompleted, "").DataLinks[0]
	buf := make([]byte, 256<<10)
	b.SetBytes(1 << 30)
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodGet, link, nil)
		req.Header.Set("Authorization", "Zoho-oauthtoken "+filesToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.CopyBuffer(io.Discard, onlyReader{resp.Body}, buf)
		_ = resp.Body.Close()
		if err != nil || n != 1<<30 {
			b.Fatalf("%d bytes, %v", n, err)
		}
	}
}
