package zoho

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// DefaultMaxConcurrentRequests is the Free edition's concurrency limit, the
// lowest (https://www.zoho.com/crm/developer/docs/api/v8/api-limits.html).
const DefaultMaxConcurrentRequests = 5

// concurrencyLimiter bounds the API calls in flight, halving its limit on a
// 429 and growing it back (docs/design/oauth.md).
type concurrencyLimiter struct {
	mu       sync.Mutex
	ceiling  float64
	limit    float64 // 1 <= limit <= ceiling
	inFlight int
	epoch    int           // counts decreases
	wake     chan struct{} // closed and replaced when a slot frees
	waiting  atomic.Int32  // for tests
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

// abandon frees the slot of a request never sent, leaving the limit as is.
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
