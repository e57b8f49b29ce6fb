package emulator

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"sync"
)

// ZipLayout is a hostile archive the download host serves in place of a
// file (DownloadFault.Layout). The zero value is no layout: the file itself.
type ZipLayout struct {
	kind    layoutKind
	entries int
}

type layoutKind int

const (
	layoutNone layoutKind = iota
	layoutOverlapping
	layoutMany
)

// Overlapping archive: entries whose central records all point at one
// local header and one deflate stream of overlapInflated zero bytes.
const (
	overlapEntries  = 64
	overlapInflated = 64 << 20
)

// OverlappingEntries is a valid-looking ZIP of about 66 KB whose 64 entries
// share one deflate stream of 64 MiB: reading every entry inflates 4 GiB.
func OverlappingEntries() ZipLayout {
	return ZipLayout{kind: layoutOverlapping, entries: overlapEntries}
}

// ManyEntries is a well-formed ZIP (ZIP64 past 65,535 entries) of n empty
// stored entries, 92 bytes each, generated in constant memory.
func ManyEntries(n int) ZipLayout { return ZipLayout{kind: layoutMany, entries: max(n, 1)} }

// IsZero reports whether l is no layout.
func (l ZipLayout) IsZero() bool { return l.kind == layoutNone }

// String names the layout, as in the admin API ("overlapping", "many:N").
func (l ZipLayout) String() string {
	switch l.kind {
	case layoutOverlapping:
		return "overlapping"
	case layoutMany:
		return fmt.Sprintf("many:%d", l.entries)
	default:
		return ""
	}
}

// content is the archive of layout l.
func (l ZipLayout) content() fileContent {
	if l.kind == layoutOverlapping {
		b := overlappingZip()
		return bytes.NewReader(b)
	}
	return newManyEntries(l.entries)
}

// fileContent is what the download host serves: a file of a known size.
type fileContent interface {
	io.ReaderAt
	Size() int64
}

var overlapped struct {
	once sync.Once
	zip  []byte
}

// overlappingZip builds the overlapping archive once.
func overlappingZip() []byte {
	overlapped.once.Do(func() {
		var comp bytes.Buffer
		fw, _ := flate.NewWriter(&comp, flate.BestCompression) // a valid level never fails
		zeros := make([]byte, 1<<20)
		var crc uint32
		for range overlapInflated / len(zeros) {
			_, _ = fw.Write(zeros)
			crc = crc32.Update(crc, crc32.IEEETable, zeros)
		}
		_ = fw.Close()
		le := binary.LittleEndian
		var out bytes.Buffer
		local := make([]byte, zipLocalLen)
		le.PutUint32(local[0:], sigLocal)
		le.PutUint16(local[4:], 20)
		le.PutUint16(local[8:], zip8Deflate)
		le.PutUint16(local[12:], zipDOSDate)
		le.PutUint32(local[14:], crc)
		le.PutUint32(local[18:], uint32(comp.Len()))
		le.PutUint32(local[22:], overlapInflated)
		le.PutUint16(local[26:], zipNameLen)
		copy(local[30:], fmt.Sprintf("records_%04d.bin", 1))
		out.Write(local)
		out.Write(comp.Bytes())
		central := out.Len()
		for i := range overlapEntries {
			h := make([]byte, zipCentralLen)
			le.PutUint32(h[0:], sigCentral)
			le.PutUint16(h[4:], 20)
			le.PutUint16(h[6:], 20)
			le.PutUint16(h[10:], zip8Deflate)
			le.PutUint16(h[14:], zipDOSDate)
			le.PutUint32(h[16:], crc)
			le.PutUint32(h[20:], uint32(comp.Len()))
			le.PutUint32(h[24:], overlapInflated)
			le.PutUint16(h[28:], zipNameLen)
			le.PutUint32(h[42:], 0) // every entry at the one local header
			copy(h[46:], fmt.Sprintf("records_%04d.bin", i+1))
			out.Write(h)
		}
		end := make([]byte, zipEOCDLen)
		le.PutUint32(end[0:], sigEndOfCentra)
		le.PutUint16(end[8:], overlapEntries)
		le.PutUint16(end[10:], overlapEntries)
		le.PutUint32(end[12:], uint32(out.Len()-central))
		le.PutUint32(end[16:], uint32(central))
		out.Write(end)
		overlapped.zip = out.Bytes()
	})
	return overlapped.zip
}

