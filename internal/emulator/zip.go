package emulator

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"sort"
	"strconv"
	"sync"
)

// Download file sizes. Zoho splits a backup into files of at most 1 GB; the
// emulator's files are generated, so any size in range costs no memory.
const (
	// DefaultDownloadSize is the size of every generated file unless
	// WithDownloadSize says otherwise: small, so tests stay fast.
	DefaultDownloadSize int64 = 256 << 10
	// MinDownloadSize fits four entries with some data each.
	MinDownloadSize int64 = 4 << 10
	// MaxDownloadSize keeps every offset below 4 GiB, so the archive needs
	// no ZIP64 records (Zoho's files are at most 1 GB).
	MaxDownloadSize int64 = 1<<32 - 1<<20
)

// Archive layout. Every entry is stored (method 0): its data is a seeded
// pseudo-random block repeated, each repetition stamped with its own
// counter, so no two blocks of a file are equal and any byte can be
// generated from its offset alone.
const (
	zipBlockSize   = 64 << 10
	zipStampLen    = 8
	zipEntryMax    = 32 << 20 // at most this many data bytes an entry
	zipMinEntries  = 4
	zipNameLen     = 16 // len("records_0001.bin")
	zipLocalLen    = 30 + zipNameLen
	zipCentralLen  = 46 + zipNameLen
	zipEOCDLen     = 22
	zipEntryFixed  = zipLocalLen + zipCentralLen
	zipVersion     = 10     // 1.0: stored entries need nothing newer
	zipDOSTime     = 0      // 00:00:00
	zipDOSDate     = 0x5C21 // 2026-01-01: a fixed date keeps files deterministic
	sigLocal       = 0x04034b50
	sigCentral     = 0x02014b50
	sigEndOfCentra = 0x06054b50
)

// normalizeDownloadSize clamps a configured size into the supported range;
// 0 means DefaultDownloadSize.
func normalizeDownloadSize(size int64) int64 {
	if size == 0 {
		return DefaultDownloadSize
	}
	return min(max(size, MinDownloadSize), MaxDownloadSize)
}

// zipEntry is one entry's place in the archive.
type zipEntry struct {
	header  int64 // offset of the local file header
	data    int64 // offset of the first data byte
	dataLen int64
}

// zipFile generates one archive. It implements io.ReaderAt; it holds one
// block of content plus a few words per entry, whatever its size.
type zipFile struct {
	size      int64
	entries   []zipEntry
	central   int64 // offset of the central directory
	base      []byte
	stampKey  uint64
	crcs      *entryCRCs
	corruptAt int64 // offset of a byte served flipped; -1 for none
}

// newZipFile lays out the archive of (jobID, fileName) at size bytes (after
// normalizeDownloadSize).
func newZipFile(jobID, fileName string, size int64) *zipFile {
	return newZipFileVersion(jobID, fileName, size, 0)
}

// newZipFileVersion is newZipFile for version gen of the file: gen 0 is
// DownloadContent's; each later one has other bytes of the same size.
func newZipFileVersion(jobID, fileName string, size int64, gen int) *zipFile {
	size = normalizeDownloadSize(size)
	n := max(zipMinEntries, int((size+zipEntryMax-1)/zipEntryMax))
	dataTotal := size - int64(n)*zipEntryFixed - zipEOCDLen
	z := &zipFile{size: size, entries: make([]zipEntry, n), corruptAt: -1}
	off := int64(0)
	for i := range z.entries {
		d := dataTotal / int64(n)
		if i == n-1 {
			d = dataTotal - d*int64(n-1)
		}
		z.entries[i] = zipEntry{header: off, data: off + zipLocalLen, dataLen: d}
		off += zipLocalLen + d
	}
	z.central = off
	seed := sha256.Sum256([]byte("zohocrm-emulator download\x00" + jobID + "\x00" + fileName + versionSuffix(gen)))
	z.stampKey = binary.LittleEndian.Uint64(seed[:8])
	z.base = make([]byte, zipBlockSize)
	_, _ = rand.NewChaCha8(seed).Read(z.base) // ChaCha8.Read never fails.
	z.crcs = cachedCRCs(crcKey{jobID, fileName, size, gen}, n)
	return z
}

// Size is the archive's length in bytes.
func (z *zipFile) Size() int64 { return z.size }

