package zoho

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// concurrencyServer answers after delay and records the most requests it
// ever had in flight at once; above limit (0: none) it answers 429.
func concurrencyServer(t *testing.T, limit int, delay time.Duration) (url string, peak, throttledCount *atomic.Int32) {
	t.Helper()
	var inFlight atomic.Int32
	peak, throttledCount = new(atomic.Int32), new(atomic.Int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		now := inFlight.Add(1)
		defer inFlight.Add(-1)
		for old := peak.Load(); now > old && !peak.CompareAndSwap(old, now); old = peak.Load() {
		}
		if limit > 0 && int(now) > limit {
			throttledCount.Add(1)
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(throttled))
			return
		}
		time.Sleep(delay)
		_, _ = w.Write([]byte(`{"backup":{"code":"SUCCESS","details":{"id":"4876876000001593003"},"message":"ok","status":"success"}}`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, peak, throttledCount
}

func TestLimiterBoundsRequestsInFlight(t *testing.T) {
	url, peak, _ := concurrencyServer(t, 0, 20*time.Millisecond)
	client, err := NewClient(Config{APIDomain: url, Tokens: StaticToken(testToken), MaxConcurrentRequests: 3})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 30 {
		wg.Go(func() {
			if _, err := client.CancelBackup(context.Background(), backupID); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if peak.Load() != 3 {
		t.Errorf("peak of %d requests in flight, want exactly the limit of 3", peak.Load())
	}
}

func TestLimiterDefaultsToTheFreeEditionsLimit(t *testing.T) {
	client, err := NewClient(Config{APIDomain: "https://www.zohoapis.com", Tokens: StaticToken(testToken)})
	if err != nil {
		t.Fatal(err)
	}
	if limit, _ := client.limiter.current(); limit != DefaultMaxConcurrentRequests || DefaultMaxConcurrentRequests != 5 {
		t.Errorf("default limit %v, want 5", limit)
	}
}

// TestLimiterHalvesOnThrottleAndRecoversSlowly: a 429 halves the limit
// once per burst (429s to requests sent before the decrease count once),
// never below 1, and answers grow it back by one slot per limit's worth.
func TestLimiterHalvesOnThrottleAndRecoversSlowly(t *testing.T) {
	l := newConcurrencyLimiter(8)
	ctx := context.Background()
	burst := make([]slot, 4)
	for i := range burst {
		var err error
		if burst[i], err = l.acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range burst {
		s.release(true)
	}
	if limit, inFlight := l.current(); limit != 4 || inFlight != 0 {
		t.Fatalf("after one burst of 429s: limit %v, %d in flight; want 4, 0", limit, inFlight)
	}
	for _, want := range []float64{2, 1, 1} {
		s, _ := l.acquire(ctx)
		s.release(true)
		if limit, _ := l.current(); limit != want {
			t.Fatalf("limit %v after another 429, want %v", limit, want)
		}
	}
	answers := 0
	for limit := 1.0; limit < 8; limit, _ = l.current() {
		s, _ := l.acquire(ctx)
		s.release(false)
		answers++
	}
	// From 1 to 8 one slot at a time, each after about limit answers:
	// 1+2+...+7 = 28, a little more as each step adds 1/limit.
	if answers < 28 || answers > 35 {
		t.Errorf("recovered from 1 to 8 after %d answers, want 28 to 35", answers)
	}
	s, _ := l.acquire(ctx)
	s.release(false)
	if limit, _ := l.current(); limit != 8 {
		t.Errorf("limit %v, want it capped at the ceiling of 8", limit)
	}
}

// TestRetryWaitHoldsNoSlot: with one slot, a request waiting out a
// backoff does not hold it, so another request goes through meanwhile.
func TestRetryWaitHoldsNoSlot(t *testing.T) {
	url, hits := scriptedServer(t, step{status: 500, body: internalError}, step{status: 200, body: `{"backup":{"code":"SUCCESS","details":{"id":"4876876000001593003"},"message":"ok","status":"success"}}`})
	client, err := NewClient(Config{
		APIDomain: url, Tokens: StaticToken(testToken), MaxConcurrentRequests: 1,
		Retry: &RetryPolicy{MaxRetries: 1, MinBackoff: 2 * time.Second, MaxBackoff: 2 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	retrying := make(chan error)
	go func() {
		_, err := client.CancelBackup(context.Background(), backupID)
		retrying <- err
	}()
	for hits.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	if _, err := client.CancelBackup(context.Background(), backupID); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited > time.Second {
		t.Errorf("the second request waited %s: the first one's backoff held the only slot", waited)
	}
	if err := <-retrying; err != nil {
		t.Error(err)
	}
}

func TestWaitingForASlotHonoursTheContext(t *testing.T) {
	l := newConcurrencyLimiter(1)
	held, _ := l.acquire(context.Background())
	defer held.release(false)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := l.acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want the context's error, got %v", err)
	}
	if _, inFlight := l.current(); inFlight != 1 {
		t.Errorf("%d in flight, want 1", inFlight)
	}
}

// TestLimiterAdaptsBelowAForeignLimit: the organization's limit (3) is
// below the configured one (10), as when other integrations share it. The
// 429s halve the limit, and every request still succeeds through retries.
func TestLimiterAdaptsBelowAForeignLimit(t *testing.T) {
	url, _, throttledCount := concurrencyServer(t, 3, 10*time.Millisecond)
	client, err := NewClient(Config{APIDomain: url, Tokens: StaticToken(testToken), MaxConcurrentRequests: 10, Retry: fastRetries(20)})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 60 {
		wg.Go(func() {
			if _, err := client.CancelBackup(context.Background(), backupID); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if limit, _ := client.limiter.current(); limit >= 10 || throttledCount.Load() == 0 {
		t.Errorf("limit %v after %d throttled answers: it did not adapt", limit, throttledCount.Load())
	}
}
