package backupfiles

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"runtime"
	"sync"
)

// Bounds of what verify takes on, whatever the archive declares.
const (
	// maxVerifyEntries bounds the entries of one archive.
	maxVerifyEntries = 1_000_000
	// maxVerifyInflated bounds the sum of the entries' declared sizes.
	maxVerifyInflated = 64 << 30
	// maxInflateRatio bounds that sum against the file's size (deflate
	// cannot exceed about 1032:1); minInflateAllowance spares small files.
	maxInflateRatio     = 1000
	minInflateAllowance = 16 << 20
	// ctxCheckEntries and ctxCheckBytes are how many directory entries, or
	// bytes of them, pass between two looks at the context.
	ctxCheckEntries = 1024
	ctxCheckBytes   = 4 << 20
)

// verifyBufferSize is the buffer each entry streams through: constant
// memory whatever the entry's size.
const verifyBufferSize = 256 << 10

// maxVerifyWorkers bounds the entries inflated at once. Inflating is what
// verification spends its time on, so entries are checked side by side on
// up to this many cores; memory stays constant.
const maxVerifyWorkers = 4

// The ZIP records read here (APPNOTE.TXT, section 4.3).
const (
	sigLocal         = 0x04034b50
	sigCentral       = 0x02014b50
	sigEnd           = 0x06054b50
	sigEnd64         = 0x06064b50
	sigLocator64     = 0x07064b50
	localHeaderLen   = 30
	centralHeaderLen = 46
	endLen           = 22
	locator64Len     = 20
	end64Len         = 56
	zip64ExtraID     = 0x0001
)

// zipDirectory is where the central directory is and what it declares.
type zipDirectory struct {
	offset, size, entries int64
}

// centralEntry is one central directory entry, as verify needs it.
type centralEntry struct {
	index int64
	// The name is read again from src only for a message (see Name).
	src                              io.ReaderAt
	nameAt                           int64
	nameLen                          int
	flags, method                    uint16
	crc                              uint32
	compressed, uncompressed, offset int64
	// dataOffset is where the data starts, read from the local header.
	dataOffset int64
}

// Name is at most 300 bytes of the entry's name, for a message.
func (e *centralEntry) Name() string {
	b := make([]byte, min(e.nameLen, 301))
	n, _ := e.src.ReadAt(b, e.nameAt)
	return truncateForMessage(string(b[:n]))
}

// entryFailure is an entry whose content does not check out.
type entryFailure struct {
	index int64
	name  string
	err   error
}

func (e *entryFailure) Error() string { return e.err.Error() }

// verifyZip checks that r, of size bytes, is a ZIP archive whose every entry
// inflates to its declared size and CRC-32, streaming the central directory
// (twice: its bounds first, then the entries) in constant memory. It refuses
// too many entries, too large a declared total, entries out of order or
// overlapping, and stops within a second once ctx is cancelled.
func verifyZip(ctx context.Context, r io.ReaderAt, size int64, path string) error {
	err := checkZip(ctx, r, size)
	var failed *entryFailure
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("verify %s: stopped: %w; the file is kept and invoking again verifies it", path, ctx.Err())
	case errors.As(err, &failed):
		return &EntryError{Path: path, Entry: failed.name, Err: failed.err}
	}
	return &NotZipError{Path: path, Err: formatError{err}}
}

// formatError is a refusal of the archive's structure; it is a
// zip.ErrFormat, without that error's words in the message.
type formatError struct{ error }

func (formatError) Is(target error) bool { return target == zip.ErrFormat }

func (e formatError) Unwrap() error { return e.error }

func checkZip(ctx context.Context, r io.ReaderAt, size int64) error {
	dir, err := readDirectoryEnd(r, size)
	if err != nil {
		return err
	}
	if err := checkDeclared(ctx, r, size, dir); err != nil {
		return err
	}
	return checkEntries(ctx, r, dir)
}

func le16(b []byte) uint16 { return binary.LittleEndian.Uint16(b) }
func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }
func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

