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

// ValidName is the one rule for a backup file's name: non-empty valid UTF-8
// of at most MaxNameBytes bytes; not "." or ".."; no leading dot; no slash
// or backslash; no control (Cc), format (Cf: bidi overrides, zero-width
// characters, BOM...) or line/paragraph separator character; none of the
// Windows-reserved <>:"|?*; and not, ignoring case, manifest.json nor a
// name ending in .part or .corrupt. A refusal is a *NameError.
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
		case unicode.Is(unicode.Cf, r):
			return fmt.Sprintf("it holds the invisible format character %U at byte %d", r, i+1)
		case unicode.In(r, unicode.Zl, unicode.Zp):
			return fmt.Sprintf("it holds the line or paragraph separator %U at byte %d", r, i+1)
		case strings.ContainsRune(reservedChars, r):
			return fmt.Sprintf("it holds %q at byte %d, which Windows reserves", r, i+1)
		}
	}
	return ""
}

// reservedNameProblem compares under Unicode case folding, as a
// case-insensitive file system may (K, the Kelvin sign, folds to k).
func reservedNameProblem(name string) string {
	switch {
	case strings.EqualFold(name, ManifestName):
		return "it is the manifest's own name"
	case hasSuffixFold(name, PartSuffix):
		return "it ends in " + PartSuffix + ", which marks files still being downloaded"
	case hasSuffixFold(name, CorruptSuffix):
		return "it ends in " + CorruptSuffix + ", which marks files that failed their checks"
	}
	return ""
}

// hasSuffixFold is strings.HasSuffix under strings.EqualFold; a rune folds
// to a rune, so the suffix is as many runes long.
func hasSuffixFold(s, suffix string) bool {
	i := len(s)
	for n := utf8.RuneCountInString(suffix); n > 0 && i > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return strings.EqualFold(s[i:], suffix)
}

// CheckNames runs ValidName on every name and refuses two names equal under
// strings.EqualFold (one file on a case-insensitive file system), naming
// both. It returns the first refusal, a *NameError.
func CheckNames(names []string) error {
	seen := make(map[string]string, len(names))
	for _, name := range names {
		if err := ValidName(name); err != nil {
			return err
		}
		key := foldKey(name)
		first, dup := seen[key]
		switch {
		case dup && first == name:
			return &NameError{Name: truncateForMessage(name), Reason: "it is listed twice"}
		case dup:
			return &NameError{Name: truncateForMessage(name), Reason: fmt.Sprintf("it differs only in case from %q, listed before it, and a case-insensitive file system (macOS, Windows) would store both as one file", truncateForMessage(first))}
		}
		seen[key] = name
	}
	return nil
}

// foldKey maps each rune to the least rune of its unicode.SimpleFold orbit,
// so that two strings have the same key exactly when strings.EqualFold
// says they are equal.
func foldKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		b.WriteRune(least)
	}
	return b.String()
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
