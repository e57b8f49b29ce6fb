package zoho

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Token-endpoint error codes of Zoho's accounts server
// (https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token-expiry.html).
// Zoho answers them with HTTP 200 and an "error" key instead of OAuth's
// standard 400s.
const (
	// TokenErrorInvalidCode: the refresh token is wrong or revoked.
	TokenErrorInvalidCode = "invalid_code"
	// TokenErrorInvalidClient: the client id is unknown to this accounts
	// server, often because it belongs to another data centre.
	TokenErrorInvalidClient = "invalid_client"
	// TokenErrorInvalidClientSecret: the secret does not match the client
	// (multi-DC clients can have one secret per data centre).
	TokenErrorInvalidClientSecret = "invalid_client_secret"
	// TokenErrorAccessDenied: the throttle of 10 access tokens per refresh
	// token per 10 minutes.
	TokenErrorAccessDenied = "Access Denied"
)

// defaultTokenLifetime is used when a token answer carries no usable expiry:
// Zoho documents access tokens as valid for one hour.
const defaultTokenLifetime = time.Hour

// RefreshMargin is how long before its expiry a token is refreshed, so a
// request never leaves with a token that expires on the way.
const RefreshMargin = 5 * time.Minute

// AccessToken is an access token and what Zoho said about it.
type AccessToken struct {
	Value string
	// APIDomain is the api_domain of the token answer; empty for a token
	// from the cache, which keeps only the token and its expiry.
	APIDomain string
	Expiry    time.Time
	// margin overrides RefreshMargin for a token that lives less than twice
	// as long, so that a short-lived token is not refreshed on every request.
	margin time.Duration
}

// validAt reports whether t can still be sent at now, margin included.
func (t AccessToken) validAt(now time.Time) bool {
	margin := RefreshMargin
	if t.margin > 0 {
		margin = t.margin
	}
	return t.Value != "" && now.Add(margin).Before(t.Expiry)
}

// RefreshCredentials are a Self Client's credentials.
type RefreshCredentials struct {
	ClientID     string
	ClientSecret string
	RefreshToken string
}

// secrets lists the values no error, log or excerpt may show.
func (c RefreshCredentials) secrets() []string {
	return []string{c.ClientSecret, c.RefreshToken}
}

// RefreshConfig configures a RefreshingTokenSource.
type RefreshConfig struct {
	// AccountsURL is the accounts server, e.g. https://accounts.zoho.eu.
	AccountsURL string
	Credentials RefreshCredentials
	HTTPClient  *http.Client
	UserAgent   string
	// Cache, when set, shares tokens between provider processes.
	Cache *TokenCache
	// Log, when set, receives one line per refresh and cache use. Its fields
	// never hold a secret or a token.
	Log func(ctx context.Context, msg string, fields map[string]any)
	// Now replaces time.Now in tests.
	Now func() time.Time
}

// Why not golang.org/x/oauth2: its refresh-token flow looks like a fit, but
//   - its TokenSource.Token takes no context, so a refresh cannot be bounded
//     by the resource's timeouts or stopped by Ctrl-C;
//   - ReuseTokenSource serializes refreshes behind a sync.Mutex, whose wait
//     cannot be cancelled either: twenty resources waiting on a slow
//     accounts server would all outlive their timeouts;
//   - it has no way to invalidate a token the API rejected (Zoho revokes
//     the oldest token once a refresh token has 15 live ones), so a
//     rejected token would be reused until its expiry;
//   - with AuthStyleAutoDetect it probes the token endpoint twice (header,
//     then form) when the first style fails, and every probe spends one of
//     the 10 access tokens Zoho issues per refresh token in 10 minutes.
// The source below is small and does exactly what Zoho
// needs.

