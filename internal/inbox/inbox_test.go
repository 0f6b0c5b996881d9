package inbox_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"charla/internal/auth"
	"charla/internal/blob"
	"charla/internal/channel"
	"charla/internal/channel/webchat"
	"charla/internal/contacts"
	"charla/internal/events"
	"charla/internal/inbox"
	"charla/internal/problem"
	"charla/internal/secret"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

type fixture struct {
	inbox    *inbox.Service
	channels *channel.Service
	bus      events.Bus
	auth     *auth.Service
	owner    auth.User
	site     channel.Channel
}

func setup(t *testing.T, d *store.DB) fixture {
	t.Helper()
	ctx := context.Background()
	keys, err := secret.New(strings.Repeat("k", 32))
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	bus := events.NewMemory()
	t.Cleanup(func() { bus.Close() })
	chs := channel.NewService(d, keys, channel.NewRegistry(webchat.Type{MaxUploadBytes: 1 << 20}))
	a := auth.New(d)
	owner, err := a.Setup(ctx, "Acme", "owner@acme.test", "Olga", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	site, err := chs.Create(ctx, owner.WorkspaceID, "website", "Acme site", json.RawMessage(`{"greeting":"Hola"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return fixture{inbox.New(d, bus, blobs, contacts.New(d), chs, log), chs, bus, a, owner, site}
}

func TestReceiveReplyAndRead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		f := setup(t, d)
		sub := f.bus.Subscribe(f.owner.WorkspaceID)
		defer sub.Close()

		in := inbox.Inbound{Channel: f.site, From: contacts.Who{ExternalID: "visitor-1", Name: "Vera"},
			ProviderMessageID: "p-1", Body: "<script>alert(1)</script> hi"}
		got, err := f.inbox.Receive(ctx, in)
		if err != nil || got.Duplicate {
			t.Fatalf("Receive = %+v, %v", got, err)
		}
		stored, err := f.inbox.Message(ctx, f.owner.WorkspaceID, got.MessageID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Message, stored) {
			t.Fatalf("Receive returned\n%+v\nbut the stored message reads\n%+v", got.Message, stored)
		}
		again, err := f.inbox.Receive(ctx, in)
		if err != nil || !again.Duplicate || again.MessageID != got.MessageID {
			t.Fatalf("redelivery: %+v, %v; want duplicate of %s", again, err, got.MessageID)
		}
		second, err := f.inbox.Receive(ctx, inbox.Inbound{Channel: f.site, From: contacts.Who{ExternalID: "visitor-1"}, Body: "still there?"})
		if err != nil || second.ConversationID != got.ConversationID {
			t.Fatalf("second message opened another conversation: %+v %v", second, err)
		}
		wantKinds := []string{inbox.EventConversationCreated, inbox.EventMessageCreated, inbox.EventConversationUpdated, inbox.EventMessageCreated}
		for _, k := range wantKinds {
			select {
			case e := <-sub.C:
				if e.Kind != k || e.Conversation != got.ConversationID {
					t.Fatalf("event %+v, want %s", e, k)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("no %s event", k)
			}
		}

		conv, err := f.inbox.Get(ctx, f.owner.WorkspaceID, got.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		if conv.UnreadCount != 2 || conv.Contact.Name != "Vera" || conv.Status != inbox.Open || conv.LastMessagePreview != "still there?" {
			t.Fatalf("conversation %+v", conv)
		}

		reply, err := f.inbox.Send(ctx, f.owner, got.ConversationID, "Hello Vera", []inbox.Upload{{Filename: "../../etc/a.txt", Body: strings.NewReader("file body")}})
		if err != nil {
			t.Fatal(err)
		}
		if reply.Status != inbox.Sent || reply.Sender.Name != "Olga" || len(reply.Attachments) != 1 || reply.Attachments[0].Filename != "a.txt" || reply.Attachments[0].Size != 9 {
			t.Fatalf("reply %+v", reply)
		}
		_, r, err := f.inbox.Blob(ctx, f.owner.WorkspaceID, reply.Attachments[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		if string(b) != "file body" {
			t.Fatalf("attachment body %q", b)
		}

		if err := f.inbox.MarkRead(ctx, f.owner, got.ConversationID); err != nil {
			t.Fatal(err)
		}
		if err := f.inbox.MarkSeenByContact(ctx, f.owner.WorkspaceID, got.ConversationID); err != nil {
			t.Fatal(err)
		}
		page, err := f.inbox.Messages(ctx, f.owner.WorkspaceID, got.ConversationID, "", 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Messages) != 2 || page.Next == "" || page.Messages[0].ID != reply.ID || page.Messages[0].Status != inbox.Read {
			t.Fatalf("first page %+v", page)
		}
		older, err := f.inbox.Messages(ctx, f.owner.WorkspaceID, got.ConversationID, page.Next, 2)
		if err != nil || len(older.Messages) != 1 || older.Next != "" || older.Messages[0].Body != in.Body || older.Messages[0].Status != inbox.Read {
			t.Fatalf("second page %+v %v", older, err)
		}
		conv, _ = f.inbox.Get(ctx, f.owner.WorkspaceID, got.ConversationID)
		if conv.UnreadCount != 0 || conv.LastMessagePreview != "Hello Vera" {
			t.Fatalf("after reply and read: %+v", conv)
		}
	})
}

func TestAssignCloseListAndIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		f := setup(t, d)
		var ids []string
		for _, v := range []string{"a", "b", "c"} {
			r, err := f.inbox.Receive(ctx, inbox.Inbound{Channel: f.site, From: contacts.Who{ExternalID: v, Name: "Visitor " + v}, Body: "hello from " + v})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.ConversationID)
		}
		if _, err := f.inbox.Assign(ctx, f.owner, ids[0], inbox.Opt{Set: true, Value: f.owner.ID}, inbox.Opt{}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.inbox.Assign(ctx, f.owner, ids[0], inbox.Opt{Set: true, Value: "no-such-user"}, inbox.Opt{}); !problem.Is(err, problem.Invalid) {
			t.Fatalf("assign to unknown user: %v", err)
		}
		if _, err := f.inbox.Close(ctx, f.owner, ids[1]); err != nil {
			t.Fatal(err)
		}
		list := func(fl inbox.Filter) []string {
			t.Helper()
			p, err := f.inbox.List(ctx, f.owner, fl)
			if err != nil {
				t.Fatal(err)
			}
			out := []string{}
			for _, c := range p.Conversations {
				out = append(out, c.ID)
			}
			return out
		}
		if got := list(inbox.Filter{Assignee: "me"}); len(got) != 1 || got[0] != ids[0] {
			t.Fatalf("mine: %v", got)
		}
		if got := list(inbox.Filter{Assignee: "unassigned"}); len(got) != 1 || got[0] != ids[2] {
			t.Fatalf("unassigned open: %v", got)
		}
		if got := list(inbox.Filter{Status: "closed"}); len(got) != 1 || got[0] != ids[1] {
			t.Fatalf("closed: %v", got)
		}
		if got := list(inbox.Filter{Status: "all", Q: "from b"}); len(got) != 1 || got[0] != ids[1] {
			t.Fatalf("search message text: %v", got)
		}
		// Paging walks every conversation once, newest activity first.
		p1, _ := f.inbox.List(ctx, f.owner, inbox.Filter{Status: "all", Limit: 2})
		p2, _ := f.inbox.List(ctx, f.owner, inbox.Filter{Status: "all", Limit: 2, Cursor: p1.Next})
		if len(p1.Conversations) != 2 || len(p2.Conversations) != 1 || p2.Next != "" || p1.Conversations[0].ID != ids[2] || p2.Conversations[0].ID != ids[0] {
			t.Fatalf("pages %v / %v", p1.Conversations, p2.Conversations)
		}
		// The contact's next message reopens a closed conversation.
		if _, err := f.inbox.Receive(ctx, inbox.Inbound{Channel: f.site, From: contacts.Who{ExternalID: "b"}, Body: "back"}); err != nil {
			t.Fatal(err)
		}
		if c, _ := f.inbox.Get(ctx, f.owner.WorkspaceID, ids[1]); c.Status != inbox.Open {
			t.Fatalf("not reopened: %s", c.Status)
		}

		// Another workspace sees none of it.
		other, err := f.auth.Setup(ctx, "Other", "boss@other.test", "Bo", "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		if got := list2(t, f.inbox, other); got != 0 {
			t.Fatalf("other workspace lists %d conversations", got)
		}
		if _, err := f.inbox.Get(ctx, other.WorkspaceID, ids[0]); !problem.Is(err, problem.NotFound) {
			t.Fatalf("cross-workspace get: %v", err)
		}
		if _, err := f.inbox.Send(ctx, other, ids[0], "sneaky", nil); !problem.Is(err, problem.NotFound) {
			t.Fatalf("cross-workspace send: %v", err)
		}
		if _, err := f.inbox.Close(ctx, other, ids[0]); !problem.Is(err, problem.NotFound) {
			t.Fatalf("cross-workspace close: %v", err)
		}
		if _, err := f.inbox.Messages(ctx, other.WorkspaceID, ids[0], "", 10); !problem.Is(err, problem.NotFound) {
			t.Fatalf("cross-workspace messages: %v", err)
		}
	})
}

func list2(t *testing.T, s *inbox.Service, u auth.User) int {
	p, err := s.List(context.Background(), u, inbox.Filter{Status: "all"})
	if err != nil {
		t.Fatal(err)
	}
	return len(p.Conversations)
}

func TestSendRespectsChannelPolicy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		f := setup(t, d) // website channel capped at 1 MiB per file
		r, err := f.inbox.Receive(ctx, inbox.Inbound{Channel: f.site, From: contacts.Who{ExternalID: "v"}, Body: "hi"})
		if err != nil {
			t.Fatal(err)
		}
		big := strings.NewReader(strings.Repeat("x", 1<<20+1))
		_, err = f.inbox.Send(ctx, f.owner, r.ConversationID, "", []inbox.Upload{{Filename: "big.bin", Body: big}})
		if !problem.Is(err, problem.TooLarge) {
			t.Fatalf("file over the channel's cap with unknown size: %v", err)
		}
		exact := strings.NewReader(strings.Repeat("x", 1<<20))
		if _, err := f.inbox.Send(ctx, f.owner, r.ConversationID, "", []inbox.Upload{{Filename: "ok.bin", Body: exact}}); err != nil {
			t.Fatalf("file exactly at the cap: %v", err)
		}
		if err := f.channels.Delete(ctx, f.owner.WorkspaceID, f.site.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.inbox.Send(ctx, f.owner, r.ConversationID, "anyone there?", nil); !problem.Is(err, problem.Conflict) {
			t.Fatalf("send on a deleted channel: %v", err)
		}
		if _, err := f.inbox.AddNote(ctx, f.owner, r.ConversationID, "channel gone; call her"); err != nil {
			t.Fatalf("a note on a deleted channel's conversation: %v", err)
		}
		page, err := f.inbox.Messages(ctx, f.owner.WorkspaceID, r.ConversationID, "", 10)
		if err != nil || len(page.Messages) != 3 {
			t.Fatalf("history after the channel was deleted: %d messages, %v (want the visitor's, the accepted reply and the note)", len(page.Messages), err)
		}
	})
}

func TestSnoozeAndWake(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		f := setup(t, d)
		r, err := f.inbox.Receive(ctx, inbox.Inbound{Channel: f.site, From: contacts.Who{ExternalID: "v"}, Body: "hi"})
		if err != nil {
			t.Fatal(err)
		}
		past := time.Now().Add(-time.Minute)
		if _, err := f.inbox.SetStatus(ctx, f.owner, r.ConversationID, inbox.Snoozed, &past); !problem.Is(err, problem.Invalid) {
			t.Fatalf("snooze into the past: %v", err)
		}
		until := time.Now().Add(time.Hour)
		c, err := f.inbox.SetStatus(ctx, f.owner, r.ConversationID, inbox.Snoozed, &until)
		if err != nil || c.Status != inbox.Snoozed || c.SnoozedUntil == nil {
			t.Fatalf("snooze: %+v %v", c, err)
		}
		if n, err := f.inbox.WakeSnoozed(ctx, time.Now()); err != nil || n != 0 {
			t.Fatalf("woke %d before its time (%v)", n, err)
		}
		sub := f.bus.Subscribe(f.owner.WorkspaceID)
		defer sub.Close()
		if n, err := f.inbox.WakeSnoozed(ctx, until.Add(time.Second)); err != nil || n != 1 {
			t.Fatalf("woke %d at its time (%v)", n, err)
		}
		if c, _ := f.inbox.Get(ctx, f.owner.WorkspaceID, r.ConversationID); c.Status != inbox.Open || c.SnoozedUntil != nil {
			t.Fatalf("after waking: %s %v", c.Status, c.SnoozedUntil)
		}
		select {
		case e := <-sub.C:
			if e.Kind != inbox.EventConversationUpdated || e.Conversation != r.ConversationID {
				t.Fatalf("event %+v", e)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no event for the woken conversation")
		}
	})
}
