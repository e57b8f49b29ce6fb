package backupfiles

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// rawEntry is a central directory entry exactly as a test declares it.
type rawEntry struct {
	name                             string
	method, flags                    uint16
	crc                              uint32
	compressed, uncompressed, offset uint64
	// zip64 moves the sizes and offset into a zip64 extra field.
	zip64 bool
}

// rawZip writes archives field by field, so that tests can declare what no
// honest writer would.
type rawZip struct {
	body []byte
}

func (z *rawZip) put(v ...any) {
	for _, x := range v {
		switch x := x.(type) {
		case []byte:
			z.body = append(z.body, x...)
		case string:
			z.body = append(z.body, x...)
		default:
			z.body, _ = binary.Append(z.body, binary.LittleEndian, x)
		}
	}
}

// local writes a local header and the data of content, and returns its
// honest central directory entry.
func (z *rawZip) local(t testing.TB, name string, method uint16, content []byte) rawEntry {
	t.Helper()
	data := content
	if method == zip.Deflate {
		var buf bytes.Buffer
		w, _ := flate.NewWriter(&buf, flate.BestCompression)
		if _, err := w.Write(content); err != nil || w.Close() != nil {
			t.Fatalf("deflate: %v", err)
		}
		data = buf.Bytes()
	}
	e := rawEntry{name: name, method: method, crc: crc32.ChecksumIEEE(content),
		compressed: uint64(len(data)), uncompressed: uint64(len(content)), offset: uint64(len(z.body))}
	z.put(uint32(sigLocal), uint16(20), uint16(0), method, uint32(0), e.crc, uint32(len(data)), uint32(len(content)),
		uint16(len(name)), uint16(0), name, data)
	return e
}

// finish writes the central directory of entries and the end records;
// count < 0 declares len(entries), and zip64 writes the zip64 end record.
func (z *rawZip) finish(entries []rawEntry, count int64, zip64 bool) []byte {
	if count < 0 {
		count = int64(len(entries))
	}
	cdOff := uint64(len(z.body))
	for _, e := range entries {
		comp, uncomp, off := uint32(e.compressed), uint32(e.uncompressed), uint32(e.offset)
		var extra []byte
		if e.zip64 {
			comp, uncomp, off = math.MaxUint32, math.MaxUint32, math.MaxUint32
			extra = binary.LittleEndian.AppendUint16(extra, zip64ExtraID)
			extra = binary.LittleEndian.AppendUint16(extra, 24)
			extra = binary.LittleEndian.AppendUint64(extra, e.uncompressed)
			extra = binary.LittleEndian.AppendUint64(extra, e.compressed)
			extra = binary.LittleEndian.AppendUint64(extra, e.offset)
		}
		z.put(uint32(sigCentral), uint16(45), uint16(45), e.flags, e.method, uint32(0), e.crc, comp, uncomp,
			uint16(len(e.name)), uint16(len(extra)), uint16(0), uint16(0), uint16(0), uint32(0), off, e.name, extra)
	}
	cdSize := uint64(len(z.body)) - cdOff
	if !zip64 {
		z.put(uint32(sigEnd), uint16(0), uint16(0), uint16(count), uint16(count), uint32(cdSize), uint32(cdOff), uint16(0))
		return z.body
	}
	end64 := uint64(len(z.body))
	z.put(uint32(sigEnd64), uint64(44), uint16(45), uint16(45), uint32(0), uint32(0), uint64(count), uint64(count), cdSize, cdOff)
	z.put(uint32(sigLocator64), uint32(0), end64, uint32(1))
	z.put(uint32(sigEnd), uint16(0), uint16(0), uint16(math.MaxUint16), uint16(math.MaxUint16), uint32(math.MaxUint32), uint32(math.MaxUint32), uint16(0))
	return z.body
}

// archiveZipReads says whether archive/zip reads every entry to the end.
func archiveZipReads(archive []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		return err
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func verifyBytes(ctx context.Context, archive []byte) error {
	return verifyZip(ctx, bytes.NewReader(archive), int64(len(archive)), "Data_001.zip.part")
}

func csvRows(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, "%d,Account %d,%d.%02d,2026-12-%02d\n", 4876876000001593003+i, i, i*37%10000, i%100, i%28+1)
	}
	return b.Bytes()
}