// RefreshingTokenSource gets access tokens from a refresh token, lazily: the
// first request that needs a token triggers the first refresh. It refreshes
// at most once at a time however many requests wait (single flight), reuses
// a token until RefreshMargin before its expiry, and drops a token Zoho
// rejected (Invalidate). Zoho issues at most 10 tokens per refresh token in
// 10 minutes, so every avoided refresh matters.
type RefreshingTokenSource struct {
	tokenURL string
	creds    RefreshCredentials
	http     *http.Client
	agent    string
	cache    *TokenCache
	cacheKey string
	log      func(ctx context.Context, msg string, fields map[string]any)
	now      func() time.Time

	// lock is a one-slot semaphore rather than a mutex so that a request
	// waiting for another one's refresh can still give up when its context
	// ends.
	lock chan struct{}
	// current is the token in hand. It is written with both lock and
	// currentMu held (setCurrent) and read under either: lock for the
	// decisions that may lead to a refresh, currentMu for peekToken, which
	// must never wait for a refresh in progress.
	currentMu sync.Mutex
	current   AccessToken
	// currentServed records that Zoho accepted current at least once
	// (tokenAccepted): a token rejected after that has ended its lifetime,
	// one never accepted may be refused outright (see
	// Client.doWithFreshToken). Guarded like current.
	currentServed bool
	// refused is the accounts server's refusal, kept for the rest of the
	// process (guarded by lock): see rememberRefusal.
	refused error
}

var _ TokenSource = (*RefreshingTokenSource)(nil)

// NewRefreshingTokenSource validates cfg. It makes no request.
func NewRefreshingTokenSource(cfg RefreshConfig) (*RefreshingTokenSource, error) {
	accounts, err := NormalizeBaseURL(cfg.AccountsURL)
	if err != nil {
		return nil, fmt.Errorf("accounts URL: %w", err)
	}
	var missing []string
	for name, value := range map[string]string{"client id": cfg.Credentials.ClientID, "client secret": cfg.Credentials.ClientSecret, "refresh token": cfg.Credentials.RefreshToken} {
		if value == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("refresh credentials are incomplete: missing %s", strings.Join(missing, ", "))
	}
	s := &RefreshingTokenSource{
		tokenURL: accounts + "/oauth/v2/token",
		creds:    cfg.Credentials,
		http:     cfg.HTTPClient,
		agent:    cfg.UserAgent,
		cache:    cfg.Cache,
		log:      cfg.Log,
		now:      cfg.Now,
		lock:     make(chan struct{}, 1),
	}
	if s.http == nil {
		s.http = NewHTTPClient()
	}
	// The accounts server never redirects either: a redirect would carry
	// the refresh token and the client secret to another host.
	s.http = withRedirectsRefused(s.http)
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = func(context.Context, string, map[string]any) {}
	}
	if s.cache != nil {
		s.cacheKey = CacheKey(accounts, cfg.Credentials)
	}
	return s, nil
}

// Token returns a valid access token, refreshing it if needed.
func (s *RefreshingTokenSource) Token(ctx context.Context) (string, error) {
	t, err := s.AccessToken(ctx)
	return t.Value, err
}

// AccessToken returns a token valid for at least RefreshMargin, with its
// expiry: the one in hand, else a cached one, else a new one.
func (s *RefreshingTokenSource) AccessToken(ctx context.Context) (AccessToken, error) {
	if err := s.acquire(ctx); err != nil {
		return AccessToken{}, err
	}
	defer s.release()

	now := s.now()
	if s.current.validAt(now) {
		return s.current, nil
	}
	if s.cache != nil {
		if cached, ok := s.cache.Load(s.cacheKey); ok && cached.validAt(now) {
			s.log(ctx, "Using the cached Zoho access token", map[string]any{"expires_at": cached.Expiry.UTC().Format(time.RFC3339)})
			s.setCurrent(cached)
			return cached, nil
		}
	}
	if s.refused != nil {
		return AccessToken{}, s.refused
	}
	fresh, err := s.refresh(ctx)
	if err != nil {
		s.rememberRefusal(ctx, err)
		return AccessToken{}, err
	}
	s.setCurrent(fresh)
	if s.cache != nil {
		if err := s.cache.Store(s.cacheKey, fresh); err != nil {
			// The cache only saves refreshes; the token itself is fine.
			s.log(ctx, "Could not write the Zoho token cache", map[string]any{"error": err.Error()})
		}
	}
	return fresh, nil
}

