package zoho

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
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
	// FileName is the last path segment, percent-decoded and not empty. It
	// is server data: judge it (backupfiles.ValidName) before it names a file.
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

// ParseDownloadLink checks that link has the shape of a Zoho backup download
// link, /v2/crm/{zgid}/backup/{job-id}/{file-name} over http(s) without
// credentials, and returns its parts. It checks structure only: the file
// name is judged by the caller (backupfiles.ValidName), the host by
// Client.CheckDownloadLink.
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
	if name == "" {
		return refuse("the file name in %s is empty", want)
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
