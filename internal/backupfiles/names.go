package backupfiles

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Suffixes of the files this package derives from a backup file's name.
const (
	// PartSuffix marks a file that is still being downloaded.
	PartSuffix = ".part"
	// CorruptSuffix marks a downloaded file that failed its checks, kept for
	// inspection until the same name is committed.
	CorruptSuffix = ".corrupt"
	// ManifestName is the manifest's file name inside the backup directory.
	ManifestName = "manifest.json"
)

// MaxNameBytes is the longest file name accepted, in bytes. Most file
// systems allow 255 bytes per name (NAME_MAX); the longest name derived here
// is <name>.corrupt, so a backup file's own name may use 255 - 8 bytes.
const MaxNameBytes = 255 - len(CorruptSuffix)

// reservedChars cannot appear in a Windows file name; ':' in particular
// would name an alternate data stream ("a.zip:x") or a drive ("C:a.zip").
// They are refused on every OS so that a backup directory can be copied to
// any machine.
const reservedChars = `<>:"|?*`

// NameError is a backup file name that is not a plain file name. Nothing is
// created or written under such a name.
type NameError struct {
	// Name is the refused name, at most 300 bytes of it.
	Name string
	// Reason says which rule it breaks.
	Reason string
}

func (e *NameError) Error() string {
	return fmt.Sprintf("backup file name %q refused: %s; the provider only writes plain file names inside the backup directory", e.Name, e.Reason)
}

// ValidName reports whether name is a plain file name this package writes:
// non-empty valid UTF-8 of at most MaxNameBytes bytes, not "." or "..", no
// leading dot (hidden files and this package's temporary files), no slash or
// backslash (so no path and no absolute path), no control character (C0, DEL
// or C1), none of the Windows-reserved characters <>:"|?*, and not one of the
// names this package derives: manifest.json, or a name ending in .part or
// .corrupt. Names are compared without case where a collision on a
// case-insensitive file system (macOS, Windows) matters.
func ValidName(name string) error {
	if reason := nameProblem(name); reason != "" {
		return &NameError{Name: truncateForMessage(name), Reason: reason}
	}
	return nil
}

func nameProblem(name string) string {
	switch {
	case name == "":
		return "it is empty"
	case len(name) > MaxNameBytes:
		return fmt.Sprintf("it is %d bytes long, over the limit of %d bytes", len(name), MaxNameBytes)
	case !utf8.ValidString(name):
		return "it is not valid UTF-8"
	case name == "." || name == "..":
		return "it names a directory, not a file"
	case strings.HasPrefix(name, "."):
		return "it starts with a dot"
	}
	if reason := charProblem(name); reason != "" {
		return reason
	}
	return reservedNameProblem(name)
}

func charProblem(name string) string {
	for i, r := range name {
		switch {
		case r == '/' || r == '\\':
			return fmt.Sprintf("it holds a path separator %q at byte %d", r, i+1)
		case unicode.IsControl(r):
			return fmt.Sprintf("it holds the control character %U at byte %d", r, i+1)
		case strings.ContainsRune(reservedChars, r):
			return fmt.Sprintf("it holds %q at byte %d, which Windows reserves", r, i+1)
		}
	}
	return ""
}

func reservedNameProblem(name string) string {
	lower := strings.ToLower(name)
	switch {
	case lower == ManifestName:
		return "it is the manifest's own name"
	case strings.HasSuffix(lower, PartSuffix):
		return "it ends in " + PartSuffix + ", which marks files still being downloaded"
	case strings.HasSuffix(lower, CorruptSuffix):
		return "it ends in " + CorruptSuffix + ", which marks files that failed their checks"
	}
	return ""
}

// truncateForMessage bounds a string from the server before it goes into an
// error message (which %q then escapes).
func truncateForMessage(s string) string {
	const limit = 300
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "..."
}
