package webchat_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"charla/internal/inbox"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

func TestMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		tok := e.visit(e.site.ID, map[string]string{"name": "Vera"})
		if h := e.history(tok, ""); len(h.Messages) != 0 || h.HasMore {
			t.Fatalf("history before the first message: %+v", h)
		}

		script := "<script>alert(1)</script> & hi"
		m := e.send(tok, "  "+script+"\n")
		if m.Body != script || m.Direction != "incoming" || m.Status != inbox.Delivered || m.SenderName != "Vera" || m.ID == "" || len(m.Attachments) != 0 {
			t.Fatalf("sent %+v", m)
		}
		convs := e.conversations()
		if len(convs) != 1 || convs[0].Contact.Name != "Vera" || convs[0].LastMessagePreview != script || convs[0].UnreadCount != 1 {
			t.Fatalf("agents see %+v", convs)
		}
		conv := convs[0].ID

		note, err := e.s.Inbox.AddNote(ctx, e.owner, conv, "internal: she is a VIP")
		if err != nil {
			t.Fatal(err)
		}
		reply, err := e.s.Inbox.Send(ctx, e.owner, conv, "Hello Vera", nil)
		if err != nil {
			t.Fatal(err)
		}
		r := e.api("GET", e.site.ID, "/messages", tok, nil)
		if strings.Contains(string(r.body), note.ID) || strings.Contains(string(r.body), "VIP") {
			t.Fatalf("the note reached the visitor: %s", r.body)
		}
		h := decode[page](t, r, http.StatusOK)
		if len(h.Messages) != 2 || h.HasMore || h.Messages[0].ID != m.ID || h.Messages[1].ID != reply.ID {
			t.Fatalf("history %+v", h)
		}
		got := h.Messages[1]
		if got.Direction != "outgoing" || got.SenderName != "Olga" || got.Status != inbox.Sent || got.Body != "Hello Vera" {
			t.Fatalf("reply as the visitor sees it: %+v", got)
		}
		// The body travels as the JSON string it is; escaping is the renderer's job.
		var raw struct {
			Messages []map[string]any `json:"messages"`
		}
		_ = json.Unmarshal(r.body, &raw)
		if raw.Messages[0]["body"] != script || strings.Contains(string(r.body), "&lt;") {
			t.Fatalf("body altered: %s", r.body)
		}
		if _, ok := raw.Messages[0]["conversation_id"]; ok {
			t.Fatalf("internal fields leak: %v", raw.Messages[0])
		}

		// Another visitor of the same channel sees nothing of it.
		other := e.visit(e.site.ID, nil)
		if h := e.history(other, ""); len(h.Messages) != 0 {
			t.Fatalf("another visitor sees %+v", h)
		}
		if h := e.history(other, m.ID); len(h.Messages) != 0 {
			t.Fatalf("another visitor paging with a foreign id sees %+v", h)
		}

		// Paging walks back through 39 visible messages (and skips notes) 30 at a time.
		for i := range 37 {
			e.send(tok, fmt.Sprintf("m%02d", i))
			if i%10 == 0 {
				if _, err := e.s.Inbox.AddNote(ctx, e.owner, conv, "note"); err != nil {
					t.Fatal(err)
				}
			}
		}
		first := e.history(tok, "")
		if len(first.Messages) != 30 || !first.HasMore || first.Messages[29].Body != "m36" || first.Messages[0].Body != "m07" {
			t.Fatalf("first page: %d messages, more=%v, %q…%q", len(first.Messages), first.HasMore, first.Messages[0].Body, first.Messages[len(first.Messages)-1].Body)
		}
		older := e.history(tok, first.Messages[0].ID)
		if len(older.Messages) != 9 || older.HasMore || older.Messages[0].ID != m.ID || older.Messages[8].Body != "m06" {
			t.Fatalf("second page: %+v", older)
		}
		for _, p := range append(first.Messages, older.Messages...) {
			if p.Body == "note" {
				t.Fatal("a note on a later page")
			}
		}

		b := decode[errorBody](t, e.api("POST", e.site.ID, "/messages", tok, map[string]string{"body": "   "}), http.StatusUnprocessableEntity)
		if b.Error.Fields["body"] == "" {
			t.Fatalf("empty body: %+v", b)
		}
		if r := e.api("POST", e.site.ID, "/messages", tok, map[string]string{"body": strings.Repeat("é", 4097)}); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("long body: %d", r.status)
		}
		if r := e.api("POST", e.site.ID, "/messages", tok, map[string]string{"body": strings.Repeat("é", 4096)}); r.status != http.StatusCreated {
			t.Fatalf("4096 characters: %d %s", r.status, r.body)
		}
	})
}
