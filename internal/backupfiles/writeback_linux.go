//go:build linux

package backupfiles

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriteback asks the kernel to start writing n bytes of f at off to
// disk, without waiting for it (sync_file_range with
// SYNC_FILE_RANGE_WRITE). A download on a fast line otherwise leaves up to
// the whole file dirty in the page cache, and Commit's fsync then waits for
// all of it at once; started as the file grows, the writes overlap the
// download. It is advice: an error changes nothing, and Commit's fsync
// still makes the file durable.
func startWriteback(f *os.File, off, n int64) {
	_ = unix.SyncFileRange(int(f.Fd()), off, n, unix.SYNC_FILE_RANGE_WRITE)
}
