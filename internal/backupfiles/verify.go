package backupfiles

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
)

// verifyBufferSize is the buffer each entry streams through: constant
// memory whatever the entry's size.
const verifyBufferSize = 256 << 10

// maxVerifyWorkers bounds the entries inflated at once. Inflating is what
// verification spends its time on, and a Zoho data file holds one entry per
// module, so entries are checked side by side on up to this many cores;
// memory stays constant (a buffer and a decompressor per worker).
const maxVerifyWorkers = 4

// verifyZip opens r as a ZIP archive of size bytes and reads every entry to
// the end, which makes archive/zip check its CRC-32 and its declared size.
// Memory is the central directory plus one buffer and one decompressor per
// worker; the data is discarded.
func verifyZip(ctx context.Context, r io.ReaderAt, size int64, path string) error {
	zr, err := zip.NewReader(r, size)
	// Entry names are only read here, never used as paths, so a name that
	// would be unsafe to extract (zip.ErrInsecurePath) does not matter.
	if err != nil && (!errors.Is(err, zip.ErrInsecurePath) || zr == nil) {
		return &NotZipError{Path: path, Err: err}
	}
	failed, err := verifyEntries(ctx, zr.File)
	if ctx.Err() != nil {
		return fmt.Errorf("verify %s: stopped: %w; the file is kept and invoking again verifies it", path, ctx.Err())
	}
	if err != nil {
		return &EntryError{Path: path, Entry: truncateForMessage(zr.File[failed].Name), Err: err}
	}
	return nil
}

// verifyEntries checks files on parallel workers and returns the index and
// error of an entry that fails (the first in archive order among those that
// failed before the others were stopped), or -1 and nil.
func verifyEntries(parent context.Context, files []*zip.File) (int, error) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	run := &verifyRun{ctx: ctx, stop: cancel, files: files, failed: -1}
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), maxVerifyWorkers, len(files)) {
		wg.Go(run.work)
	}
	wg.Wait()
	return run.failed, run.err
}

// verifyRun is the state the workers of one verification share.
type verifyRun struct {
	ctx   context.Context
	stop  context.CancelFunc
	files []*zip.File
	next  atomic.Int64

	mu     sync.Mutex
	failed int
	err    error
}

// work checks the next unclaimed entry until none is left, one fails or
// the run is stopped.
func (r *verifyRun) work() {
	buf := make([]byte, verifyBufferSize)
	for r.ctx.Err() == nil {
		i := int(r.next.Add(1) - 1)
		if i >= len(r.files) {
			return
		}
		if err := verifyEntry(r.ctx, r.files[i], buf); err != nil {
			r.fail(i, err)
			return
		}
	}
}

// fail records entry i's error and stops the other workers, unless the
// error only reflects a run already stopped.
func (r *verifyRun) fail(i int, err error) {
	if r.ctx.Err() != nil {
		return
	}
	r.mu.Lock()
	if r.failed < 0 || i < r.failed {
		r.failed, r.err = i, err
	}
	r.mu.Unlock()
	r.stop()
}

// errCRCMissing is an entry whose header records a CRC-32 of 0 although its
// content's CRC-32 is not 0; archive/zip takes 0 as "no CRC" and would not
// notice.
var errCRCMissing = errors.New("the header records no CRC-32 but the content has one")

func verifyEntry(ctx context.Context, f *zip.File, buf []byte) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	src := io.Reader(&ctxReader{ctx: ctx, r: rc})
	if f.CRC32 != 0 {
		_, err = io.CopyBuffer(writerOnly{io.Discard}, src, buf)
		return err
	}
	crc := crc32.NewIEEE()
	if _, err := io.CopyBuffer(writerOnly{crc}, src, buf); err != nil {
		return err
	}
	if crc.Sum32() != 0 {
		return errCRCMissing
	}
	return nil
}

// writerOnly hides io.Discard's ReadFrom, which would read in 8 KiB steps
// and ignore the buffer given to io.CopyBuffer.
type writerOnly struct{ io.Writer }
