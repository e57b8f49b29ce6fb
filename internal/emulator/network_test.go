package emulator

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"strings"
	"testing"
	"time"
)

// testRTT is long enough that a handshake delay stands out from scheduling
// noise under -race on a busy machine, and short enough to keep tests quick.
const testRTT = 150 * time.Millisecond

// timedCancel cancels one backup through client (cancelWith) and says how
// long the whole exchange took and how it was carried.
func timedCancel(t *testing.T, client *http.Client, s *Server, id string) (time.Duration, *http.Response) {
	t.Helper()
	began := time.Now()
	resp := cancelWith(t, client, s, id)
	took := time.Since(began)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("cancel %s: HTTP %d", id, resp.StatusCode)
	}
	return took, resp
}

// trustingClient is a keep-alive client that trusts only the PEM
// certificate, as the provider does with SSL_CERT_FILE.
func trustingClient(t *testing.T, certPEM []byte) *http.Client {
	t.Helper()
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(certPEM) {
		t.Fatalf("the certificate PEM does not parse:\n%s", certPEM)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone() //nolint:forcetypeassert // net/http declares it a *Transport.
	transport.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	client := &http.Client{Transport: transport}
	t.Cleanup(client.CloseIdleConnections)
	return client
}

func TestRoundTripTimeOverTLSDelaysEachConnectionOnce(t *testing.T) {
	cert, certPEM, err := NewLoopbackCertificate()
	if err != nil {
		t.Fatal(err)
	}
	s := newServer(t, WithTLS(cert), WithRoundTripTime(testRTT))
	if !strings.HasPrefix(s.URL(), "https://127.0.0.1:") {
		t.Fatalf("URL = %q, want https on 127.0.0.1", s.URL())
	}
	ids := seedScheduled(s, 3)
	client := trustingClient(t, certPEM)

	// A new connection: TCP and TLS handshakes (2 RTT), then the answer (1 RTT).
	first, resp := timedCancel(t, client, s, ids[0])
	if first < 3*testRTT {
		t.Errorf("first request on a new connection took %s, want at least 3 RTT (%s)", first, 3*testRTT)
	}
	if resp.TLS == nil || resp.TLS.Version != tls.VersionTLS13 {
		t.Fatalf("the answer did not come over TLS 1.3: %+v", resp.TLS)
	}
	// As any Go server over TLS, it offers HTTP/2, which Go's transport (and
	// the provider's client, a clone of it) picks.
	if resp.ProtoMajor != 2 {
		t.Errorf("answered over %s, want HTTP/2 negotiated by ALPN", resp.Proto)
	}
	// The same connection again: only the answer's round trip.
	for _, id := range ids[1:] {
		again, _ := timedCancel(t, client, s, id)
		if again < testRTT || again >= 2*testRTT {
			t.Errorf("request on a kept-alive connection took %s, want 1 RTT (%s) and less than 2", again, testRTT)
		}
	}
	if got := s.Metrics(); got.ConnectionsAccepted != 1 || got.Requests != 3 {
		t.Fatalf("metrics = %+v, want 1 connection and 3 requests", got)
	}

	// A client that does not trust the certificate is refused, so the test
	// above really went through TLS with this certificate.
	if _, err := http.Get(s.URL() + "/_emulator/metrics"); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("an untrusting client got through (err = %v)", err)
	}
}

func TestRoundTripTimeOverPlainHTTPChargesOnlyTCP(t *testing.T) {
	s := newServer(t, WithRoundTripTime(testRTT))
	if !strings.HasPrefix(s.URL(), "http://") {
		t.Fatalf("URL = %q, want plain http without WithTLS", s.URL())
	}
	ids := seedScheduled(s, 2)
	oneShot := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for _, id := range ids {
		took, resp := timedCancel(t, oneShot, s, id)
		if took < 2*testRTT || took >= 3*testRTT {
			t.Errorf("request on a new plain connection took %s, want 2 RTT (TCP, then the answer: %s) and less than 3", took, 2*testRTT)
		}
		if resp.TLS != nil {
			t.Fatal("plain HTTP answered over TLS")
		}
	}
	if got := s.Metrics().ConnectionsAccepted; got != 2 {
		t.Fatalf("%d connections, want 2 (one per request without keep-alive)", got)
	}
}

func TestNoRoundTripTimeMeansNoDelay(t *testing.T) {
	if got := New().cfg.connectionSetupDelay(); got != 0 {
		t.Fatalf("connection set-up delay without WithRoundTripTime = %s, want 0", got)
	}
	if got := New(WithLatency(time.Second)).cfg.connectionSetupDelay(); got != 0 {
		t.Fatalf("WithLatency alone delays connections by %s; it must only hold answers", got)
	}
}
