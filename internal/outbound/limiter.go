package outbound

import (
	"context"
	"sync"
	"time"
)

// Limiter paces sends per channel: each send reserves the next free slot
// (one interval apart) and waits for it, so the achieved rate is the
// setting, not a burst followed by silence. Urgent sends (agent replies)
// reserve ahead of bulk traffic.
//
// With a shared SlotSource (PostgreSQL), slots come from a row every
// instance reserves from, so several `charla serve` processes together keep
// the channel's rate.
type Limiter struct {
	mu     sync.Mutex
	lanes  map[string]*lane
	now    func() time.Time
	sleep  func(ctx context.Context, d time.Duration) error
	shared SlotSource
}

// SlotSource hands out send slots shared between processes.
type SlotSource interface {
	// Reserve takes n consecutive slots interval apart on key, none before
	// now, and returns the first.
	Reserve(ctx context.Context, key string, n int, interval time.Duration, now time.Time) (time.Time, error)
}

type lane struct {
	// next is the earliest free slot for a bulk send; urgent the earliest
	// for an urgent one. next is never before urgent. With a shared source,
	// next is the next reserved slot and left how many remain reserved.
	next, urgent time.Time
	left         int
	// reserving serializes a lane's reservations from the shared source.
	reserving sync.Mutex
}

// NewLimiter returns a limiter on the real clock; shared may be nil (one
// process paces alone).
func NewLimiter(shared SlotSource) *Limiter {
	return &Limiter{lanes: map[string]*lane{}, now: time.Now, sleep: sleepCtx, shared: shared}
}

// Wait blocks until key may send once more at rate r (unlimited: at once).
func (l *Limiter) Wait(ctx context.Context, key string, r Rate, urgent bool) error {
	interval := r.Interval()
	if interval <= 0 {
		return nil
	}
	if l.shared != nil {
		return l.waitShared(ctx, key, interval, urgent)
	}
	l.mu.Lock()
	ln := l.lane(key)
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

// lane returns key's lane; l.mu must be held.
func (l *Limiter) lane(key string) *lane {
	ln := l.lanes[key]
	if ln == nil {
		ln = &lane{}
		l.lanes[key] = ln
	}
	return ln
}

// sharedBlock is how much sending time one reservation covers: small
// enough that a reply waits little behind other instances' blocks, large
// enough that 1,000 msgs/s needs only 20 round trips a second.
const sharedBlock = 50 * time.Millisecond

// waitShared takes the next slot of the lane's reserved block, reserving a
// new block when it is used up. An urgent send reserves a slot of its own:
// next in the shared order, behind at most one block per instance.
func (l *Limiter) waitShared(ctx context.Context, key string, interval time.Duration, urgent bool) error {
	l.mu.Lock()
	ln := l.lane(key)
	l.mu.Unlock()
	ln.reserving.Lock()
	now := l.now()
	var slot time.Time
	if urgent {
		first, err := l.shared.Reserve(ctx, key, 1, interval, now)
		if err != nil {
			ln.reserving.Unlock()
			return err
		}
		slot = first
	} else {
		// Slots that passed unused (no traffic, or a late process) are gone:
		// sending on them now would be a burst.
		for ln.left > 0 && ln.next.Before(now) {
			ln.next, ln.left = ln.next.Add(interval), ln.left-1
		}
		if ln.left == 0 {
			n := max(1, min(100, int(sharedBlock/interval)))
			first, err := l.shared.Reserve(ctx, key, n, interval, now)
			if err != nil {
				ln.reserving.Unlock()
				return err
			}
			ln.next, ln.left = first, n
		}
		slot = ln.next
		ln.next, ln.left = slot.Add(interval), ln.left-1
	}
	ln.reserving.Unlock()
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
