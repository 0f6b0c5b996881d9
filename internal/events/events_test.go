package events

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// waitTimeout only guards against hangs; nothing waits for it to elapse in a
// passing run.
const waitTimeout = 15 * time.Second

func recv(t *testing.T, s *Subscription) Event {
	t.Helper()
	select {
	case e, ok := <-s.C:
		if !ok {
			t.Fatalf("subscription %q closed while waiting for an event", s.Workspace())
		}
		return e
	case <-time.After(waitTimeout):
		t.Fatalf("timed out waiting for an event on %q", s.Workspace())
	}
	return Event{}
}

func expectLagged(t *testing.T, s *Subscription) {
	t.Helper()
	select {
	case <-s.Lagged():
	case <-time.After(waitTimeout):
		t.Fatalf("timed out waiting for lagged signal on %q", s.Workspace())
	}
}

func expectNotLagged(t *testing.T, s *Subscription) {
	t.Helper()
	select {
	case <-s.Lagged():
		t.Fatalf("subscription %q unexpectedly lagged", s.Workspace())
	default:
	}
}

// expectEmpty is a point-in-time check; it is only meaningful where delivery
// is synchronous (memory bus) or ordered behind a marker already received.
func expectEmpty(t *testing.T, s *Subscription) {
	t.Helper()
	select {
	case e, ok := <-s.C:
		if ok {
			t.Fatalf("unexpected event on %q: %+v", s.Workspace(), e)
		}
	default:
	}
}

func expectClosed(t *testing.T, s *Subscription) {
	t.Helper()
	select {
	case e, ok := <-s.C:
		if ok {
			t.Fatalf("expected closed subscription, got event %+v", e)
		}
	case <-time.After(waitTimeout):
		t.Fatal("timed out waiting for subscription to close")
	}
}

func ev(ws, kind, msg string) Event {
	return Event{Workspace: ws, Kind: kind, Conversation: "conv1", Message: msg}
}

func TestMemoryFanOut(t *testing.T) {
	bus := NewMemory()
	defer bus.Close()
	ctx := context.Background()

	subs := []*Subscription{bus.Subscribe("w1"), bus.Subscribe("w1"), bus.Subscribe("w1")}
	want := []Event{
		ev("w1", KindMessageCreated, "m1"),
		ev("w1", KindMessageUpdated, "m1"),
		{Workspace: "w1", Kind: KindConversationUpdated, Conversation: "c1", Contact: "ct1", Channel: "ch1"},
	}
	for _, e := range want {
		if err := bus.Publish(ctx, e); err != nil {
			t.Fatalf("Publish: %v", err)
		}
	}
	for i, s := range subs {
		for j, w := range want {
			if got := recv(t, s); got != w {
				t.Fatalf("sub %d event %d: got %+v, want %+v", i, j, got, w)
			}
		}
		expectEmpty(t, s)
		expectNotLagged(t, s)
	}
}

func TestMemoryWorkspaceIsolation(t *testing.T) {
	bus := NewMemory()
	defer bus.Close()
	ctx := context.Background()

	a, b := bus.Subscribe("A"), bus.Subscribe("B")
	if err := bus.Publish(ctx, ev("B", KindMessageCreated, "for-b")); err != nil {
		t.Fatal(err)
	}
	// Memory delivery is synchronous, so A's buffer is final here.
	expectEmpty(t, a)
	if got := recv(t, b); got.Message != "for-b" {
		t.Fatalf("B got %+v", got)
	}
	if err := bus.Publish(ctx, ev("A", KindMessageCreated, "for-a")); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, a); got.Message != "for-a" {
		t.Fatalf("A got %+v", got)
	}
	expectEmpty(t, a)
	expectEmpty(t, b)
}

