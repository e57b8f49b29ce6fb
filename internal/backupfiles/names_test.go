package backupfiles

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode"
)

type nameCase struct {
	name string
	// reason is a part of the refusal's reason; "" means accepted.
	reason string
}

// runeCases is one name per rune, every rune of Unicode embedded in an
// otherwise valid name, with the refusal its class earns.
func runeCases() []nameCase {
	var cases []nameCase
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xd800 && r <= 0xdfff {
			continue // surrogates are not valid UTF-8 on their own
		}
		want := ""
		switch {
		case r == '/' || r == '\\':
			want = fmt.Sprintf("path separator %q at byte 2", r)
		case unicode.Is(unicode.Cc, r):
			want = fmt.Sprintf("control character %U at byte 2", r)
		case unicode.Is(unicode.Cf, r):
			want = fmt.Sprintf("invisible format character %U at byte 2", r)
		case unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r):
			want = fmt.Sprintf("separator %U at byte 2", r)
		case strings.ContainsRune(`<>:"|?*`, r):
			want = fmt.Sprintf("%q at byte 2, which Windows reserves", r)
		}
		cases = append(cases, nameCase{"a" + string(r) + "b.zip", want})
	}
	return cases
}

// TestValidName is the file-name rule over its whole domain: every rune
// class, every length boundary, every reserved and derived name.
func TestValidName(t *testing.T) {
	cases := []nameCase{
		{"Data_001.zip", ""},
		{"Attachments_012.zip", ""},
		{"4876876000001593003_1.zip", ""},
		{"a", ""},
		{"a b.zip", ""},
		{"données été.zip", ""},
		{"x..zip", ""},
		{"Data.part.zip", ""},
		{strings.Repeat("a", MaxNameBytes), ""},
		{strings.Repeat("€", 82), ""}, // 246 bytes
		{"", "empty"},
		{strings.Repeat("a", MaxNameBytes+1), "over the limit"},
		{strings.Repeat("€", 83), "over the limit"},  // 249 bytes
		{strings.Repeat("é", 128), "over the limit"}, // 256 bytes, 128 runes
		{"\xff\xfe.zip", "not valid UTF-8"},
		{"a\xc3", "not valid UTF-8"},
		{"a\xed\xa0\x80", "not valid UTF-8"}, // a surrogate
		{".", "directory"},
		{"..", "directory"},
		{".hidden.zip", "starts with a dot"},
		{"..a", "starts with a dot"},
		{"../etc/passwd", "starts with a dot"},
		{".Data_001.zip.part.v", "starts with a dot"}, // a validator sidecar
		{"/etc/passwd", "path separator"},
		{"\\\\server\\share", "path separator"},
		{"C:\\x.zip", "Windows reserves"}, // the colon comes first
		{"a.zip:stream", "Windows reserves"},
		{"\u202egpj.zip", "format character U+202E at byte 1"},
		{"Data\u200b.zip", "format character U+200B at byte 5"},
		{"\ufeffData.zip", "format character U+FEFF at byte 1"},
		{"manifest.json", "manifest"},
		{"MANIFEST.JSON", "manifest"},
		{"manifeſt.json", "manifest"}, // ſ folds to s
		{"Data_001.zip.part", ".part"},
		{"Data_001.zip.PART", ".part"},
		{"é.PaRt", "it ends in .part"},
		{"Data_001.zip.corrupt", ".corrupt"},
		{"Data_001.zip.CORRUPT", ".corrupt"},
	}
	cases = append(cases, runeCases()...)
	for _, c := range cases {
		err := ValidName(c.name)
		if c.reason == "" {
			if err != nil {
				t.Errorf("ValidName(%q) = %v, want nil", c.name, err)
			}
			continue
		}
		var nameErr *NameError
		if !errors.As(err, &nameErr) {
			t.Errorf("ValidName(%q) = %v, want a *NameError", c.name, err)
			continue
		}
		if !strings.Contains(nameErr.Reason, c.reason) {
			t.Errorf("ValidName(%q) reason = %q, want it to hold %q", c.name, nameErr.Reason, c.reason)
		}
		if len(nameErr.Name) > 303 {
			t.Errorf("ValidName(%q): error quotes %d bytes of the name, want at most 303", c.name, len(nameErr.Name))
		}
	}
	if MaxNameBytes+len(CorruptSuffix) != 255 || len(validatorName(strings.Repeat("a", MaxNameBytes))) > 255 {
		t.Errorf("MaxNameBytes = %d: name.corrupt and the validator sidecar must fit 255 bytes", MaxNameBytes)
	}
}

// TestCheckNames is the rule over a list: each name valid, and no two the
// same file on a case-insensitive file system.
func TestCheckNames(t *testing.T) {
	cases := []struct {
		names []string
		// want holds every part of the refusal; nil means accepted.
		want []string
	}{
		{nil, nil},
		{[]string{"Data_001.zip"}, nil},
		{[]string{"Data_001.zip", "Data_002.zip", "Attachments_001.zip"}, nil},
		{[]string{"straße.zip", "strasse.zip"}, nil}, // no simple case fold joins them
		{[]string{"Data_001.zip", "manifest.json"}, []string{`"manifest.json"`, "manifest's own name"}},
		{[]string{"Data_001.zip", "a\u202e.zip"}, []string{"U+202E"}},
		{[]string{"Data_001.zip", "Data_001.zip"}, []string{`"Data_001.zip"`, "listed twice"}},
		{[]string{"Data_001.zip", "x", "DATA_001.ZIP"}, []string{`"DATA_001.ZIP"`, `from "Data_001.zip"`, "case-insensitive"}},
		{[]string{"k.zip", "\u212a.zip"}, []string{"\"\u212a.zip\"", `from "k.zip"`}}, // the Kelvin sign
		{[]string{"ǆ.zip", "ǅ.zip"}, []string{`from "ǆ.zip"`}},                        // a three-rune fold orbit
		{[]string{"Σ.zip", "ς.zip"}, []string{`from "Σ.zip"`}},
	}
	for _, c := range cases {
		err := CheckNames(c.names)
		if c.want == nil {
			if err != nil {
				t.Errorf("CheckNames(%q) = %v, want nil", c.names, err)
			}
			continue
		}
		var nameErr *NameError
		if !errors.As(err, &nameErr) {
			t.Errorf("CheckNames(%q) = %v, want a *NameError", c.names, err)
			continue
		}
		for _, part := range c.want {
			if !strings.Contains(err.Error(), part) {
				t.Errorf("CheckNames(%q) = %q, want it to hold %q", c.names, err, part)
			}
		}
	}
}

// foldKey agrees with strings.EqualFold on every pair of runes that fold
// together, and on none that do not.
func TestFoldKeyIsEqualFold(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if foldKey(string(r)) != foldKey(string(f)) {
				t.Errorf("foldKey(%q) != foldKey(%q), yet they are EqualFold", r, f)
			}
		}
		if r == 'a' && foldKey("a") == foldKey("b") {
			t.Error("foldKey joins a and b")
		}
	}
}
