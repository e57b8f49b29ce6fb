package zoho

import (
	"errors"
	"net/url"
	"strings"
	"testing"
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
	// File names are not judged here (backupfiles.ValidName does): the
	// segment is only decoded.
	link, err = ParseDownloadLink(zohoLinkBase + "..%2Fa%E2%80%AE.zip")
	if err != nil || link.FileName != "../a\u202e.zip" {
		t.Errorf("got %+v, %v", link, err)
	}
	// The version segment is any v and digits; a percent-encoded name is decoded.
	link, err = ParseDownloadLink("https://download-accl.zoho.com/v8/crm/1/backup/2/Donn%C3%A9es%20001.zip")
	if err != nil || link.FileName != "Données 001.zip" || link.JobID != "2" {
		t.Errorf("got %+v, %v", link, err)
	}
}

func TestParseDownloadLinkRefusals(t *testing.T) {
	tests := map[string]struct{ link, want string }{
		"no file name":          {zohoLinkBase, "the file name in /v2/crm/{zgid}/backup/{job-id}/{file-name} is empty"},
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

// FuzzParseDownloadLink: whatever the link, an accepted one has a file
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
		if parsed.FileName == "" {
			t.Fatal("accepted an empty file name")
		}
		if ValidateBackupID(parsed.JobID) != nil {
			t.Fatalf("accepted job id %q", parsed.JobID)
		}
		redacted, err := url.Parse(parsed.RedactedURL)
		if err != nil || redacted.User != nil || redacted.RawQuery != "" || redacted.Fragment != "" || strings.ContainsAny(parsed.RedactedURL, "?#@") {
			t.Fatalf("RedactedURL %q keeps more than scheme, host and path", parsed.RedactedURL)
		}
	})
}
