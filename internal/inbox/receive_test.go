package inbox_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"charla/internal/contacts"
	"charla/internal/inbox"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

// TestReceiveConcurrentRedeliveries delivers each provider message id
// several times at once, as a provider retrying a slow webhook would, among
// other senders' messages sharing the same group commits: every id must be
// stored once, and every delivery must name that one message.
func TestReceiveConcurrentRedeliveries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		f := setup(t, d)
		// The sender is known before the burst, so only the message id races.
		first, err := f.inbox.Receive(ctx, inbox.Inbound{Channel: f.site, From: contacts.Who{ExternalID: "visitor-1"}, Body: "hi"})
		if err != nil {
			t.Fatal(err)
		}
		const ids, copies = 8, 6
		results := make([][copies]inbox.Received, ids)
		errs := make([][copies]error, ids)
		var wg sync.WaitGroup
		for i := range ids {
			for c := range copies {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i][c], errs[i][c] = f.inbox.Receive(ctx, inbox.Inbound{Channel: f.site,
						From: contacts.Who{ExternalID: "visitor-1"}, ProviderMessageID: fmt.Sprintf("p-%d", i), Body: fmt.Sprint("copy of ", i)})
				}()
			}
		}
		wg.Wait()
		for i := range ids {
			stored := ""
			for c := range copies {
				r, err := results[i][c], errs[i][c]
				if err != nil {
					t.Fatalf("p-%d copy %d: %v", i, c, err)
				}
				if !r.Duplicate {
					if stored != "" {
						t.Fatalf("p-%d stored twice: %s and %s", i, stored, r.MessageID)
					}
					stored = r.MessageID
				}
			}
			if stored == "" {
				t.Fatalf("p-%d: every delivery says duplicate, none stored it", i)
			}
			for c := range copies {
				if r := results[i][c]; r.MessageID != stored || r.ConversationID != first.ConversationID {
					t.Fatalf("p-%d copy %d names %s in %s; stored %s in %s", i, c, r.MessageID, r.ConversationID, stored, first.ConversationID)
				}
			}
		}
		page, err := f.inbox.Messages(ctx, f.owner.WorkspaceID, first.ConversationID, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Messages) != ids+1 {
			t.Fatalf("%d messages stored, want %d", len(page.Messages), ids+1)
		}
		conv, err := f.inbox.Get(ctx, f.owner.WorkspaceID, first.ConversationID)
		if err != nil || conv.UnreadCount != ids+1 {
			t.Fatalf("unread %d (%v), want %d: a duplicate counted", conv.UnreadCount, err, ids+1)
		}
	})
}
