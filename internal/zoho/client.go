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

// tokenTracker is a TokenSource that knows its current token
// (RefreshingTokenSource). peekToken says, without waiting, which token it
// hands out now: false when it has no valid token in hand and Token would
// have to refresh. tokenAccepted records that Zoho accepted a token, and
// tokenServed reports it for the current token.
type tokenTracker interface {
	peekToken() (string, bool)
	tokenAccepted(token string)
	tokenServed(token string) bool
}

// maxStaleTokenResends bounds how often one attempt is sent again because
// Zoho rejected a token that another request had already replaced. With the
// token read just before sending (doOnce), a token goes stale only while its
// request is on the wire, and the next token lasts far longer than one trip:
// more than a few stale rejections in a row means something else is wrong,
// and the rejection then goes through the drop rules below, which report it.
const maxStaleTokenResends = 3

// maxTokenDrops bounds how many current tokens one attempt drops after Zoho
// rejected them. The first drop is always allowed; later ones only for a
// token Zoho had accepted before (its lifetime ended while this request
// was on the wire). More than a few lifetimes ending within one request's
// few trips means tokens last only a handful of calls: reported.
const maxTokenDrops = 3

// doWithFreshToken sends a request; when Zoho rejects the access token with
// INVALID_TOKEN and the token source can get another one, it sends the
// request again with the current token. Zoho can revoke a token before its
// expiry (the 16th token of a refresh token invalidates the oldest), a
// token can expire on Zoho's side before the expiry it was issued with,
// and a cached token may be stale.
//
// Three rejections differ:
//   - The rejected token is no longer the source's current one: another
//     request has already had it rejected and replaced. The request is sent
//     again with the replacement, and nothing is refreshed (up to
//     maxStaleTokenResends times).
//   - It is the current one, and this is the request's first such
//     rejection, or Zoho had accepted that token before (its lifetime
//     ended): it is dropped (Invalidate, single flight however many
//     requests ask) and the request is sent again with a new token (up to
//     maxTokenDrops times).
//   - It is the current one, the request has already dropped one, and Zoho
//     never accepted this one: a fresh token refused outright (a wrong data
//     centre, a revoked grant). It is reported; asking again would only
//     spend refreshes.
//
// So every refresh ends a token that was used, or is the one refresh a
// request spends on a token refused outright (as before): at most one per
// token lifetime, plus one per request whose first token is refused.
func (c *Client) doWithFreshToken(ctx context.Context, operation, method, path string, query url.Values, body []byte) (*response, error) {
	invalidator, canRefresh := c.tokens.(tokenInvalidator)
	staleResends, drops := 0, 0
	for {
		resp, err := c.doOnce(ctx, operation, method, path, query, body)
		if err != nil || !canRefresh || !isInvalidToken(resp) {
			return resp, err
		}
		switch {
		case staleResends < maxStaleTokenResends && c.tokenReplaced(resp.token):
			staleResends++
			c.logf(ctx, "Zoho rejected an access token that had already been replaced; sending again with the current one", map[string]any{"operation": operation})
		case drops == 0 || (drops < maxTokenDrops && c.tokenServed(resp.token)):
			drops++
			invalidator.Invalidate(ctx, resp.token)
		default:
			return resp, nil
		}
	}
}

// tokenReplaced reports whether token is no longer the one the token source
// hands out: replaced, or dropped with a refresh due.
func (c *Client) tokenReplaced(token string) bool {
	tracker, ok := c.tokens.(tokenTracker)
	if !ok {
		return false
	}
	current, ok := tracker.peekToken()
	return !ok || current != token
}

// tokenServed reports whether Zoho accepted token before.
func (c *Client) tokenServed(token string) bool {
	tracker, ok := c.tokens.(tokenTracker)
	return ok && tracker.tokenServed(token)
}

// tokenAccepted tells the token source that Zoho accepted token.
func (c *Client) tokenAccepted(token string) {
	if tracker, ok := c.tokens.(tokenTracker); ok {
		tracker.tokenAccepted(token)
	}
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
// the answer, and the token it sends is read once that slot is held
// (holdSlotWithToken).
func (c *Client) doOnce(ctx context.Context, operation, method, path string, query url.Values, body []byte) (*response, error) {
	held, token, err := c.holdSlotWithToken(ctx, operation)
	if err != nil {
		return nil, err
	}
	req, err := c.newRequest(ctx, method, path, query, body, token)
	if err != nil {
		held.abandon()
		return nil, fmt.Errorf("%s: building the request: %w", operation, err)
	}
	resp, err := c.httpClient.Do(req)
	if err != nil {
		held.release(false)
		return nil, fmt.Errorf("%s: %w", operation, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if resp.StatusCode != http.StatusUnauthorized {
		// Recorded before the slot is freed, so that a request sent in
		// its place and rejected with this token finds it served.
		c.tokenAccepted(token)
	}
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

// maxSlotTokenRounds bounds how often holdSlotWithToken gives a slot back
// because the token was dropped while it waited for the slot.
const maxSlotTokenRounds = 3

// holdSlotWithToken takes a limiter slot and returns it with the access
// token to send: the one current once the slot is held, not the one read
// before waiting for it.
//
// Why in this order: a request may wait seconds for a slot (Terraform's
// -parallelism is often ten times max_concurrent_requests), and meanwhile
// another request may have had the token rejected and replaced, so a token
// read before the wait is stale after it. Reading it after the wait must
// not mean refreshing with the slot held (a slow accounts server would
// stall every call), so: Token gets a valid token first, refreshing if
// needed, with no slot held; then the slot is taken; then the source's
// current token is read again without waiting (peekToken). If a refresh is
// due by then (the token was dropped during the wait), the slot is given
// back (abandon: the limit learns nothing from a request never sent) and
// the round starts over, so the refresh again happens outside the slot.
// After maxSlotTokenRounds rounds the request goes with the token Token
// gave: if Zoho rejects it, doWithFreshToken sends it again.
func (c *Client) holdSlotWithToken(ctx context.Context, operation string) (slot, string, error) {
	tracker, canPeek := c.tokens.(tokenTracker)
	for round := 1; ; round++ {
		token, err := c.tokens.Token(ctx)
		if err != nil {
			return slot{}, "", fmt.Errorf("%s: getting an access token: %w", operation, err)
		}
		if err := CheckHeaderValue(token); err != nil {
			return slot{}, "", &TokenNotSendableError{Operation: operation, Reason: err.Error()}
		}
		held, err := c.limiter.acquire(ctx)
		if err != nil {
			return slot{}, "", fmt.Errorf("%s: %w", operation, err)
		}
		if !canPeek {
			return held, token, nil
		}
		current, ok := tracker.peekToken()
		switch {
		case !ok && round < maxSlotTokenRounds:
			held.abandon()
			continue
		case !ok || current == token:
			return held, token, nil
		}
		if err := CheckHeaderValue(current); err != nil {
			held.abandon()
			return slot{}, "", &TokenNotSendableError{Operation: operation, Reason: err.Error()}
		}
		return held, current, nil
	}
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
