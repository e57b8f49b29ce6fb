//go:build windows

package backupfiles

import (
	"io/fs"
	"os"
)

// On Windows access is the ACLs' (inherited from the parent folder), which
// a mode does not describe: these checks are unix's (access_unix.go).

func othersCouldWrite(fs.FileInfo) bool { return false }

func checkPartAccess(*os.File, fs.FileInfo, string) error { return nil }

func restrictFile(*os.File, fs.FileInfo, string) error { return nil }

func checkDirAccess(*os.Root, fs.FileInfo, string) error { return nil }
