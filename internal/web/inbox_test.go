package web

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"charla/internal/auth"
	"charla/internal/channel"
	"charla/internal/inbox"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

// pngBytes is a 1×1 PNG.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

// inboxFixture is a signed-in owner with a website channel and one conversation.
type inboxFixture struct {
	e     *env
	owner auth.User
	site  channel.Channel
	conv  inbox.Received
	b     *browser
}

func newInbox(t *testing.T, d *store.DB) inboxFixture {
	e := newEnv(t, d)
	owner := e.workspace("Acme", "olga@acme.test")
	site := e.website(owner)
	conv := e.incoming(site, "visitor-1", "Vera", "Hello, is anyone there?")
	b := e.browser()
	b.login("olga@acme.test")
	return inboxFixture{e, owner, site, conv, b}
}

func TestInboxListsAndOpensConversations(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		f := newInbox(t, d)
		p := f.b.get("/")
		wantStatus(t, p, http.StatusOK)
		for _, want := range []string{`data-testid="conv-row"`, `data-id="` + f.conv.ConversationID + `"`, "Vera", "Acme site",
			"Hello, is anyone there?", `data-testid="conv-unread"`, `sse-connect="/events"`} {
			if !p.has(want) {
				t.Errorf("inbox lacks %s", want)
			}
		}
		// Tabs filter by assignment: nothing is mine yet.
		if p := f.b.get("/?tab=mine"); p.has(`data-testid="conv-row"`) || !p.has(`data-testid="conv-empty"`) {
			t.Errorf("mine tab shows someone else's conversation")
		}
		if p := f.b.htmx(http.MethodGet, "/conversations?tab=all&status=open&q=nobody", "conv-list", nil); p.has(`data-testid="conv-row"`) {
			t.Errorf("search for nobody found a row")
		}
		if p := f.b.htmx(http.MethodGet, "/conversations?tab=all&status=open&q=vera", "conv-list", nil); !p.has(`data-testid="conv-row"`) || p.has("<html") {
			t.Errorf("search fragment: %s", p.body)
		}

		// Opening the conversation marks it read and shows the thread.
		p = f.b.get("/conversations/" + f.conv.ConversationID)
		wantStatus(t, p, http.StatusOK)
		for _, want := range []string{`data-testid="thread"`, `data-testid="message"`, `data-direction="incoming"`,
			`data-testid="composer-input"`, `data-testid="composer-send"`, `data-testid="composer-note-tab"`,
			`data-testid="assign-agent"`, `data-testid="assign-team"`, `data-testid="conv-close"`, `data-testid="contact-panel"`} {
			if !p.has(want) {
				t.Errorf("conversation page lacks %s", want)
			}
		}
		c, err := f.e.s.Inbox.Get(context.Background(), f.owner.WorkspaceID, f.conv.ConversationID)
		if err != nil || c.UnreadCount != 0 {
			t.Fatalf("opening should mark read: unread %d, %v", c.UnreadCount, err)
		}
		// A row click asks htmx for the pane alone.
		p = f.b.htmx(http.MethodGet, "/conversations/"+f.conv.ConversationID, "conv-pane", nil)
		if !p.has(`id="conv-pane"`) || p.has("<html") || p.has(`data-testid="conv-list"`) {
			t.Fatalf("pane fragment:\n%s", p.body)
		}
	})
}

