package zoho

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestZohoDomainForEveryDataCentre(t *testing.T) {
	want := map[string]string{
		"US": "zoho.com", "EU": "zoho.eu", "IN": "zoho.in", "AU": "zoho.com.au",
		"JP": "zoho.jp", "CA": "zohocloud.ca", "SA": "zoho.sa", "CN": "zoho.com.cn",
	}
	if len(want) != len(dataCenters) {
		t.Fatalf("the table has %d data centres, the test %d: add the new one here", len(dataCenters), len(want))
	}
	for _, dc := range dataCenters {
		apiHost := hostOf(dc.APIDomain)
		bare := strings.TrimPrefix(apiHost, "www.")
		for _, host := range []string{apiHost, "sandbox." + bare, "developer." + bare, bare, strings.ToUpper(apiHost)} {
			if got := ZohoDomainFor(host); got != want[dc.Code] {
				t.Errorf("%s: ZohoDomainFor(%q) = %q, want %q", dc.Code, host, got, want[dc.Code])
			}
		}
	}
	for _, host := range []string{"crm-proxy.example.com", "zohoapis.com.evil.example", "www.zohoapis.uk", "eu.zohoapis.com", "127.0.0.1", ""} {
		if got := ZohoDomainFor(host); got != "" {
			t.Errorf("ZohoDomainFor(%q) = %q, want none", host, got)
		}
	}
}

// TestDownloadReachesEachDataCentresZohoHost downloads, over TLS, from the
// download host of every data centre, with the client configured for that
// data centre (and for its sandbox): the token goes there, and only there.
func TestDownloadReachesEachDataCentresZohoHost(t *testing.T) {
	content := fileContent(4096)
	for _, dc := range dataCenters {
		domain := ZohoDomainFor(hostOf(dc.APIDomain))
		sandbox := "https://sandbox." + strings.TrimPrefix(hostOf(dc.APIDomain), "www.")
		for _, apiDomain := range []string{dc.APIDomain, sandbox} {
			t.Run(dc.Code+" "+apiDomain, func(t *testing.T) {
				client, fs := tlsDownload(t, apiDomain, content, nil)
				target := &memTarget{}
				link := "https://download-accl." + domain + linkPathTail + "Data_001.zip"
				result, err := client.Download(context.Background(), checkedLink(t, client, link), target, nil)
				if err != nil {
					t.Fatal(err)
				}
				checkContent(t, target, content)
				seen := fs.requests()
				if len(seen) != 1 || seen[0].host != "download-accl."+domain || seen[0].authorization != "Zoho-oauthtoken "+testToken {
					t.Errorf("requests %+v, want one to download-accl.%s with the token", seen, domain)
				}
				if result.Link.RedactedURL != link || result.Link.FileName != "Data_001.zip" || result.Link.JobID != backupID {
					t.Errorf("link %+v", result.Link)
				}
			})
		}
	}
}

