package zoho

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Test doubles of the download tests: a file server with scripted faults
// (plain on loopback, or TLS answering for any host name through a dialer
// that routes every host to it), an in-memory target and a token source
// that can replace a rejected token.

const (
	testZGID     = "757345985"
	otherToken   = "1000.aaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbb"
	testETag     = `"v1-4876876000001593003"`
	linkPathTail = "/v2/crm/" + testZGID + "/backup/" + backupID + "/"
)

// fileContent is size deterministic bytes without a short period, so a
// byte written at the wrong offset shows.
func fileContent(size int) []byte {
	r := mrand.New(mrand.NewPCG(16, uint64(size)))
	out := make([]byte, size)
	for i := range out {
		out[i] = byte(r.Uint32())
	}
	return out
}

// cut says what a fault does after some bytes of the body.
type cut int

const (
	noCut    cut = iota
	dropConn     // close the connection (the handler aborts)
	truncate     // stop writing and return: fewer bytes than Content-Length
	stall        // send nothing more until the client gives up
)

// fault is one scripted answer of the file server; the zero fault serves
// the file as http.ServeContent does (200, or 206 for a Range, 416 past the end).
type fault struct {
	// status, header and body replace the file with a canned answer.
	status int
	header map[string]string
	body   string
	// ignoreRange answers 200 with the whole file whatever the Range.
	ignoreRange bool
	// contentRange answers 206 with this Content-Range and the file from
	// the requested offset (a lie when it does not match).
	contentRange string
	// after bytes of the body, cutMode happens.
	after   int64
	cutMode cut
	// etag replaces the server's ETag on a served answer; "-" sends none.
	etag string
}

// seenRequest is what the file server saw of one request.
type seenRequest struct {
	host, path, authorization, rangeHeader, ifRange, acceptEncoding string
}

// fileServer serves content with faults from script (request number n,
// from 0), and records every request. Served answers carry the ETag
// testETag, and honour If-Range.
type fileServer struct {
	content []byte
	script  func(n int) fault

	mu   sync.Mutex
	seen []seenRequest
}

func (s *fileServer) requests() []seenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seenRequest(nil), s.seen...)
}

func (s *fileServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	n := len(s.seen)
	s.seen = append(s.seen, seenRequest{
		host: r.Host, path: r.URL.Path, authorization: r.Header.Get("Authorization"),
		rangeHeader: r.Header.Get("Range"), ifRange: r.Header.Get("If-Range"), acceptEncoding: r.Header.Get("Accept-Encoding"),
	})
	s.mu.Unlock()
	var f fault
	if s.script != nil {
		f = s.script(n)
	}
	if f.status != 0 {
		for k, v := range f.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(f.status)
		_, _ = w.Write([]byte(f.body))
		return
	}
	switch f.etag {
	case "":
		w.Header().Set("ETag", testETag)
	case "-":
	default:
		w.Header().Set("ETag", f.etag)
	}
	out := w
	if f.cutMode != noCut {
		out = &cuttingWriter{ResponseWriter: w, left: f.after, mode: f.cutMode, done: r.Context().Done()}
	}
	switch {
	case f.contentRange != "":
		from := requestedOffset(r)
		out.Header().Set("Content-Range", f.contentRange)
		out.Header().Set("Content-Length", strconv.Itoa(len(s.content)-from))
		out.WriteHeader(http.StatusPartialContent)
		_, _ = out.Write(s.content[from:])
	case f.ignoreRange:
		out.Header().Set("Content-Length", strconv.Itoa(len(s.content)))
		out.WriteHeader(http.StatusOK)
		_, _ = out.Write(s.content)
	default:
		out.Header().Set("Content-Type", "application/zip")
		http.ServeContent(out, r, "", time.Time{}, bytes.NewReader(s.content))
	}
}

// requestedOffset reads "bytes=N-".
func requestedOffset(r *http.Request) int {
	n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(r.Header.Get("Range"), "bytes="), "-"))
	return n
}

var errTruncated = errors.New("truncated on purpose")

// cuttingWriter passes left bytes of the body through, then drops the
// connection, stops writing, or stalls.
type cuttingWriter struct {
	http.ResponseWriter
	left int64
	mode cut
	done <-chan struct{}
}

func (c *cuttingWriter) Write(p []byte) (int, error) {
	if int64(len(p)) <= c.left {
		c.left -= int64(len(p))
		return c.ResponseWriter.Write(p)
	}
	n, _ := c.ResponseWriter.Write(p[:c.left])
	c.left = 0
	c.ResponseWriter.(http.Flusher).Flush() //nolint:forcetypeassert // net/http's writers flush.
	switch c.mode {
	case dropConn:
		panic(http.ErrAbortHandler)
	case stall:
		<-c.done
	}
	return n, errTruncated
}

// memTarget is a DownloadTarget in memory; resets counts the Resets that
// discarded bytes.
type memTarget struct {
	buf       bytes.Buffer
	validator string
	resets    int
}

