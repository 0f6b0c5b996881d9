package inbox_test

import (
	"context"
	"testing"

	"charla/internal/contacts"
	"charla/internal/inbox"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

// TestStatusPricing: statuses move a message forward only, and the pricing
// category is kept from whichever status carries it — also a late one
// that no longer moves the message — and never cleared by one without.
func TestStatusPricing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		f := setup(t, d)
		in, err := f.inbox.Receive(ctx, inbox.Inbound{Channel: f.site, From: contacts.Who{ExternalID: "visitor-1"}, Body: "hola"})
		if err != nil {
			t.Fatal(err)
		}
		m, err := f.inbox.Send(ctx, f.owner, in.ConversationID, "hi", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.W.Exec(`UPDATE messages SET provider_message_id = 'wamid.1', status = 'sending' WHERE id = $1`, m.ID); err != nil {
			t.Fatal(err)
		}
		check := func(step, status, pricing string) {
			t.Helper()
			got, err := f.inbox.Message(ctx, f.owner.WorkspaceID, m.ID)
			if err != nil || got.Status != status || got.PricingCategory != pricing {
				t.Fatalf("%s: status %q pricing %q (%v); want %q %q", step, got.Status, got.PricingCategory, err, status, pricing)
			}
		}
		apply := func(status, pricing string) {
			t.Helper()
			if err := f.inbox.ApplyStatuses(ctx, f.site, []inbox.StatusReport{{ProviderMessageID: "wamid.1", Status: status, PricingCategory: pricing}}); err != nil {
				t.Fatal(err)
			}
		}
		apply(inbox.Sent, "utility")
		check("sent with pricing", inbox.Sent, "utility")
		apply(inbox.Read, "")
		check("read without pricing", inbox.Read, "utility")
		apply(inbox.Delivered, "service")
		check("a late delivered with pricing", inbox.Read, "service")
		apply(inbox.Delivered, "")
		check("a repeat without pricing", inbox.Read, "service")
		apply(inbox.Read, "marketing")
		check("a repeat with another category", inbox.Read, "marketing")
	})
}
