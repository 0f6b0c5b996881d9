package web

import (
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Sign-in attempts allowed per client address and per email: 5 at once, then
// one every 12 seconds. Only failed attempts are charged.
const (
	loginRate  = rate.Limit(5.0 / 60)
	loginBurst = 5
)

// limiter keeps a token bucket per key (a client address, an email).
type limiter struct {
	every rate.Limit
	burst int

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiter(every rate.Limit, burst int) *limiter {
	return &limiter{every: every, burst: burst, buckets: map[string]*bucket{}}
}

// reserve takes a token for key; the caller cancels the reservation when the
// attempt turns out not to count (it was refused, or it succeeded).
func (l *limiter) reserve(key string, now time.Time) *rate.Reservation {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b := l.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(l.every, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	return b.lim.ReserveN(now, 1)
}

// sweep forgets buckets that have refilled: a fresh bucket is the same thing,
// so memory stays proportional to recent attempts, not to every address ever seen.
func (l *limiter) sweep(now time.Time) {
	full := time.Duration(float64(l.burst) / float64(l.every) * float64(time.Second))
	if now.Sub(l.lastSweep) < full {
		return
	}
	l.lastSweep = now
	for k, b := range l.buckets {
		if now.Sub(b.seen) > full {
			delete(l.buckets, k)
		}
	}
}

// clientKey identifies the client for rate limiting. An IPv6 client usually
// controls a whole /64, so that is what counts as one address.
func clientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
