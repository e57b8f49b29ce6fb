package zoho

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// MaxDownloadLinkBytes bounds a link (Zoho's are about 100 bytes).
const MaxDownloadLinkBytes = 2048

var (
	apiPathVersionPattern = regexp.MustCompile(`^v[0-9]{1,3}$`)
	zgidPattern           = regexp.MustCompile(`^[0-9]{1,20}$`)
)

// DownloadLink is a backup download link whose shape has been checked.
type DownloadLink struct {
	// URL may carry a credential in its query: never log or store it.
	URL *url.URL
	// ZGID (the organization's id) and JobID (the backup's) are from the path.
	ZGID  string
	JobID string
	// FileName is the last segment, decoded: judge it before use.
	FileName string
	// RedactedURL (scheme, host, path) is what logs and manifests keep.
	RedactedURL string
}

// DownloadLinkError is a link refused for its shape; nothing was sent.
type DownloadLinkError struct {
	Link    string // redacted and bounded
	Problem string
}

func (e *DownloadLinkError) Error() string {
	return fmt.Sprintf("download link %q refused before anything was sent or written: %s", e.Link, e.Problem)
}

// ParseDownloadLink checks link's structure,
// http(s)://host/v{n}/crm/{zgid}/backup/{job-id}/{file-name}, and returns its
// parts. The file name is the caller's to judge, the host CheckDownloadLink's.
func ParseDownloadLink(link string) (DownloadLink, error) {
	u, err := parseLinkURL(link)
	if err != nil {
		return DownloadLink{}, err
	}
	redacted := redactedLink(u)
	refuse := func(format string, args ...any) (DownloadLink, error) {
		return DownloadLink{}, &DownloadLinkError{Link: redacted, Problem: fmt.Sprintf(format, args...)}
	}
	// Split before percent-decoding: an encoded slash stays in its segment.
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

func parseLinkURL(link string) (*url.URL, error) {
	quoted := redact(shorten(strings.ToValidUTF8(link, "\uFFFD"), excerptBytes))
	u, err := url.Parse(link)
	if err != nil {
		return nil, &DownloadLinkError{Link: quoted, Problem: "it does not parse as a URL (an invalid character or percent-escape)"}
	}
	if u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.Opaque != "" {
		return nil, &DownloadLinkError{Link: quoted, Problem: "it is not an absolute http(s) URL"}
	}
	if len(link) > MaxDownloadLinkBytes {
		return nil, &DownloadLinkError{Link: redactedLink(u), Problem: fmt.Sprintf("it is %d bytes long; Zoho's links are about 100 bytes, and the provider accepts at most %d", len(link), MaxDownloadLinkBytes)}
	}
	if u.User != nil {
		return nil, &DownloadLinkError{Link: redactedLink(u), Problem: "it carries a user name or password before its host (user@host), which a Zoho link never does"}
	}
	return u, nil
}

// redactedLink is u's scheme, host and path, bounded and token-free.
func redactedLink(u *url.URL) string {
	return shorten(redact(strings.ToValidUTF8(u.Scheme+"://"+u.Host+u.EscapedPath(), "\uFFFD")), excerptBytes*2)
}
