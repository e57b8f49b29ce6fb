//go:build !windows

package backupfiles

import "os"

// syncDirectory fsyncs a directory so that a rename in it survives a crash.
func syncDirectory(root *os.Root) error {
	f, err := root.Open(".")
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
