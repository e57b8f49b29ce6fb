package zoho

import (
	"context"
	"crypto/sha256"
	"hash"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// BenchmarkDownloadLoopback measures the client's download path (socket
// to target through the fixed buffer, with the stall watchdog and progress
// reports) from a loopback server that writes a file of benchDownloadBytes
// from one repeated block, so the server costs little. The MB/s column is
// the client's throughput. Run it with
//
//	go test -run '^$' -bench BenchmarkDownloadLoopback -benchmem ./internal/zoho/
//
// "discard" writes nowhere; "sha256" hashes in the same pass, as the
// action's .part files do.
const benchDownloadBytes = 256 << 20

func BenchmarkDownloadLoopback(b *testing.B) {
	link := benchFileServer(b)
	client, err := NewClient(Config{APIDomain: "http://127.0.0.1:9", Tokens: StaticToken(testToken), Retry: noRetries})
	if err != nil {
		b.Fatal(err)
	}
	checked := checkedLink(b, client, link)
	b.Run("discard", func(b *testing.B) { benchDownload(b, client, checked, nil) })
	b.Run("sha256", func(b *testing.B) { benchDownload(b, client, checked, sha256.New) })
}

// benchFileServer serves benchDownloadBytes from one repeated block and
// returns a download link to it.
func benchFileServer(b *testing.B) string {
	b.Helper()
	block := fileContent(1 << 20)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(benchDownloadBytes))
		w.Header().Set("Content-Type", "application/zip")
		for written := 0; written < benchDownloadBytes; written += len(block) {
			if _, err := w.Write(block); err != nil {
				return
			}
		}
	}))
	b.Cleanup(srv.Close)
	return srv.URL + linkPathTail + "Data_001.zip"
}

// benchDownload downloads the file once per iteration into a counting
// target, hashing it when newHash is set.
func benchDownload(b *testing.B, client *Client, link DownloadLink, newHash func() hash.Hash) {
	b.SetBytes(benchDownloadBytes)
	b.ReportAllocs()
	for b.Loop() {
		target := &countingTarget{}
		if newHash != nil {
			target.hash = newHash()
		}
		reports := 0
		result, err := client.Download(context.Background(), link, target, func(DownloadProgress) { reports++ })
		if err != nil {
			b.Fatal(err)
		}
		if result.Size != benchDownloadBytes || target.n != benchDownloadBytes || reports == 0 {
			b.Fatalf("result %+v, target %d bytes", result, target.n)
		}
	}
}

// countingTarget counts (and optionally hashes) what it is given.
type countingTarget struct {
	n    int64
	hash hash.Hash
}

func (c *countingTarget) Write(p []byte) (int, error) {
	if c.hash != nil {
		c.hash.Write(p)
	}
	c.n += int64(len(p))
	return len(p), nil
}

func (c *countingTarget) Size() int64 { return c.n }

func (c *countingTarget) Validator() string { return "" }

func (c *countingTarget) Reset(string) error {
	c.n = 0
	if c.hash != nil {
		c.hash.Reset()
	}
	return nil
}
