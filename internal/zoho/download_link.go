package zoho

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A backup's download links are documented at
// https://www.zoho.com/crm/developer/docs/api/v8/download-backup.html as
//
//	{download-domain}/v2/crm/{zgid}/backup/{job-id}/{file-name}
//
// for example https://download-accl.zoho.com/v2/crm/123456789/backup/3652397000001763003/Data_001.zip.
// A link is server data: before it names a file on disk or receives a
// token, its shape is checked here and its host in download_policy.go.

// MaxDownloadLinkBytes bounds a link the client accepts. A Zoho link is
// about 100 bytes; a link of kilobytes is not Zoho's, and quoting or storing
// it whole would flood diagnostics and manifests.
const MaxDownloadLinkBytes = 2048

// MaxFileNameBytes is the longest file name accepted: the limit of common
// file systems (ext4, APFS, NTFS in UTF-16 units is larger), so a name that
// passes can be created as is on any of them.
const MaxFileNameBytes = 255

var (
	apiPathVersionPattern = regexp.MustCompile(`^v[0-9]{1,3}$`)
	zgidPattern           = regexp.MustCompile(`^[0-9]{1,20}$`)
)

// DownloadLink is a backup download link whose shape has been checked.
type DownloadLink struct {
	// URL is the link as it will be requested (query included: a link may
	// need it). It may carry a credential in its query: never log or store
	// it; use RedactedURL.
	URL *url.URL
	// ZGID is the organization's id and JobID the backup's (job) id, both
	// from the path.
	ZGID  string
	JobID string
	// FileName is the last path segment, percent-decoded, checked by
	// ValidateFileName: a plain name that can be joined to a directory.
	FileName string
	// RedactedURL is the link without userinfo, query or fragment (scheme,
	// host and path only), fit for a manifest, a log or a diagnostic.
	RedactedURL string
}

// DownloadLinkError is a link that is not shaped like a Zoho backup
// download link. Nothing was sent and nothing written.
type DownloadLinkError struct {
	// Link is the link, redacted (no userinfo or query) and bounded.
	Link string
	// Problem says what is wrong with it.
	Problem string
}

func (e *DownloadLinkError) Error() string {
	return fmt.Sprintf("download link %q refused before anything was sent or written: %s", e.Link, e.Problem)
}

// FileNameError is a file name that is not a plain name; it is a
// DownloadLinkError's cause when the name comes from a link.
type FileNameError struct {
	// Name is the name, made fit to quote (valid UTF-8, bounded).
	Name string
	// Problem says which rule it breaks.
	Problem string
}

func (e *FileNameError) Error() string {
	return fmt.Sprintf("file name %q is not a plain file name: %s", e.Name, e.Problem)
}

// ParseDownloadLink checks that link has the shape of a Zoho backup download
// link, /v2/crm/{zgid}/backup/{job-id}/{file-name} over http(s) without
// credentials, and returns its parts. Its host is not checked here: that
// depends on the client's data centre (Client.CheckDownloadLink).
//
// The version segment is accepted as any "v" and digits: Zoho documents v2,
// and some of its samples show the API version instead; both name the same
// files.
func ParseDownloadLink(link string) (DownloadLink, error) {
	u, err := parseLinkURL(link)
	if err != nil {
		return DownloadLink{}, err
	}
	redacted := redactedLink(u)
	refuse := func(format string, args ...any) (DownloadLink, error) {
		return DownloadLink{}, &DownloadLinkError{Link: redacted, Problem: fmt.Sprintf(format, args...)}
	}
	// Segments are split before percent-decoding, so that an encoded slash
	// (%2F) stays inside its segment and is refused there.
	segments := strings.Split(u.EscapedPath(), "/")
	const want = "/v2/crm/{zgid}/backup/{job-id}/{file-name}"
	if len(segments) != 7 || segments[0] != "" || !apiPathVersionPattern.MatchString(segments[1]) || segments[2] != "crm" || segments[4] != "backup" {
		return refuse("the path is not %s, the form Zoho documents for backup files", want)
	}
	if !zgidPattern.MatchString(segments[3]) {
		return refuse("the organization id (zgid) in %s must be 1 to 20 decimal digits", want)
	}
	if err := ValidateBackupID(segments[5]); err != nil {
		return refuse("the job id in %s: %v", want, err)
	}
	name, err := url.PathUnescape(segments[6])
	if err != nil {
		return refuse("the file name is not validly percent-encoded")
	}
	if err := ValidateFileName(name); err != nil {
		return refuse("%v", err)
	}
	return DownloadLink{URL: u, ZGID: segments[3], JobID: segments[5], FileName: name, RedactedURL: redacted}, nil
}

