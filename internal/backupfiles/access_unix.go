//go:build !windows

package backupfiles

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// checkPartAccess refuses a .part with more than one hard link or that group or
// others can write, and re-modes one they can only read to 0600.
func checkPartAccess(f *os.File, fi fs.FileInfo, path string) error {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && uint64(st.Nlink) > 1 {
		return fmt.Errorf("open %s: it has %d hard links, so writing it would change another file too; remove it and invoke again", path, st.Nlink)
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("open %s: its mode %04o lets group or others write it, so its bytes may not be the download's; remove it, or chmod 600 it if you trust them, and invoke again", path, perm)
	}
	return restrictFile(f, fi, path)
}

// restrictFile re-modes a file group or others can open to 0600.
func restrictFile(f *os.File, fi fs.FileInfo, path string) error {
	if fi.Mode().Perm()&0o077 == 0 {
		return nil
	}
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("chmod 600 %s: %w; chmod it yourself and invoke again", path, err)
	}
	return nil
}

// checkDirAccess refuses a backup directory that group or others can write,
// and re-modes one others can read or enter to 0750 at most.
func checkDirAccess(dir *os.Root, fi fs.FileInfo, path string) error {
	perm := fi.Mode().Perm()
	if perm&0o022 != 0 {
		return fmt.Errorf("backup directory: its mode %04o lets group or others write %s, so its files may not be the downloads; check them, chmod 750 it, and invoke again", perm, path)
	}
	if perm&0o007 == 0 {
		return nil
	}
	if err := dir.Chmod(".", perm&0o750); err != nil {
		return fmt.Errorf("backup directory: chmod 750 %s: %w; chmod it yourself and invoke again", path, err)
	}
	return nil
}
