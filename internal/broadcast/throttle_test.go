package broadcast

import (
	"testing"
	"time"
)

// The progress throttle lets a broadcast's announcements through at most
// once per interval, each broadcast on its own.
func TestThrottle(t *testing.T) {
	th := newThrottle()
	if !th.allow("a", time.Hour) || th.allow("a", time.Hour) {
		t.Fatal("a second announcement within the interval went through")
	}
	if !th.allow("b", time.Hour) {
		t.Fatal("another broadcast was held back")
	}
	th.last["a"] = time.Now().Add(-2 * time.Hour)
	if !th.allow("a", time.Hour) {
		t.Fatal("held back after the interval")
	}
}