func (m *memTarget) Write(p []byte) (int, error) { return m.buf.Write(p) }

func (m *memTarget) Size() int64 { return int64(m.buf.Len()) }

func (m *memTarget) Validator() string { return m.validator }

func (m *memTarget) Reset(validator string) error {
	if m.buf.Len() > 0 {
		m.resets++
	}
	m.buf.Reset()
	m.validator = validator
	return nil
}

func (m *memTarget) Len() int { return m.buf.Len() }

func (m *memTarget) Bytes() []byte { return m.buf.Bytes() }

// heldTarget is a target that already holds the first n bytes of content,
// started from an answer with the ETag testETag.
func heldTarget(content []byte, n int) *memTarget {
	t := &memTarget{validator: testETag}
	t.buf.Write(content[:n])
	return t
}

// loopbackDownload starts a plain file server on loopback and a client
// whose api_domain is loopback (as with the emulator); it returns the
// client, the checked link of Data_001.zip on that server, and the server.
func loopbackDownload(t *testing.T, content []byte, script func(int) fault, cfg Config) (*Client, DownloadLink, *fileServer) {
	t.Helper()
	fs := &fileServer{content: content, script: script}
	srv := httptest.NewServer(fs)
	t.Cleanup(srv.Close)
	cfg.APIDomain = "http://127.0.0.1:9"
	if cfg.Tokens == nil {
		cfg.Tokens = StaticToken(testToken)
	}
	if cfg.Retry == nil {
		cfg.Retry = fastRetries(3)
	}
	client, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return client, checkedLink(t, client, srv.URL+linkPathTail+"Data_001.zip"), fs
}

// checkedLink is raw as the client's CheckDownloadLink accepts it.
func checkedLink(t testing.TB, client *Client, raw string) DownloadLink {
	t.Helper()
	link, err := client.CheckDownloadLink(raw)
	if err != nil {
		t.Fatal(err)
	}
	return link
}

// zohoHostNames are the names the test certificate covers: every data
// centre's Zoho domain and its subdomains, and the look-alikes the refusal
// tests use, so a refusal can only come from the client, never from TLS.
func zohoHostNames() []string {
	names := []string{"evilzoho.com", "*.evilzoho.com", "zoho.com.evil.example", "*.zoho.com.evil.example", "evil.example", "*.evil.example", "localhost"}
	for _, dc := range dataCenters {
		domain := ZohoDomainFor(hostOf(dc.APIDomain))
		names = append(names, domain, "*."+domain)
	}
	return names
}

// testCertificate is a self-signed certificate for zohoHostNames and
// 127.0.0.1, made once per test binary.
var testCertificate = sync.OnceValues(func() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(16),
		Subject:               pkix.Name{Organization: []string{"zoho download test"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              zohoHostNames(),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback, net.ParseIP("203.0.113.5")},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
})

// tlsDownload starts a TLS file server that answers for every name of
// zohoHostNames, and a client for apiDomain whose HTTP client trusts the
// test certificate and dials that server whatever host a URL names: a
// request the client should not send would reach it and be recorded.
func tlsDownload(t *testing.T, apiDomain string, content []byte, script func(int) fault) (*Client, *fileServer) {
	t.Helper()
	cert, err := testCertificate()
	if err != nil {
		t.Fatal(err)
	}
	fs := &fileServer{content: content, script: script}
	srv := httptest.NewUnstartedServer(fs)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	roots := x509.NewCertPool()
	roots.AddCert(cert.Leaf)
	httpClient := NewHTTPClient()
	transport := httpClient.Transport.(*http.Transport) //nolint:forcetypeassert // NewHTTPClient's transport.
	transport.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	var dialer net.Dialer
	transport.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, srv.Listener.Addr().String())
	}
	client, err := NewClient(Config{APIDomain: apiDomain, Tokens: StaticToken(testToken), HTTPClient: httpClient, Retry: fastRetries(3)})
	if err != nil {
		t.Fatal(err)
	}
	return client, fs
}

// rotatingTokens hands out tokens in order, moving to the next one when the
// current one is invalidated, as RefreshingTokenSource does.
type rotatingTokens struct {
	mu          sync.Mutex
	tokens      []string
	current     int
	invalidated []string
}

func (r *rotatingTokens) Token(context.Context) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tokens[min(r.current, len(r.tokens)-1)], nil
}

func (r *rotatingTokens) Invalidate(_ context.Context, token string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.invalidated = append(r.invalidated, token)
	if token == r.tokens[min(r.current, len(r.tokens)-1)] {
		r.current++
	}
}

// envelopeBody is a Zoho error envelope.
func envelopeBody(code, message string) string {
	return `{"code":"` + code + `","details":{},"message":"` + message + `","status":"error"}`
}

// checkContent fails unless target holds exactly content.
func checkContent(t *testing.T, target *memTarget, content []byte) {
	t.Helper()
	if !bytes.Equal(target.Bytes(), content) {
		t.Fatalf("the target holds %d bytes that are not the file's %d", target.Len(), len(content))
	}
}