const zip8Deflate = 8

// manyEntries lays out n empty stored entries named by 8 hex digits, then
// the central directory, then (past 65,535 entries) the ZIP64 end records.
type manyEntries struct {
	n       int64
	central int64 // offset of the central directory
	zip64   bool
	size    int64
}

const (
	manyNameLen    = 8
	manyLocalLen   = 30 + manyNameLen
	manyCentralLen = 46 + manyNameLen
	zip64EndLen    = 56
	zip64LocLen    = 20
	sigZip64End    = 0x06064b50
	sigZip64Loc    = 0x07064b50
)

func newManyEntries(n int) *manyEntries {
	m := &manyEntries{n: int64(n), central: int64(n) * manyLocalLen, zip64: n > 0xFFFF}
	m.size = m.central + m.n*manyCentralLen + zipEOCDLen
	if m.zip64 {
		m.size += zip64EndLen + zip64LocLen
	}
	return m
}

func (m *manyEntries) Size() int64 { return m.size }

// ReadAt generates the bytes at off from the record that holds them.
func (m *manyEntries) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, io.ErrUnexpectedEOF
	}
	n := 0
	for n < len(p) && off < m.size {
		rec, start := m.record(off)
		k := copy(p[n:], rec[off-start:])
		n += k
		off += int64(k)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// record returns the record that holds off and its offset.
func (m *manyEntries) record(off int64) ([]byte, int64) {
	le := binary.LittleEndian
	dirEnd := m.central + m.n*manyCentralLen
	switch {
	case off < m.central:
		i := off / manyLocalLen
		h := make([]byte, manyLocalLen)
		le.PutUint32(h[0:], sigLocal)
		le.PutUint16(h[4:], zipVersion)
		le.PutUint16(h[12:], zipDOSDate)
		le.PutUint16(h[26:], manyNameLen)
		copy(h[30:], fmt.Sprintf("%08x", i))
		return h, i * manyLocalLen
	case off < dirEnd:
		i := (off - m.central) / manyCentralLen
		h := make([]byte, manyCentralLen)
		le.PutUint32(h[0:], sigCentral)
		le.PutUint16(h[4:], 45)
		le.PutUint16(h[6:], zipVersion)
		le.PutUint16(h[14:], zipDOSDate)
		le.PutUint16(h[28:], manyNameLen)
		le.PutUint32(h[42:], uint32(i*manyLocalLen))
		copy(h[46:], fmt.Sprintf("%08x", i))
		return h, m.central + i*manyCentralLen
	}
	var tail []byte
	if m.zip64 {
		rec := make([]byte, zip64EndLen+zip64LocLen)
		le.PutUint32(rec[0:], sigZip64End)
		le.PutUint64(rec[4:], zip64EndLen-12)
		le.PutUint16(rec[12:], 45)
		le.PutUint16(rec[14:], 45)
		le.PutUint64(rec[24:], uint64(m.n))
		le.PutUint64(rec[32:], uint64(m.n))
		le.PutUint64(rec[40:], uint64(m.n*manyCentralLen))
		le.PutUint64(rec[48:], uint64(m.central))
		le.PutUint32(rec[56:], sigZip64Loc)
		le.PutUint64(rec[64:], uint64(dirEnd))
		le.PutUint32(rec[72:], 1)
		tail = rec
	}
	end := make([]byte, zipEOCDLen)
	le.PutUint32(end[0:], sigEndOfCentra)
	count := uint16(min(m.n, 0xFFFF))
	if m.zip64 {
		count = 0xFFFF
	}
	le.PutUint16(end[8:], count)
	le.PutUint16(end[10:], count)
	le.PutUint32(end[12:], uint32(min(m.n*manyCentralLen, 0xFFFFFFFF)))
	le.PutUint32(end[16:], uint32(min(m.central, 0xFFFFFFFF)))
	return append(tail, end...), dirEnd
}