// Valid archives of every layout verify, as archive/zip reads them.
func TestVerifyAcceptsWhatArchiveZipReads(t *testing.T) {
	rows := csvRows(20_000)
	cases := map[string]func(t *testing.T) []byte{
		"stored and deflated, data descriptors": func(t *testing.T) []byte {
			return buildZip(t, zipEntry{"Accounts.csv", zip.Deflate, rows}, zipEntry{"Leads.csv", zip.Store, rows[:5000]}, zipEntry{"empty.csv", zip.Deflate, nil})
		},
		"no data descriptors, a comment":     func(t *testing.T) []byte { return zipWithoutDescriptors(t, rows) },
		"empty archive":                      func(t *testing.T) []byte { return buildZip(t) },
		"zip64 end record of 70,000 entries": func(t *testing.T) []byte { return zipOfManyEntries(t, 70_000) },
		"zip64 extra fields": func(t *testing.T) []byte {
			var z rawZip
			a := z.local(t, "a.csv", zip.Deflate, rows)
			b := z.local(t, "b.csv", zip.Store, []byte("id\n"))
			a.zip64, b.zip64 = true, true
			return z.finish([]rawEntry{a, b}, -1, true)
		},
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			archive := build(t)
			if err := archiveZipReads(archive); err != nil {
				t.Fatalf("archive/zip: %v", err)
			}
			if err := verifyBytes(context.Background(), archive); err != nil {
				t.Errorf("verifyZip = %v, want nil", err)
			}
		})
	}
}