// Invalidate drops token after Zoho answered INVALID_TOKEN for it, so the
// next Token call refreshes. When many requests fail with the same token at
// once, only the first drops it; the others find it already replaced and
// reuse the new token instead of refreshing again.
func (s *RefreshingTokenSource) Invalidate(ctx context.Context, token string) {
	if s.acquire(ctx) != nil {
		return
	}
	defer s.release()
	if token == "" || s.current.Value != token {
		return
	}
	s.setCurrent(AccessToken{})
	if s.cache != nil {
		s.cache.Remove(s.cacheKey, token)
	}
	s.log(ctx, "Zoho rejected the access token before its expiry; it will be refreshed", nil)
}

// setCurrent replaces the token in hand; callers hold lock.
func (s *RefreshingTokenSource) setCurrent(t AccessToken) {
	s.currentMu.Lock()
	defer s.currentMu.Unlock()
	s.current = t
	s.currentServed = false
}

// tokenAccepted records that Zoho accepted token, if it is the current one.
func (s *RefreshingTokenSource) tokenAccepted(token string) {
	s.currentMu.Lock()
	defer s.currentMu.Unlock()
	if s.current.Value == token {
		s.currentServed = true
	}
}

// tokenServed reports whether token is the current one and Zoho has
// accepted it at least once.
func (s *RefreshingTokenSource) tokenServed(token string) bool {
	s.currentMu.Lock()
	defer s.currentMu.Unlock()
	return s.currentServed && s.current.Value == token
}

// peekToken returns the token in hand if it is still valid, without waiting
// for a refresh in progress and without starting one: the client reads it
// while it holds a limiter slot, which must never be held through a
// refresh. false means there is no valid token in hand (none yet, dropped
// by Invalidate, or near its expiry): Token would refresh.
func (s *RefreshingTokenSource) peekToken() (string, bool) {
	s.currentMu.Lock()
	defer s.currentMu.Unlock()
	if !s.current.validAt(s.now()) {
		return "", false
	}
	return s.current.Value, true
}

// rememberRefusal keeps a refusal that asking again cannot change, so that
// every later Token call of this process returns it without a request: one
// bad credential costs one request, not one per resource. Terraform starts
// the provider anew for each plan and apply, so a fixed credential is
// picked up by the next run. Asking again would also make things worse:
// each refusal counts against Zoho's 10 tokens per 10 minutes, and "Access
// Denied" only gets longer. Kept: a documented error code (invalid_code,
// invalid_client, invalid_client_secret, Access Denied and any other
// "error" Zoho sends), a redirect, and any other 4xx answer. Not kept, so
// retried as any request is: network failures, 5xx and 429 answers.
func (s *RefreshingTokenSource) rememberRefusal(ctx context.Context, err error) {
	var tokenErr *TokenError
	if !errors.As(err, &tokenErr) {
		return
	}
	transient := tokenErr.Code == "" && (tokenErr.HTTPStatus >= 500 || tokenErr.HTTPStatus == http.StatusTooManyRequests)
	if transient {
		return
	}
	s.refused = err
	s.log(ctx, "Zoho's accounts server refused the refresh; this provider process will not ask again", map[string]any{"error": err.Error()})
}

func (s *RefreshingTokenSource) acquire(ctx context.Context) error {
	select {
	case s.lock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for the Zoho access token: %w", ctx.Err())
	}
}

func (s *RefreshingTokenSource) release() { <-s.lock }

// tokenAnswer is the token endpoint's JSON, success and error alike.
type tokenAnswer struct {
	AccessToken      string       `json:"access_token"`
	APIDomain        string       `json:"api_domain"`
	ExpiresIn        *json.Number `json:"expires_in"`
	ExpiresInSec     *json.Number `json:"expires_in_sec"`
	Error            string       `json:"error"`
	ErrorDescription string       `json:"error_description"`
}

