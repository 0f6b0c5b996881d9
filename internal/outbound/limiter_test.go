package outbound

import (
	"context"
	"testing"
	"time"
)

// fakeLimiter runs a Limiter on a fixed clock and records each send's slot
// (now + the wait it was given) instead of sleeping.
func fakeLimiter() (*Limiter, *[]time.Duration) {
	t0 := time.Unix(1_700_000_000, 0)
	var slots []time.Duration
	l := NewLimiter(nil)
	l.now = func() time.Time { return t0 }
	l.sleep = func(_ context.Context, d time.Duration) error {
		slots = append(slots, d)
		return nil
	}
	return l, &slots
}

func TestLimiterPacesUrgentSends(t *testing.T) {
	// Agent replies are urgent; a burst of them must still leave at the rate.
	l, slots := fakeLimiter()
	for range 5 {
		if err := l.Wait(context.Background(), "ch", PerSecond(10), true); err != nil {
			t.Fatal(err)
		}
	}
	for i, d := range *slots {
		if want := time.Duration(i) * 100 * time.Millisecond; d != want {
			t.Fatalf("urgent send %d waits %s, want %s (slots %v)", i, d, want, *slots)
		}
	}
}

func TestLimiterUrgentGoesAheadOfBulk(t *testing.T) {
	l, slots := fakeLimiter()
	ctx := context.Background()
	for range 3 { // a broadcast already waiting: slots 0, 100, 200 ms
		_ = l.Wait(ctx, "ch", PerSecond(10), false)
	}
	_ = l.Wait(ctx, "ch", PerSecond(10), true) // a reply: at once, not after the broadcast
	_ = l.Wait(ctx, "ch", PerSecond(10), true) // a second reply: one interval after the first
	_ = l.Wait(ctx, "ch", PerSecond(10), false)
	want := []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond,
		0, 100 * time.Millisecond,
		// the next bulk send moved back by the two replies: 300 + 2×100 ms
		500 * time.Millisecond}
	for i, d := range *slots {
		if d != want[i] {
			t.Fatalf("slots %v, want %v", *slots, want)
		}
	}
	// Other channels have lanes of their own.
	_ = l.Wait(ctx, "other", PerSecond(10), true)
	if d := (*slots)[len(*slots)-1]; d != 0 {
		t.Fatalf("another channel waits %s", d)
	}
}
