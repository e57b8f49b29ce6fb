package zoho

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zohocrm-terraform/terraform-provider-zohocrm/internal/emulator"
)

// issuedToken is the nth access token tokenAPI issues, shaped like Zoho's.
func issuedToken(n int) string { return fmt.Sprintf("1000.%032d.%032d", n, n) }

// tokenAPI is a token endpoint and a backup API in one server, driven by the
// test step by step. It issues issuedToken(1), (2), ...; answers 401
// INVALID_TOKEN to a token marked dead; and records the token of each API
// call. With holdCall n, the nth API call is held on the wire until the
// test sends it the status to answer; with refreshIsHeld, the next refresh
// is held until the test lets it go.
type tokenAPI struct {
	url string

	mu        sync.Mutex
	refreshes int
	dead      map[string]bool
	sent      []string

	holdCall      int           // the call held on the wire (1-based; 0: none)
	first         chan int      // the held call's answer
	firstArrived  chan struct{} // the held call is on the wire
	refreshGate   chan struct{} // the next refresh waits on it, when held
	refreshWaits  chan struct{} // that refresh is waiting
	refreshIsHeld bool
}

func newTokenAPI(t *testing.T) *tokenAPI {
	t.Helper()
	api := &tokenAPI{
		dead:  map[string]bool{},
		first: make(chan int), firstArrived: make(chan struct{}),
		refreshGate: make(chan struct{}), refreshWaits: make(chan struct{}),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/v2/token" {
			api.serveRefresh(w)
			return
		}
		api.serveAPI(w, r)
	}))
	t.Cleanup(srv.Close)
	api.url = srv.URL
	return api
}

func (api *tokenAPI) serveRefresh(w http.ResponseWriter) {
	api.mu.Lock()
	held := api.refreshIsHeld
	api.refreshIsHeld = false
	api.mu.Unlock()
	if held {
		api.refreshWaits <- struct{}{}
		<-api.refreshGate
	}
	api.mu.Lock()
	api.refreshes++
	n := api.refreshes
	api.mu.Unlock()
	fmt.Fprintf(w, `{"access_token":%q,"expires_in":3600}`, issuedToken(n))
}

func (api *tokenAPI) serveAPI(w http.ResponseWriter, r *http.Request) {
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Zoho-oauthtoken ")
	api.mu.Lock()
	api.sent = append(api.sent, token)
	held := api.holdCall == len(api.sent)
	rejected := api.dead[token]
	api.mu.Unlock()
	status := http.StatusOK
	if held {
		api.firstArrived <- struct{}{}
		status = <-api.first
	} else if rejected {
		status = http.StatusUnauthorized
	}
	w.WriteHeader(status)
	if status == http.StatusUnauthorized {
		fmt.Fprint(w, `{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}`)
		return
	}
	fmt.Fprint(w, `{"backup":{"code":"SUCCESS","details":{"id":"4876876000001593003"},"message":"ok","status":"success"}}`)
}

func (api *tokenAPI) kill(token string) {
	api.mu.Lock()
	defer api.mu.Unlock()
	api.dead[token] = true
}

func (api *tokenAPI) counts() (sent []string, refreshes int) {
	api.mu.Lock()
	defer api.mu.Unlock()
	return slices.Clone(api.sent), api.refreshes
}

// newOneSlotClient is a client of api with refresh credentials and a single
// limiter slot, so that a second request waits while the first is on the
// wire.
func newOneSlotClient(t *testing.T, api *tokenAPI) (*Client, *RefreshingTokenSource) {
	t.Helper()
	return newClientWithSlots(t, api, 1)
}

func newClientWithSlots(t *testing.T, api *tokenAPI, slots int) (*Client, *RefreshingTokenSource) {
	t.Helper()
	src := newSource(t, api.url)
	client, err := NewClient(Config{APIDomain: api.url, Tokens: src, MaxConcurrentRequests: slots, Retry: noRetries})
	if err != nil {
		t.Fatal(err)
	}
	return client, src
}

// cancelInBackground starts a cancellation; its error arrives on the channel.
func cancelInBackground(client *Client) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := client.CancelBackup(context.Background(), backupID)
		done <- err
	}()
	return done
}

// waitUntil polls cond for up to five seconds.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

// replaceToken does what another request does when Zoho rejects the token
// in hand: drops it, and refreshes. It returns the new token.
func replaceToken(t *testing.T, src *RefreshingTokenSource, old string) string {
	t.Helper()
	src.Invalidate(context.Background(), old)
	fresh, err := src.Token(context.Background())
	if err != nil || fresh == old {
		t.Fatalf("replacing the token: got the same one or %v", err)
	}
	return fresh
}

