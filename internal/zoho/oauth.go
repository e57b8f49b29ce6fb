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

// Error codes of Zoho's token endpoint, which sends them with HTTP 200
// (https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token-expiry.html).
const (
	TokenErrorInvalidCode         = "invalid_code"          // refresh token wrong or revoked
	TokenErrorInvalidClient       = "invalid_client"        // client id unknown here (another data centre?)
	TokenErrorInvalidClientSecret = "invalid_client_secret" // secret does not match the client
	TokenErrorAccessDenied        = "Access Denied"         // over 10 tokens per refresh token per 10 minutes
)

// defaultTokenLifetime applies when a token answer has no usable expiry.
const defaultTokenLifetime = time.Hour

// RefreshMargin is how long before its expiry a token is refreshed.
const RefreshMargin = 5 * time.Minute

// AccessToken is an access token and what Zoho said about it; APIDomain is
// empty for a cached token.
type AccessToken struct {
	Value     string
	APIDomain string
	Expiry    time.Time
	margin    time.Duration // replaces RefreshMargin for a short-lived token
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

// secrets are the values no error, log or excerpt may show.
func (c RefreshCredentials) secrets() []string {
	return []string{c.ClientSecret, c.RefreshToken}
}

// RefreshConfig configures a RefreshingTokenSource. AccountsURL is the
// accounts server, e.g. https://accounts.zoho.eu. Cache and Log are optional;
// Log's fields never hold a secret or a token.
type RefreshConfig struct {
	AccountsURL string
	Credentials RefreshCredentials
	HTTPClient  *http.Client
	UserAgent   string
	Cache       *TokenCache
	Log         func(ctx context.Context, msg string, fields map[string]any)
	Now         func() time.Time // replaces time.Now in tests
}

// RefreshingTokenSource gets access tokens from a refresh token, lazily, one
// refresh at a time however many requests wait, reusing a token until
// RefreshMargin before its expiry. Why not x/oauth2: docs/design/oauth.md.
type RefreshingTokenSource struct {
	tokenURL string
	creds    RefreshCredentials
	http     *http.Client
	agent    string
	cache    *TokenCache
	cacheKey string
	log      func(ctx context.Context, msg string, fields map[string]any)
	now      func() time.Time

	lock chan struct{} // a cancellable mutex; guards refused
	// current*: written holding lock and currentMu; read holding either.
	currentMu     sync.Mutex
	current       AccessToken
	currentServed bool // Zoho accepted current at least once
	refused       error
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
	// A redirect would carry the credentials to another host.
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

// AccessToken returns a token valid for at least RefreshMargin: the one in
// hand, else a cached one, else a new one.
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
			s.log(ctx, "Could not write the Zoho token cache", map[string]any{"error": err.Error()})
		}
	}
	return fresh, nil
}

// Invalidate drops token, which Zoho rejected, if it is still the current
// one, so that the next Token call refreshes.
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

// tokenServed reports whether token is current and Zoho accepted it before.
func (s *RefreshingTokenSource) tokenServed(token string) bool {
	s.currentMu.Lock()
	defer s.currentMu.Unlock()
	return s.currentServed && s.current.Value == token
}

// peekToken returns the token in hand if it is still valid, never waiting
// for or starting a refresh; false means Token would refresh.
func (s *RefreshingTokenSource) peekToken() (string, bool) {
	s.currentMu.Lock()
	defer s.currentMu.Unlock()
	if !s.current.validAt(s.now()) {
		return "", false
	}
	return s.current.Value, true
}

// rememberRefusal keeps a refusal that asking again cannot change (an
// "error", a redirect, another 4xx) for every later Token call of this
// process; network failures, 5xx and 429 are not kept.
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
// POST {accounts}/oauth/v2/token with a form body.
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

// parseTokenAnswer reads a token answer: one with an access_token is a
// success whatever the HTTP status, as for Zoho's SDK.
func (s *RefreshingTokenSource) parseTokenAnswer(status int, body []byte, issued time.Time) (AccessToken, error) {
	var answer tokenAnswer
	decoder := json.NewDecoder(bytes.NewReader(body))
	decoder.UseNumber()
	if err := decoder.Decode(&answer); err != nil || (answer.AccessToken == "" && answer.Error == "") {
		return AccessToken{}, &TokenError{HTTPStatus: status, TokenURL: s.tokenURL, BodyExcerpt: excerpt(body, s.creds.secrets()...)}
	}
	if answer.AccessToken == "" {
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

// tokenLifetime reads {"expires_in": s} or the legacy {"expires_in_sec": s,
// "expires_in": ms}, else defaultTokenLifetime.
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
	HTTPStatus  int
	TokenURL    string
	Code        string // Zoho's "error", such as invalid_code
	Description string
	BodyExcerpt string // redacted; set when the body was not a token answer
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
