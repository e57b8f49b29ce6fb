package zoho

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

const zohoLinkBase = "https://download-accl.zoho.com" + linkPathTail

func TestParseDownloadLink(t *testing.T) {
	link, err := ParseDownloadLink("https://download-accl.zoho.com/v2/crm/75734565104/backup/4876876000001781013/Data_001.zip")
	if err != nil {
		t.Fatal(err)
	}
	want := DownloadLink{ZGID: "75734565104", JobID: "4876876000001781013", FileName: "Data_001.zip", RedactedURL: "https://download-accl.zoho.com/v2/crm/75734565104/backup/4876876000001781013/Data_001.zip"}
	link.URL = nil
	if link != want {
		t.Errorf("got %+v, want %+v", link, want)
	}
	// A query (a signature, say) is kept for the request, never in RedactedURL.
	link, err = ParseDownloadLink(zohoLinkBase + "Attachments_001.zip?sig=" + testToken + "#frag")
	if err != nil {
		t.Fatal(err)
	}
	if link.RedactedURL != zohoLinkBase+"Attachments_001.zip" || link.URL.RawQuery == "" || link.FileName != "Attachments_001.zip" {
		t.Errorf("got %+v", link)
	}
	// The version segment is any v and digits; a percent-encoded name is decoded.
	link, err = ParseDownloadLink("https://download-accl.zoho.com/v8/crm/1/backup/2/Donn%C3%A9es%20001.zip")
	if err != nil || link.FileName != "Données 001.zip" || link.JobID != "2" {
		t.Errorf("got %+v, %v", link, err)
	}
}