func TestSendReplyAndNote(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		f := newInbox(t, d)
		id := f.conv.ConversationID

		p := f.b.send(id, "reply", "Hi Vera!\nHow can I help?")
		wantStatus(t, p, http.StatusOK)
		if p.Header.Get("HX-Trigger") != "thread-refresh" || !p.has(`data-testid="composer-input"`) {
			t.Fatalf("a sent reply should come back as an empty composer that refreshes the thread: %v\n%s", p.Header, p.body)
		}
		p = f.b.send(id, "note", "Customer is on the premium plan")
		wantStatus(t, p, http.StatusOK)
		if !p.has(`composer-note`) {
			t.Errorf("the composer should stay in note mode after a note")
		}
		p = f.b.send(id, "reply", "Here is the picture", file{"pixel.png", "image/png", pngBytes})
		wantStatus(t, p, http.StatusOK)

		msgs := f.e.messages(f.owner.WorkspaceID, id)
		if len(msgs) != 4 {
			t.Fatalf("got %d messages, want 4", len(msgs))
		}
		img, note, reply := msgs[0], msgs[1], msgs[2]
		if reply.Direction != inbox.Outgoing || reply.Body != "Hi Vera!\nHow can I help?" || reply.Status != inbox.Sent || reply.Sender.Name != "olga" {
			t.Errorf("reply stored as %+v", reply)
		}
		if note.Direction != inbox.Note {
			t.Errorf("note stored as %+v", note)
		}
		if len(img.Attachments) != 1 || img.Attachments[0].ContentType != "image/png" {
			t.Fatalf("attachment stored as %+v", img.Attachments)
		}

		// The thread tail (what the page re-reads on events) shows all of them.
		first := msgs[3].ID
		p = f.b.htmx(http.MethodGet, "/conversations/"+id+"/tail?since="+first, "tail", nil)
		wantStatus(t, p, http.StatusOK)
		for _, want := range []string{`data-id="` + first + `"`, `data-direction="outgoing" data-status="sent"`,
			`data-direction="note"`, "Hi Vera!\nHow can I help?", `data-testid="message-status"`,
			`<img src="/attachments/` + img.Attachments[0].ID + `"`} {
			if !p.has(want) {
				t.Errorf("tail lacks %q", want)
			}
		}
		if strings.Count(p.body, `data-testid="message"`) != 4 {
			t.Errorf("tail should hold the 4 messages since the first:\n%s", p.body)
		}

		// Errors land in the composer's error line.
		p = f.b.send(id, "reply", "   ")
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if p.Header.Get("HX-Retarget") != "#composer-error" || !p.has("Write a message or attach a file.") {
			t.Fatalf("empty message: %v\n%s", p.Header, p.body)
		}
		p = f.b.send(id, "note", "see file", file{"a.txt", "text/plain", []byte("x")})
		wantStatus(t, p, http.StatusUnprocessableEntity)
	})
}

func TestCustomerTextIsEscaped(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		f := newInbox(t, d)
		evil := f.e.incoming(f.site, "visitor-2", `<img src=x onerror=alert(2)>`, "<script>alert(1)</script>")
		for _, path := range []string{"/", "/conversations/" + evil.ConversationID} {
			p := f.b.get(path)
			if p.has("<script>alert(1)") || p.has("<img src=x") {
				t.Fatalf("%s renders customer markup:\n%s", path, p.body)
			}
			if !p.has("&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Errorf("%s should show the text escaped", path)
			}
		}
	})
}

func TestOtherWorkspaceIsNotFound(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		f := newInbox(t, d)
		ctx := context.Background()
		att := f.e.stored(f.owner.WorkspaceID, "secret.png", "image/png", pngBytes)
		got := f.e.incoming(f.site, "visitor-1", "", "see attached", att)
		msg, err := f.e.s.Inbox.Message(ctx, f.owner.WorkspaceID, got.MessageID)
		if err != nil || len(msg.Attachments) != 1 {
			t.Fatalf("attachment message: %+v %v", msg, err)
		}
		attID := msg.Attachments[0].ID

		// The owner gets the file, inline since it is a PNG, under a locked-down policy.
		p := f.b.get("/attachments/" + attID)
		wantStatus(t, p, http.StatusOK)
		if p.body != string(pngBytes) || p.Header.Get("Content-Type") != "image/png" ||
			!strings.HasPrefix(p.Header.Get("Content-Disposition"), "inline") ||
			p.Header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.HasPrefix(p.Header.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Fatalf("attachment answer: %v", p.Header)
		}

		f.e.workspace("Globex", "gus@globex.test")
		other := f.e.browser()
		other.login("gus@globex.test")
		conv := "/conversations/" + f.conv.ConversationID
		for _, path := range []string{conv, conv + "/tail", conv + "/older", conv + "/header", "/attachments/" + attID,
			"/conversations/not-an-id", "/attachments/not-an-id"} {
			p := other.get(path)
			wantStatus(t, p, http.StatusNotFound)
		}
		if p := other.get(conv); !p.has(`data-testid="error-page"`) || p.has("see attached") {
			t.Fatalf("404 page:\n%s", p.body)
		}
		for _, path := range []string{conv + "/close", conv + "/assign", "/contacts/" + got.ContactID} {
			wantStatus(t, other.post(path, url.Values{"name": {"x"}, "assignee_id": {""}}), http.StatusNotFound)
		}
		wantStatus(t, other.send(f.conv.ConversationID, "reply", "hijack"), http.StatusNotFound)
		if n := len(f.e.messages(f.owner.WorkspaceID, f.conv.ConversationID)); n != 2 {
			t.Fatalf("another workspace changed the thread: %d messages", n)
		}
	})
}

