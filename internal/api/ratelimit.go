package api

import (
	"crypto/sha256"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"charla/internal/httpx"
	"charla/internal/problem"
)

// limiter keeps one token bucket per bearer token. It runs after
// authentication, so only valid tokens get a bucket and the map stays as
// small as the set of tokens in use.
type limiter struct {
	rate  rate.Limit
	burst int
	now   func() time.Time

	mu      sync.Mutex
	buckets map[[sha256.Size]byte]*rate.Limiter
	sweepAt int
}

// minSweep is the map size below which idle buckets are not worth sweeping.
const minSweep = 1024

func newLimiter(r rate.Limit, burst int, now func() time.Time) *limiter {
	return &limiter{rate: r, burst: burst, now: now, buckets: map[[sha256.Size]byte]*rate.Limiter{}, sweepAt: minSweep}
}

// wait says how long the holder of token must wait, 0 if the request may go.
func (l *limiter) wait(token string) time.Duration {
	// Keyed by hash so plaintext tokens do not outlive their requests.
	key := sha256.Sum256([]byte(token))
	now := l.now()
	l.mu.Lock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= l.sweepAt {
			l.sweep(now)
		}
		b = rate.NewLimiter(l.rate, l.burst)
		l.buckets[key] = b
	}
	l.mu.Unlock()
	res := b.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d
	}
	return 0
}

// sweep drops full buckets: a new bucket is full too, so nothing is lost.
// Sweeping again only after the map doubles keeps the cost amortised.
func (l *limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.buckets, k)
		}
	}
	l.sweepAt = max(2*len(l.buckets), minSweep)
}

func (a *server) rateLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d := a.limiter.wait(httpx.Bearer(r)); d > 0 {
			secs := int(math.Ceil(d.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			a.error(w, r, problem.New(problem.TooMany, "too many requests; retry in %d seconds", secs))
			return
		}
		next.ServeHTTP(w, r)
	})
}