// zipWithoutDescriptors is a stored and a deflated entry of rows, each with
// its sizes in the local header, and an archive comment.
func zipWithoutDescriptors(t *testing.T, rows []byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, method := range []uint16{zip.Store, zip.Deflate} {
		data := rows
		if method == zip.Deflate {
			data = deflated(t, rows)
		}
		w, err := zw.CreateRaw(&zip.FileHeader{Name: fmt.Sprint("m", method, ".csv"), Method: method, CRC32: crc32.ChecksumIEEE(rows),
			CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(len(rows))})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.SetComment("Zoho CRM backup"); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return buf.Bytes()
}

// deflated is data compressed with raw deflate.
func deflated(t *testing.T, data []byte) []byte {
	var c bytes.Buffer
	w, _ := flate.NewWriter(&c, 5)
	if _, err := w.Write(data); err != nil || w.Close() != nil {
		t.Fatalf("deflate: %v", err)
	}
	return c.Bytes()
}

// zipOfManyEntries is n stored one-byte entries (a zip64 end record past
// 65,535).
func zipOfManyEntries(t *testing.T, n int) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := range n {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprint(i), Method: zip.Store})
		if _, err := w.Write([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	zw.Close()
	return buf.Bytes()
}

// Whatever byte of an archive is damaged, verify accepts it only if
// archive/zip reads it too.
func TestVerifyIsNoLaxerThanArchiveZip(t *testing.T) {
	var z rawZip
	var entries []rawEntry
	for i, method := range []uint16{zip.Deflate, zip.Store, zip.Deflate} {
		entries = append(entries, z.local(t, fmt.Sprintf("Module_%d.csv", i), method, csvRows(300+i)))
	}
	good := z.finish(entries, -1, false)
	rng := rand.New(rand.NewPCG(19, 19))
	for range 800 {
		archive := bytes.Clone(good)
		at := rng.IntN(len(archive))
		archive[at] ^= byte(1 + rng.IntN(255))
		if verifyBytes(context.Background(), archive) == nil {
			if err := archiveZipReads(archive); err != nil {
				t.Errorf("byte %d changed: verify accepts what archive/zip refuses (%v)", at, err)
			}
		}
	}
}

// sharedStream is the overlapping archive: 64 entries whose local
// header and data are all one deflated run of size zero bytes.
func sharedStream(t *testing.T, size int) []byte {
	var z rawZip
	e := z.local(t, "0", zip.Deflate, make([]byte, size))
	var entries []rawEntry
	for i := range 64 {
		e.name = fmt.Sprint(i)
		entries = append(entries, e)
	}
	return z.finish(entries, -1, false)
}

// Hostile archives are refused, naming the file and what is wrong, without
// inflating what they declare.
func TestVerifyRefusesHostileArchives(t *testing.T) {
	zeros := make([]byte, 1<<20)
	cases := []struct {
		name  string
		build func(t *testing.T) []byte
		entry bool // an *EntryError, else a *NotZipError
		want  string
	}{
		{"64 entries sharing one deflate stream", func(t *testing.T) []byte {
			return sharedStream(t, 200<<10)
		}, false, "entry 2 (\"1\") starts at offset 0, before the entry listed before it ends"},
		{"64 entries of 1 MiB sharing one deflate stream", func(t *testing.T) []byte {
			return sharedStream(t, 1<<20)
		}, false, "over 1000 times its own size"},
		{"an entry inside another's data", func(t *testing.T) []byte {
			var z rawZip
			a := z.local(t, "a", zip.Store, []byte("PK\x03\x04 a stored entry, with another inside it"))
			b := a
			b.name, b.offset = "b", a.offset+localHeaderLen+1
			return z.finish([]rawEntry{a, b}, -1, false)
		}, false, "entries that overlap or are out of order"},
		{"entries out of order", func(t *testing.T) []byte {
			var z rawZip
			a := z.local(t, "a", zip.Store, []byte("a"))
			b := z.local(t, "b", zip.Store, []byte("b"))
			return z.finish([]rawEntry{b, a}, -1, false)
		}, false, "entry 2 (\"a\") starts at offset 0"},
		{"a huge entry count", func(t *testing.T) []byte {
			var z rawZip
			return z.finish(nil, 2_000_000, true)
		}, false, "lists 2000000 entries, over the limit of 1000000"},
		{"more entries than the directory holds", func(t *testing.T) []byte {
			var z rawZip
			a := z.local(t, "a", zip.Store, []byte("a"))
			return z.finish([]rawEntry{a}, 1000, false)
		}, false, "lists 1000 entries, more than its 47-byte central directory can hold"},
		{"fewer entries than the directory holds", func(t *testing.T) []byte {
			var z rawZip
			a := z.local(t, "a", zip.Store, []byte("a"))
			b := z.local(t, "b", zip.Store, []byte("b"))
			return z.finish([]rawEntry{a, b}, 1, false)
		}, false, "1 central directory entries take 47 bytes, not the 94"},
		{"1 TiB declared", func(t *testing.T) []byte {
			var z rawZip
			e := z.local(t, "a", zip.Deflate, zeros)
			e.uncompressed, e.zip64 = 1<<40, true
			return z.finish([]rawEntry{e}, -1, true)
		}, false, "declare more than 64 GiB inflated"},
		{"out of proportion to the file", func(t *testing.T) []byte {
			var z rawZip
			var entries []rawEntry
			for i := range 3 {
				e := z.local(t, fmt.Sprint(i), zip.Deflate, []byte("x"))
				e.uncompressed = 8 << 20
				entries = append(entries, e)
			}
			return z.finish(entries, -1, false)
		}, false, "over 1000 times its own size"},
		{"an entry inflating past its declared size", func(t *testing.T) []byte {
			var z rawZip
			e := z.local(t, "a.csv", zip.Deflate, zeros)
			e.uncompressed = 1000
			return z.finish([]rawEntry{e}, -1, false)
		}, true, "inflates to more than the 1000 bytes it declares"},
		{"an entry inflating short of its declared size", func(t *testing.T) []byte {
			var z rawZip
			e := z.local(t, "a.csv", zip.Deflate, []byte("short"))
			e.uncompressed = 6
			return z.finish([]rawEntry{e}, -1, false)
		}, true, "inflates to 5 of the 6 bytes"},
		{"data running into the directory", func(t *testing.T) []byte {
			var z rawZip
			e := z.local(t, "a.csv", zip.Deflate, []byte("abc"))
			e.compressed += 10
			return z.finish([]rawEntry{e}, -1, false)
		}, false, "runs into the central directory"},
		{"a zip64 mark without its field", func(t *testing.T) []byte {
			var z rawZip
			e := z.local(t, "a.csv", zip.Store, []byte("abc"))
			e.compressed = math.MaxUint32
			return z.finish([]rawEntry{e}, -1, false)
		}, false, "marks a size or offset as zip64"},
		{"a directory that does not end at the end record", func(t *testing.T) []byte {
			var z rawZip
			e := z.local(t, "a.csv", zip.Store, []byte("abc"))
			archive := z.finish([]rawEntry{e}, -1, false)
			return append(archive[:len(archive)-endLen], append([]byte("gap"), archive[len(archive)-endLen:]...)...)
		}, false, "does not end where its end record starts"},
		{"an unknown method", func(t *testing.T) []byte {
			var z rawZip
			e := z.local(t, "a.csv", zip.Store, []byte("abc"))
			e.method = 12
			return z.finish([]rawEntry{e}, -1, false)
		}, true, "unsupported compression algorithm"},
		{"an encrypted entry", func(t *testing.T) []byte {
			var z rawZip
			e := z.local(t, "a.csv", zip.Store, []byte("abc"))
			e.flags = 1
			return z.finish([]rawEntry{e}, -1, false)
		}, true, "encrypted"},
		{"no end record", func(t *testing.T) []byte { return []byte(strings.Repeat("<html>", 10)) }, false, "no ZIP end record"},
		{"a zip64 end record missing", func(t *testing.T) []byte {
			var z rawZip
			archive := z.finish(nil, 0, true)
			return archive[len(archive)-endLen:]
		}, false, "zip64 end record that is not there"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			archive := c.build(t)
			start := time.Now()
			err := verifyBytes(context.Background(), archive)
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("took %v", took)
			}
			var notZip *NotZipError
			var entryErr *EntryError
			switch {
			case c.entry && !errors.As(err, &entryErr), !c.entry && !errors.As(err, &notZip):
				t.Fatalf("verifyZip = %v (%T), want an entry error %v", err, err, c.entry)
			case !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "Data_001.zip.part"):
				t.Errorf("verifyZip = %q, want it to name the file and say %q", err, c.want)
			case !c.entry && !errors.Is(err, zip.ErrFormat):
				t.Errorf("verifyZip = %v, want a zip.ErrFormat", err)
			}
		})
	}
}

