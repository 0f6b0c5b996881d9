package emulator

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"charla/internal/channel/whatsapp"
)

// flakyHook answers 500 to its first failures requests, then 200. Every
// request is recorded with the answer it got.
type flakyHook struct {
	srv      *httptest.Server
	mu       sync.Mutex
	failures int
	bodies   [][]byte
	ok       []bool
	got      chan bool // one value per request: whether it was accepted
}

func newFlakyHook(t *testing.T, failures int) *flakyHook {
	h := &flakyHook{failures: failures, got: make(chan bool, 100)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		accept := len(h.bodies) >= h.failures
		h.bodies = append(h.bodies, b)
		h.ok = append(h.ok, accept)
		h.mu.Unlock()
		if !accept {
			w.WriteHeader(http.StatusInternalServerError)
		}
		h.got <- accept
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// delivered lists what the hook accepted, as "in:<wamid>" or
// "<status>:<wamid>".
func (h *flakyHook) delivered(t *testing.T) []string {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for i, b := range h.bodies {
		if !h.ok[i] {
			continue
		}
		batch, err := whatsapp.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range batch.Messages {
			out = append(out, "in:"+m.ID)
		}
		for _, s := range batch.Statuses {
			out = append(out, s.Status+":"+s.ID)
		}
	}
	return out
}

func TestAutoDeliveryRetriesUntilAccepted(t *testing.T) {
	h := newFlakyHook(t, 2)
	f := newFixture(t, func(c *Config) {
		c.AutoStatuses = true
		c.CallbackURL = h.srv.URL
		c.RetryMin, c.RetryMax = time.Millisecond, 4*time.Millisecond
	})
	in, err := f.emu.CustomerSends(context.Background(), "16505551234", "Ana", Text("hi"))
	if err != nil {
		t.Fatalf("auto mode CustomerSends returns at once, got %v", err)
	}
	if resp, b := f.sendText(t, "16505551234", "hello"); resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	out := f.emu.Sent()[0].ID
	// Two refusals, then the message and its three statuses, once each.
	for i := range 6 {
		if accepted := wait(t, h.got, "a delivery attempt"); accepted != (i >= 2) {
			t.Fatalf("attempt %d accepted=%v", i, accepted)
		}
	}
	got := h.delivered(t)
	want := []string{"in:" + in, "sent:" + out, "delivered:" + out, "read:" + out}
	if len(got) != len(want) {
		t.Fatalf("delivered %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("delivered %v, want %v", got, want)
		}
	}
	h.mu.Lock()
	first, retried := h.bodies[0], h.bodies[2]
	h.mu.Unlock()
	if string(first) != string(retried) {
		t.Fatal("a retry posted different bytes than the first attempt")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.emu.WaitDelivered(ctx); err != nil || f.emu.Pending() != 0 {
		t.Fatalf("WaitDelivered: %v, pending %d", err, f.emu.Pending())
	}
}

func TestSetCallbackCutsBackoffShort(t *testing.T) {
	h := newHook(t)
	f := newFixture(t, func(c *Config) {
		c.AutoStatuses = true
		c.CallbackURL = ""
		c.RetryMin = time.Hour // only SetCallback can make this test finish
	})
	if _, err := f.emu.CustomerSends(context.Background(), "16505551234", "Ana", Text("hi")); err != nil {
		t.Fatal(err)
	}
	f.emu.SetCallback(h.srv.URL)
	wait(t, h.got, "the delivery after SetCallback")
	if n := len(h.all()); n != 1 {
		t.Fatalf("%d deliveries", n)
	}
}

func TestCloseStopsRetrying(t *testing.T) {
	h := newFlakyHook(t, 1<<30)
	f := newFixture(t, func(c *Config) {
		c.AutoStatuses = true
		c.CallbackURL = h.srv.URL
		c.RetryMin = time.Hour
	})
	if _, err := f.emu.CustomerSends(context.Background(), "16505551234", "Ana", Text("hi")); err != nil {
		t.Fatal(err)
	}
	wait(t, h.got, "the first attempt")
	closed := make(chan error, 1)
	go func() { closed <- f.emu.Close() }()
	wait(t, closed, "Close to return while a delivery waits out its backoff")
	if n := f.emu.Pending(); n != 1 {
		t.Fatalf("pending %d after Close, want the undelivered message", n)
	}
}

func TestManualFailedMessageIsRetriedFirst(t *testing.T) {
	h := newFlakyHook(t, 1)
	f := newFixture(t, func(c *Config) { c.CallbackURL = h.srv.URL; c.Statuses = []string{"sent"} })
	ctx := context.Background()
	in, err := f.emu.CustomerSends(ctx, "16505551234", "Ana", Text("hi"))
	if err == nil {
		t.Fatal("a refused delivery returned no error")
	}
	if !f.emu.WindowOpen("16505551234") || f.emu.Pending() != 1 {
		t.Fatalf("window %v pending %d", f.emu.WindowOpen("16505551234"), f.emu.Pending())
	}
	f.sendText(t, "16505551234", "hello")
	out := f.emu.Sent()[0].ID
	if err := f.emu.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got := h.delivered(t)
	if len(got) != 2 || got[0] != "in:"+in || got[1] != "sent:"+out {
		t.Fatalf("delivered %v", got)
	}
}
