package backupfiles

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// Throughput of the file side of a download, without a network. Run with
//
//	go test -run '^$' -bench . -benchtime 10x ./internal/backupfiles/
//
// and read MB/s: BenchmarkPartFileWrite is what a download can reach at
// most; BenchmarkFileWriteOnly and BenchmarkSHA256Only split it into its two
// costs (SHA-256 dominates).

const benchFileSize = 64 << 20

// benchChunk is the size of the writes io.Copy makes from a response body.
const benchChunk = 32 << 10

func benchPayload() []byte {
	b := make([]byte, benchChunk)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func BenchmarkPartFileWrite(b *testing.B) {
	d := openTestDir(b)
	chunk := benchPayload()
	p, err := d.OpenPart(context.Background(), "Data_001.zip")
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	b.SetBytes(benchFileSize)
	b.ResetTimer()
	for b.Loop() {
		if err := p.Reset(""); err != nil {
			b.Fatal(err)
		}
		for written := 0; written < benchFileSize; written += len(chunk) {
			if _, err := p.Write(chunk); err != nil {
				b.Fatal(err)
			}
		}
		_ = p.SHA256()
	}
}

func BenchmarkFileWriteOnly(b *testing.B) {
	chunk := benchPayload()
	f, err := os.OpenFile(filepath.Join(b.TempDir(), "raw"), os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.SetBytes(benchFileSize)
	for b.Loop() {
		if err := f.Truncate(0); err != nil {
			b.Fatal(err)
		}
		for written := 0; written < benchFileSize; written += len(chunk) {
			if _, err := f.Write(chunk); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkSHA256Only(b *testing.B) {
	chunk := benchPayload()
	b.SetBytes(benchFileSize)
	for b.Loop() {
		h := sha256.New()
		for written := 0; written < benchFileSize; written += len(chunk) {
			h.Write(chunk)
		}
		_ = h.Sum(nil)
	}
}

// BenchmarkVerify is Commit's verification of a 64 MiB archive of deflated
// CSV-like text, Zoho's content; MB/s are of the archive's bytes, and
// inflated-MB/s of the entries' content. Compare -cpu 1,2 for the parallel
// workers.
func BenchmarkVerify(b *testing.B) {
	path := filepath.Join(b.TempDir(), "Data_001.zip")
	size := writeBenchZip(b, path)
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	zr, err := zip.NewReader(f, size)
	if err != nil {
		b.Fatal(err)
	}
	var inflated uint64
	for _, e := range zr.File {
		inflated += e.UncompressedSize64
	}
	b.SetBytes(size)
	for b.Loop() {
		if err := verifyZip(context.Background(), f, size, path); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(inflated)*float64(b.N)/b.Elapsed().Seconds()/1e6, "inflated-MB/s")
}

// writeBenchZip writes a ZIP of about 64 MiB: a few deflated entries of
// varied CSV rows, as a Zoho data file holds.
func writeBenchZip(b *testing.B, path string) int64 {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	r := rand.New(rand.NewPCG(5, 6))
	row := make([]byte, 0, 128)
	for entry := 0; ; entry++ {
		if st, _ := f.Stat(); st.Size() >= benchFileSize {
			break
		}
		w, err := zw.Create("Module_" + string(rune('A'+entry%26)) + ".csv")
		if err != nil {
			b.Fatal(err)
		}
		for range 200_000 {
			row = row[:0]
			for range 6 {
				row = append(row, []byte("\"")...)
				for range 8 + r.IntN(8) {
					row = append(row, byte('a'+r.IntN(26)))
				}
				row = append(row, []byte("\",")...)
			}
			row = append(row, '\n')
			if _, err := w.Write(row); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	off, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		b.Fatal(err)
	}
	return off
}
