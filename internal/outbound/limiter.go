package outbound

import (
	"context"
	"sync"
	"time"
)

// Limiter paces sends per channel: each send reserves the next free slot
// (1/rate apart) and waits for it, so the achieved rate is the setting,
// not a burst followed by silence. Urgent sends (agent replies) reserve
// ahead of bulk traffic.
type Limiter struct {
	mu    sync.Mutex
	lanes map[string]*lane
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

type lane struct {
	// next is the earliest free slot for a bulk send; urgent the earliest
	// for an urgent one. next is never before urgent.
	next, urgent time.Time
}

// NewLimiter returns a limiter on the real clock.
func NewLimiter() *Limiter {
	return &Limiter{lanes: map[string]*lane{}, now: time.Now, sleep: sleepCtx}
}

// Wait blocks until key may send once more at rate per second (≤ 0: no limit).
func (l *Limiter) Wait(ctx context.Context, key string, rate float64, urgent bool) error {
	if rate <= 0 {
		return nil
	}
	interval := time.Duration(float64(time.Second) / rate)
	l.mu.Lock()
	ln := l.lanes[key]
	if ln == nil {
		ln = &lane{}
		l.lanes[key] = ln
	}
	now := l.now()
	var slot time.Time
	if urgent {
		// Replies are paced among themselves but go ahead of the bulk queue,
		// so a reply never waits behind a queued broadcast; every bulk slot
		// not yet taken moves back one interval, so the long-run rate holds
		// (bulk sends already waiting keep their slots).
		slot = later(now, ln.urgent)
		ln.urgent = slot.Add(interval)
		ln.next = later(ln.next, slot).Add(interval)
	} else {
		slot = later(now, ln.next)
		ln.next = slot.Add(interval)
	}
	l.mu.Unlock()
	return l.sleep(ctx, slot.Sub(now))
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
