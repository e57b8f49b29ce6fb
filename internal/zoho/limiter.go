package zoho

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// DefaultMaxConcurrentRequests is the number of API calls a client has in
// flight at once unless configured otherwise: the concurrency limit of Zoho
// CRM's Free edition, the lowest of all editions (5, 10, 15, 20 and 25 from
// Free to Ultimate; https://www.zoho.com/crm/developer/docs/api/v8/api-limits.html),
// so that a default configuration never trips the limit whatever the edition.
const DefaultMaxConcurrentRequests = 5

// concurrencyLimiter bounds the API calls a client has in flight at once.
// Terraform runs up to -parallelism operations at once (10 by default), each
// of which may send a request; Zoho answers every call beyond the
// organization's limit with 429 TOO_MANY_REQUESTS, and retrying those costs
// time and, under a storm, whole operations. A slot is held only while a
// request is on the wire and its answer is read, never during a retry's wait
// or a token refresh (the accounts server has no such limit): a slow
// accounts server must not stall calls whose token is in hand.
//
// The limit adapts as TCP's congestion window does (additive increase,
// multiplicative decrease): a 429 halves it, because the organization's
// calls from elsewhere (other pipelines, integrations) share the limit; each
// answer that is not a 429 adds 1/limit, so the limit grows back by one slot
// per limit's worth of answers, up to the configured ceiling. Only a 429 to
// a request sent after the last decrease halves again: the requests of one
// burst, all sent before the first 429 came back, count as one signal.
type concurrencyLimiter struct {
	mu       sync.Mutex
	ceiling  float64
	limit    float64 // current limit, 1 <= limit <= ceiling
	inFlight int
	// epoch counts decreases; a slot remembers the epoch it started in.
	epoch int
	// wake is closed, and replaced, whenever a slot frees or the limit
	// grows, so waiters look again.
	wake chan struct{}
	// waiting counts the requests waiting for a slot, for tests.
	waiting atomic.Int32
}

func newConcurrencyLimiter(ceiling int) *concurrencyLimiter {
	ceiling = max(ceiling, 1)
	return &concurrencyLimiter{ceiling: float64(ceiling), limit: float64(ceiling), wake: make(chan struct{})}
}

// slot is one request's hold on the limiter; release it exactly once.
type slot struct {
	limiter *concurrencyLimiter
	epoch   int
}

// acquire waits for a free slot, or until ctx ends.
func (l *concurrencyLimiter) acquire(ctx context.Context) (slot, error) {
	for {
		l.mu.Lock()
		if float64(l.inFlight) < l.allowed() {
			l.inFlight++
			epoch := l.epoch
			l.mu.Unlock()
			return slot{limiter: l, epoch: epoch}, nil
		}
		wake := l.wake
		l.mu.Unlock()
		if err := l.wait(ctx, wake); err != nil {
			return slot{}, err
		}
	}
}

// wait waits for wake, or until ctx ends.
func (l *concurrencyLimiter) wait(ctx context.Context, wake <-chan struct{}) error {
	l.waiting.Add(1)
	defer l.waiting.Add(-1)
	select {
	case <-wake:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for one of the provider's max_concurrent_requests slots: %w", ctx.Err())
	}
}

// allowed is the whole number of requests the current limit lets through.
func (l *concurrencyLimiter) allowed() float64 {
	return float64(int(l.limit))
}

// release frees the slot; throttled says Zoho answered 429.
func (s slot) release(throttled bool) {
	l := s.limiter
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inFlight--
	switch {
	case throttled && s.epoch == l.epoch:
		l.limit = max(1, l.limit/2)
		l.epoch++
	case !throttled:
		l.limit = min(l.ceiling, l.limit+1/l.limit)
	}
	close(l.wake)
	l.wake = make(chan struct{})
}

// abandon frees a slot whose request was never sent, such as one given back
// because its token was dropped while it waited (Client.holdSlotWithToken):
// no answer came, so the limit learns nothing and stays as it is.
func (s slot) abandon() {
	l := s.limiter
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inFlight--
	close(l.wake)
	l.wake = make(chan struct{})
}

// current reports the limit and the requests in flight, for tests.
func (l *concurrencyLimiter) current() (limit float64, inFlight int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit, l.inFlight
}
