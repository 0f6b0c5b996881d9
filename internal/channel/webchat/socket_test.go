package webchat_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"charla/internal/inbox"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

type frame struct {
	Type    string  `json:"type"`
	Message message `json:"message"`
	ID      string  `json:"id"`
	Status  string  `json:"status"`
}

func (e *env) dial(ch, token, origin string) (*websocket.Conn, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u := "ws" + strings.TrimPrefix(e.url, "http") + "/widget/" + ch + "/ws?token=" + token
	return websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {origin}}})
}

// until reads frames until want matches one, and returns it with the frames before it.
// The deadline only guards against a hang; frames normally arrive at once.
func until(t *testing.T, c *websocket.Conn, want func(frame) bool) (frame, []frame) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var seen []frame
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("socket read after %+v: %v", seen, err)
		}
		var f frame
		if err := json.Unmarshal(data, &f); err != nil {
			t.Fatalf("frame %s: %v", data, err)
		}
		if want(f) {
			return f, seen
		}
		seen = append(seen, f)
	}
}

func TestSocket(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		tok := e.visit(e.site.ID, map[string]string{"name": "Vera"})
		bystander := e.visit(e.site.ID, nil)

		// Opened before the visitor's first message, so before their conversation exists.
		c, _, err := e.dial(e.site.ID, tok, shop)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()

		e.send(bystander, "someone else")
		mine := e.send(tok, "hello?")
		f, seen := until(t, c, func(f frame) bool { return f.Type == "message" })
		if f.Message.ID != mine.ID || f.Message.Direction != "incoming" || len(seen) != 0 {
			t.Fatalf("first frame %+v after %+v", f, seen)
		}

		var conv string
		for _, cv := range e.conversations() {
			if cv.Contact.Name == "Vera" {
				conv = cv.ID
			}
		}
		if _, err := e.s.Inbox.AddNote(ctx, e.owner, conv, "internal: VIP"); err != nil {
			t.Fatal(err)
		}
		reply, err := e.s.Inbox.Send(ctx, e.owner, conv, "Hi Vera", nil)
		if err != nil {
			t.Fatal(err)
		}
		f, seen = until(t, c, func(f frame) bool { return f.Type == "message" && f.Message.ID == reply.ID })
		if f.Message.Direction != "outgoing" || f.Message.SenderName != "Olga" || f.Message.Body != "Hi Vera" || f.Message.Status != inbox.Sent {
			t.Fatalf("reply frame %+v", f)
		}
		if len(seen) != 0 {
			t.Fatalf("frames before the reply (the note must not be one): %+v", seen)
		}

		// An agent reading the conversation turns the visitor's message to read.
		if err := e.s.Inbox.MarkRead(ctx, e.owner, conv); err != nil {
			t.Fatal(err)
		}
		f, _ = until(t, c, func(f frame) bool { return f.Type == "status" })
		if f.ID != mine.ID || f.Status != inbox.Read {
			t.Fatalf("status frame %+v", f)
		}

		// The visitor reading marks the agent's reply read.
		if err := c.Write(ctx, websocket.MessageText, []byte(`{"type":"read"}`)); err != nil {
			t.Fatal(err)
		}
		f, _ = until(t, c, func(f frame) bool { return f.Type == "status" })
		if f.ID != reply.ID || f.Status != inbox.Read {
			t.Fatalf("status after the visitor read %+v", f)
		}
		got, err := e.s.Inbox.Message(ctx, e.owner.WorkspaceID, reply.ID)
		if err != nil || got.Status != inbox.Read {
			t.Fatalf("reply after read: %+v %v", got, err)
		}

		// The bystander's socket hears nothing of Vera's conversation.
		b, _, err := e.dial(e.site.ID, bystander, shop)
		if err != nil {
			t.Fatal(err)
		}
		defer b.CloseNow()
		if _, err := e.s.Inbox.Send(ctx, e.owner, conv, "for Vera only", nil); err != nil {
			t.Fatal(err)
		}
		sentinel := e.send(bystander, "sentinel")
		f, seen = until(t, b, func(f frame) bool { return f.Type == "message" && f.Message.ID == sentinel.ID })
		if len(seen) != 0 {
			t.Fatalf("bystander received %+v", seen)
		}
		if err := c.Close(websocket.StatusNormalClosure, ""); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSocketRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d)
		tok := e.visit(e.site.ID, nil)
		for name, tc := range map[string]struct {
			ch, token, origin string
			status            int
		}{
			"bad token":         {e.site.ID, "nope", shop, http.StatusUnauthorized},
			"disallowed origin": {e.site.ID, tok, "https://evil.test", http.StatusForbidden},
			"unknown channel":   {"no-such-channel", tok, shop, http.StatusNotFound},
		} {
			c, res, err := e.dial(tc.ch, tc.token, tc.origin)
			if err == nil {
				c.CloseNow()
				t.Fatalf("%s: socket opened", name)
			}
			if res == nil || res.StatusCode != tc.status {
				t.Fatalf("%s: %v %v, want %d", name, res, err, tc.status)
			}
		}
		// charla's own origin (the demo page) is always allowed.
		c, _, err := e.dial(e.site.ID, tok, e.url)
		if err != nil {
			t.Fatalf("own origin: %v", err)
		}
		c.CloseNow()
	})
}
