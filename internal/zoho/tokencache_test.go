package zoho

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestTokenCacheFileHoldsOnlyTokenAndExpiry(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache") // Created on demand.
	cache, err := NewTokenCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	key := CacheKey("https://accounts.zoho.com", testCreds)
	expiry := time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)
	if err := cache.Store(key, AccessToken{Value: testToken, APIDomain: "https://www.zohoapis.com", Expiry: expiry}); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(cache.Path(key))
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("cache file mode %o, want 600", perm)
	}
	data, _ := os.ReadFile(cache.Path(key))
	if want := `{"access_token":"` + testToken + `","expires_at":"2026-01-01T01:00:00Z"}`; string(data) != want {
		t.Errorf("cache file holds %s, want %s", data, want)
	}
	for _, secret := range []string{testClientID, testClientSecret, testRefreshToken} {
		if strings.Contains(cache.Path(key), secret) || strings.Contains(string(data), secret) {
			t.Error("the cache file or its name reveals a credential")
		}
	}
	got, ok := cache.Load(key)
	if !ok || got.Value != testToken || !got.Expiry.Equal(expiry) {
		t.Errorf("Load = %+v, %v", got, ok)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the cache directory holds %d files, want 1 (no temporary file left)", len(entries))
	}
}

func TestCacheKeyDependsOnEveryCredential(t *testing.T) {
	base := CacheKey(DefaultAccountsURL, testCreds)
	variants := []string{
		CacheKey("https://accounts.zoho.eu", testCreds),
		CacheKey(DefaultAccountsURL, RefreshCredentials{ClientID: "other", ClientSecret: testClientSecret, RefreshToken: testRefreshToken}),
		CacheKey(DefaultAccountsURL, RefreshCredentials{ClientID: testClientID, ClientSecret: "other", RefreshToken: testRefreshToken}),
		CacheKey(DefaultAccountsURL, RefreshCredentials{ClientID: testClientID, ClientSecret: testClientSecret, RefreshToken: "other"}),
	}
	for i, v := range variants {
		if v == base {
			t.Errorf("variant %d has the same key", i)
		}
	}
}

func TestTokenCacheIgnoresUntrustedFiles(t *testing.T) {
	cache, _ := NewTokenCache(t.TempDir())
	key := CacheKey(DefaultAccountsURL, testCreds)
	valid := `{"access_token":"` + testToken + `","expires_at":"2099-01-01T00:00:00Z"}`
	tests := map[string]struct {
		content string
		mode    os.FileMode
	}{
		"corrupt":             {"{not json", 0o600},
		"empty token":         {`{"access_token":"","expires_at":"2099-01-01T00:00:00Z"}`, 0o600},
		"no expiry":           {`{"access_token":"` + testToken + `"}`, 0o600},
		"readable by others":  {valid, 0o644},
		"writable by a group": {valid, 0o620},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(cache.Path(key), []byte(tt.content), tt.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(cache.Path(key), tt.mode); err != nil {
				t.Fatal(err)
			}
			if _, ok := cache.Load(key); ok {
				t.Error("an untrusted cache file must be a miss")
			}
		})
	}
}

func TestNewTokenCacheNeedsAnAbsolutePath(t *testing.T) {
	if _, err := NewTokenCache("relative/dir"); err == nil || !strings.Contains(err.Error(), "absolute") {
		t.Errorf("want an error about the relative path, got %v", err)
	}
}

func TestTokenSourcesShareTheCache(t *testing.T) {
	srv, _, _ := emulatorSource(t)
	cache, _ := NewTokenCache(t.TempDir())
	withCache := func(c *RefreshConfig) { c.Cache = cache }

	first, err := newSource(t, srv.URL(), withCache).Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// A second process: a new source with the same credentials.
	second, err := newSource(t, srv.URL(), withCache).Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if second != first || srv.Refreshes() != 1 {
		t.Errorf("the second source must reuse the cached token (refreshes: %d)", srv.Refreshes())
	}

	// An expired entry is a miss, and the fresh token replaces it.
	key := CacheKey(srv.URL(), testCreds)
	if err := cache.Store(key, AccessToken{Value: first, Expiry: time.Now().Add(RefreshMargin / 2)}); err != nil {
		t.Fatal(err)
	}
	third, _ := newSource(t, srv.URL(), withCache).Token(context.Background())
	if third == first || srv.Refreshes() != 2 {
		t.Errorf("an expiring cached token must be refreshed (refreshes: %d)", srv.Refreshes())
	}
	if cached, ok := cache.Load(key); !ok || cached.Value != third {
		t.Error("the fresh token must replace the expired one in the cache")
	}
}

func TestInvalidatedTokenLeavesTheCache(t *testing.T) {
	srv, _, _ := emulatorSource(t)
	backup := srv.SeedBackup("SCHEDULED", "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR")
	cache, _ := NewTokenCache(t.TempDir())
	key := CacheKey(srv.URL(), testCreds)
	// A token the cache trusts but Zoho no longer accepts.
	stale := "1000.99999999999999999999999999999999.99999999999999999999999999999999"
	if err := cache.Store(key, AccessToken{Value: stale, Expiry: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	src := newSource(t, srv.URL(), func(c *RefreshConfig) { c.Cache = cache })
	client, _ := NewClient(Config{APIDomain: srv.URL(), Tokens: src})
	if _, err := client.CancelBackup(context.Background(), backup.ID); err != nil {
		t.Fatal(err)
	}
	cached, ok := cache.Load(key)
	if !ok || cached.Value == stale || cached.Value != srv.IssuedTokens(testRefreshToken)[0] {
		t.Error("the rejected token must be replaced in the cache by the fresh one")
	}
}
