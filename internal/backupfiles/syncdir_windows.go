//go:build windows

package backupfiles

import "os"

// syncDirectory does nothing on Windows: a directory handle cannot be
// flushed there (FlushFileBuffers refuses it), and NTFS journals renames.
func syncDirectory(*os.Root) error { return nil }
