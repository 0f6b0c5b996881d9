package outbound

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"charla/internal/store"
	"charla/internal/store/storetest"
)

// TestSharedLimiterHoldsRateAcrossInstances runs two limiters — two
// `charla serve` processes — on one PostgreSQL database, both sending bulk
// on one channel at once: together they get one schedule, every slot its
// own and 1 ms apart, so the channel's combined rate is its setting (not
// twice it). Slots are read from the limiters, on a frozen clock, rather
// than timed.
func TestSharedLimiterHoldsRateAcrossInstances(t *testing.T) {
	d := storetest.Open(t, store.Postgres)
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	var mu sync.Mutex
	var slots []time.Time
	perInstance := map[int]int{}
	instance := func(n int) *Limiter {
		l := NewLimiter(pgSlots{db: d.W})
		l.now = func() time.Time { return t0 }
		l.sleep = func(_ context.Context, wait time.Duration) error {
			mu.Lock()
			slots = append(slots, t0.Add(wait))
			perInstance[n]++
			mu.Unlock()
			return nil
		}
		return l
	}
	const sends = 300
	rate := PerSecond(1000)
	var wg sync.WaitGroup
	for n := range 2 {
		l := instance(n)
		for range 4 { // several send jobs per instance
			wg.Go(func() {
				for range sends / 4 {
					if err := l.Wait(context.Background(), "channel-1", rate, false); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	if len(slots) != 2*sends || perInstance[0] != sends || perInstance[1] != sends {
		t.Fatalf("%d slots (%v per instance), want %d each", len(slots), perInstance, sends)
	}
	sort.Slice(slots, func(i, j int) bool { return slots[i].Before(slots[j]) })
	for i := 1; i < len(slots); i++ {
		if gap := slots[i].Sub(slots[i-1]); gap < rate.Interval()-time.Microsecond {
			t.Fatalf("slots %d and %d are %s apart, less than the %s the rate allows", i-1, i, gap, rate.Interval())
		}
	}
	span := slots[len(slots)-1].Sub(slots[0])
	combined := float64(len(slots)-1) / span.Seconds()
	if combined > 1000*1.001 || combined < 1000*0.98 {
		t.Fatalf("combined rate %.1f/s over %s, want 1000/s", combined, span)
	}
	// A reply on either instance goes right after what is already reserved,
	// not behind a queue of its own instance's bulk sends.
	before := len(slots)
	if err := instance(0).Wait(context.Background(), "channel-1", rate, true); err != nil {
		t.Fatal(err)
	}
	if reply := slots[before]; reply.Sub(slots[before-1]) != rate.Interval() {
		t.Fatalf("reply slot %s after the last bulk slot, want one interval", reply.Sub(slots[before-1]))
	}
	// Other channels keep schedules of their own.
	if err := instance(1).Wait(context.Background(), "channel-2", rate, false); err != nil {
		t.Fatal(err)
	}
	if got := slots[len(slots)-1]; !got.Equal(t0) {
		t.Fatalf("another channel's first slot is %s after now", got.Sub(t0))
	}
}
