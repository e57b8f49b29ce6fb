package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
)

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"-token", "a,b", "-token", " c ", "-seed", "SCHEDULED", "-quota", "-1", "-latency", "50ms"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.tokens, []string{"a", "b", "c"}) || o.seed != "SCHEDULED" || o.quota != -1 ||
		o.listen != "127.0.0.1:0" || o.seedRRule != defaultSeedRRule || o.latency != 50*time.Millisecond {
		t.Fatalf("options = %+v", o)
	}
	if _, err := parseFlags([]string{"extra"}, io.Discard); err == nil {
		t.Fatal("stray argument accepted")
	}
	o, err = parseFlags([]string{"-self-client", "id:secret:refresh"}, io.Discard)
	if err != nil || !slices.Equal(o.selfClients, []selfClient{{id: "id", secret: "secret", refreshToken: "refresh"}}) {
		t.Fatalf("-self-client: %+v, %v", o.selfClients, err)
	}
	o, err = parseFlags([]string{"-scoped-token", "t:" + emulator.ScopeRead + ":" + emulator.ScopeFiles, "-user-token", "u"}, io.Discard)
	if err != nil || len(o.scopedTokens) != 1 || !slices.Equal(o.scopedTokens[0], []string{"t", emulator.ScopeRead, emulator.ScopeFiles}) ||
		!slices.Equal(o.userTokens, []string{"u"}) {
		t.Fatalf("-scoped-token, -user-token: %+v %+v, %v", o.scopedTokens, o.userTokens, err)
	}
	for _, bad := range [][]string{{"-scoped-token", "t"}, {"-scoped-token", "t::x"}, {"-user-token", " "}} {
		if _, err := parseFlags(bad, io.Discard); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	for _, bad := range []string{"id:secret", "id::refresh", "a:b:c:d"} {
		if _, err := parseFlags([]string{"-self-client", bad}, io.Discard); err == nil {
			t.Errorf("-self-client %q accepted", bad)
		}
	}
}

func TestParseFlagsLimitCode(t *testing.T) {
	o, err := parseFlags(nil, io.Discard)
	if err != nil || o.limitCode != emulator.CodeLimitReached || o.purchased != 0 {
		t.Fatalf("defaults: limit code %q, purchased %d, %v", o.limitCode, o.purchased, err)
	}
	o, err = parseFlags([]string{"-limit-code", "LIMIT_EXCEEDED", "-purchased-backups", "2"}, io.Discard)
	if err != nil || o.limitCode != emulator.CodeLimitExceeded || o.purchased != 2 {
		t.Fatalf("-limit-code LIMIT_EXCEEDED -purchased-backups 2: %q, %d, %v", o.limitCode, o.purchased, err)
	}
	if _, err := parseFlags([]string{"-limit-code", "LIMIT_HIT"}, io.Discard); err == nil || !strings.Contains(err.Error(), "LIMIT_REACHED or LIMIT_EXCEEDED") {
		t.Fatalf("-limit-code LIMIT_HIT: %v", err)
	}
}

func TestRunRefusesNonLoopback(t *testing.T) {
	o := options{listen: "0.0.0.0:0", seedRRule: defaultSeedRRule, quota: 4}
	if err := run(t.Context(), o, log.New(io.Discard, "", 0)); err == nil {
		t.Fatal("run listened on 0.0.0.0")
	}
}

