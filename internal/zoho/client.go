package zoho

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
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

// response is a fully read HTTP response.
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
}

// do sends a request, retrying transient failures as retry.go decides for
// the request's method. Each attempt replaces an access token Zoho rejects
// (doWithFreshToken).
func (c *Client) do(ctx context.Context, operation, method, path string, query url.Values, body []byte) (*response, error) {
	return c.sendWithRetries(ctx, operation, retryScopeFor(method), func(ctx context.Context) (*response, error) {
		return c.doWithFreshToken(ctx, operation, method, path, query, body)
	})
}

// tokenInvalidator is a TokenSource that can replace a token Zoho rejected,
// such as RefreshingTokenSource. A static token cannot be replaced.
type tokenInvalidator interface {
	Invalidate(ctx context.Context, token string)
}

// doWithFreshToken sends a request; when Zoho rejects the access token with
// INVALID_TOKEN and the token source can get another one, it drops the token
// and sends the request once more. Zoho can revoke a token before its expiry
// (the 16th token of a refresh token invalidates the oldest), and a cached
// token may be stale: one retry recovers from both, a second failure is
// reported.
func (c *Client) doWithFreshToken(ctx context.Context, operation, method, path string, query url.Values, body []byte) (*response, error) {
	resp, err := c.doOnce(ctx, operation, method, path, query, body)
	invalidator, canRefresh := c.tokens.(tokenInvalidator)
	if err != nil || !canRefresh || !isInvalidToken(resp) {
		return resp, err
	}
	invalidator.Invalidate(ctx, resp.token)
	return c.doOnce(ctx, operation, method, path, query, body)
}

// isInvalidToken reports whether resp is Zoho's 401 INVALID_TOKEN.
func isInvalidToken(resp *response) bool {
	if resp.status != http.StatusUnauthorized {
		return false
	}
	env, ok := parseEnvelope(resp.body)
	return ok && env.Code == CodeInvalidToken
}

// doOnce sends one request and reads at most maxResponseBytes of the answer.
// It holds one of the limiter's slots from sending the request to reading
// the answer; getting the token comes first, outside the slot.
func (c *Client) doOnce(ctx context.Context, operation, method, path string, query url.Values, body []byte) (*response, error) {
	token, err := c.tokens.Token(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: getting an access token: %w", operation, err)
	}
	if err := CheckHeaderValue(token); err != nil {
		return nil, &TokenNotSendableError{Operation: operation, Reason: err.Error()}
	}
	req, err := c.newRequest(ctx, method, path, query, body, token)
	if err != nil {
		return nil, fmt.Errorf("%s: building the request: %w", operation, err)
	}
	held, err := c.limiter.acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", operation, err)
	}
	resp, err := c.httpClient.Do(req)
	if err != nil {
		held.release(false)
		return nil, fmt.Errorf("%s: %w", operation, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	held.release(resp.StatusCode == http.StatusTooManyRequests)
	if err != nil {
		return nil, fmt.Errorf("%s: reading the HTTP %d response: %w", operation, resp.StatusCode, err)
	}
	if len(data) > maxResponseBytes {
		return nil, &APIError{
			Operation:   operation,
			HTTPStatus:  resp.StatusCode,
			BodyExcerpt: excerpt(data[:maxResponseBytes], token) + fmt.Sprintf(" (response larger than %d bytes; not read further)", maxResponseBytes),
		}
	}
	if isRedirect(resp.StatusCode) {
		return nil, &APIError{Operation: operation, HTTPStatus: resp.StatusCode, BodyExcerpt: refusedRedirect(resp.Header, "the Zoho API never redirects; check api_domain")}
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data, token: token}, nil
}

// TokenNotSendableError is an access token that an HTTP header cannot carry
// (a line break or another control character, typically a trailing newline
// read from a file or a variable). net/http refuses such a header before
// anything leaves the machine, so the request is never sent, and sending it
// again could not help: it is reported at once, never retried.
type TokenNotSendableError struct {
	Operation string
	// Reason says which character, and where, without quoting the token.
	Reason string
}

func (e *TokenNotSendableError) Error() string {
	return fmt.Sprintf("%s: nothing was sent: the access token %s, which an HTTP header cannot carry", e.Operation, e.Reason)
}

// CheckHeaderValue reports the first character of value that an HTTP header
// field value cannot hold (RFC 9110 5.5: no control character but
// horizontal tab), naming its position rather than quoting the value.
func CheckHeaderValue(value string) error {
	for i, r := range value {
		if (r < 0x20 && r != '\t') || r == 0x7f {
			return fmt.Errorf("holds the control character %U at byte %d of %d", r, i+1, len(value))
		}
	}
	return nil
}

// newRequest builds the HTTP request for path (relative to the base URL),
// with the headers every Zoho call carries.
func (c *Client) newRequest(ctx context.Context, method, path string, query url.Values, body []byte, token string) (*http.Request, error) {
	target := c.baseURL + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, reader)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Zoho-oauthtoken "+token)
	req.Header.Set("Accept", "application/json")
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
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

// isRedirect reports whether status is a redirect to refuse. 304 Not
// Modified is a 3xx but points nowhere: it answers a conditional request
// (none is ever sent), and is reported as such (apiError), not as a redirect.
func isRedirect(status int) bool {
	return status >= 300 && status < 400 && status != http.StatusNotModified
}

// refusedRedirect is the excerpt that reports a refused redirect: where it
// pointed (redacted and bounded) and why following it is wrong.
func refusedRedirect(header http.Header, why string) string {
	return "redirect to " + redactURL(header.Get(refusedLocationHeader)) + " refused: " + why
}

// redactURL keeps a redirect target's scheme, host and path only (its query
// could carry anything), bounded like any excerpt.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "an unreadable location"
	}
	return shorten(redact(u.Scheme+"://"+u.Host+u.Path), excerptBytes)
}
