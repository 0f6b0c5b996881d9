package inbox_test

import (
	"context"
	"testing"

	"charla/internal/contacts"
	"charla/internal/content"
	"charla/internal/inbox"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

// TestReceiveStop: a stop word as the whole message, or a tapped STOP quick
// reply, unsubscribes the sender in the transaction that stores the
// message; a sentence that merely contains one does not.
func TestReceiveStop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		f := setup(t, d)
		ctx := context.Background()
		ws := f.owner.WorkspaceID
		people := contacts.New(d)
		for i, c := range []struct {
			kind, body string
			content    *content.Content
			want       bool
		}{
			{"", " Stop! ", nil, true},
			{content.KindText, "please don't stop", nil, false},
			{content.KindChoice, "", &content.Content{Choice: &content.Choice{Title: "No more offers", Payload: "STOP"}}, true},
			{content.KindChoice, "", &content.Content{Choice: &content.Choice{Title: "Stop", Payload: "btn_2"}}, true},
			{content.KindChoice, "", &content.Content{Choice: &content.Choice{Title: "Tell me more", Payload: "MORE"}}, false},
		} {
			in, err := f.inbox.Receive(ctx, inbox.Inbound{Channel: f.site, From: contacts.Who{ExternalID: "visitor-" + string(rune('a'+i))},
				Kind: c.kind, Body: c.body, Content: c.content})
			if err != nil {
				t.Fatal(err)
			}
			o, err := people.OptOutOf(ctx, ws, in.ContactID)
			if err != nil || (o != nil) != c.want {
				t.Fatalf("case %d (%q %+v): opt-out %+v, %v; want opted out %v", i, c.body, c.content, o, err, c.want)
			}
			if o != nil && (o.Source == "" || o.Reason == "") {
				t.Fatalf("case %d: opt-out without source or reason: %+v", i, o)
			}
		}
	})
}

// TestComposeBulkTx writes a bulk message into the contact's conversation
// (a closed one made for it when there is none) in the caller's
// transaction; on a self-delivering channel it is sent on commit.
func TestComposeBulkTx(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		f := setup(t, d)
		ctx := context.Background()
		ws := f.owner.WorkspaceID
		people := contacts.New(d)
		c, err := people.Create(ctx, ws, contacts.Input{Name: ptrTo("Ana")})
		if err != nil {
			t.Fatal(err)
		}
		var m inbox.BulkMessage
		err = d.Tx(ctx, func(tx *store.Tx) error {
			m, err = f.inbox.ComposeBulkTx(ctx, tx, f.site, inbox.BulkDraft{ContactID: c.ID, Body: "Our sale starts today"})
			return err
		})
		if err != nil || m.Status != inbox.Sent {
			t.Fatalf("compose: %+v, %v", m, err)
		}
		conv, err := f.inbox.Get(ctx, ws, m.ConversationID)
		if err != nil || conv.Status != inbox.Closed || conv.LastMessagePreview != "Our sale starts today" {
			t.Fatalf("conversation %+v, %v; want a closed one showing the message", conv, err)
		}
		// A second message goes into the same conversation.
		var again inbox.BulkMessage
		if err := d.Tx(ctx, func(tx *store.Tx) error {
			again, err = f.inbox.ComposeBulkTx(ctx, tx, f.site, inbox.BulkDraft{ContactID: c.ID, Body: "Last day"})
			return err
		}); err != nil || again.ConversationID != m.ConversationID {
			t.Fatalf("second message: %+v, %v", again, err)
		}
	})
}

func ptrTo(s string) *string { return &s }