// TestDownloadHostRefusals: every link the allow-list refuses gets an error
// naming the host (and why, and what is allowed), and the server, which
// answers for every one of these names, receives nothing.
func TestDownloadHostRefusals(t *testing.T) {
	tail := linkPathTail + "Data_001.zip"
	tests := []struct {
		name, apiDomain, link string
		// wantHost is the host the error names; empty for a link refused
		// for its shape (*DownloadLinkError) before its host is considered.
		wantHost, wantReason string
	}{
		{"http on a Zoho host", "https://www.zohoapis.com", "http://download-accl.zoho.com" + tail, "download-accl.zoho.com", "plain http"},
		{"bare suffix", "https://www.zohoapis.com", "https://evilzoho.com" + tail, "evilzoho.com", "not zoho.com or a host under it"},
		{"subdomain of a bare suffix", "https://www.zohoapis.com", "https://download-accl.evilzoho.com" + tail, "download-accl.evilzoho.com", "not zoho.com"},
		{"zoho.com as a prefix", "https://www.zohoapis.com", "https://download-accl.zoho.com.evil.example" + tail, "download-accl.zoho.com.evil.example", "not zoho.com"},
		{"another data centre", "https://www.zohoapis.com", "https://download-accl.zoho.eu" + tail, "download-accl.zoho.eu", "not zoho.com"},
		{"CA's accounts domain is not EU's", "https://www.zohoapis.eu", "https://download.zohocloud.ca" + tail, "download.zohocloud.ca", "not zoho.eu"},
		{"ideographic full stop", "https://www.zohoapis.com", "https://download-accl.zoho。com" + tail, "download-accl.zoho。com", "not a DNS host name"},
		{"trailing dot", "https://www.zohoapis.com", "https://download-accl.zoho.com." + tail, "download-accl.zoho.com.", "not a DNS host name"},
		{"empty label", "https://www.zohoapis.com", "https://download-accl..zoho.com" + tail, "download-accl..zoho.com", "not a DNS host name"},
		{"another port", "https://www.zohoapis.com", "https://download-accl.zoho.com:8443" + tail, "download-accl.zoho.com:8443", "port 8443"},
		{"IPv4 literal", "https://www.zohoapis.com", "https://203.0.113.5" + tail, "203.0.113.5", "IP address"},
		{"IPv6 literal", "https://www.zohoapis.com", "https://[2001:db8::1]" + tail, "[2001:db8::1]", "IP address"},
		{"loopback link, Zoho api_domain", "https://www.zohoapis.com", "https://127.0.0.1" + tail, "127.0.0.1", "loopback"},
		{"localhost link, Zoho api_domain", "https://www.zohoapis.com", "http://localhost:8080" + tail, "localhost:8080", "loopback"},
		{"Zoho link, loopback api_domain", "http://127.0.0.1:9", "https://download-accl.zoho.com" + tail, "download-accl.zoho.com", "only loopback download hosts"},
		{"custom api_domain", "https://crm-proxy.example.com", "https://download-accl.zoho.com" + tail, "download-accl.zoho.com", "allows no download host"},
		{"userinfo that looks like the host", "https://www.zohoapis.com", "https://download-accl.zoho.com@evil.example" + tail, "", "user name or password"},
		{"credentials on a Zoho host", "https://www.zohoapis.com", "https://user:secret@download-accl.zoho.com" + tail, "", "user name or password"},
		{"not http", "https://www.zohoapis.com", "ftp://download-accl.zoho.com" + tail, "", "not an absolute http(s) URL"},
		{"relative", "https://www.zohoapis.com", tail, "", "not an absolute http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, fs := tlsDownload(t, tt.apiDomain, fileContent(64), nil)
			target := &memTarget{}
			_, err := client.CheckDownloadLink(tt.link)
			if err == nil {
				t.Fatal("want a refusal")
			}
			if u, parseErr := url.Parse(tt.link); parseErr == nil {
				// Download refuses it too when handed it unchecked.
				if _, err := client.Download(context.Background(), DownloadLink{URL: u, FileName: "Data_001.zip"}, target, nil); err == nil {
					t.Error("Download accepted a link CheckDownloadLink refuses")
				}
			}
			if got := fs.requests(); len(got) != 0 {
				t.Errorf("the refused host received %d requests: %+v", len(got), got)
			}
			if target.Len() != 0 {
				t.Errorf("%d bytes written", target.Len())
			}
			checkRefusal(t, err, tt.wantHost, tt.wantReason)
		})
	}
}

