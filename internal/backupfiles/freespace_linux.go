//go:build linux

package backupfiles

import "syscall"

func freeSpace(path string) (uint64, bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, false
	}
	// Block counts are in fragment-size units (f_frsize, what df uses);
	// f_bsize is only the preferred I/O size, although the two are usually
	// equal. Kernels before 2.6 leave f_frsize at 0.
	if st.Frsize > 0 {
		return blocksToBytes(st.Bavail, st.Frsize)
	}
	return blocksToBytes(st.Bavail, st.Bsize)
}