// readAt reads exactly n bytes at off.
func readAt(r io.ReaderAt, off int64, n int) ([]byte, error) {
	b := make([]byte, n)
	got, err := r.ReadAt(b, off)
	switch {
	case got == n:
		return b, nil // a ReaderAt may report io.EOF with the last byte
	case err == nil || err == io.EOF:
		return nil, io.ErrUnexpectedEOF
	}
	return nil, err
}

// readDirectoryEnd finds the end of central directory record (the last one
// whose comment fits the file), and the zip64 one it points to, if any.
func readDirectoryEnd(r io.ReaderAt, size int64) (zipDirectory, error) {
	if size < endLen {
		return zipDirectory{}, fmt.Errorf("it is %d bytes long, too short to hold a ZIP end record", size)
	}
	tailLen := min(size, endLen+math.MaxUint16)
	tail, err := readAt(r, size-tailLen, int(tailLen))
	if err != nil {
		return zipDirectory{}, fmt.Errorf("read its last %d bytes: %w", tailLen, err)
	}
	at := -1
	for i := len(tail) - endLen; i >= 0 && at < 0; i-- {
		if le32(tail[i:]) == sigEnd && i+endLen+int(le16(tail[i+20:])) <= len(tail) {
			at = i
		}
	}
	if at < 0 {
		return zipDirectory{}, errors.New("it holds no ZIP end record")
	}
	end := tail[at:]
	endOffset := size - tailLen + int64(at)
	dir := zipDirectory{entries: int64(le16(end[10:])), size: int64(le32(end[12:])), offset: int64(le32(end[16:]))}
	dirEnd := endOffset
	if dir64, at64, ok, err := readDirectoryEnd64(r, endOffset); err != nil {
		return zipDirectory{}, err
	} else if ok {
		dir, dirEnd = dir64, at64
	} else if dir.size == math.MaxUint32 || dir.offset == math.MaxUint32 {
		return zipDirectory{}, errors.New("its end record points to a zip64 end record that is not there")
	}
	switch {
	case dir.entries > maxVerifyEntries:
		return zipDirectory{}, fmt.Errorf("it lists %d entries, over the limit of %d this provider verifies", dir.entries, maxVerifyEntries)
	case dir.offset > dirEnd || dir.size != dirEnd-dir.offset:
		return zipDirectory{}, fmt.Errorf("its central directory (%d bytes at offset %d) does not end where its end record starts (offset %d)", dir.size, dir.offset, dirEnd)
	case dir.entries > dir.size/centralHeaderLen:
		return zipDirectory{}, fmt.Errorf("it lists %d entries, more than its %d-byte central directory can hold", dir.entries, dir.size)
	}
	return dir, nil
}

// readDirectoryEnd64 reads the zip64 end record that the locator just
// before endOffset points to; ok is false when there is no locator.
func readDirectoryEnd64(r io.ReaderAt, endOffset int64) (dir zipDirectory, at int64, ok bool, err error) {
	if endOffset < locator64Len+end64Len {
		return zipDirectory{}, 0, false, nil
	}
	loc, err := readAt(r, endOffset-locator64Len, locator64Len)
	if err != nil {
		return zipDirectory{}, 0, false, fmt.Errorf("read its zip64 end locator: %w", err)
	}
	if le32(loc) != sigLocator64 {
		return zipDirectory{}, 0, false, nil
	}
	at64 := le64(loc[8:])
	if at64 > uint64(endOffset-locator64Len-end64Len) {
		return zipDirectory{}, 0, false, fmt.Errorf("its zip64 end locator points to offset %d, past where the record can be", at64)
	}
	at = int64(at64)
	rec, err := readAt(r, at, end64Len)
	if err != nil {
		return zipDirectory{}, 0, false, fmt.Errorf("read its zip64 end record: %w", err)
	}
	if le32(rec) != sigEnd64 {
		return zipDirectory{}, 0, false, fmt.Errorf("its zip64 end locator points to offset %d, which holds no zip64 end record", at)
	}
	entries, dirSize, offset := le64(rec[32:]), le64(rec[40:]), le64(rec[48:])
	if entries > math.MaxInt64 || dirSize > math.MaxInt64 || offset > math.MaxInt64 {
		return zipDirectory{}, 0, false, errors.New("its zip64 end record declares numbers past 2^63")
	}
	return zipDirectory{entries: int64(entries), size: int64(dirSize), offset: int64(offset)}, at, true, nil
}

