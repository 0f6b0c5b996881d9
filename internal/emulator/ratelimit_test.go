package emulator

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

func TestRateExceededIs429With130429(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Rate = 2 })
	if _, err := f.emu.CustomerSends(context.Background(), "16505551234", "Ana", Text("hi")); err != nil {
		t.Fatal(err)
	}
	// The bucket holds one second of messages: two pass, the third is refused.
	for i := range 2 {
		if resp, b := f.sendText(t, "16505551234", "ok"); resp.StatusCode != http.StatusOK {
			t.Fatalf("send %d: %d %s", i, resp.StatusCode, b)
		}
	}
	resp, body := f.sendText(t, "16505551234", "too fast")
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if ra := resp.Header.Get("Retry-After"); ra != "1" {
		t.Fatalf("Retry-After %q", ra)
	}
	var e struct {
		Error struct {
			Message   string
			Code      int
			ErrorData struct{ Details string } `json:"error_data"`
		}
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Code != 130429 ||
		e.Error.Message != "(#130429) Rate limit hit" || e.Error.ErrorData.Details == "" {
		t.Fatalf("body %s", body)
	}
	// Half a second refills one token at 2/s.
	f.clock.Add(500 * time.Millisecond)
	if resp, b := f.sendText(t, "16505551234", "later"); resp.StatusCode != http.StatusOK {
		t.Fatalf("after refill: %d %s", resp.StatusCode, b)
	}
	if resp, _ := f.sendText(t, "16505551234", "again"); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("bucket should be empty again: %d", resp.StatusCode)
	}
	if n := f.emu.SentTo("16505551234"); n != 3 {
		t.Fatalf("accepted %d, want 3", n)
	}
}

func TestBucketRetryAfter(t *testing.T) {
	t0 := time.Unix(1000, 0)
	b := newBucket(0.25, t0) // one message per 4 s
	if ok, _ := b.take(t0); !ok {
		t.Fatal("first take refused")
	}
	ok, wait := b.take(t0.Add(time.Second))
	if ok || wait != 3*time.Second || retryAfter(wait) != 3 {
		t.Fatalf("ok=%v wait=%v", ok, wait)
	}
	if ok, _ := b.take(t0.Add(4 * time.Second)); !ok {
		t.Fatal("refilled take refused")
	}
	unlimited := newBucket(0, t0)
	for range 1000 {
		if ok, _ := unlimited.take(t0); !ok {
			t.Fatal("unlimited bucket refused")
		}
	}
}
