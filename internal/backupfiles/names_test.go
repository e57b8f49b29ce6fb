package backupfiles

import (
	"errors"
	"strings"
	"testing"
	"unicode"
)

func TestValidNameAccepts(t *testing.T) {
	for _, name := range []string{
		"Data_001.zip",
		"Attachments_012.zip",
		"4876876000001593003_1.zip",
		"a",
		"a b.zip",
		"données été.zip",
		"x..zip",
	} {
		if err := ValidName(name); err != nil {
			t.Errorf("ValidName(%q) = %v, want nil", name, err)
		}
	}
	longest := strings.Repeat("a", MaxNameBytes)
	if err := ValidName(longest); err != nil {
		t.Errorf("ValidName of %d bytes = %v, want nil", len(longest), err)
	}
	if MaxNameBytes+len(CorruptSuffix) != 255 || MaxNameBytes+len(PartSuffix) > 255 {
		t.Errorf("MaxNameBytes = %d: name.corrupt and name.part must fit 255 bytes", MaxNameBytes)
	}
}

func TestValidNameRefuses(t *testing.T) {
	cases := []struct{ name, reason string }{
		{"", "empty"},
		{strings.Repeat("a", MaxNameBytes+1), "over the limit"},
		{strings.Repeat("é", 128), "over the limit"}, // 256 bytes, 128 runes
		{"\xff\xfe.zip", "not valid UTF-8"},
		{".", "directory"},
		{"..", "directory"},
		{".hidden.zip", "starts with a dot"},
		{"..a", "starts with a dot"},
		{"../etc/passwd", "starts with a dot"},
		{"a/b.zip", "path separator"},
		{"/etc/passwd", "path separator"},
		{"a\\b.zip", "path separator"},
		{"\\\\server\\share", "path separator"},
		{"C:\\x.zip", "Windows reserves"}, // the colon comes first
		{"C:x.zip", "Windows reserves"},
		{"a.zip:stream", "Windows reserves"},
		{"a<b", "Windows reserves"},
		{"a>b", "Windows reserves"},
		{"a\"b", "Windows reserves"},
		{"a|b", "Windows reserves"},
		{"a?b", "Windows reserves"},
		{"a*b", "Windows reserves"},
		{"a\x00b", "control character"},
		{"a\nb", "control character"},
		{"a\tb", "control character"},
		{"a\x7fb", "control character"},
		{"a\u0085b", "control character"}, // C1 NEL
		{"manifest.json", "manifest"},
		{"MANIFEST.JSON", "manifest"},
		{"Data_001.zip.part", ".part"},
		{"Data_001.zip.PART", ".part"},
		{"Data_001.zip.corrupt", ".corrupt"},
	}
	for _, c := range cases {
		err := ValidName(c.name)
		var nameErr *NameError
		if !errors.As(err, &nameErr) {
			t.Errorf("ValidName(%q) = %v, want a *NameError", c.name, err)
			continue
		}
		if !strings.Contains(nameErr.Reason, c.reason) {
			t.Errorf("ValidName(%q) reason = %q, want it to mention %q", c.name, nameErr.Reason, c.reason)
		}
		if len(nameErr.Name) > 303 {
			t.Errorf("ValidName(%q): error quotes %d bytes of the name, want at most 303", c.name, len(nameErr.Name))
		}
	}
}

// TestValidNameEveryRune walks every one-rune name in the Basic
// Multilingual Plane (and a rune beyond it), embedded in an otherwise valid
// name: exactly the separators, control characters and Windows-reserved
// characters are refused.
func TestValidNameEveryRune(t *testing.T) {
	for r := rune(0); r <= 0x10000; r++ {
		if r >= 0xd800 && r <= 0xdfff {
			continue // surrogates are not valid UTF-8 on their own
		}
		name := "a" + string(r) + "b.zip"
		want := r != '/' && r != '\\' && !unicode.IsControl(r) && !strings.ContainsRune(`<>:"|?*`, r)
		if got := ValidName(name) == nil; got != want {
			t.Errorf("ValidName(%q) accepted = %v, want %v", name, got, want)
		}
	}
}

func TestValidNameLengthBoundaryInBytes(t *testing.T) {
	// 3-byte runes: 82 of them are 246 bytes, 83 are 249.
	if err := ValidName(strings.Repeat("€", 82)); err != nil {
		t.Errorf("246 bytes refused: %v", err)
	}
	if err := ValidName(strings.Repeat("€", 83)); err == nil {
		t.Error("249 bytes accepted")
	}
}
