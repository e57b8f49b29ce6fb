package backupfiles

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// verifyBufferSize is the buffer each entry streams through: constant
// memory whatever the entry's size.
const verifyBufferSize = 256 << 10

// verifyZip opens r as a ZIP archive of size bytes and reads every entry to
// the end, which makes archive/zip check its CRC-32 and its declared size.
// Memory is the central directory plus one buffer; the data is discarded.
func verifyZip(ctx context.Context, r io.ReaderAt, size int64, path string) error {
	zr, err := zip.NewReader(r, size)
	// Entry names are only read here, never used as paths, so a name that
	// would be unsafe to extract (zip.ErrInsecurePath) does not matter.
	if err != nil && !(errors.Is(err, zip.ErrInsecurePath) && zr != nil) {
		return &NotZipError{Path: path, Err: err}
	}
	buf := make([]byte, verifyBufferSize)
	for _, f := range zr.File {
		if err := verifyEntry(ctx, f, buf); err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("verify %s: stopped: %w; the file is kept and invoking again verifies it", path, ctx.Err())
			}
			return &EntryError{Path: path, Entry: truncateForMessage(f.Name), Err: err}
		}
	}
	return nil
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
