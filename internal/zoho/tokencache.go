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

// cacheFileMode lets only the owner read a cache file.
const cacheFileMode os.FileMode = 0o600

// TokenCache shares access tokens (never the credentials) between provider
// processes through files; a failure to read is a miss, not an error.
type TokenCache struct {
	dir string
}

// cachedToken is the file format.
type cachedToken struct {
	AccessToken string    `json:"access_token"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// NewTokenCache uses dir, an absolute path, created (0700) when missing.
func NewTokenCache(dir string) (*TokenCache, error) {
	if !filepath.IsAbs(dir) {
		return nil, fmt.Errorf("token cache directory %q must be an absolute path", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the token cache directory: %w", err)
	}
	return &TokenCache{dir: dir}, nil
}

// CacheKey identifies one set of credentials at one accounts server by hash.
func CacheKey(accountsURL string, creds RefreshCredentials) string {
	sum := sha256.Sum256([]byte(accountsURL + "\x00" + creds.ClientID + "\x00" + creds.ClientSecret + "\x00" + creds.RefreshToken))
	return hex.EncodeToString(sum[:])
}

// Path is the file that holds the token for key.
func (c *TokenCache) Path(key string) string {
	return filepath.Join(c.dir, "zohocrm-token-"+key+".json")
}

// Load returns the cached token for key; false when there is none or it is
// unreadable, corrupt, not a regular file or open to others than its owner.
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

// Store writes token for key atomically: a reader sees the old or the new.
func (c *TokenCache) Store(key string, token AccessToken) error {
	data, err := json.Marshal(cachedToken{AccessToken: token.Value, ExpiresAt: token.Expiry.UTC()})
	if err != nil {
		return fmt.Errorf("encoding the cached token: %w", err)
	}
	tmp, err := os.CreateTemp(c.dir, ".zohocrm-token-*.tmp")
	if err != nil {
		return fmt.Errorf("creating a token cache file: %w", err)
	}
	defer os.Remove(tmp.Name())
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

// Remove deletes the cached token for key if it is still token.
func (c *TokenCache) Remove(key, token string) {
	if cached, ok := c.Load(key); ok && cached.Value != token {
		return
	}
	_ = os.Remove(c.Path(key))
}
