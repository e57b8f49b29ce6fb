package emulator

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"sync"
	"time"
)

// WithTLS serves HTTPS (TLS 1.3 only, HTTP/2 or HTTP/1.1 by ALPN, as Go's
// server offers them) with the given certificate instead of plain HTTP, so
// that clients pay for TLS as they do against Zoho. URL then starts with
// https://. Clients must trust the certificate; NewLoopbackCertificate makes
// a throwaway one.
func WithTLS(cert tls.Certificate) Option {
	return func(c *config) { c.tlsCert = &cert }
}

// WithRoundTripTime models a network with round-trip time rtt between the
// clients and the emulator, which loopback otherwise answers in microseconds:
// every API answer is held 1 rtt (as WithLatency(rtt) does), and every new
// connection pays its handshakes once, before its first byte is read: 1 rtt
// for TCP's SYN / SYN-ACK, plus 1 rtt for the TLS 1.3 handshake when WithTLS
// is set. A client that keeps its connections alive pays the handshakes once
// per connection; one that opens a connection per request pays them every
// time, as it would against Zoho. Default 0 (no delay).
func WithRoundTripTime(rtt time.Duration) Option {
	return func(c *config) {
		c.latency = max(rtt, 0)
		c.roundTrip = max(rtt, 0)
	}
}

// connectionSetupDelay is what a new connection costs before the server
// reads its first byte: the TCP handshake, and the TLS 1.3 one if served.
func (c config) connectionSetupDelay() time.Duration {
	if c.tlsCert != nil {
		return 2 * c.roundTrip
	}
	return c.roundTrip
}

// serve serves srv on ln in the network the options describe: TLS or plain
// HTTP, with or without a connection set-up delay. It returns what Serve or
// ServeTLS returns.
func (c config) serve(srv *http.Server, ln net.Listener) error {
	if delay := c.connectionSetupDelay(); delay > 0 {
		ln = handshakeDelayListener{Listener: ln, delay: delay}
	}
	if c.tlsCert == nil {
		return srv.Serve(ln)
	}
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*c.tlsCert}, MinVersion: tls.VersionTLS13}
	// ServeTLS adds h2 and http/1.1 to the ALPN protocols, as a default Go
	// server over TLS has them.
	return srv.ServeTLS(ln, "", "")
}

// scheme is the URL scheme the server answers on.
func (c config) scheme() string {
	if c.tlsCert != nil {
		return "https"
	}
	return "http"
}

// handshakeDelayListener hands out connections whose first Read waits for
// the handshakes a real network would have cost. The wait is in the
// connection's own goroutine (the server's first read of it), never in
// Accept, so connections opened together wait together, as they would on a
// network.
type handshakeDelayListener struct {
	net.Listener
	delay time.Duration
}

func (l handshakeDelayListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &firstReadDelayedConn{Conn: conn, delay: l.delay}, nil
}

// firstReadDelayedConn delays its first Read, and only that one.
type firstReadDelayedConn struct {
	net.Conn
	delay time.Duration
	once  sync.Once
}

func (c *firstReadDelayedConn) Read(p []byte) (int, error) {
	c.once.Do(func() { time.Sleep(c.delay) })
	return c.Conn.Read(p)
}

// NewLoopbackCertificate generates a throwaway self-signed ECDSA P-256
// certificate for 127.0.0.1, ::1 and localhost, valid for a day, for
// WithTLS. It also returns the certificate in PEM, for clients to trust (Go
// programs through SSL_CERT_FILE, curl through --cacert). The private key
// never leaves memory.
func NewLoopbackCertificate() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("emulator: generating a TLS key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("emulator: generating a serial number: %w", err)
	}
	now := time.Now()
	template := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "zohocrm emulator (loopback, throwaway)"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		// Self-signed and trusted directly: it is its own root.
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("emulator: creating the certificate: %w", err)
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	return cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}
