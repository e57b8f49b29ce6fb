package zoho

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// maxResponseBytes bounds a body read; the largest answer is about 80 KiB.
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

// Config holds what a Client needs; empty values take the defaults.
type Config struct {
	APIDomain  string
	APIVersion string
	Tokens     TokenSource
	// HTTPClient is shared by every request; nil means NewHTTPClient.
	HTTPClient *http.Client
	UserAgent  string
	Retry      *RetryPolicy // nil means DefaultRetryPolicy
	// RequestTimeout bounds each attempt (a download's stall); 0: default.
	RequestTimeout time.Duration
	// MaxConcurrentRequests bounds the API calls in flight; 0: default.
	MaxConcurrentRequests int
	Logf                  func(ctx context.Context, msg string, fields map[string]any)
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

// NewHTTPClient returns the HTTP client a provider instance shares: its own
// transport with keep-alive, no redirects followed, no client-wide timeout.
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
	// token is the token sent, to redact from errors.
	token                      string
	attempts                   int
	earlierAttemptMayHaveActed bool
	// file is a download's 200, 206 or 416, its body open to stream.
	file *http.Response
	// env and envFound are body's envelope, set once decoded (envelope()).
	env      envelope
	envFound bool
	decoded  bool
}

// do sends an API request through retryLoop and sendWithCurrentToken.
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

const refusedLocationHeader = "X-Zohocrm-Refused-Location"

// withRedirectsRefused returns a copy of hc, sharing its transport, that
// hands every redirect back as a plain response.
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

// RoundTrip moves a redirect's Location aside: http.Client will not follow.
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