func TestAttachmentsDownloadUnlessSafeImage(t *testing.T) {
	t.Parallel()
	f := newInbox(t, storetest.Open(t, store.SQLite))
	for _, c := range []struct{ name, ct, disposition string }{
		{"page.html", "text/html", "attachment"},
		{"logo.svg", "image/svg+xml", "attachment"},
		{"photo.jpg", "image/jpeg", "inline"},
		{"notes.txt", "text/plain; charset=utf-8", "attachment"},
	} {
		att := f.e.stored(f.owner.WorkspaceID, c.name, c.ct, []byte("<svg onload=alert(1)>"))
		got := f.e.incoming(f.site, "visitor-1", "", "", att)
		msg, _ := f.e.s.Inbox.Message(context.Background(), f.owner.WorkspaceID, got.MessageID)
		p := f.b.get("/attachments/" + msg.Attachments[0].ID)
		wantStatus(t, p, http.StatusOK)
		want := c.disposition + `; filename=` + c.name
		if got := p.Header.Get("Content-Disposition"); got != want {
			t.Errorf("%s: Content-Disposition %q, want %q", c.name, got, want)
		}
		if p.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(p.Header.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("%s: headers %v", c.name, p.Header)
		}
	}
}

// countingReader counts how much of a request body the client sent.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestUploadOverLimit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		f := newInbox(t, d)
		before := f.e.blobCount()
		big := file{"huge.bin", "application/octet-stream", bytes.Repeat([]byte("x"), 3<<20)}
		body, ct := multipartBody(t, map[string]string{"kind": "reply", "body": "big one"}, big)
		path := "/conversations/" + f.conv.ConversationID + "/messages"

		// Announced as too large: refused before the body is read. With
		// "Expect: 100-continue" the client shows that nothing was sent.
		sent := &countingReader{r: bytes.NewReader(body.Bytes())}
		req := f.b.request(http.MethodPost, path, sent, "Content-Type", ct, "Expect", "100-continue",
			"HX-Request", "true", "Sec-Fetch-Site", "same-origin")
		req.ContentLength = int64(body.Len())
		client := *f.b.c
		client.Transport = &http.Transport{ExpectContinueTimeout: time.Minute}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(msg), "File too large (max 1 MB)") ||
			res.Header.Get("HX-Retarget") != "#composer-error" {
			t.Fatalf("got %d %v\n%s", res.StatusCode, res.Header, msg)
		}
		if sent.n != 0 {
			t.Errorf("the server read %d bytes of a body it had to refuse", sent.n)
		}

		// Of unknown length (chunked): cut off at the limit.
		body, ct = multipartBody(t, map[string]string{"kind": "reply", "body": "big one"}, big)
		req = f.b.request(http.MethodPost, path, io.MultiReader(body), "Content-Type", ct, "HX-Request", "true", "Sec-Fetch-Site", "same-origin")
		p := f.b.do(req)
		wantStatus(t, p, http.StatusRequestEntityTooLarge)
		if !p.has("File too large (max 1 MB)") {
			t.Errorf("chunked upload: %s", p.body)
		}

		if n := f.e.blobCount(); n != before {
			t.Errorf("blob store has %d files, had %d: a refused upload was stored", n, before)
		}
		if n := len(f.e.messages(f.owner.WorkspaceID, f.conv.ConversationID)); n != 1 {
			t.Errorf("a refused upload created a message (%d messages)", n)
		}
	})
}