func TestMemoryPublishValidationAndContext(t *testing.T) {
	bus := NewMemory()
	defer bus.Close()
	s := bus.Subscribe("w")

	if err := bus.Publish(context.Background(), Event{Kind: KindMessageCreated}); !errors.Is(err, ErrInvalidEvent) {
		t.Fatalf("missing workspace: got %v, want ErrInvalidEvent", err)
	}
	if err := bus.Publish(context.Background(), Event{Workspace: "w"}); !errors.Is(err, ErrInvalidEvent) {
		t.Fatalf("missing kind: got %v, want ErrInvalidEvent", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := bus.Publish(ctx, ev("w", KindMessageCreated, "m")); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled ctx: got %v, want context.Canceled", err)
	}
	expectEmpty(t, s)
}

func TestMemoryClose(t *testing.T) {
	bus := NewMemory()
	ctx := context.Background()

	s1, s2 := bus.Subscribe("w"), bus.Subscribe("w")
	s1.Close()
	s1.Close() // idempotent
	expectClosed(t, s1)
	if _, err := s1.Next(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("Next on closed subscription: got %v, want ErrClosed", err)
	}
	if n := bus.(*memoryBus).hub.subscriberCount("w"); n != 1 {
		t.Fatalf("subscriber count after Close = %d, want 1", n)
	}

	// Other subscribers are unaffected, and publishing to a closed
	// subscription's workspace must not panic.
	if err := bus.Publish(ctx, ev("w", KindMessageCreated, "m1")); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, s2); got.Message != "m1" {
		t.Fatalf("s2 got %+v", got)
	}

	if err := bus.Close(); err != nil {
		t.Fatal(err)
	}
	if err := bus.Close(); err != nil { // idempotent
		t.Fatal(err)
	}
	expectClosed(t, s2)
	s2.Close() // closing after the bus closed it is fine

	if err := bus.Publish(ctx, ev("w", KindMessageCreated, "m2")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Publish after Close: got %v, want ErrClosed", err)
	}
	s3 := bus.Subscribe("w")
	expectClosed(t, s3)
	s3.Close()
}

func TestMemorySlowSubscriber(t *testing.T) {
	bus := NewMemory()
	defer bus.Close()
	ctx := context.Background()

	slow := bus.Subscribe("w")  // never reads during the burst
	other := bus.Subscribe("x") // different workspace: must not be affected

	const n = DefaultBufferSize + 44
	done := make(chan error, 1)
	go func() {
		for i := range n {
			if err := bus.Publish(ctx, ev("w", KindMessageCreated, fmt.Sprint(i))); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("publisher blocked on a slow subscriber")
	}

	expectLagged(t, slow)
	expectNotLagged(t, other)
	if got := len(slow.C); got != DefaultBufferSize {
		t.Fatalf("buffered = %d, want %d", got, DefaultBufferSize)
	}
	// The oldest events were kept; the overflow was dropped.
	for i := range DefaultBufferSize {
		if got := recv(t, slow); got.Message != fmt.Sprint(i) {
			t.Fatalf("event %d: got %q", i, got.Message)
		}
	}
	expectEmpty(t, slow)

	// After catching up (and reloading), the subscriber keeps working.
	if err := bus.Publish(ctx, ev("w", KindMessageCreated, "after")); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, slow); got.Message != "after" {
		t.Fatalf("got %+v", got)
	}
	expectNotLagged(t, slow)
}

func TestSubscriptionNext(t *testing.T) {
	bus := NewMemory(WithBufferSize(1))
	defer bus.Close()
	ctx := context.Background()
	s := bus.Subscribe("w")

	if err := bus.Publish(ctx, ev("w", KindMessageCreated, "m1")); err != nil {
		t.Fatal(err)
	}
	if e, err := s.Next(ctx); err != nil || e.Message != "m1" {
		t.Fatalf("Next = %+v, %v", e, err)
	}

	// Overflow a buffer of one: lag is reported before the buffered event.
	for _, m := range []string{"m2", "m3"} {
		if err := bus.Publish(ctx, ev("w", KindMessageCreated, m)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Next(ctx); !errors.Is(err, ErrLagged) {
		t.Fatalf("Next after overflow: got %v, want ErrLagged", err)
	}
	if e, err := s.Next(ctx); err != nil || e.Message != "m2" {
		t.Fatalf("Next = %+v, %v", e, err)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Next(cctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next with cancelled ctx: got %v", err)
	}

	s.Close()
	if _, err := s.Next(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("Next after Close: got %v, want ErrClosed", err)
	}
}

// TestMemoryConcurrentPublishClose exercises Publish racing with
// Subscribe/Close and bus Close; run with -race.
func TestMemoryConcurrentPublishClose(t *testing.T) {
	bus := NewMemory(WithBufferSize(4))
	ctx := context.Background()

	var wg sync.WaitGroup
	stop := make(chan struct{})
	for p := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				err := bus.Publish(ctx, ev("w", KindMessageCreated, fmt.Sprint(p, i)))
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil {
					t.Errorf("Publish: %v", err)
					return
				}
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				s := bus.Subscribe("w")
				select {
				case <-s.C:
				case <-s.Lagged():
				case <-stop:
				}
				// Close twice concurrently, racing publishers.
				var cw sync.WaitGroup
				cw.Go(s.Close)
				cw.Go(s.Close)
				cw.Wait()
			}
		})
	}
	long := bus.Subscribe("w") // stays open until the bus closes it
	deadline := time.After(waitTimeout)
	for range 200 { // publishers are running and delivering
		select {
		case <-long.C:
		case <-deadline:
			t.Fatal("publishers stopped delivering")
		}
	}
	close(stop)
	if err := bus.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for range long.C { // must terminate: bus Close closed it
	}
}