// walkDirectory reads the central directory's entries one at a time, from
// a bounded buffer, and calls visit on each; it looks at ctx every
// ctxCheckEntries entries or ctxCheckBytes bytes.
func walkDirectory(ctx context.Context, r io.ReaderAt, dir zipDirectory, visit func(*centralEntry) error) error {
	w := directoryWalker{r: r, dir: dir, br: bufio.NewReaderSize(io.NewSectionReader(r, dir.offset, dir.size), 64<<10)}
	checked := int64(0)
	for i := range dir.entries {
		if i%ctxCheckEntries == 0 || w.read-checked > ctxCheckBytes {
			if err := ctx.Err(); err != nil {
				return err
			}
			checked = w.read
		}
		if err := w.next(i); err != nil {
			return err
		}
		if err := visit(&w.e); err != nil {
			return err
		}
	}
	if w.read != dir.size {
		return fmt.Errorf("its %d central directory entries take %d bytes, not the %d its end record declares", dir.entries, w.read, dir.size)
	}
	return nil
}

// directoryWalker reads central directory entries into e, reusing its
// buffers: nothing is allocated per entry.
type directoryWalker struct {
	r    io.ReaderAt
	dir  zipDirectory
	br   *bufio.Reader
	hdr  [centralHeaderLen]byte
	buf  [math.MaxUint16]byte
	e    centralEntry
	read int64
}

// next reads entry i.
func (w *directoryWalker) next(i int64) error {
	if _, err := io.ReadFull(w.br, w.hdr[:]); err != nil {
		return fmt.Errorf("its central directory ends at entry %d of the %d it lists", i+1, w.dir.entries)
	}
	hdr := w.hdr[:]
	if le32(hdr) != sigCentral {
		return fmt.Errorf("central directory entry %d does not start with its signature", i+1)
	}
	nameLen, extraLen, commentLen := int(le16(hdr[28:])), int(le16(hdr[30:])), int(le16(hdr[32:]))
	w.e = centralEntry{
		index: i, src: w.r, nameAt: w.dir.offset + w.read + centralHeaderLen, nameLen: nameLen,
		flags: le16(hdr[8:]), method: le16(hdr[10:]), crc: le32(hdr[16:]),
		compressed: int64(le32(hdr[20:])), uncompressed: int64(le32(hdr[24:])), offset: int64(le32(hdr[42:])),
	}
	truncated := func() error { return fmt.Errorf("its central directory ends inside entry %d", i+1) }
	if _, err := w.br.Discard(nameLen); err != nil {
		return truncated()
	}
	if _, err := io.ReadFull(w.br, w.buf[:extraLen]); err != nil {
		return truncated()
	}
	if err := w.e.readZip64Extra(w.buf[:extraLen]); err != nil {
		return err
	}
	if _, err := w.br.Discard(commentLen); err != nil {
		return truncated()
	}
	w.read += int64(centralHeaderLen + nameLen + extraLen + commentLen)
	return nil
}

// readZip64Extra takes the sizes and offset marked 0xFFFFFFFF from the
// zip64 extra field, in its order.
func (e *centralEntry) readZip64Extra(extra []byte) error {
	var needed [3]*int64
	need := needed[:0]
	for _, f := range []*int64{&e.uncompressed, &e.compressed, &e.offset} {
		if *f == math.MaxUint32 {
			need = append(need, f)
		}
	}
	for len(need) > 0 && len(extra) >= 4 {
		id, n := le16(extra), int(le16(extra[2:]))
		if 4+n > len(extra) {
			break
		}
		data := extra[4 : 4+n]
		extra = extra[4+n:]
		if id != zip64ExtraID {
			continue
		}
		for len(need) > 0 && len(data) >= 8 {
			v := le64(data)
			if v > math.MaxInt64 {
				return fmt.Errorf("entry %q declares a size or offset past 2^63", e.Name())
			}
			*need[0], need, data = int64(v), need[1:], data[8:]
		}
		break
	}
	if len(need) > 0 {
		return fmt.Errorf("entry %q marks a size or offset as zip64 but has no zip64 field holding it", e.Name())
	}
	return nil
}

