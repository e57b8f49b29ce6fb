package emulator

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestDownloadFaultDropAfter(t *testing.T) {
	s, _, b := newDownloadServer(t, WithDownloadSize(200_000))
	link := b.DataLinks[0]
	full := DownloadContent(b.DataLinks[0][len(link)-32:len(link)-13], "Data_001.zip", 200_000)
	want, _ := io.ReadAll(full)
	s.InjectDownloadFault(DownloadFault{DropAfter: 100_000, Times: 2})

	for range 2 {
		f := get(t, link)
		if f.status != http.StatusOK || f.readErr == nil || len(f.body) != 100_000 || !bytes.Equal(f.body, want[:100_000]) {
			t.Fatalf("dropped GET: %d, %v, %d bytes", f.status, f.readErr, len(f.body))
		}
	}
	rest := get(t, link, "Range", "bytes=100000-")
	if rest.status != http.StatusPartialContent || rest.readErr != nil || !bytes.Equal(append(want[:100_000:100_000], rest.body...), want) {
		t.Fatalf("resume: %d, %v, %d bytes", rest.status, rest.readErr, len(rest.body))
	}
	reqs := s.DownloadRequests()
	var sent int64
	for _, r := range reqs {
		sent += r.BytesSent
	}
	if len(reqs) != 3 || reqs[0].BytesSent != 100_000 || reqs[2].BytesSent != 100_000 || sent != 300_000 {
		t.Fatalf("recorded %+v", reqs)
	}
}

func TestDownloadFaultDropOverHTTP2(t *testing.T) {
	cert, certPEM, err := NewLoopbackCertificate()
	if err != nil {
		t.Fatal(err)
	}
	s, _, b := newDownloadServer(t, WithTLS(cert), WithDownloadFaults(DownloadFault{DropAfter: 1000}))
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	f := fetch(t, &http.Client{Transport: tr}, http.MethodGet, b.DataLinks[0], filesToken)
	if f.readErr == nil || len(f.body) != 1000 {
		t.Fatalf("HTTP/2 drop: %v, %d bytes", f.readErr, len(f.body))
	}
	wantFile(t, s, b.DataLinks[0], fetch(t, &http.Client{Transport: tr}, http.MethodGet, b.DataLinks[0], filesToken))
}

func TestDownloadFaultTruncate(t *testing.T) {
	s, _, b := newDownloadServer(t)
	s.InjectDownloadFault(DownloadFault{TruncateAfter: 5000, Times: -1})
	for range 2 {
		f := get(t, b.DataLinks[0])
		if f.header.Get("Content-Length") != strconv.FormatInt(DefaultDownloadSize, 10) || len(f.body) != 5000 ||
			!errors.Is(f.readErr, io.ErrUnexpectedEOF) {
			t.Fatalf("truncated: Content-Length %s, %d bytes, %v", f.header.Get("Content-Length"), len(f.body), f.readErr)
		}
	}
	s.ClearDownloadFaults()
	wantFile(t, s, b.DataLinks[0], get(t, b.DataLinks[0]))
}

func TestDownloadFaultIgnoreRange(t *testing.T) {
	s, _, b := newDownloadServer(t, WithDownloadFaults(DownloadFault{IgnoreRange: true, Times: -1}))
	f := get(t, b.DataLinks[0], "Range", "bytes=1000-")
	if f.header.Get("Content-Range") != "" {
		t.Fatalf("Content-Range %q on an ignored range", f.header.Get("Content-Range"))
	}
	wantFile(t, s, b.DataLinks[0], f)
	s.ClearDownloadFaults()
	if f := get(t, b.DataLinks[0], "Range", "bytes=1000-"); f.status != http.StatusPartialContent {
		t.Fatalf("after ClearDownloadFaults: %d", f.status)
	}
}

func TestDownloadFaultCorrupt(t *testing.T) {
	s, _, b := newDownloadServer(t)
	s.InjectDownloadFault(DownloadFault{Corrupt: true})
	f := get(t, b.DataLinks[0])
	if f.status != http.StatusOK || int64(len(f.body)) != DefaultDownloadSize || sha(f.body) == s.ExpectedSHA256(b.DataLinks[0]) {
		t.Fatalf("corrupt: %d, %d bytes", f.status, len(f.body))
	}
	if _, err := checkArchive(t, f.body); err == nil {
		t.Fatal("the corrupt file checks as a ZIP")
	}
	wantFile(t, s, b.DataLinks[0], get(t, b.DataLinks[0])) // once only
}

func TestDownloadFaultErrorsAndFileFilter(t *testing.T) {
	s, _, b := newDownloadServer(t)
	s.InjectDownloadFault(DownloadFault{File: "Attachments_001.zip", Error: CodeInvalidToken})
	s.InjectDownloadFault(DownloadFault{File: "Data_001.zip", Error: CodeInvalidOAuthScope})
	// HEAD is never faulted.
	if f := fetch(t, nil, http.MethodHead, b.DataLinks[0], filesToken); f.status != http.StatusOK {
		t.Fatalf("HEAD: %d", f.status)
	}
	wantDownloadError(t, get(t, b.DataLinks[0]), http.StatusUnauthorized, CodeInvalidOAuthScope, msgInvalidOAuthScope)
	wantFile(t, s, b.DataLinks[0], get(t, b.DataLinks[0]))
	wantDownloadError(t, get(t, b.AttachmentLinks[0]), http.StatusUnauthorized, CodeInvalidToken, msgInvalidToken)
	wantFile(t, s, b.AttachmentLinks[0], get(t, b.AttachmentLinks[0]))
	s.InjectDownloadFault(DownloadFault{Error: "anything else"})
	wantDownloadError(t, get(t, b.DataLinks[0]), http.StatusInternalServerError, CodeInternalError, msgInternalError)
}

func TestDownloadThroughputCap(t *testing.T) {
	const size = 64 << 10
	s, _, b := newDownloadServer(t, WithDownloadSize(size), WithDownloadThroughput(128<<10))
	began := time.Now()
	wantFile(t, s, b.DataLinks[0], get(t, b.DataLinks[0]))
	if took := time.Since(began); took < 450*time.Millisecond {
		t.Fatalf("64 KiB at 128 KiB/s took %v, want about 0.5 s", took)
	}
	s.SetDownloadThroughput(0)
	began = time.Now()
	wantFile(t, s, b.DataLinks[0], get(t, b.DataLinks[0]))
	if took := time.Since(began); took > 400*time.Millisecond {
		t.Fatalf("uncapped download took %v", took)
	}
}
