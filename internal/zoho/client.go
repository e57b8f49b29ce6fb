package zoho

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// maxResponseBytes bounds how much of a response body the client reads. The
// backup API's largest answer is a history page of 200 entries (about 80 KiB);
// anything far beyond that is not a Zoho answer and must not exhaust memory.
const maxResponseBytes = 1 << 20

// TokenSource supplies the access token sent with each request.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// StaticToken is a TokenSource for an access token obtained elsewhere.
type StaticToken string

// Token returns the token itself.
func (t StaticToken) Token(context.Context) (string, error) {
	if t == "" {
		return "", errors.New("no access token is configured")
	}
	return string(t), nil
}

// Config holds what a Client needs. APIDomain and APIVersion are validated by
// NewClient; empty values take the defaults.
type Config struct {
	APIDomain  string
	APIVersion string
	Tokens     TokenSource
	// HTTPClient is shared by every request of the client, so connections are
	// kept alive across resources. Nil means a new client with NewHTTPClient.
	HTTPClient *http.Client
	// UserAgent names the caller, e.g. "terraform-provider-zohocrm/0.1.0".
	UserAgent string
	// Retry is the retry policy; nil means DefaultRetryPolicy.
	Retry *RetryPolicy
	// RequestTimeout bounds each attempt of a request, from sending it to
	// reading the whole answer; 0 means DefaultRequestTimeout. The caller's
	// context bounds the whole operation, retries included.
	RequestTimeout time.Duration
	// MaxConcurrentRequests is the most API calls the client has in flight
	// at once (limiter.go); 0 means DefaultMaxConcurrentRequests. It adapts
	// downward when Zoho answers 429.
	MaxConcurrentRequests int
	// Logf, if set, receives the client's log lines (such as each retry and
	// its reason). The client has no logger of its own: the provider wires
	// this to terraform-plugin-log, which masks secrets.
	Logf func(ctx context.Context, msg string, fields map[string]any)
}

// Client calls the Zoho CRM bulk backup API. It is safe for concurrent use.
type Client struct {
	baseURL    string // e.g. https://www.zohoapis.com/crm/bulk/v8
	tokens     TokenSource
	httpClient *http.Client
	userAgent  string

	retry          RetryPolicy
	requestTimeout time.Duration
	limiter        *concurrencyLimiter
	logHook        func(ctx context.Context, msg string, fields map[string]any)
}

// NewClient validates cfg and returns a client.
func NewClient(cfg Config) (*Client, error) {
	if cfg.APIDomain == "" {
		cfg.APIDomain = DefaultAPIDomain
	}
	if cfg.APIVersion == "" {
		cfg.APIVersion = DefaultAPIVersion
	}
	domain, err := NormalizeBaseURL(cfg.APIDomain)
	if err != nil {
		return nil, fmt.Errorf("api domain: %w", err)
	}
	if err := ValidateAPIVersion(cfg.APIVersion); err != nil {
		return nil, fmt.Errorf("api version: %w", err)
	}
	if cfg.Tokens == nil {
		return nil, errors.New("no token source is configured")
	}
	httpClient := cfg.HTTPClient
	if httpClient == nil {
		httpClient = NewHTTPClient()
	}
	httpClient = withRedirectsRefused(httpClient)
	retry := DefaultRetryPolicy()
	if cfg.Retry != nil {
		retry = *cfg.Retry
	}
	requestTimeout := cfg.RequestTimeout
	if requestTimeout <= 0 {
		requestTimeout = DefaultRequestTimeout
	}
	maxConcurrent := cfg.MaxConcurrentRequests
	if maxConcurrent <= 0 {
		maxConcurrent = DefaultMaxConcurrentRequests
	}
	return &Client{
		limiter:        newConcurrencyLimiter(maxConcurrent),
		baseURL:        domain + "/crm/bulk/" + cfg.APIVersion,
		tokens:         cfg.Tokens,
		httpClient:     httpClient,
		userAgent:      cfg.UserAgent,
		retry:          retry.withDefaults(),
		requestTimeout: requestTimeout,
		logHook:        cfg.Logf,
	}, nil
}

// NewHTTPClient returns the HTTP client a provider instance shares across all
// its requests: its own transport (so no other code's settings leak in) with
// keep-alive, and no redirects followed. Zoho's API never redirects; a
// redirect means a misconfigured domain or a proxy, and following it could
// hand the access token to another host. It has no client-wide Timeout: each
// attempt is bounded by Config.RequestTimeout through its context, and a
// fixed Timeout here would silently cap a longer request_timeout.
func NewHTTPClient() *http.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone() //nolint:forcetypeassert // net/http declares DefaultTransport as a *Transport.
	transport.MaxIdleConnsPerHost = 32
	return &http.Client{
		Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// response is an answer: read whole, or, for a download's file, open.
type response struct {
	status int
	header http.Header
	body   []byte
	// token is the access token the request carried, kept only so that
	// errors can redact it from anything they quote.
	token string
	// attempts is how many times the request was sent (retry.go).
	attempts int
	// earlierAttemptMayHaveActed is set when an earlier attempt failed in a
	// way Zoho may nonetheless have processed (retry.go).
	earlierAttemptMayHaveActed bool
	// file is a download's answer with the file's bytes (200, 206, 416),
	// its body still open to stream; body is then empty.
	file *http.Response
}

// do sends an API request: retry.go's loop makes attempts, each bounded
// by the request timeout, and each attempt is sent (send.go) under the
// replaced-token rule.
func (c *Client) do(ctx context.Context, operation, method, path string, query url.Values, body []byte) (*response, error) {
	send := func(ctx context.Context) (*response, error) {
		return c.sendOnce(ctx, operation, method, path, query, body)
	}
	state := &retryState{operation: operation, scope: retryScopeFor(method)}
	return c.retryLoop(ctx, state, func(ctx context.Context) attemptOutcome {
		resp, err := c.attemptWithTimeout(ctx, operation, func(ctx context.Context) (*response, error) {
			return c.sendWithCurrentToken(ctx, operation, send)
		})
		return classifyAttempt(operation, resp, err)
	})
}

func (c *Client) logf(ctx context.Context, msg string, fields map[string]any) {
	if c.logHook != nil {
		c.logHook(ctx, msg, fields)
	}
}

// refusedLocationHeader carries a redirect's Location past net/http.
const refusedLocationHeader = "X-Zohocrm-Refused-Location"

// withRedirectsRefused returns a copy of hc (sharing its transport, so
// connections are still reused) that hands every redirect back as a plain
// response. CheckRedirect alone is not enough: http.Client parses the
// Location header before consulting it, and fails the whole request on a
// malformed one without saying what the server answered.
func withRedirectsRefused(hc *http.Client) *http.Client {
	refusing := *hc
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	refusing.Transport = redirectRefusingTransport{base: base}
	return &refusing
}

type redirectRefusingTransport struct{ base http.RoundTripper }

// RoundTrip moves a redirect's Location aside: http.Client does not follow a
// 3xx without one, so the caller sees the redirect itself.
func (t redirectRefusingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err == nil && resp.StatusCode >= 300 && resp.StatusCode < 400 {
		if location := resp.Header.Get("Location"); location != "" {
			resp.Header.Del("Location")
			resp.Header.Set(refusedLocationHeader, location)
		}
	}
	return resp, err
}
