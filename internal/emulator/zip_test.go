package emulator

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"runtime"
	"testing"
)

// readAll reads a whole generated file.
func readAll(t testing.TB, jobID, file string, size int64) []byte {
	t.Helper()
	body, err := io.ReadAll(DownloadContent(jobID, file, size))
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// checkArchive opens body with archive/zip and reads every entry, which
// checks each entry's CRC-32; it returns the number of entries.
func checkArchive(t *testing.T, body []byte) (int, error) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		return 0, err
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return 0, err
		}
		n, err := io.Copy(io.Discard, rc)
		_ = rc.Close()
		if err != nil {
			return 0, fmt.Errorf("%s: %w", f.Name, err)
		}
		if uint64(n) != f.UncompressedSize64 || f.Method != zip.Store {
			return 0, fmt.Errorf("%s: %d bytes, method %d", f.Name, n, f.Method)
		}
	}
	return len(zr.File), nil
}

func TestDownloadContentIsAValidZip(t *testing.T) {
	for _, size := range []int64{MinDownloadSize, DefaultDownloadSize, DefaultDownloadSize + 12345, 3*zipEntryMax + 7} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			body := readAll(t, "4876876000001593001", "Data_001.zip", size)
			if int64(len(body)) != size {
				t.Fatalf("%d bytes, want %d", len(body), size)
			}
			n, err := checkArchive(t, body)
			if err != nil {
				t.Fatal(err)
			}
			if want := max(zipMinEntries, int((size+zipEntryMax-1)/zipEntryMax)); n != want {
				t.Fatalf("%d entries, want %d", n, want)
			}
		})
	}
}

func TestDownloadContentSizeIsClamped(t *testing.T) {
	for size, want := range map[int64]int64{0: DefaultDownloadSize, 1: MinDownloadSize, -5: MinDownloadSize, 1 << 40: MaxDownloadSize} {
		if got := DownloadContent("1", "Data_001.zip", size).Size(); got != want {
			t.Errorf("size %d: got %d, want %d", size, got, want)
		}
	}
}

func TestDownloadContentIsDeterministic(t *testing.T) {
	a := readAll(t, "4876876000001593001", "Data_001.zip", 0)
	if b := readAll(t, "4876876000001593001", "Data_001.zip", 0); !bytes.Equal(a, b) {
		t.Fatal("two reads of the same file differ")
	}
	for _, other := range [][2]string{{"4876876000001593002", "Data_001.zip"}, {"4876876000001593001", "Data_002.zip"}} {
		if b := readAll(t, other[0], other[1], 0); bytes.Equal(a, b) {
			t.Fatalf("%v has the same content as job 4876876000001593001 Data_001.zip", other)
		}
	}
	sum := sha256.Sum256(a)
	if got := DownloadSHA256("4876876000001593001", "Data_001.zip", 0); got != hex.EncodeToString(sum[:]) {
		t.Fatalf("DownloadSHA256 = %s, want %x", got, sum)
	}
}

// TestDownloadContentBlocksDiffer proves that repeated blocks carry their
// own stamp: a client that writes one block twice gets a different hash.
func TestDownloadContentBlocksDiffer(t *testing.T) {
	body := readAll(t, "9", "Data_001.zip", 4*zipBlockSize+zipEntryFixed*4+zipEOCDLen+4*zipBlockSize)
	data := body[zipLocalLen:]
	if bytes.Equal(data[:zipBlockSize], data[zipBlockSize:2*zipBlockSize]) {
		t.Fatal("blocks 0 and 1 of the first entry are equal")
	}
	if !bytes.Equal(data[zipStampLen:zipBlockSize], data[zipBlockSize+zipStampLen:2*zipBlockSize]) {
		t.Fatal("blocks differ beyond their stamp: the layout changed")
	}
}

func TestDownloadContentReadAtMatchesWholeBody(t *testing.T) {
	const size = 3*zipEntryMax/2 + 999
	body := readAll(t, "7", "Attachments_001.zip", size)
	content := DownloadContent("7", "Attachments_001.zip", size)
	cuts := []int64{0, 1, 29, 30, 45, 46, zipBlockSize - 1, zipBlockSize, zipBlockSize + 7, size / 2, size - 100, size - 22, size - 1}
	for _, e := range newZipFile("7", "Attachments_001.zip", size).entries {
		cuts = append(cuts, max(e.header-1, 0), e.header, e.data, e.data+3)
	}
	for _, from := range cuts {
		for _, n := range []int64{1, 5, 100, 70000} {
			buf := make([]byte, min(n, size-from))
			if _, err := content.ReadAt(buf, from); err != nil && err != io.EOF {
				t.Fatalf("ReadAt(%d, %d): %v", from, n, err)
			}
			if !bytes.Equal(buf, body[from:from+int64(len(buf))]) {
				t.Fatalf("ReadAt(%d, %d) differs from the whole body", from, n)
			}
		}
	}
}

func TestCorruptContentFailsCRC(t *testing.T) {
	z := newZipFile("5", "Data_001.zip", 0)
	z.corrupt()
	body, err := io.ReadAll(io.NewSectionReader(z, 0, z.size))
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(body)) != DefaultDownloadSize {
		t.Fatalf("%d bytes, want %d", len(body), DefaultDownloadSize)
	}
	if _, err := checkArchive(t, body); err == nil || err.Error() != "records_0001.bin: zip: checksum error" {
		t.Fatalf("corrupt archive: err = %v, want a checksum error on the first entry", err)
	}
}

// TestDownloadContentMemoryIsConstant reads a 1 MiB and a 256 MiB file and
// compares the bytes allocated: generating 256 times more must not cost
// more memory than a fixed few blocks.
func TestDownloadContentMemoryIsConstant(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 257 MiB; skipped in -short mode")
	}
	alloc := func(size int64) uint64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		buf := make([]byte, 256<<10)
		if _, err := io.CopyBuffer(io.Discard, onlyReader{DownloadContent("mem", fmt.Sprint(size), size)}, buf); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	small, large := alloc(1<<20), alloc(256<<20)
	t.Logf("allocated %d B for 1 MiB, %d B for 256 MiB", small, large)
	if large > small+64<<10 || large > 512<<10 {
		t.Fatalf("allocated %d B for 256 MiB against %d B for 1 MiB: memory grows with the file", large, small)
	}
}

// onlyReader hides WriterTo and ReaderAt, so io.CopyBuffer uses the buffer.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// BenchmarkDownloadContent measures generation alone (MB/s), CRCs cached
// after the first iteration, as a server reading into a 256 KiB buffer.
func BenchmarkDownloadContent(b *testing.B) {
	for _, size := range []int64{DefaultDownloadSize, 1 << 30} {
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			buf := make([]byte, 256<<10)
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := io.CopyBuffer(io.Discard, onlyReader{DownloadContent("bench", "Data_001.zip", size)}, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDownloadContentColdCRC includes computing every entry's CRC-32,
// as the first download of a file does.
func BenchmarkDownloadContentColdCRC(b *testing.B) {
	const size = 1 << 30
	buf := make([]byte, 256<<10)
	b.SetBytes(size)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if _, err := io.CopyBuffer(io.Discard, onlyReader{DownloadContent("cold", fmt.Sprint(i), size)}, buf); err != nil {
			b.Fatal(err)
		}
	}
}
