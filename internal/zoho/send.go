package zoho

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// One attempt of a request, shared by API calls and downloads: authorize
// (the token read at the moment of sending), send, and the replaced-token
// rule. docs/design/send-path.md explains the rule.

// sendOnce sends one API request and reads at most maxResponseBytes of the
// answer, holding a limiter slot from sending it to reading the answer.
func (c *Client) sendOnce(ctx context.Context, operation, method, path string, query url.Values, body []byte) (*response, error) {
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
	// Recorded before the slot is freed, so that a request sent in its
	// place and rejected with this token finds it served.
	c.answered(token, resp.StatusCode)
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

// authorize returns the access token to send now, checked to fit a header.
func (c *Client) authorize(ctx context.Context, operation string) (string, error) {
	token, err := c.tokens.Token(ctx)
	if err != nil {
		return "", fmt.Errorf("%s: getting an access token: %w", operation, err)
	}
	if err := CheckHeaderValue(token); err != nil {
		return "", &TokenNotSendableError{Operation: operation, Reason: err.Error()}
	}
	return token, nil
}

// maxSlotTokenRounds bounds how often holdSlotWithToken gives a slot back
// because the token was dropped while it waited for the slot.
const maxSlotTokenRounds = 3

// holdSlotWithToken takes a limiter slot and returns it with the token
// current once the slot is held, never refreshing with the slot held.
func (c *Client) holdSlotWithToken(ctx context.Context, operation string) (slot, string, error) {
	tracker, canPeek := c.tokens.(tokenTracker)
	for round := 1; ; round++ {
		token, err := c.authorize(ctx, operation)
		if err != nil {
			return slot{}, "", err
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

// tokenInvalidator is a TokenSource that can replace a token Zoho rejected,
// such as RefreshingTokenSource. A static token cannot be replaced.
type tokenInvalidator interface {
	Invalidate(ctx context.Context, token string)
}

// tokenTracker is a TokenSource that knows its current token
// (RefreshingTokenSource). peekToken says, without waiting, which token it
// hands out now: false when Token would have to refresh. tokenAccepted
// records that Zoho accepted a token; tokenServed reports it.
type tokenTracker interface {
	peekToken() (string, bool)
	tokenAccepted(token string)
	tokenServed(token string) bool
}

// maxStaleTokenResends bounds the resends, within one attempt, of a token
// that another request had already replaced.
const maxStaleTokenResends = 3

// maxTokenDrops bounds the current tokens one attempt drops; after the
// first, only a token Zoho had accepted before is dropped.
const maxTokenDrops = 3

// sendWithCurrentToken calls send until its answer is not a 401
// INVALID_TOKEN that the token source can answer: a token already replaced
// is sent again with the current one, without a refresh; the current one
// is dropped (a refresh) once, and again only if Zoho had accepted it.
func (c *Client) sendWithCurrentToken(ctx context.Context, operation string, send func(context.Context) (*response, error)) (*response, error) {
	invalidator, canRefresh := c.tokens.(tokenInvalidator)
	staleResends, drops := 0, 0
	for {
		resp, err := send(ctx)
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

// answered tells the token source that Zoho accepted token, unless its
// answer (status) was a 401.
func (c *Client) answered(token string, status int) {
	if tracker, ok := c.tokens.(tokenTracker); ok && status != http.StatusUnauthorized {
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

// TokenNotSendableError is an access token an HTTP header cannot carry (a
// control character, typically a trailing newline). Nothing was sent, and
// it is never retried.
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

// isRedirect reports whether status is a redirect to refuse. 304 Not
// Modified points nowhere: it is reported as an answer (apiError).
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
