//go:build !windows

package backupfiles

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// othersCouldWrite reports a file of one link that group or others can
// write (one of more links is checkPartAccess's to refuse).
func othersCouldWrite(fi fs.FileInfo) bool {
	return fi.Mode().Perm()&0o022 != 0 && links(fi) <= 1
}

func links(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink) //nolint:unconvert // Nlink is uint16 or uint32 on some unix systems
	}
	return 1
}

// checkPartAccess refuses a .part with more than one hard link or that
// group or others can write, and re-modes one they can only read to 0600.
func checkPartAccess(f *os.File, fi fs.FileInfo, path string) error {
	if n := links(fi); n > 1 {
		return fmt.Errorf("open %s: it has %d hard links, so writing it would change another file too; remove it and invoke again", path, n)
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

// checkDirAccess re-modes a backup directory group or others can open to
// 0750 at most; when they could write it, it then refuses it, since its
// files may have been changed.
func checkDirAccess(dir *os.Root, fi fs.FileInfo, path string) error {
	perm := fi.Mode().Perm()
	if perm&0o027 == 0 {
		return nil
	}
	if err := dir.Chmod(".", perm&0o750); err != nil {
		return fmt.Errorf("backup directory: chmod 750 %s: %w; chmod it yourself and invoke again", path, err)
	}
	if perm&0o022 != 0 {
		return fmt.Errorf("backup directory: %s was mode %04o, so group or others could have changed its files; it is now %04o: check its files (remove any you did not put there) and invoke again", path, perm, perm&0o750)
	}
	return nil
}