// checkDeclared is the first walk: each entry's method, flags and sizes,
// and the sum of the sizes against the bounds, before anything is inflated.
func checkDeclared(ctx context.Context, r io.ReaderAt, size int64, dir zipDirectory) error {
	limit := min(maxVerifyInflated, max(maxInflateRatio*size, minInflateAllowance))
	total := int64(0)
	return walkDirectory(ctx, r, dir, func(e *centralEntry) error {
		if err := e.checkDeclared(dir); err != nil {
			return &entryFailure{index: e.index, name: e.Name(), err: err}
		}
		if e.uncompressed > maxVerifyInflated-total {
			return fmt.Errorf("its entries declare more than %d GiB inflated, over the limit this provider verifies", maxVerifyInflated>>30)
		}
		total += e.uncompressed
		if total > limit {
			return fmt.Errorf("its entries declare more than %d bytes inflated, over %d times its own size of %d bytes: no real archive compresses that much", limit, maxInflateRatio, size)
		}
		return nil
	})
}

func (e *centralEntry) checkDeclared(dir zipDirectory) error {
	switch {
	case e.flags&1 != 0:
		return errors.New("it is encrypted")
	case e.method != zip.Store && e.method != zip.Deflate:
		return fmt.Errorf("%w (method %d)", zip.ErrAlgorithm, e.method)
	case e.method == zip.Store && e.compressed != e.uncompressed:
		return fmt.Errorf("it is stored, yet declares %d bytes stored and %d inflated", e.compressed, e.uncompressed)
	case e.offset > dir.offset || e.compressed > dir.offset-e.offset:
		return fmt.Errorf("its data (%d bytes at offset %d) runs into the central directory at offset %d", e.compressed, e.offset, dir.offset)
	}
	return nil
}

