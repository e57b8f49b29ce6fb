package zoho

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// One attempt, shared by API calls and downloads: authorize, send, and the
// replaced-token rule (docs/design/send-path.md).

// sendOnce sends one API request holding a limiter slot, and reads its answer.
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
	// Before the slot is freed: a request sent in its place must see it.
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

const maxSlotTokenRounds = 3

// holdSlotWithToken returns a slot and the token current once it is held,
// never refreshing with the slot held.
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

// tokenInvalidator is a TokenSource that can replace a rejected token.
type tokenInvalidator interface {
	Invalidate(ctx context.Context, token string)
}

// tokenTracker knows its current token (peekToken never waits) and which
// tokens Zoho accepted.
type tokenTracker interface {
	peekToken() (string, bool)
	tokenAccepted(token string)
	tokenServed(token string) bool
}

// Bounds, within one attempt, of sendWithCurrentToken's resends and drops.
const (
	maxStaleTokenResends = 3
	maxTokenDrops        = 3
)

// sendWithCurrentToken calls send until its answer is not an INVALID_TOKEN
// the source can answer: a replaced token is resent with the current one,
// no refresh; the current one is dropped once, again only if it had served.
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

func (c *Client) tokenReplaced(token string) bool {
	tracker, ok := c.tokens.(tokenTracker)
	if !ok {
		return false
	}
	current, ok := tracker.peekToken()
	return !ok || current != token
}

func (c *Client) tokenServed(token string) bool {
	tracker, ok := c.tokens.(tokenTracker)
	return ok && tracker.tokenServed(token)
}

// answered records that Zoho accepted token, unless it answered 401.
func (c *Client) answered(token string, status int) {
	if tracker, ok := c.tokens.(tokenTracker); ok && status != http.StatusUnauthorized {
		tracker.tokenAccepted(token)
	}
}

func isInvalidToken(resp *response) bool {
	if resp.status != http.StatusUnauthorized {
		return false
	}
	env, ok := resp.envelope()
	return ok && env.Code == CodeInvalidToken
}

// TokenNotSendableError is an access token a header cannot carry (a control
// character). Nothing was sent; it is never retried.
type TokenNotSendableError struct {
	Operation string
	Reason    string
}

func (e *TokenNotSendableError) Error() string {
	return fmt.Sprintf("%s: nothing was sent: the access token %s, which an HTTP header cannot carry", e.Operation, e.Reason)
}

// CheckHeaderValue reports, by position, a control character (not tab) in value.
func CheckHeaderValue(value string) error {
	for i, r := range value {
		if (r < 0x20 && r != '\t') || r == 0x7f {
			return fmt.Errorf("holds the control character %U at byte %d of %d", r, i+1, len(value))
		}
	}
	return nil
}

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

// isRedirect reports whether status is a redirect (304 is an answer).
func isRedirect(status int) bool {
	return status >= 300 && status < 400 && status != http.StatusNotModified
}

func refusedRedirect(header http.Header, why string) string {
	return "redirect to " + redactURL(header.Get(refusedLocationHeader)) + " refused: " + why
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "an unreadable location"
	}
	return shorten(redact(u.Scheme+"://"+u.Host+u.Path), excerptBytes)
}