// versionSuffix keeps version 0's seed that of the files before versions.
func versionSuffix(gen int) string {
	if gen == 0 {
		return ""
	}
	return "\x00v" + strconv.Itoa(gen)
}

// corrupt makes the archive serve one byte in the middle of its first
// entry's data flipped: same length, but that entry's CRC-32 fails.
func (z *zipFile) corrupt() { z.corruptAt = z.entries[0].data + z.entries[0].dataLen/2 }

// ReadAt fills p with the archive's bytes from off.
func (z *zipFile) ReadAt(p []byte, off int64) (int, error) {
	if off >= z.size {
		return 0, io.EOF
	}
	if off < 0 {
		return 0, io.ErrUnexpectedEOF
	}
	start := off
	n := 0
	for n < len(p) && off < z.size {
		k := z.fill(p[n:], off)
		n += k
		off += int64(k)
	}
	if z.corruptAt >= start && z.corruptAt < start+int64(n) {
		p[z.corruptAt-start] ^= 0xFF
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// fill writes the bytes of the one region (header, data, central directory
// record or end record) that holds off, and returns how many it wrote.
func (z *zipFile) fill(p []byte, off int64) int {
	if off >= z.central {
		return z.fillDirectory(p, off)
	}
	i := sort.Search(len(z.entries), func(i int) bool { return z.entries[i].header > off }) - 1
	e := z.entries[i]
	if off < e.data {
		var h [zipLocalLen]byte
		z.localHeader(h[:], i)
		return copy(p, h[off-e.header:])
	}
	return z.fillData(p[:min(int64(len(p)), e.data+e.dataLen-off)], i, off-e.data)
}

// fillDirectory serves the central directory and the end record.
func (z *zipFile) fillDirectory(p []byte, off int64) int {
	rel := off - z.central
	if i := rel / zipCentralLen; i < int64(len(z.entries)) {
		var h [zipCentralLen]byte
		z.centralHeader(h[:], int(i))
		return copy(p, h[rel%zipCentralLen:])
	}
	var h [zipEOCDLen]byte
	n := len(z.entries)
	binary.LittleEndian.PutUint32(h[0:], sigEndOfCentra)
	binary.LittleEndian.PutUint16(h[8:], uint16(n))
	binary.LittleEndian.PutUint16(h[10:], uint16(n))
	binary.LittleEndian.PutUint32(h[12:], uint32(n*zipCentralLen))
	binary.LittleEndian.PutUint32(h[16:], uint32(z.central))
	return copy(p, h[rel-int64(n)*zipCentralLen:])
}

// fillData writes entry i's data from offset o; p never reaches past the
// entry's end.
func (z *zipFile) fillData(p []byte, i int, o int64) int {
	n := 0
	for n < len(p) {
		block, pos := o/zipBlockSize, int(o%zipBlockSize)
		k := copy(p[n:], z.base[pos:])
		if pos < zipStampLen {
			stamp := z.stamp(i, block)
			copy(p[n:n+k], stamp[pos:])
		}
		n += k
		o += int64(k)
	}
	return n
}

// stamp is the counter that starts block b of entry i.
func (z *zipFile) stamp(i int, b int64) [zipStampLen]byte {
	var s [zipStampLen]byte
	binary.LittleEndian.PutUint64(s[:], z.stampKey^(uint64(i)<<40|uint64(b)))
	return s
}

func (z *zipFile) entryName(i int) string {
	const digits = "0123456789"
	n := i + 1
	return "records_" + string([]byte{digits[n/1000%10], digits[n/100%10], digits[n/10%10], digits[n%10]}) + ".bin"
}

// localHeader writes entry i's local file header (with its name).
func (z *zipFile) localHeader(h []byte, i int) {
	e := z.entries[i]
	le := binary.LittleEndian
	le.PutUint32(h[0:], sigLocal)
	le.PutUint16(h[4:], zipVersion)
	le.PutUint16(h[10:], zipDOSTime)
	le.PutUint16(h[12:], zipDOSDate)
	le.PutUint32(h[14:], z.entryCRC(i))
	le.PutUint32(h[18:], uint32(e.dataLen))
	le.PutUint32(h[22:], uint32(e.dataLen))
	le.PutUint16(h[26:], zipNameLen)
	copy(h[30:], z.entryName(i))
}

// centralHeader writes entry i's central directory record (with its name).
func (z *zipFile) centralHeader(h []byte, i int) {
	e := z.entries[i]
	le := binary.LittleEndian
	le.PutUint32(h[0:], sigCentral)
	le.PutUint16(h[4:], zipVersion)
	le.PutUint16(h[6:], zipVersion)
	le.PutUint16(h[12:], zipDOSTime)
	le.PutUint16(h[14:], zipDOSDate)
	le.PutUint32(h[16:], z.entryCRC(i))
	le.PutUint32(h[20:], uint32(e.dataLen))
	le.PutUint32(h[24:], uint32(e.dataLen))
	le.PutUint16(h[28:], zipNameLen)
	le.PutUint32(h[42:], uint32(e.header))
	copy(h[46:], z.entryName(i))
}

// entryCRC is entry i's CRC-32, computed once per file and cached: hashing
// the stamps and the block, without generating the data.
func (z *zipFile) entryCRC(i int) uint32 {
	c := z.crcs
	c.once[i].Do(func() {
		dataLen := z.entries[i].dataLen
		var crc uint32
		stamp := make([]byte, zipStampLen) // one allocation, not one a block
		for b := int64(0); b*zipBlockSize < dataLen; b++ {
			l := min(dataLen-b*zipBlockSize, zipBlockSize)
			s := z.stamp(i, b)
			copy(stamp, s[:])
			crc = crc32.Update(crc, crc32.IEEETable, stamp[:min(l, zipStampLen)])
			if l > zipStampLen {
				crc = crc32.Update(crc, crc32.IEEETable, z.base[zipStampLen:l])
			}
		}
		c.sums[i] = crc
	})
	return c.sums[i]
}

// crcKey names one generated file.
type crcKey struct {
	job, file string
	size      int64
	gen       int
}

// entryCRCs are one file's CRC-32s, each computed on first use.
type entryCRCs struct {
	once []sync.Once
	sums []uint32
}

// maxCachedFiles bounds the caches below: a few words a file, so even a
// long-running emulator stays small.
const maxCachedFiles = 1024

var crcCache = struct {
	sync.Mutex
	m map[crcKey]*entryCRCs
}{m: make(map[crcKey]*entryCRCs)}

func cachedCRCs(key crcKey, entries int) *entryCRCs {
	crcCache.Lock()
	defer crcCache.Unlock()
	if c, ok := crcCache.m[key]; ok {
		return c
	}
	if len(crcCache.m) >= maxCachedFiles {
		clear(crcCache.m)
	}
	c := &entryCRCs{once: make([]sync.Once, entries), sums: make([]uint32, entries)}
	crcCache.m[key] = c
	return c
}

// DownloadContent returns the exact bytes the download host serves for
// fileName of backup job jobID at size bytes (clamped to MinDownloadSize and
// MaxDownloadSize; 0 means DefaultDownloadSize): a valid ZIP archive,
// generated on the fly in constant memory, the same on every call. Tests
// compare a download with it, or seek into it to check a range.
func DownloadContent(jobID, fileName string, size int64) *io.SectionReader {
	z := newZipFile(jobID, fileName, size)
	return io.NewSectionReader(z, 0, z.size)
}

var shaCache = struct {
	sync.Mutex
	m map[crcKey]string
}{m: make(map[crcKey]string)}

// DownloadSHA256 is the hex SHA-256 of DownloadContent(jobID, fileName,
// size), cached, since hashing a 1 GiB file takes a while.
func DownloadSHA256(jobID, fileName string, size int64) string {
	return downloadSHA256(jobID, fileName, size, 0)
}

// downloadSHA256 is DownloadSHA256 of version gen of the file.
func downloadSHA256(jobID, fileName string, size int64, gen int) string {
	key := crcKey{jobID, fileName, normalizeDownloadSize(size), gen}
	shaCache.Lock()
	sum, ok := shaCache.m[key]
	shaCache.Unlock()
	if ok {
		return sum
	}
	h := sha256.New()
	z := newZipFileVersion(jobID, fileName, size, gen)
	_, _ = io.CopyBuffer(h, io.NewSectionReader(z, 0, z.size), make([]byte, 256<<10))
	sum = hex.EncodeToString(h.Sum(nil))
	shaCache.Lock()
	defer shaCache.Unlock()
	if len(shaCache.m) >= maxCachedFiles {
		clear(shaCache.m)
	}
	shaCache.m[key] = sum
	return sum
}