func TestRunEndToEnd(t *testing.T) {
	const token = "1000.secret-demo-token"
	ready := filepath.Join(t.TempDir(), "ready.json")
	var logs bytes.Buffer
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, options{
			listen: "127.0.0.1:0", tokens: []string{token}, seed: "scheduled",
			selfClients: []selfClient{{id: "demo-client", secret: "demo-secret", refreshToken: "demo-refresh"}},
			seedRRule:   defaultSeedRRule, readyFile: ready, quota: 4,
		}, log.New(&logs, "", 0))
	}()

	info := waitForReadyFile(t, ready)
	if !strings.HasPrefix(info.URL, "http://127.0.0.1:") || len(info.BackupID) != 19 || info.PID != os.Getpid() {
		t.Fatalf("ready = %+v", info)
	}

	req, err := http.NewRequest(http.MethodGet, info.URL+"/crm/bulk/v8/backup", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Zoho-oauthtoken "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Backup struct{ ID, Status string } `json:"backup"`
	}
	err = json.NewDecoder(resp.Body).Decode(&body)
	_ = resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || body.Backup.ID != info.BackupID || body.Backup.Status != "SCHEDULED" {
		t.Fatalf("GET /backup: %d %+v %v", resp.StatusCode, body, err)
	}

	// The Self Client's refresh token gets an access token the API accepts.
	refreshed := refreshAccessToken(t, info.URL)
	req.Header.Set("Authorization", "Zoho-oauthtoken "+refreshed)
	if resp, err = http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /backup with a refreshed token: %v", err)
	}
	_ = resp.Body.Close()

	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
	if _, err := os.Stat(ready); !os.IsNotExist(err) {
		t.Fatalf("ready file left behind: %v", err)
	}
	out := logs.String()
	if !strings.Contains(out, "GET /crm/bulk/v8/backup 200") {
		t.Fatalf("request not logged: %s", out)
	}
	if strings.Contains(out, token) || strings.Contains(out, "demo-secret") || strings.Contains(out, "demo-refresh") || strings.Contains(out, refreshed) {
		t.Fatalf("log leaks the token: %s", out)
	}
}

// readyInfo is what run writes to its -ready-file.
type readyInfo struct {
	URL      string `json:"url"`
	BackupID string `json:"backup_id"`
	PID      int    `json:"pid"`
}

// waitForReadyFile waits up to 10s for run to write the ready file.
func waitForReadyFile(t *testing.T, ready string) readyInfo {
	t.Helper()
	var info readyInfo
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, err := os.ReadFile(ready)
		if err == nil {
			if err := json.Unmarshal(data, &info); err != nil {
				t.Fatalf("ready file %q: %v", data, err)
			}
			return info
		}
		if time.Now().After(deadline) {
			t.Fatal("ready file never appeared")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// refreshAccessToken trades the demo Self Client's refresh token for an
// access token at the emulator's token endpoint.
func refreshAccessToken(t *testing.T, baseURL string) string {
	t.Helper()
	resp, err := http.PostForm(baseURL+"/oauth/v2/token", url.Values{
		"grant_type": {"refresh_token"}, "client_id": {"demo-client"}, "client_secret": {"demo-secret"}, "refresh_token": {"demo-refresh"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var refreshed struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&refreshed)
	_ = resp.Body.Close()
	if err != nil || refreshed.AccessToken == "" {
		t.Fatalf("refresh: %v %+v", err, refreshed)
	}
	return refreshed.AccessToken
}

func TestTLSAndRTTFlags(t *testing.T) {
	certFile := filepath.Join(t.TempDir(), "emulator.pem")
	o, err := parseFlags([]string{"-rtt", "50ms", "-tls-cert", certFile}, io.Discard)
	if err != nil || o.rtt != 50*time.Millisecond || o.tlsCertFile != certFile {
		t.Fatalf("options = %+v, %v", o, err)
	}
	opts, err := networkOptions(o)
	if err != nil {
		t.Fatal(err)
	}
	srv := emulator.New(opts...)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if !strings.HasPrefix(srv.URL(), "https://127.0.0.1:") {
		t.Fatalf("URL = %q, want https with -tls-cert", srv.URL())
	}
	pemData, err := os.ReadFile(certFile)
	if err != nil || !strings.Contains(string(pemData), "BEGIN CERTIFICATE") || strings.Contains(string(pemData), "PRIVATE KEY") {
		t.Fatalf("-tls-cert file must hold the certificate and nothing secret: %v\n%s", err, pemData)
	}
}
