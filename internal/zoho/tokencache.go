package zoho

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// cacheFileMode lets only the owner read a cache file: it holds a live
// access token.
const cacheFileMode os.FileMode = 0o600

// TokenCache keeps access tokens in files so that consecutive provider
// processes (Terraform starts one per plan and apply) reuse a valid token
// instead of spending one of the 10 refreshes Zoho allows per refresh token
// in 10 minutes. A file holds only the access token and its expiry, never
// the client secret or the refresh token, and is named by a hash of the
// credentials. Every failure to read is a cache miss: a corrupt, foreign or
// expired file is ignored, never an error.
type TokenCache struct {
	dir string
}

// cachedToken is the file format.
type cachedToken struct {
	AccessToken string    `json:"access_token"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// NewTokenCache uses dir, which must be an absolute path; it is created
// (mode 0700) when missing.
func NewTokenCache(dir string) (*TokenCache, error) {
	if !filepath.IsAbs(dir) {
		return nil, fmt.Errorf("token cache directory %q must be an absolute path", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the token cache directory: %w", err)
	}
	return &TokenCache{dir: dir}, nil
}

// CacheKey identifies one set of credentials at one accounts server. It is a
// SHA-256 hash, so a file name reveals nothing about the credentials.
func CacheKey(accountsURL string, creds RefreshCredentials) string {
	sum := sha256.Sum256([]byte(accountsURL + "\x00" + creds.ClientID + "\x00" + creds.ClientSecret + "\x00" + creds.RefreshToken))
	return hex.EncodeToString(sum[:])
}

// Path is the file that holds the token for key.
func (c *TokenCache) Path(key string) string {
	return filepath.Join(c.dir, "zohocrm-token-"+key+".json")
}

// Load returns the cached token for key. ok is false when there is none or
// it cannot be trusted: unreadable, corrupt, or readable by others than its
// owner (someone else could have planted or read it).
func (c *TokenCache) Load(key string) (AccessToken, bool) {
	path := c.Path(key)
	info, err := os.Lstat(path)
	if err != nil || !info.Mode().IsRegular() || info.Mode().Perm()&^cacheFileMode != 0 {
		return AccessToken{}, false
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return AccessToken{}, false
	}
	var cached cachedToken
	if json.Unmarshal(data, &cached) != nil || cached.AccessToken == "" || cached.ExpiresAt.IsZero() {
		return AccessToken{}, false
	}
	return AccessToken{Value: cached.AccessToken, Expiry: cached.ExpiresAt}, true
}

// Store writes token for key atomically (a temporary file renamed over the
// old one), so a concurrent reader sees the old token or the new one, never
// half a file.
func (c *TokenCache) Store(key string, token AccessToken) error {
	data, err := json.Marshal(cachedToken{AccessToken: token.Value, ExpiresAt: token.Expiry.UTC()})
	if err != nil {
		return fmt.Errorf("encoding the cached token: %w", err)
	}
	tmp, err := os.CreateTemp(c.dir, ".zohocrm-token-*.tmp")
	if err != nil {
		return fmt.Errorf("creating a token cache file: %w", err)
	}
	defer os.Remove(tmp.Name()) // No-op once renamed.
	if err := tmp.Chmod(cacheFileMode); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("restricting the token cache file: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("writing the token cache file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing the token cache file: %w", err)
	}
	if err := os.Rename(tmp.Name(), c.Path(key)); err != nil {
		return fmt.Errorf("replacing the token cache file: %w", err)
	}
	return nil
}

// Remove deletes the cached token for key if it is still token, the one Zoho
// rejected; a newer token written by another process is kept.
func (c *TokenCache) Remove(key, token string) {
	if cached, ok := c.Load(key); ok && cached.Value != token {
		return
	}
	// Best effort: a file that cannot be removed is ignored once expired.
	_ = os.Remove(c.Path(key))
}