// checkRefusal fails unless err refuses a link, quoting no credential and
// saying wantReason: a *DownloadLinkError when wantHost is empty, else a
// *DownloadHostError naming wantHost, saying nothing was sent and what is
// allowed.
func checkRefusal(t *testing.T, err error, wantHost, wantReason string) {
	t.Helper()
	if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), testToken) {
		t.Errorf("the error quotes a credential: %v", err)
	}
	if !strings.Contains(err.Error(), wantReason) {
		t.Errorf("error %q does not say %q", err, wantReason)
	}
	if wantHost == "" {
		var linkErr *DownloadLinkError
		if !errors.As(err, &linkErr) {
			t.Fatalf("want *DownloadLinkError, got %T %v", err, err)
		}
		return
	}
	var hostErr *DownloadHostError
	if !errors.As(err, &hostErr) {
		t.Fatalf("want *DownloadHostError, got %T %v", err, err)
	}
	if hostErr.Host != wantHost || !strings.Contains(err.Error(), `"`+wantHost+`"`) || !strings.Contains(err.Error(), "nothing was sent") || !strings.Contains(err.Error(), "the access token goes only to") {
		t.Errorf("error %q (host %q) does not name %q, say nothing was sent, and what is allowed", err, hostErr.Host, wantHost)
	}
}

func TestDownloadHostRefusalSaysWhatIsAllowed(t *testing.T) {
	tail := linkPathTail + "Data_001.zip"
	tests := map[string]struct{ apiDomain, link, want string }{
		"data centre": {"https://www.zohoapis.com.au", "https://evil.example" + tail, "https hosts under zoho.com.au (such as download-accl.zoho.com.au), the Zoho domain of api_domain https://www.zohoapis.com.au"},
		"loopback":    {"http://localhost:8080", "https://download-accl.zoho.com" + tail, "loopback hosts (localhost, 127.0.0.0/8, ::1), because api_domain http://localhost:8080 is loopback"},
		"custom":      {"https://crm-proxy.example.com", "https://download-accl.zoho.com" + tail, "api_domain https://crm-proxy.example.com is none (a proxy or custom domain says nothing about which download hosts are Zoho's), so no download host is allowed"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			client, err := NewClient(Config{APIDomain: tt.apiDomain, Tokens: StaticToken(testToken)})
			if err != nil {
				t.Fatal(err)
			}
			_, err = client.CheckDownloadLink(tt.link)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to say %q", err, tt.want)
			}
		})
	}
}

func TestLoopbackAPIDomainAllowsLoopbackHostsOnly(t *testing.T) {
	tail := linkPathTail + "Data_001.zip"
	client, err := NewClient(Config{APIDomain: "http://127.0.0.1:8080", Tokens: StaticToken(testToken)})
	if err != nil {
		t.Fatal(err)
	}
	for _, link := range []string{"http://127.0.0.1:41234" + tail, "https://127.0.0.1" + tail, "http://localhost:1" + tail, "http://LOCALHOST:1" + tail, "http://[::1]:41234" + tail, "http://127.8.9.10:80" + tail} {
		if _, err := client.CheckDownloadLink(link); err != nil {
			t.Errorf("%s: %v", link, err)
		}
	}
	for _, link := range []string{"http://10.0.0.1" + tail, "http://localhost.evil.example" + tail, "http://0.0.0.0" + tail, "http://[::ffff:10.0.0.1]" + tail, "http://download-accl.zoho.com" + tail} {
		var hostErr *DownloadHostError
		if _, err := client.CheckDownloadLink(link); !errors.As(err, &hostErr) {
			t.Errorf("%s: want *DownloadHostError, got %v", link, err)
		}
	}
}

func TestZohoHostsAreMatchedWithoutCase(t *testing.T) {
	client, fs := tlsDownload(t, "https://www.zohoapis.in", fileContent(10), nil)
	target := &memTarget{}
	if _, err := client.Download(context.Background(), checkedLink(t, client, "https://Download-ACCL.Zoho.IN"+linkPathTail+"Data_001.zip"), target, nil); err != nil {
		t.Fatal(err)
	}
	if got := fs.requests(); len(got) != 1 {
		t.Errorf("%d requests", len(got))
	}
}

