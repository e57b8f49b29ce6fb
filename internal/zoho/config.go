package zoho

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
)

const (
	// DefaultAPIDomain is the API domain of Zoho's US data centre.
	DefaultAPIDomain = "https://www.zohoapis.com"
	// DefaultAPIVersion is the version of the bulk backup API the client speaks.
	DefaultAPIVersion = "v8"
)

var (
	apiVersionPattern = regexp.MustCompile(`^v[0-9]+$`)
	backupIDPattern   = regexp.MustCompile(`^[0-9]{1,19}$`)
)

// ValidateAPIVersion reports whether v is a Zoho API version segment such as "v8".
func ValidateAPIVersion(v string) error {
	if !apiVersionPattern.MatchString(v) {
		return fmt.Errorf("%q is not a Zoho API version: use \"v\" followed by digits, such as %q", v, DefaultAPIVersion)
	}
	return nil
}

// ValidateBackupID reports whether id looks like a Zoho backup id: 1 to 19
// decimal digits, not all zeros. Zoho's record ids are positive 64-bit
// numbers written in decimal (19 digits today, such as
// 4876876000001593003), so nothing longer or zero can name a backup;
// checking early means a typo never costs an API call. The resource and
// every other place that takes a backup id share this one check.
func ValidateBackupID(id string) error {
	const example = "4876876000001593003"
	switch {
	case !backupIDPattern.MatchString(id):
		return fmt.Errorf("%q is not a Zoho backup id: ids are 1 to 19 decimal digits, such as %s", shorten(id, 40), example)
	case strings.Trim(id, "0") == "":
		return fmt.Errorf("%q is not a Zoho backup id: ids are never zero; use the id of a scheduled backup, such as %s", id, example)
	}
	return nil
}

// NormalizeBaseURL checks that raw is a base URL that may receive an OAuth
// token and returns it without trailing slashes.
//
// Tokens must never cross a network in clear text, so only https is accepted,
// except for loopback hosts (127.0.0.0/8, ::1, localhost), where plain http is
// what a local emulator or proxy speaks. The URL must be a bare origin: a path
// would silently change every request URL the client builds.
func NormalizeBaseURL(raw string) (string, error) {
	trimmed := strings.TrimRight(strings.TrimSpace(raw), "/")
	if trimmed == "" {
		return "", fmt.Errorf("the URL is empty: use an https URL such as %q", DefaultAPIDomain)
	}
	u, err := url.Parse(trimmed)
	if err != nil {
		return "", fmt.Errorf("%q is not a valid URL: %w", raw, err)
	}
	if u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", fmt.Errorf("%q is not an absolute http(s) URL: use a URL such as %q", raw, DefaultAPIDomain)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return "", fmt.Errorf("%q must be a bare origin such as %q, without a path, query, fragment or credentials", raw, DefaultAPIDomain)
	}
	if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		return "", fmt.Errorf("%q uses plain http, which would send the access token in clear text: use https (plain http is accepted only for loopback hosts such as 127.0.0.1 and localhost)", raw)
	}
	return u.Scheme + "://" + u.Host, nil
}

// isLoopbackHost reports whether host names this machine only.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