// TestRequestThatWaitedForASlotSendsTheTokenCurrentWhenItLeaves: request B
// reads the token, then waits for the only slot while A is on the wire;
// meanwhile the token is replaced. B must leave with the new token, not the
// one it read before waiting, so Zoho sees no stale token at all.
func TestRequestThatWaitedForASlotSendsTheTokenCurrentWhenItLeaves(t *testing.T) {
	api := newTokenAPI(t)
	api.holdCall = 1
	client, src := newOneSlotClient(t, api)

	a := cancelInBackground(client)
	<-api.firstArrived
	b := cancelInBackground(client)
	waitUntil(t, "B waits for the slot", func() bool { return client.limiter.waiting.Load() == 1 })
	api.kill(issuedToken(1))
	second := replaceToken(t, src, issuedToken(1))
	api.first <- http.StatusOK

	for _, done := range []<-chan error{a, b} {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	sent, refreshes := api.counts()
	if want := []string{issuedToken(1), second}; !slices.Equal(sent, want) || refreshes != 2 {
		t.Errorf("calls carried tokens %v with %d refreshes; want A with the first token and B with the second (%v), 2 refreshes, no 401", sent, refreshes, want)
	}
}

// TestRejectedReplacedTokenIsResentWithoutSpendingTheRefresh: a request is
// on the wire when another request has its token rejected and replaced,
// and Zoho then rejects it too. It is sent again with the replacement and no
// refresh; that free resend is not its one refresh, so when Zoho rejects the
// replacement as well (revoked early), the request still drops it, refreshes
// once and succeeds.
func TestRejectedReplacedTokenIsResentWithoutSpendingTheRefresh(t *testing.T) {
	for _, replacementRejected := range []bool{false, true} {
		t.Run(fmt.Sprintf("replacement rejected %v", replacementRejected), func(t *testing.T) {
			api := newTokenAPI(t)
			api.holdCall = 1
			client, src := newOneSlotClient(t, api)

			done := cancelInBackground(client)
			<-api.firstArrived
			api.kill(issuedToken(1))
			if replacementRejected {
				api.kill(issuedToken(2))
			}
			replaceToken(t, src, issuedToken(1))
			api.first <- http.StatusUnauthorized
			if err := <-done; err != nil {
				t.Fatal(err)
			}

			sent, refreshes := api.counts()
			want, wantRefreshes := []string{issuedToken(1), issuedToken(2)}, 2
			if replacementRejected {
				want, wantRefreshes = append(want, issuedToken(3)), 3
			}
			if !slices.Equal(sent, want) || refreshes != wantRefreshes {
				t.Errorf("calls carried %v with %d refreshes; want %v and %d (the first, the other request's, and one of its own only if the current token is rejected)",
					sent, refreshes, want, wantRefreshes)
			}
		})
	}
}

// TestTokenThatServedIsRenewedAfterTheRequestsRefresh: a request spends its
// refresh on a token refused outright, then is on the wire with the new one
// when that token, which has served another request meanwhile, reaches the
// end of its life. That is another token lifetime ending, not a refusal: the
// request drops it too and succeeds with a third token. A fresh token refused
// outright after the request's refresh is still reported
// (TestPersistentInvalidTokenIsReportedAfterOneRetry).
func TestTokenThatServedIsRenewedAfterTheRequestsRefresh(t *testing.T) {
	api := newTokenAPI(t)
	api.holdCall = 2
	api.kill(issuedToken(1))
	client, _ := newClientWithSlots(t, api, 2)

	r := cancelInBackground(client)
	<-api.firstArrived // r's second call, with the second token
	if _, err := client.CancelBackup(context.Background(), backupID); err != nil {
		t.Fatalf("another request with the second token: %v", err)
	}
	api.kill(issuedToken(2))
	api.first <- http.StatusUnauthorized
	if err := <-r; err != nil {
		t.Fatal(err)
	}
	sent, refreshes := api.counts()
	want := []string{issuedToken(1), issuedToken(2), issuedToken(2), issuedToken(3)}
	if !slices.Equal(sent, want) || refreshes != 3 {
		t.Errorf("calls carried %v with %d refreshes; want %v and 3", sent, refreshes, want)
	}
}

// TestTokenReadAfterTheSlotNeverRefreshesWithTheSlotHeld: B waits for the
// only slot while its token is dropped and no replacement exists yet. Once
// B holds the slot, a refresh is due, and it must not happen with the slot
// held: B gives the slot back (without teaching the limiter anything),
// refreshes, and then sends the new token.
func TestTokenReadAfterTheSlotNeverRefreshesWithTheSlotHeld(t *testing.T) {
	api := newTokenAPI(t)
	api.holdCall = 1
	client, src := newOneSlotClient(t, api)

	a := cancelInBackground(client)
	<-api.firstArrived
	b := cancelInBackground(client)
	waitUntil(t, "B waits for the slot", func() bool { return client.limiter.waiting.Load() == 1 })
	src.Invalidate(context.Background(), issuedToken(1))
	api.mu.Lock()
	api.refreshIsHeld = true
	api.mu.Unlock()
	api.first <- http.StatusOK
	if err := <-a; err != nil {
		t.Fatal(err)
	}

	select {
	case <-api.refreshWaits:
	case <-time.After(5 * time.Second):
		t.Fatal("B did not refresh the dropped token")
	}
	if limit, inFlight := client.limiter.current(); inFlight != 0 || limit != 1 {
		t.Errorf("during the refresh: %d slots held, limit %v; want 0 and 1", inFlight, limit)
	}
	api.refreshGate <- struct{}{}
	if err := <-b; err != nil {
		t.Fatal(err)
	}
	sent, refreshes := api.counts()
	if want := []string{issuedToken(1), issuedToken(2)}; !slices.Equal(sent, want) || refreshes != 2 {
		t.Errorf("calls carried %v with %d refreshes; want %v and 2", sent, refreshes, want)
	}
}

// TestStaleTokenResendsAreBounded: a request whose token is rejected as
// replaced over and over is not sent forever: maxStaleTokenResends free
// resends, then its one refresh, then the rejection is reported.
func TestStaleTokenResendsAreBounded(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}`)
	}))
	t.Cleanup(srv.Close)
	src := &staleSource{}
	client, err := NewClient(Config{APIDomain: srv.URL, Tokens: src, Retry: noRetries})
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.CancelBackup(context.Background(), backupID)
	if ErrorCode(err) != CodeInvalidToken || calls.Load() != 1+maxStaleTokenResends+1 || src.invalidated.Load() != 1 {
		t.Errorf("got %v after %d calls and %d invalidations; want INVALID_TOKEN after %d calls and 1 invalidation",
			err, calls.Load(), src.invalidated.Load(), 1+maxStaleTokenResends+1)
	}
}

// staleSource reports a new current token each time it is asked, so every
// rejection looks like one of a token already replaced.
type staleSource struct{ peeks, invalidated atomic.Int32 }

func (*staleSource) Token(context.Context) (string, error) { return testToken, nil }

func (s *staleSource) peekToken() (string, bool) {
	return fmt.Sprintf("1000.replaced.%d", s.peeks.Add(1)), true
}

func (s *staleSource) Invalidate(context.Context, string) { s.invalidated.Add(1) }

func (*staleSource) tokenAccepted(string) {}

func (*staleSource) tokenServed(string) bool { return false }

// TestExpiringTokensUnderTheLimiterRefreshOncePerLifetime: 200
// cancellations from 50 goroutines through 5 slots, against the emulator
// with access tokens that expire after 25 calls. Every cancellation
// succeeds; the refreshes are exactly ceil(200/25) = 8, one per token
// lifetime (a refresh happens only when the current token is rejected, and
// the emulator rejects a token only once its 25 calls are spent); and a
// token is rejected only to the requests in flight when it ran out, at most
// two slots' worth per lifetime.
func TestExpiringTokensUnderTheLimiterRefreshOncePerLifetime(t *testing.T) {
	const count, callsPerToken, workers, slots = 200, 25, 50, 5
	srv, src, _ := emulatorSource(t, emulator.WithMonthlyQuota(-1), emulator.WithLatency(2*time.Millisecond))
	client, err := NewClient(Config{APIDomain: srv.URL(), Tokens: src, MaxConcurrentRequests: slots, Retry: noRetries})
	if err != nil {
		t.Fatal(err)
	}
	ids := make(chan string, count)
	for range count {
		ids <- srv.SeedBackup("SCHEDULED", "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR").ID
	}
	close(ids)
	srv.ResetRequests()
	srv.ExpireAccessTokensAfterCalls(callsPerToken)

	var wg sync.WaitGroup
	var failed atomic.Int32
	var firstErr atomic.Value
	for range workers {
		wg.Go(func() {
			for id := range ids {
				if _, err := client.CancelBackup(context.Background(), id); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		})
	}
	wg.Wait()
	if failed.Load() > 0 {
		t.Errorf("%d of %d cancellations failed; the first: %v", failed.Load(), count, firstErr.Load())
	}

	lifetimes := (count + callsPerToken - 1) / callsPerToken
	rejected := len(srv.Requests()) - count
	t.Logf("%d cancellations: %d failed, %d answered 401, %d refreshes", count, failed.Load(), rejected, srv.Refreshes())
	if got := srv.Refreshes(); got != lifetimes {
		t.Errorf("%d refreshes, want %d: one per token lifetime", got, lifetimes)
	}
	if rejected > 2*slots*lifetimes {
		t.Errorf("%d answers 401, want at most %d", rejected, 2*slots*lifetimes)
	}
}