// refresh asks the accounts server for a new access token:
// POST {accounts}/oauth/v2/token with a form body, as
// https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token-expiry.html documents.
func (s *RefreshingTokenSource) refresh(ctx context.Context) (AccessToken, error) {
	form := url.Values{
		"grant_type":    {"refresh_token"},
		"client_id":     {s.creds.ClientID},
		"client_secret": {s.creds.ClientSecret},
		"refresh_token": {s.creds.RefreshToken},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return AccessToken{}, fmt.Errorf("refreshing the Zoho access token: building the request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if s.agent != "" {
		req.Header.Set("User-Agent", s.agent)
	}
	s.log(ctx, "Refreshing the Zoho access token", map[string]any{"token_url": s.tokenURL})
	started := s.now()
	resp, err := s.http.Do(req)
	if err != nil {
		// *url.Error quotes the URL only; the credentials are in the body.
		return AccessToken{}, fmt.Errorf("refreshing the Zoho access token at %s: %w", s.tokenURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return AccessToken{}, fmt.Errorf("refreshing the Zoho access token: reading the HTTP %d response: %w", resp.StatusCode, err)
	}
	if isRedirect(resp.StatusCode) {
		return AccessToken{}, &TokenError{HTTPStatus: resp.StatusCode, TokenURL: s.tokenURL,
			BodyExcerpt: refusedRedirect(resp.Header, "Zoho's accounts server never redirects; check accounts_url (or data_center)")}
	}
	token, err := s.parseTokenAnswer(resp.StatusCode, body, started)
	if err != nil {
		return AccessToken{}, err
	}
	s.log(ctx, "Refreshed the Zoho access token", map[string]any{"expires_at": token.Expiry.UTC().Format(time.RFC3339), "api_domain": token.APIDomain})
	return token, nil
}

// parseTokenAnswer reads a token answer. Success is judged by the presence of
// access_token, as Zoho's SDK does, whatever the HTTP status: Zoho answers
// its errors with HTTP 200 (and its throttle possibly with 400).
func (s *RefreshingTokenSource) parseTokenAnswer(status int, body []byte, issued time.Time) (AccessToken, error) {
	var answer tokenAnswer
	decoder := json.NewDecoder(bytes.NewReader(body))
	decoder.UseNumber()
	if err := decoder.Decode(&answer); err != nil || (answer.AccessToken == "" && answer.Error == "") {
		return AccessToken{}, &TokenError{HTTPStatus: status, TokenURL: s.tokenURL, BodyExcerpt: excerpt(body, s.creds.secrets()...)}
	}
	if answer.AccessToken == "" {
		// Both strings are quoted in diagnostics and logs, and a broken or
		// hostile server may echo the form back in them: redact and bound.
		return AccessToken{}, &TokenError{
			HTTPStatus:  status,
			TokenURL:    s.tokenURL,
			Code:        serverText(answer.Error, maxCodeBytes, s.creds.secrets()...),
			Description: serverText(answer.ErrorDescription, excerptBytes, s.creds.secrets()...),
		}
	}
	lifetime := tokenLifetime(answer)
	return AccessToken{
		Value:     answer.AccessToken,
		APIDomain: strings.TrimRight(answer.APIDomain, "/"),
		Expiry:    issued.Add(lifetime),
		margin:    min(RefreshMargin, lifetime/2),
	}, nil
}

// tokenLifetime reads both forms Zoho's token answers take: the modern
// {"expires_in": seconds} and the legacy {"expires_in_sec": seconds,
// "expires_in": milliseconds}. Without a usable value, Zoho's documented
// lifetime of one hour applies.
func tokenLifetime(answer tokenAnswer) time.Duration {
	seconds := answer.ExpiresIn
	if answer.ExpiresInSec != nil {
		seconds = answer.ExpiresInSec
	}
	if seconds == nil {
		return defaultTokenLifetime
	}
	n, err := seconds.Int64()
	if err != nil || n <= 0 {
		return defaultTokenLifetime
	}
	return time.Duration(n) * time.Second
}

// TokenError is an answer of the token endpoint that carries no access
// token: a documented error (Code is set) or an unreadable body.
type TokenError struct {
	HTTPStatus int
	TokenURL   string
	// Code is Zoho's "error" value, such as invalid_code.
	Code        string
	Description string
	// BodyExcerpt is set when the body was not a token answer; redacted.
	BodyExcerpt string
}

func (e *TokenError) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("refreshing the Zoho access token at %s: HTTP %d with a response that is not a Zoho token answer: %q", e.TokenURL, e.HTTPStatus, e.BodyExcerpt)
	}
	msg := fmt.Sprintf("refreshing the Zoho access token at %s: Zoho answered HTTP %d with error %q", e.TokenURL, e.HTTPStatus, e.Code)
	if e.Description != "" {
		msg += ": " + e.Description
	}
	return msg
}
