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

// ValidateBackupID is the one backup-id rule: 1 to 19 decimal digits, not
// all zeros (Zoho's ids are positive 64-bit numbers).
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

// NormalizeBaseURL checks that raw is a bare origin that may receive a
// token (https, or http on loopback) and returns it without trailing slashes.
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
