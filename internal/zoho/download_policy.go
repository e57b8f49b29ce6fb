package zoho

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Which hosts may receive the access token with a download request:
// https hosts under the data centre's Zoho domain, or loopback hosts when
// api_domain is loopback (docs/design/download.md).

var apiHostPrefixes = []string{"www.", "sandbox.", "developer."}

type downloadPolicy struct {
	apiDomain string // for messages
	// domain is the data centre's Zoho domain, such as "zoho.eu", or "".
	domain   string
	loopback bool
}

func downloadPolicyFor(apiOrigin string) downloadPolicy {
	policy := downloadPolicy{apiDomain: apiOrigin}
	u, err := url.Parse(apiOrigin)
	if err != nil {
		return policy
	}
	host := strings.ToLower(u.Hostname())
	if isLoopbackHost(host) {
		policy.loopback = true
		return policy
	}
	policy.domain = ZohoDomainFor(host)
	return policy
}

// ZohoDomainFor returns the Zoho domain of the data centre whose API is
// served at apiHost (www.zohoapis.eu gives zoho.eu, www.zohoapis.ca gives
// zohocloud.ca), or "" when apiHost is no data centre's.
func ZohoDomainFor(apiHost string) string {
	host := strings.ToLower(apiHost)
	for _, prefix := range apiHostPrefixes {
		if strings.HasPrefix(host, prefix) {
			host = strings.TrimPrefix(host, prefix)
			break
		}
	}
	for _, dc := range dataCenters {
		if host == strings.TrimPrefix(hostOf(dc.APIDomain), "www.") {
			return strings.TrimPrefix(hostOf(dc.AccountsURL), "accounts.")
		}
	}
	return ""
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

func (p downloadPolicy) allowed() string {
	switch {
	case p.loopback:
		return fmt.Sprintf("loopback hosts (localhost, 127.0.0.0/8, ::1), because api_domain %s is loopback", p.apiDomain)
	case p.domain == "":
		return fmt.Sprintf("https hosts under the Zoho domain of a data centre's API domain, and api_domain %s is none (a proxy or custom domain says nothing about which download hosts are Zoho's), so no download host is allowed: set data_center or the data centre's own api_domain, or download the files with the zohocrm_access_token ephemeral resource", p.apiDomain)
	}
	return fmt.Sprintf("https hosts under %s (such as download-accl.%s), the Zoho domain of api_domain %s", p.domain, p.domain, p.apiDomain)
}

// check returns a *DownloadHostError unless u's host may receive the token.
func (p downloadPolicy) check(u *url.URL, redirect bool) error {
	host := strings.ToLower(u.Hostname())
	reason := p.refusal(u.Scheme, host, u.Port())
	if reason == "" {
		return nil
	}
	return &DownloadHostError{
		Host:     shorten(strings.ToValidUTF8(u.Host, "\uFFFD"), maxCodeBytes*2),
		Link:     redactedLink(u),
		Redirect: redirect,
		Reason:   reason,
		Allowed:  p.allowed(),
	}
}

// refusal is why scheme://host:port may not receive the token, or "".
func (p downloadPolicy) refusal(scheme, host, port string) string {
	switch {
	case p.loopback && isLoopbackHost(host):
		return ""
	case p.loopback:
		return "it is not a loopback host, and with a loopback api_domain (an emulator) only loopback download hosts are trusted"
	case p.domain == "":
		return "the configured api_domain allows no download host"
	case isLoopbackHost(host):
		return "a loopback host receives the token only when api_domain is loopback too (the emulator)"
	case net.ParseIP(host) != nil:
		return "it is an IP address, and an address cannot be checked against Zoho's domain"
	case scheme != "https":
		return "the link uses plain http, which would send the access token in clear text"
	case port != "" && port != "443":
		return fmt.Sprintf("it names port %s, not https's port 443 that Zoho serves files on", shorten(port, 8))
	case !isDNSName(host):
		return "it is not a DNS host name (letters, digits and hyphens in dot-separated labels)"
	case host != p.domain && !strings.HasSuffix(host, "."+p.domain):
		return fmt.Sprintf("it is not %s or a host under it, the Zoho domain of the configured data centre", p.domain)
	}
	return ""
}

// isDNSName: non-empty labels of ASCII letters, digits and inner hyphens.
func isDNSName(host string) bool {
	if host == "" || len(host) > 253 {
		return false
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
				return false
			}
		}
	}
	return true
}

// DownloadHostError is a link, or a redirect, to a host that may not
// receive the access token. Nothing was sent to it.
type DownloadHostError struct {
	Host     string // with its port, bounded
	Link     string // redacted
	Redirect bool
	Reason   string
	Allowed  string // which hosts the client accepts, and why
}

func (e *DownloadHostError) Error() string {
	what := "download link"
	if e.Redirect {
		what = "redirect of a download to"
	}
	return fmt.Sprintf("%s host %q refused, nothing was sent to it (link %q): %s; the access token goes only to %s", what, e.Host, e.Link, e.Reason, e.Allowed)
}

// CheckDownloadLink parses link and checks that its host may receive this
// client's token. Check every link before the first download.
func (c *Client) CheckDownloadLink(link string) (DownloadLink, error) {
	parsed, err := ParseDownloadLink(link)
	if err != nil {
		return DownloadLink{}, err
	}
	if err := c.downloadPolicy().check(parsed.URL, false); err != nil {
		return DownloadLink{}, err
	}
	return parsed, nil
}

func (c *Client) downloadPolicy() downloadPolicy {
	origin, _, _ := strings.Cut(c.baseURL, "/crm/bulk/")
	return downloadPolicyFor(origin)
}
