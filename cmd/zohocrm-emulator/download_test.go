package main

import (
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
)

func TestParseByteSize(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "262144": 262144, "256KiB": 256 << 10, "100MiB": 100 << 20, "1GiB": 1 << 30, "2G": 2 << 30, " 3 MB ": 3 << 20, "4K": 4096} {
		if got, err := parseByteSize(in); err != nil || got != want {
			t.Errorf("parseByteSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-1", "1TiB", "x", "1.5GiB", "99999999999GiB"} {
		if _, err := parseByteSize(bad); err == nil {
			t.Errorf("parseByteSize(%q) accepted", bad)
		}
	}
}

// downloadGet fetches link with token and an optional Range.
func downloadGet(t *testing.T, link, token, rng string) (int, int, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, link, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Zoho-oauthtoken "+token)
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, len(body), err
}

// startFromDownloadFlags starts an emulator with the download options the
// flags give, and a token "tok" with the files scope; it stops with t.
func startFromDownloadFlags(t *testing.T, args ...string) *emulator.Server {
	t.Helper()
	o, err := parseFlags(args, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	srv := emulator.New(o.download.options()...)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	srv.AddToken("tok", emulator.ScopeFiles)
	return srv
}

func TestDownloadFlags(t *testing.T) {
	srv := startFromDownloadFlags(t,
		"-download-size", "64KiB", "-data-files", "2", "-attachment-files", "0",
		"-download-drop-after", "1KiB", "-download-drop-times", "2", "-download-ignore-range",
		"-download-error", emulator.CodeInvalidToken)
	b := srv.SeedBackup(emulator.StatusCompleted, "")
	if len(b.DataLinks) != 2 || len(b.AttachmentLinks) != 0 || srv.DownloadSize() != 64<<10 {
		t.Fatalf("links %v %v, size %d", b.DataLinks, b.AttachmentLinks, srv.DownloadSize())
	}
	type answer struct {
		status, bytes int
		failed        bool
	}
	var got []answer
	for range 4 {
		status, n, err := downloadGet(t, b.DataLinks[0], "tok", "bytes=100-")
		got = append(got, answer{status, n, err != nil})
	}
	want := []answer{
		{http.StatusUnauthorized, len(`{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}`), false},
		{http.StatusOK, 1 << 10, true}, {http.StatusOK, 1 << 10, true}, // dropped, Range ignored
		{http.StatusOK, 64 << 10, false}, // Range still ignored
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("answers %+v, want %+v", got, want)
		}
	}
}

func TestRunServesDownloads(t *testing.T) {
	const token = "1000.download-demo-token"
	ready := filepath.Join(t.TempDir(), "ready.json")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		o, err := parseFlags([]string{"-token", token, "-seed", "COMPLETED", "-ready-file", ready, "-download-size", "8KiB"}, io.Discard)
		if err != nil {
			errc <- err
			return
		}
		errc <- run(ctx, o, log.New(io.Discard, "", 0))
	}()
	var info struct {
		URL         string `json:"url"`
		DownloadURL string `json:"download_url"`
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, err := os.ReadFile(ready)
		if err == nil && json.Unmarshal(data, &info) == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("ready file never appeared")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.HasPrefix(info.DownloadURL, "http://127.0.0.1:") || info.DownloadURL == info.URL {
		t.Fatalf("ready file: %+v", info)
	}
	req, _ := http.NewRequest(http.MethodGet, info.URL+"/crm/bulk/v8/backup/urls", nil)
	req.Header.Set("Authorization", "Zoho-oauthtoken "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var urls struct {
		URLs struct {
			DataLinks []string `json:"data_links"`
		} `json:"urls"`
	}
	err = json.NewDecoder(resp.Body).Decode(&urls)
	_ = resp.Body.Close()
	if err != nil || len(urls.URLs.DataLinks) != 1 || !strings.HasPrefix(urls.URLs.DataLinks[0], info.DownloadURL+"/v2/crm/") {
		t.Fatalf("urls: %+v, %v", urls, err)
	}
	// -token carries the download scope too.
	if status, n, err := downloadGet(t, urls.URLs.DataLinks[0], token, ""); status != http.StatusOK || n != 8<<10 || err != nil {
		t.Fatalf("download: %d, %d bytes, %v", status, n, err)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

func TestDownloadFlagsNoContentLengthAndChange(t *testing.T) {
	srv := startFromDownloadFlags(t, "-download-no-content-length", "-download-change-after", "1")
	link := srv.SeedBackup(emulator.StatusCompleted, "").DataLinks[0]
	var etags []string
	for range 2 {
		req, _ := http.NewRequest(http.MethodGet, link, nil)
		req.Header.Set("Authorization", "Zoho-oauthtoken tok")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.ContentLength != -1 || n != srv.DownloadSize() {
			t.Fatalf("Content-Length %d, %d bytes: want none, and the whole file", resp.ContentLength, n)
		}
		etags = append(etags, resp.Header.Get("ETag"))
	}
	if etags[0] == etags[1] {
		t.Fatalf("the file did not change after one download: ETag %s twice", etags[0])
	}
}