func TestParseDownloadLinkRefusals(t *testing.T) {
	tests := map[string]struct{ link, want string }{
		"no file name":          {zohoLinkBase, "file name \"\" is not a plain file name: it is empty"},
		"dot":                   {zohoLinkBase + ".", "names a directory"},
		"dot dot":               {zohoLinkBase + "..", "names a directory"},
		"encoded dot dot":       {zohoLinkBase + "%2e%2e", "names a directory"},
		"encoded slash":         {zohoLinkBase + "..%2F..%2Fetc%2Fpasswd", "path separator ('/' at byte 3)"},
		"encoded absolute":      {zohoLinkBase + "%2Fetc%2Fpasswd", "path separator ('/' at byte 1)"},
		"backslash":             {zohoLinkBase + "..%5Cwin.ini", "path separator ('\\\\' at byte 3)"},
		"drive":                 {zohoLinkBase + "C:evil.zip", "colon (byte 2)"},
		"NUL":                   {zohoLinkBase + "a%00.zip", "control character U+0000 at byte 2"},
		"line feed":             {zohoLinkBase + "a%0A.zip", "control character U+000A"},
		"DEL":                   {zohoLinkBase + "a%7F.zip", "control character U+007F"},
		"C1 control":            {zohoLinkBase + "a%C2%85.zip", "control character U+0085"},
		"invalid UTF-8":         {zohoLinkBase + "a%FF.zip", "not valid UTF-8"},
		"256 bytes":             {zohoLinkBase + strings.Repeat("a", 252) + ".zip", "256 bytes long"},
		"bad escape":            {zohoLinkBase + "a%zz.zip", "does not parse as a URL"},
		"extra segment":         {zohoLinkBase + "x/Data_001.zip", "the path is not /v2/crm/{zgid}/backup/{job-id}/{file-name}"},
		"missing segment":       {"https://download-accl.zoho.com/v2/crm/" + backupID + "/Data_001.zip", "the path is not"},
		"not backup":            {"https://download-accl.zoho.com/v2/crm/1/files/" + backupID + "/Data_001.zip", "the path is not"},
		"not crm":               {"https://download-accl.zoho.com/v2/desk/1/backup/" + backupID + "/Data_001.zip", "the path is not"},
		"bad version":           {"https://download-accl.zoho.com/latest/crm/1/backup/" + backupID + "/Data_001.zip", "the path is not"},
		"zgid not digits":       {"https://download-accl.zoho.com/v2/crm/org1/backup/" + backupID + "/Data_001.zip", "zgid"},
		"job id not digits":     {"https://download-accl.zoho.com/v2/crm/1/backup/12ab/Data_001.zip", "the job id"},
		"job id zero":           {"https://download-accl.zoho.com/v2/crm/1/backup/000/Data_001.zip", "never zero"},
		"job id too long":       {"https://download-accl.zoho.com/v2/crm/1/backup/12345678901234567890/Data_001.zip", "the job id"},
		"job id encoded slash":  {"https://download-accl.zoho.com/v2/crm/1/backup/1%2F2/Data_001.zip", "the job id"},
		"double slash":          {"https://download-accl.zoho.com/v2/crm/1/backup/" + backupID + "//Data_001.zip", "the path is not"},
		"over-long link":        {zohoLinkBase + "Data_001.zip?" + strings.Repeat("q", MaxDownloadLinkBytes), "bytes long"},
		"no scheme":             {"download-accl.zoho.com" + linkPathTail + "Data_001.zip", "not an absolute http(s) URL"},
		"opaque":                {"https:download-accl.zoho.com", "not an absolute http(s) URL"},
		"control in the host":   {"https://download\x00accl.zoho.com" + linkPathTail + "a.zip", "does not parse as a URL"},
		"token-shaped junk url": {"::" + testToken, "does not parse as a URL"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParseDownloadLink(tt.link)
			var linkErr *DownloadLinkError
			if !errors.As(err, &linkErr) {
				t.Fatalf("want *DownloadLinkError, got %T %v", err, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			checkQuotedSafely(t, err.Error())
		})
	}
}

// fileNameVerdict is the rule ValidateFileName implements, restated rune by
// rune for the exhaustive tests: which rune makes a name not plain.
func runeIsRefused(r rune) bool {
	return r == '/' || r == '\\' || r == ':' || unicode.IsControl(r)
}

// encodeRune is r in UTF-8's bit layout even for a surrogate, which
// string(r) would replace with U+FFFD: the bytes a hostile server could send.
func encodeRune(r rune) string {
	if r < 0xD800 || r > 0xDFFF {
		return string(r)
	}
	return string([]byte{0xED, byte(0x80 | (r>>6)&0x3F), byte(0x80 | r&0x3F)})
}

// TestFileNameRuleOverEveryByte tries every byte alone, between letters,
// and percent-encoded in a link: the verdicts must agree with the rule, and
// ParseDownloadLink must decide as ValidateFileName does.
func TestFileNameRuleOverEveryByte(t *testing.T) {
	for b := 0; b < 256; b++ {
		middle := "a" + string([]byte{byte(b)}) + "b"
		wantPlain := b >= 0x20 && b < 0x7f && b != '/' && b != '\\' && b != ':'
		if err := ValidateFileName(middle); (err == nil) != wantPlain {
			t.Errorf("byte %#02x between letters: got %v, want plain=%v", b, err, wantPlain)
		}
		alone := string([]byte{byte(b)})
		wantAlone := wantPlain && b != '.'
		if err := ValidateFileName(alone); (err == nil) != wantAlone {
			t.Errorf("byte %#02x alone: got %v, want plain=%v", b, err, wantAlone)
		}
		link, err := ParseDownloadLink(zohoLinkBase + fmt.Sprintf("a%%%02Xb", b))
		if (err == nil) != wantPlain {
			t.Errorf("byte %#02x percent-encoded in a link: got %v, want plain=%v", b, err, wantPlain)
		}
		if err == nil && link.FileName != middle {
			t.Errorf("byte %#02x: file name %q, want %q", b, link.FileName, middle)
		}
	}
}

// TestFileNameRuleOverEveryRune tries every Unicode code point between
// letters: refused exactly when it is a separator, a colon or a control
// character; surrogates, which UTF-8 cannot hold, are refused as invalid.
func TestFileNameRuleOverEveryRune(t *testing.T) {
	refusedCount := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		name := "a" + encodeRune(r) + "b"
		wantPlain := !runeIsRefused(r) && utf8.ValidRune(r)
		err := ValidateFileName(name)
		if (err == nil) != wantPlain {
			t.Fatalf("rune %U: got %v, want plain=%v", r, err, wantPlain)
		}
		if err != nil {
			refusedCount++
		}
	}
	// 65 controls, three separators, 2048 surrogates.
	if refusedCount != 65+3+2048 {
		t.Errorf("%d runes refused, want %d", refusedCount, 65+3+2048)
	}
}

