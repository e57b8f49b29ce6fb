//go:build !linux

package backupfiles

import "os"

// startWriteback is Linux's early writeback (writeback_linux.go); elsewhere
// Commit's fsync alone writes the file out.
func startWriteback(*os.File, int64, int64) {}