// checkEntries is the second walk: it reads each entry's local header,
// refuses one that starts before the previous one ends, and hands the
// entries to parallel workers that inflate them.
func checkEntries(parent context.Context, r io.ReaderAt, dir zipDirectory) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	run := &verifyRun{ctx: ctx, stop: cancel, failed: -1}
	jobs := make(chan centralEntry, maxVerifyWorkers)
	var wg sync.WaitGroup
	for range max(1, min(runtime.GOMAXPROCS(0), maxVerifyWorkers, int(dir.entries))) {
		wg.Go(func() { run.work(r, jobs) })
	}
	prevEnd := int64(0)
	hdr := make([]byte, localHeaderLen)
	walkErr := walkDirectory(ctx, r, dir, func(e *centralEntry) error {
		if err := e.locateData(r, hdr, prevEnd, dir); err != nil {
			return err
		}
		prevEnd = e.dataOffset + e.compressed
		select {
		case jobs <- *e:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(jobs)
	wg.Wait()
	if parent.Err() != nil {
		return parent.Err()
	}
	if run.err != nil {
		return run.err // the walk then stopped on the cancel, or had no error
	}
	return walkErr
}

// locateData reads e's local header and sets e.dataOffset; e must start
// at or after prevEnd and its data must end before the directory.
func (e *centralEntry) locateData(r io.ReaderAt, hdr []byte, prevEnd int64, dir zipDirectory) error {
	if e.offset < prevEnd {
		return fmt.Errorf("entry %d (%q) starts at offset %d, before the entry listed before it ends (offset %d): entries that overlap or are out of order are refused", e.index+1, e.Name(), e.offset, prevEnd)
	}
	if n, _ := r.ReadAt(hdr, e.offset); n < len(hdr) || le32(hdr) != sigLocal {
		return fmt.Errorf("entry %d (%q) has no local header at offset %d", e.index+1, e.Name(), e.offset)
	}
	e.dataOffset = e.offset + localHeaderLen + int64(le16(hdr[26:])) + int64(le16(hdr[28:]))
	if e.dataOffset > dir.offset || e.compressed > dir.offset-e.dataOffset {
		return fmt.Errorf("entry %d (%q): its data (%d bytes at offset %d) runs into the central directory at offset %d", e.index+1, e.Name(), e.compressed, e.dataOffset, dir.offset)
	}
	return nil
}

// verifyRun is the state the workers of one verification share.
type verifyRun struct {
	ctx  context.Context
	stop context.CancelFunc

	mu     sync.Mutex
	failed int64
	err    error
}

// work checks the entries it is handed until none is left; once the run
// is stopped it only drains them.
func (r *verifyRun) work(ra io.ReaderAt, jobs <-chan centralEntry) {
	c := &entryChecker{buf: make([]byte, verifyBufferSize), in: bufio.NewReaderSize(nil, 64<<10)}
	for e := range jobs {
		if r.ctx.Err() != nil {
			continue
		}
		if err := c.check(r.ctx, ra, &e); err != nil {
			r.fail(&entryFailure{index: e.index, name: e.Name(), err: err})
		}
	}
}

// fail records the failure of the earliest entry and stops the run, unless
// the error only reflects a run already stopped.
func (r *verifyRun) fail(f *entryFailure) {
	if r.ctx.Err() != nil {
		return
	}
	r.mu.Lock()
	if r.failed < 0 || f.index < r.failed {
		r.failed, r.err = f.index, f
	}
	r.mu.Unlock()
	r.stop()
}

// errCRCMissing is an entry whose header records a CRC-32 of 0 although its
// content's CRC-32 is not 0.
var errCRCMissing = errors.New("the header records no CRC-32 but the content has one")

// entryChecker is one worker's reusable buffers and decompressor; nothing
// is allocated per entry.
type entryChecker struct {
	buf     []byte
	data    io.SectionReader
	in      *bufio.Reader
	inflate io.ReadCloser
	limit   io.LimitedReader
	stop    ctxReader
	crc     crcWriter
}

// crcWriter is a CRC-32 (IEEE) that io.CopyBuffer can write to.
type crcWriter struct{ sum uint32 }

func (w *crcWriter) Write(b []byte) (int, error) {
	w.sum = crc32.Update(w.sum, crc32.IEEETable, b)
	return len(b), nil
}

// check inflates e, at most one byte past its declared size, and compares
// the size and CRC-32 with the declared ones.
func (c *entryChecker) check(ctx context.Context, r io.ReaderAt, e *centralEntry) error {
	c.data = *io.NewSectionReader(r, e.dataOffset, e.compressed)
	c.in.Reset(&c.data)
	src := io.Reader(c.in)
	if e.method == zip.Deflate {
		if c.inflate == nil {
			c.inflate = flate.NewReader(c.in)
		} else if resetter, ok := c.inflate.(flate.Resetter); !ok {
			return errors.New("the inflater cannot be reused")
		} else if err := resetter.Reset(c.in, nil); err != nil {
			return err
		}
		src = c.inflate
	}
	c.limit = io.LimitedReader{R: src, N: e.uncompressed + 1}
	c.stop = ctxReader{ctx: ctx, r: &c.limit}
	c.crc.sum = 0
	n, err := io.CopyBuffer(&c.crc, &c.stop, c.buf)
	switch {
	case err != nil:
		return err
	case n > e.uncompressed:
		return fmt.Errorf("it inflates to more than the %d bytes it declares", e.uncompressed)
	case n < e.uncompressed:
		return fmt.Errorf("it inflates to %d of the %d bytes it declares", n, e.uncompressed)
	case e.crc == 0 && c.crc.sum != 0:
		return errCRCMissing
	case c.crc.sum != e.crc:
		return zip.ErrChecksum
	}
	return nil
}