func TestFileNameLengthEdges(t *testing.T) {
	for _, tt := range []struct {
		name  string
		plain bool
	}{
		{strings.Repeat("a", 255), true},
		{strings.Repeat("a", 256), false},
		{strings.Repeat("é", 127) + "a", true},  // 255 bytes
		{strings.Repeat("é", 128), false},       // 256 bytes
		{strings.Repeat("😀", 63) + "abc", true}, // 255 bytes
		{strings.Repeat("😀", 64), false},        // 256 bytes
		{"...", true},
		{".zip", true},
		{"Data_001.zip", true},
		{" ", true},
	} {
		if err := ValidateFileName(tt.name); (err == nil) != tt.plain {
			t.Errorf("%d bytes %.20q: got %v, want plain=%v", len(tt.name), tt.name, err, tt.plain)
		}
	}
	long := strings.Repeat("a", 300)
	var nameErr *FileNameError
	if err := ValidateFileName(long); !errors.As(err, &nameErr) || len(nameErr.Name) > 100 || !strings.Contains(err.Error(), "300 bytes long, more than the 255") {
		t.Errorf("a long name's error must say its length and quote it bounded: %v", err)
	}
}

// checkPlainNameProperties fails unless a name the rule accepts stays a
// single element of any directory it is joined to.
func checkPlainNameProperties(t *testing.T, name string) {
	t.Helper()
	dir := filepath.Join("backups", backupID)
	joined := filepath.Join(dir, name)
	if filepath.Dir(joined) != dir || filepath.Base(joined) != name || filepath.IsAbs(name) || filepath.VolumeName(name) != "" {
		t.Fatalf("accepted %q, which does not stay a file in %s (joined: %q)", name, dir, joined)
	}
	if len(name) > MaxFileNameBytes || !utf8.ValidString(name) || strings.ContainsFunc(name, runeIsRefused) {
		t.Fatalf("accepted %q, which breaks the rule", name)
	}
}

// FuzzValidateFileName: whatever the name, an accepted name is a single
// plain path element, and a refusal quotes the name bounded. Run it with
//
//	go test -run='^$' -fuzz=FuzzValidateFileName -fuzztime=10s ./internal/zoho/
func FuzzValidateFileName(f *testing.F) {
	for _, seed := range []string{"Data_001.zip", "", ".", "..", "../x", `..\x`, "/etc/passwd", "C:x", "a\x00b", "a\nb", "\xff", "é", strings.Repeat("a", 256), "a\u0085b", "a\u202eb"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		err := ValidateFileName(name)
		if err == nil {
			checkPlainNameProperties(t, name)
			return
		}
		var nameErr *FileNameError
		if !errors.As(err, &nameErr) || len(nameErr.Name) > 100 || !utf8.ValidString(nameErr.Name) {
			t.Fatalf("refusal %T %v does not quote the name bounded", err, err)
		}
	})
}

// FuzzParseDownloadLink: whatever the link, an accepted one has a plain file
// name, a valid job id and a RedactedURL without userinfo, query or
// fragment; a refusal is a *DownloadLinkError that quotes it bounded.
func FuzzParseDownloadLink(f *testing.F) {
	for _, seed := range []string{
		zohoLinkBase + "Data_001.zip", zohoLinkBase + "..%2Fx", zohoLinkBase + "a?b=c#d", "https://u:p@h/v2/crm/1/backup/2/a",
		"http://127.0.0.1:1/v2/crm/1/backup/2/a%00", "https://h/v2/crm/1/backup/2/%E2%80%AE", "https://h/v9/crm/1/backup/2/..",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, link string) {
		parsed, err := ParseDownloadLink(link)
		if err != nil {
			var linkErr *DownloadLinkError
			if !errors.As(err, &linkErr) || len(err.Error()) > 2000 {
				t.Fatalf("refusal %T of %d bytes", err, len(err.Error()))
			}
			return
		}
		checkPlainNameProperties(t, parsed.FileName)
		if ValidateBackupID(parsed.JobID) != nil {
			t.Fatalf("accepted job id %q", parsed.JobID)
		}
		redacted, err := url.Parse(parsed.RedactedURL)
		if err != nil || redacted.User != nil || redacted.RawQuery != "" || redacted.Fragment != "" || strings.ContainsAny(parsed.RedactedURL, "?#@") {
			t.Fatalf("RedactedURL %q keeps more than scheme, host and path", parsed.RedactedURL)
		}
	})
}