// parseLinkURL parses link as an absolute http(s) URL without userinfo,
// of at most MaxDownloadLinkBytes.
func parseLinkURL(link string) (*url.URL, error) {
	quoted := redact(shorten(strings.ToValidUTF8(link, "\uFFFD"), excerptBytes))
	u, err := url.Parse(link)
	if err != nil {
		// The parser's error quotes the link whole; say it in our words.
		return nil, &DownloadLinkError{Link: quoted, Problem: "it does not parse as a URL (an invalid character or percent-escape)"}
	}
	if u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.Opaque != "" {
		return nil, &DownloadLinkError{Link: quoted, Problem: "it is not an absolute http(s) URL"}
	}
	if len(link) > MaxDownloadLinkBytes {
		return nil, &DownloadLinkError{Link: redactedLink(u), Problem: fmt.Sprintf("it is %d bytes long; Zoho's links are about 100 bytes, and the provider accepts at most %d", len(link), MaxDownloadLinkBytes)}
	}
	if u.User != nil {
		// A credential in a link would be sent to its host by any HTTP
		// client, and the host before the @ could make it look like Zoho's.
		return nil, &DownloadLinkError{Link: redactedLink(u), Problem: "it carries a user name or password before its host (user@host), which a Zoho link never does"}
	}
	return u, nil
}

// redactedLink is u with scheme, host and path only, bounded and with
// anything token-shaped removed: fit for a diagnostic or a manifest.
func redactedLink(u *url.URL) string {
	return shorten(redact(strings.ToValidUTF8(u.Scheme+"://"+u.Host+u.EscapedPath(), "\uFFFD")), excerptBytes*2)
}

// ValidateFileName reports whether name is a plain file name that can be
// joined to a directory without leaving it or meaning anything else: not
// empty, not "." or "..", no slash or backslash (so not absolute on any
// system), no colon (a drive letter or an NTFS alternate data stream on
// Windows), no control character (NUL included), valid UTF-8, at most
// MaxFileNameBytes bytes. Zoho's own names are like Data_001.zip and
// Attachments_001.zip.
func ValidateFileName(name string) error {
	refuse := func(problem string) error {
		return &FileNameError{Name: shorten(strings.ToValidUTF8(name, "\uFFFD"), 80), Problem: problem}
	}
	switch {
	case name == "":
		return refuse("it is empty")
	case name == "." || name == "..":
		return refuse("it names a directory, not a file")
	case len(name) > MaxFileNameBytes:
		return refuse(fmt.Sprintf("it is %d bytes long, more than the %d bytes file systems allow", len(name), MaxFileNameBytes))
	case !utf8.ValidString(name):
		return refuse("it is not valid UTF-8")
	}
	for i, r := range name {
		switch {
		case r == '/' || r == '\\':
			return refuse(fmt.Sprintf("it holds a path separator (%q at byte %d), so it is a path, not a name", r, i+1))
		case r == ':':
			return refuse(fmt.Sprintf("it holds a colon (byte %d), which names a drive or a data stream on Windows", i+1))
		case unicode.IsControl(r):
			return refuse(fmt.Sprintf("it holds the control character %U at byte %d", r, i+1))
		}
	}
	return nil
}