// TestRedirectToAnotherHostNeverReceivesTheToken: a download host that
// redirects outside the allow-list gets an error naming the location's host;
// the server (which answers for that host too) sees only the first request.
func TestRedirectToAnotherHostNeverReceivesTheToken(t *testing.T) {
	for _, location := range []string{"https://evil.example/steal", "https://download-accl.zoho.com.evil.example/x", "http://files.zoho.com/x", "https://user:pw@files.zoho.com/x", "ftp://files.zoho.com/x"} {
		t.Run(location, func(t *testing.T) {
			script := func(int) fault {
				return fault{status: http.StatusFound, header: map[string]string{"Location": location}}
			}
			client, fs := tlsDownload(t, "https://www.zohoapis.com", fileContent(64), script)
			_, err := client.Download(context.Background(), checkedLink(t, client, "https://download-accl.zoho.com"+linkPathTail+"Data_001.zip"), &memTarget{}, nil)
			var hostErr *DownloadHostError
			if !errors.As(err, &hostErr) || !hostErr.Redirect {
				t.Fatalf("want a redirect *DownloadHostError, got %T %v", err, err)
			}
			if !strings.Contains(err.Error(), "redirect") || strings.Contains(err.Error(), "pw") {
				t.Errorf("error %q", err)
			}
			if seen := fs.requests(); len(seen) != 1 || seen[0].host != "download-accl.zoho.com" {
				t.Errorf("requests %+v, want only the one to download-accl.zoho.com", seen)
			}
		})
	}
}

// TestRedirectWithinTheZohoDomainIsFollowed: a redirect to another host
// under the data centre's domain may receive the token, so it is followed.
func TestRedirectWithinTheZohoDomainIsFollowed(t *testing.T) {
	content := fileContent(5000)
	script := firstAnswer(fault{status: http.StatusTemporaryRedirect, header: map[string]string{"Location": "https://files-accl.zoho.com/v2/crm/1/backup/2/Data_001.zip?sig=x"}})
	client, fs := tlsDownload(t, "https://www.zohoapis.com", content, script)
	target := &memTarget{}
	result, err := client.Download(context.Background(), checkedLink(t, client, "https://download-accl.zoho.com"+linkPathTail+"Data_001.zip"), target, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkContent(t, target, content)
	seen := fs.requests()
	if len(seen) != 2 || seen[1].host != "files-accl.zoho.com" || seen[1].authorization != "Zoho-oauthtoken "+testToken || result.Attempts != 2 {
		t.Errorf("requests %+v, attempts %d", seen, result.Attempts)
	}
}

func TestRedirectsAreBounded(t *testing.T) {
	script := func(int) fault {
		return fault{status: http.StatusFound, header: map[string]string{"Location": "/v2/crm/1/backup/2/again.zip"}}
	}
	client, fs := tlsDownload(t, "https://www.zohoapis.com", fileContent(64), script)
	_, err := client.Download(context.Background(), checkedLink(t, client, "https://download-accl.zoho.com"+linkPathTail+"Data_001.zip"), &memTarget{}, nil)
	var answerErr *DownloadAnswerError
	if !errors.As(err, &answerErr) || !strings.Contains(err.Error(), "more than 5 redirects") {
		t.Fatalf("want *DownloadAnswerError for too many redirects, got %v", err)
	}
	if got := len(fs.requests()); got != maxDownloadRedirects+1 {
		t.Errorf("%d requests, want %d", got, maxDownloadRedirects+1)
	}
}

// TestRefusalHarnessWouldSeeARequest proves the refusal tests above: the
// test server answers, over trusted TLS, for the refused names, so a
// refusal is the client's own and not a TLS or DNS failure.
func TestRefusalHarnessWouldSeeARequest(t *testing.T) {
	client, fs := tlsDownload(t, "https://www.zohoapis.com", fileContent(64), nil)
	links := []string{"https://evilzoho.com/x", "https://download-accl.zoho.com.evil.example/x", "https://download-accl.zoho.eu/x", "https://203.0.113.5/x", "https://evil.example/x"}
	for _, link := range links {
		resp, err := client.httpClient.Get(link)
		if err != nil {
			t.Fatalf("%s: the harness cannot reach it: %v", link, err)
		}
		_ = resp.Body.Close()
	}
	if got := len(fs.requests()); got != len(links) {
		t.Errorf("%d requests recorded, want %d", got, len(links))
	}
}
