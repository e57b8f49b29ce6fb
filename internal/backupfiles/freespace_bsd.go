//go:build darwin || freebsd

package backupfiles

import "syscall"

func freeSpace(path string) (uint64, bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, false
	}
	return blocksToBytes(st.Bavail, st.Bsize)
}
