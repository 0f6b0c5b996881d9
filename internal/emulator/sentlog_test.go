package emulator

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"charla/internal/channel/whatsapp"
)

func (f *fixture) sendTagged(t *testing.T, to, text, data string) (*http.Response, []byte) {
	t.Helper()
	body := map[string]any{"messaging_product": "whatsapp", "to": to, "type": "text", "text": map[string]string{"body": text}}
	if data != "" {
		body["biz_opaque_callback_data"] = data
	}
	return f.postJSON(t, "/v23.0/"+testPhone+"/messages", testToken, body)
}

func TestCallbackDataEchoedOnEveryStatus(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	if _, err := f.emu.CustomerSends(ctx, "16505551234", "Ana", Text("hi")); err != nil {
		t.Fatal(err)
	}
	if resp, b := f.sendTagged(t, "16505551234", "tagged", "outbox:42"); resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	f.sendTagged(t, "16505551234", "untagged", "")
	if err := f.emu.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	sent := f.emu.Sent()
	if sent[0].CallbackData != "outbox:42" || sent[1].CallbackData != "" {
		t.Fatalf("CallbackData %q %q", sent[0].CallbackData, sent[1].CallbackData)
	}
	var tagged, untagged int
	for _, r := range f.hook.all()[1:] {
		b, err := whatsapp.Parse(r.body)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range b.Statuses {
			switch {
			case s.ID == sent[0].ID && s.BizOpaqueCallbackData == "outbox:42":
				tagged++
			case s.ID == sent[1].ID && s.BizOpaqueCallbackData == "" && !strings.Contains(string(r.body), "biz_opaque"):
				untagged++
			default:
				t.Fatalf("status %+v in %s", s, r.body)
			}
		}
	}
	if tagged != 3 || untagged != 3 {
		t.Fatalf("tagged %d untagged %d statuses, want 3 and 3", tagged, untagged)
	}
	if st := f.emu.Sent()[0].Status; st != "read" {
		t.Fatalf("Status after all statuses = %q", st)
	}

	resp, body := f.sendTagged(t, "16505551234", "too long", strings.Repeat("x", 513))
	if resp.StatusCode != http.StatusBadRequest || errorCode(body) != 100 {
		t.Fatalf("513-char callback data: %d %s", resp.StatusCode, body)
	}
}

func TestDuplicatesAndCheapCounters(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.DiscardBodies = true })
	for _, n := range []string{"16505551234", "447700900123"} {
		if _, err := f.emu.CustomerSends(context.Background(), n, "", Text("hi")); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []struct{ to, data string }{
		{"16505551234", "r1"}, {"16505551234", "r2"}, {"447700900123", "r1"}, {"447700900123", ""}, {"16505551234", ""}, {"16505551234", "r1"},
	} {
		if resp, b := f.sendTagged(t, s.to, "x", s.data); resp.StatusCode != http.StatusOK {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	}
	if d := f.emu.Duplicates(); d != 2 {
		t.Fatalf("Duplicates = %d, want 2 (r1 twice more; empty data never counts)", d)
	}
	if n := f.emu.SentCount(); n != 6 {
		t.Fatalf("SentCount = %d", n)
	}
	tail := f.emu.SentSince(4)
	if len(tail) != 2 || tail[1].CallbackData != "r1" || tail[0].Body != nil {
		t.Fatalf("SentSince(4) = %+v", tail)
	}
	if f.emu.SentSince(6) != nil || len(f.emu.SentSince(-1)) != 6 {
		t.Fatal("SentSince bounds")
	}
	if c := f.emu.Counts(); c["16505551234"] != 4 || c["447700900123"] != 2 || f.emu.SentTo("+44 7700 900123") != 2 {
		t.Fatalf("Counts = %v", c)
	}
}

func TestCustomerReads(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Statuses = []string{"sent", "delivered"} })
	ctx := context.Background()
	if _, err := f.emu.CustomerSends(ctx, "16505551234", "Ana", Text("hi")); err != nil {
		t.Fatal(err)
	}
	f.sendTagged(t, "16505551234", "one", "c1")
	f.sendTagged(t, "16505551234", "two", "")
	if err := f.emu.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	before := len(f.hook.all())
	first := f.emu.Sent()[0].ID
	if n, err := f.emu.CustomerReads(ctx, "16505551234", first); n != 1 || err != nil {
		t.Fatalf("CustomerReads(first) = %d, %v", n, err)
	}
	if n, err := f.emu.CustomerReads(ctx, "+1 650 555 1234"); n != 1 || err != nil {
		t.Fatalf("CustomerReads(all) = %d, %v (the first is already read)", n, err)
	}
	if n, _ := f.emu.CustomerReads(ctx, "16505551234"); n != 0 {
		t.Fatalf("nothing left unread, read %d", n)
	}
	reqs := f.hook.all()[before:]
	if len(reqs) != 2 {
		t.Fatalf("%d read deliveries", len(reqs))
	}
	b, err := whatsapp.Parse(reqs[0].body)
	if err != nil || len(b.Statuses) != 1 || b.Statuses[0].Status != "read" || b.Statuses[0].ID != first || b.Statuses[0].BizOpaqueCallbackData != "c1" {
		t.Fatalf("%v %s", err, reqs[0].body)
	}
	for _, m := range f.emu.Sent() {
		if m.Status != "read" {
			t.Fatalf("%s status %q", m.ID, m.Status)
		}
	}
}
