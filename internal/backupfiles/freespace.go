package backupfiles

import "math"

// FreeSpace returns the bytes available to an unprivileged user on the file
// system that holds path, and ok = false where the OS cannot say (Windows and
// other systems without statfs here) or the query fails. Callers check the
// space before a download and go ahead when ok is false.
func FreeSpace(path string) (bytes uint64, ok bool) {
	return freeSpace(path)
}

// statfsInt is the integer types statfs fields have across the platforms
// built (uint64 on Linux amd64, int32 on Linux 386, int64 on FreeBSD, ...).
type statfsInt interface {
	~int32 | ~int64 | ~uint32 | ~uint64
}

// blocksToBytes multiplies available blocks by the block size, saturating
// instead of overflowing; a negative count (FreeBSD reports one when the
// reserve is in use) is no space, and a non-positive block size is no answer.
func blocksToBytes[A, B statfsInt](avail A, blockSize B) (uint64, bool) {
	if blockSize <= 0 {
		return 0, false
	}
	if avail <= 0 {
		return 0, true
	}
	a, s := uint64(avail), uint64(blockSize)
	if a > math.MaxUint64/s {
		return math.MaxUint64, true
	}
	return a * s, true
}
