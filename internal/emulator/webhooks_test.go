package emulator

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"charla/internal/channel/whatsapp"
)

func TestStatusesArriveSignedInOrder(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	if _, err := f.emu.CustomerSends(ctx, "16505551234", "Ana", Text("hi")); err != nil {
		t.Fatal(err)
	}
	if resp, b := f.sendText(t, "16505551234", "hello"); resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	id := f.emu.Sent()[0].ID
	if n := f.emu.Pending(); n != 3 {
		t.Fatalf("pending %d, want 3", n)
	}
	if got := len(f.hook.all()); got != 1 {
		t.Fatalf("statuses posted before Advance: %d deliveries", got)
	}
	// One step at a time, then the rest.
	if ok, err := f.emu.Advance(ctx); !ok || err != nil {
		t.Fatalf("Advance = %v, %v", ok, err)
	}
	if err := f.emu.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, err := f.emu.Advance(ctx); ok || err != nil {
		t.Fatalf("Advance on empty queue = %v, %v", ok, err)
	}

	reqs := f.hook.all()[1:] // [0] is the inbound message
	want := []string{"sent", "delivered", "read"}
	if len(reqs) != len(want) {
		t.Fatalf("got %d status deliveries", len(reqs))
	}
	for i, r := range reqs {
		if !whatsapp.VerifySignature(r.body, r.sig, testSecret) {
			t.Fatalf("delivery %d: signature %q does not verify", i, r.sig)
		}
		b, err := whatsapp.Parse(r.body)
		if err != nil {
			t.Fatalf("delivery %d: %v", i, err)
		}
		if len(b.Statuses) != 1 || b.Len() != 1 {
			t.Fatalf("delivery %d: batch %+v", i, b)
		}
		s := b.Statuses[0]
		if s.Status != want[i] || s.ID != id || s.RecipientID != "16505551234" || s.PhoneNumberID != testPhone ||
			s.WABAID != "waba-1" || !s.Timestamp.Equal(f.clock.Now()) || len(s.Problems) != 0 {
			t.Fatalf("delivery %d: %+v", i, s)
		}
		if (s.Conversation != nil) != (s.Status == "sent") || s.Pricing == nil || s.Pricing.Category != "service" {
			t.Fatalf("delivery %d: conversation %+v pricing %+v", i, s.Conversation, s.Pricing)
		}
	}
}

func TestStatusDeliveryFailureKeepsQueue(t *testing.T) {
	var fail atomic.Bool
	fail.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	f := newFixture(t, func(c *Config) { c.Statuses = []string{"sent", "delivered"} })
	ctx := context.Background()
	if _, err := f.emu.CustomerSends(ctx, "16505551234", "Ana", Text("hi")); err != nil {
		t.Fatal(err)
	}
	f.sendText(t, "16505551234", "hello")
	f.emu.SetCallback(srv.URL)
	if err := f.emu.Flush(ctx); err == nil {
		t.Fatal("Flush to a failing callback returned nil")
	}
	if n := f.emu.Pending(); n != 2 {
		t.Fatalf("pending %d after failure, want 2", n)
	}
	fail.Store(false)
	if err := f.emu.Flush(ctx); err != nil || f.emu.Pending() != 0 {
		t.Fatalf("retry: %v, pending %d", err, f.emu.Pending())
	}

	f.emu.SetCallback("")
	if _, err := f.emu.CustomerSends(ctx, "1", "", Text("x")); !errors.Is(err, ErrNoCallback) {
		t.Fatalf("no callback: %v", err)
	}
}

func TestAutoStatuses(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.AutoStatuses = true })
	if _, err := f.emu.CustomerSends(context.Background(), "16505551234", "Ana", Text("hi")); err != nil {
		t.Fatal(err)
	}
	<-f.hook.got
	f.sendText(t, "16505551234", "one")
	f.sendText(t, "16505551234", "two")
	for range 6 {
		select {
		case <-f.hook.got:
		case <-time.After(10 * time.Second):
			t.Fatal("auto statuses did not arrive")
		}
	}
	var got []string
	for _, r := range f.hook.all()[1:] {
		b, err := whatsapp.Parse(r.body)
		if err != nil || len(b.Statuses) != 1 {
			t.Fatalf("%v %s", err, r.body)
		}
		got = append(got, b.Statuses[0].ID[len(b.Statuses[0].ID)-1:]+b.Statuses[0].Status)
	}
	sent := f.emu.Sent()
	a, c := sent[0].ID[len(sent[0].ID)-1:], sent[1].ID[len(sent[1].ID)-1:]
	want := []string{a + "sent", a + "delivered", a + "read", c + "sent", c + "delivered", c + "read"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
}

func TestFailedStatusCarriesError(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Statuses = []string{"sent", "failed"} })
	ctx := context.Background()
	if _, err := f.emu.CustomerSends(ctx, "16505551234", "Ana", Text("hi")); err != nil {
		t.Fatal(err)
	}
	f.sendText(t, "16505551234", "hello")
	if err := f.emu.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	reqs := f.hook.all()
	b, err := whatsapp.Parse(reqs[len(reqs)-1].body)
	if err != nil || len(b.Statuses) != 1 {
		t.Fatalf("%v %s", err, reqs[len(reqs)-1].body)
	}
	s := b.Statuses[0]
	if s.Status != "failed" || len(s.Errors) != 1 || s.Errors[0].Code != 131000 || len(s.Problems) != 0 {
		t.Fatalf("%+v", s)
	}
	if st := f.emu.Sent()[0].Status; st != "failed" {
		t.Fatalf("Status %q", st)
	}
}
