package emulator

import (
	"math"
	"sync"
	"time"
)

// bucket is a token bucket on the injected clock: rate tokens per second,
// holding at most max(rate, 1) tokens (a one-second burst). rate 0 means no
// limit. It has its own lock so limiting never waits on the account state,
// and an unlimited bucket takes no lock at all.
type bucket struct {
	mu                     sync.Mutex
	rate, capacity, tokens float64
	last                   time.Time
}

func newBucket(rate float64, now time.Time) *bucket {
	if rate <= 0 {
		return &bucket{}
	}
	c := math.Max(rate, 1)
	return &bucket{rate: rate, capacity: c, tokens: c, last: now}
}

// take spends a token at now. When none is left it returns false and how
// long until one is available.
func (b *bucket) take(now time.Time) (bool, time.Duration) {
	if b.rate <= 0 {
		return true, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.After(b.last) {
		b.tokens = math.Min(b.capacity, b.tokens+now.Sub(b.last).Seconds()*b.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
	return false, wait
}

// retryAfter renders a wait as whole seconds for Retry-After, at least 1.
func retryAfter(d time.Duration) int {
	s := int(math.Ceil(d.Seconds()))
	if s < 1 {
		s = 1
	}
	return s
}