// cancelAfter is a file whose n-th read at or past offset from cancels ctx.
type cancelAfter struct {
	r        io.ReaderAt
	from     int64
	n        int64
	reads    atomic.Int64
	cancel   context.CancelFunc
	canceled atomic.Int64 // UnixNano of the cancel
}

func (c *cancelAfter) ReadAt(b []byte, off int64) (int, error) {
	if off >= c.from && c.reads.Add(1) == c.n {
		c.canceled.Store(time.Now().UnixNano())
		c.cancel()
	}
	return c.r.ReadAt(b, off)
}

// Ctrl-C stops verify within a second, during either walk of a directory
// of 200,000 entries.
func TestVerifyStopsMidDirectory(t *testing.T) {
	var z rawZip
	entries := make([]rawEntry, 200_000)
	for i := range entries {
		entries[i] = z.local(t, fmt.Sprintf("%06d", i), zip.Store, nil)
	}
	localEnd := int64(len(z.body))
	archive := z.finish(entries, -1, true)
	for _, c := range []struct {
		walk string
		from int64
		n    int64
	}{
		{"first walk, directory", localEnd, 3},    // the third 64 KiB of the directory
		{"second walk, local headers", 0, 70_000}, // a third of the local headers
	} {
		ctx, cancel := context.WithCancel(context.Background())
		r := &cancelAfter{r: bytes.NewReader(archive), from: c.from, n: c.n, cancel: cancel}
		err := verifyZip(ctx, r, int64(len(archive)), "Data_001.zip.part")
		returned := time.Now()
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "stopped") {
			t.Errorf("%s: verifyZip = %v, want it stopped", c.walk, err)
		}
		if at := r.canceled.Load(); at == 0 || returned.Sub(time.Unix(0, at)) > time.Second {
			t.Errorf("%s: returned %v after the cancel (cancelled: %v)", c.walk, returned.Sub(time.Unix(0, at)), at != 0)
		}
	}
	if err := verifyBytes(context.Background(), archive); err != nil {
		t.Errorf("uncancelled: %v", err)
	}
}

// verify streams the directory: what it allocates does not grow with the
// number of entries (archive/zip holds about 185 bytes a entry).
func TestVerifyMemoryIsConstantInEntries(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an archive of 100,000 entries")
	}
	allocated := func(entries int) (bytes, mallocs uint64) {
		var z rawZip
		list := make([]rawEntry, entries)
		for i := range list {
			list[i] = z.local(t, fmt.Sprintf("%06d.csv", i), zip.Store, nil)
		}
		archive := z.finish(list, -1, true)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		if err := verifyBytes(context.Background(), archive); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc, after.Mallocs - before.Mallocs
	}
	smallBytes, smallMallocs := allocated(1_000)
	bigBytes, bigMallocs := allocated(100_000)
	t.Logf("1,000 entries: %d bytes in %d allocations; 100,000 entries: %d bytes in %d allocations", smallBytes, smallMallocs, bigBytes, bigMallocs)
	if bigBytes > smallBytes+(1<<20) || bigMallocs > smallMallocs+1000 {
		t.Errorf("verify allocates more for more entries: %d bytes in %d allocations for 1,000, %d in %d for 100,000", smallBytes, smallMallocs, bigBytes, bigMallocs)
	}
}
