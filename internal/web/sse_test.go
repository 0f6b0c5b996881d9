package web

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"charla/internal/content"
	"charla/internal/emulator"
	"charla/internal/events"
	"charla/internal/inbox"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

// stream is an open /events response read event by event.
type stream struct {
	t *testing.T
	r *bufio.Reader
}

// openStream connects to /events and returns once the server has
// subscribed (it says so with its first comment).
func openStream(t *testing.T, b *browser) *stream {
	t.Helper()
	// The timeout only guards against a hang; nothing waits on it for timing.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	req := b.request(http.MethodGet, "/events", nil, "Accept", "text/event-stream")
	res, err := b.c.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %v", res.StatusCode, res.Header)
	}
	s := &stream{t: t, r: bufio.NewReader(res.Body)}
	for {
		if line := s.line(); line == ": connected" {
			return s
		}
	}
}

func (s *stream) line() string {
	s.t.Helper()
	line, err := s.r.ReadString('\n')
	if err != nil {
		s.t.Fatalf("event stream ended: %v", err)
	}
	return strings.TrimSuffix(line, "\n")
}

// next returns the name and data of the next event, skipping comments.
func (s *stream) next() (string, string) {
	s.t.Helper()
	var name, data string
	for {
		line := s.line()
		switch {
		case line == "":
			if name != "" || data != "" {
				return name, data
			}
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = strings.TrimPrefix(line, "data: ")
		}
	}
}

// until reads events until one called name arrives and returns its data.
func (s *stream) until(name string) string {
	s.t.Helper()
	for {
		if n, d := s.next(); n == name {
			return d
		}
	}
}

func TestEventsStreamNewMessages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		f := newInbox(t, d)
		s := openStream(t, f.b)

		got := f.e.incoming(f.site, "visitor-1", "", "Are you there?")
		if data := s.until("convs"); data != got.ConversationID {
			t.Fatalf("list event data %q", data)
		}
		if data := s.until("msg-" + got.ConversationID); data != got.MessageID {
			t.Fatalf("message event data %q, want the message id %s", data, got.MessageID)
		}

		// A new visitor's conversation makes the list refresh and names itself.
		other := f.e.incoming(f.site, "visitor-9", "Nina", "First time here")
		if data := s.until("convs"); data != other.ConversationID {
			t.Fatalf("conversation.created gave %q, want %s", data, other.ConversationID)
		}
		s.until("conv-" + other.ConversationID)

		// An agent's status change reaches the header of that conversation.
		wantStatus(t, f.b.htmx(http.MethodPost, "/conversations/"+other.ConversationID+"/close", "conv-header", nil), http.StatusOK)
		s.until("conv-" + other.ConversationID)
	})
}

func TestEventsStreamIsPerWorkspace(t *testing.T) {
	t.Parallel()
	f := newInbox(t, storetest.Open(t, store.SQLite))
	globex := f.e.workspace("Globex", "gus@globex.test")
	gus := f.e.browser()
	gus.login("gus@globex.test")
	s := openStream(t, gus)

	f.e.incoming(f.site, "visitor-1", "", "for Acme only")
	mine := f.e.incoming(f.e.website(globex), "visitor-g", "", "for Globex")
	// Events are delivered in order, so Acme's would have come first.
	if name, data := s.next(); name != "convs" || data != mine.ConversationID {
		t.Fatalf("first event %s %s, want Globex's conversation", name, data)
	}
}

func TestEventsRequireSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.Open(t, store.SQLite))
	e.workspace("Acme", "olga@acme.test")
	p := e.browser().get("/events", "Accept", "text/event-stream")
	wantStatus(t, p, http.StatusUnauthorized)
}

func TestEventsHeartbeat(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, storetest.Open(t, store.SQLite), func(h *handler) { h.heartbeat = time.Millisecond })
	e.workspace("Acme", "olga@acme.test")
	b := e.browser()
	b.login("olga@acme.test")
	s := openStream(t, b)
	for s.line() != ": ping" {
	}
}

func TestEventsEndWithTheBus(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.Open(t, store.SQLite))
	e.workspace("Acme", "olga@acme.test")
	b := e.browser()
	b.login("olga@acme.test")
	s := openStream(t, b)
	_ = e.s.Bus.Close() // what a graceful shutdown does
	for {
		if _, err := s.r.ReadString('\n'); err != nil {
			return // the stream ended
		}
	}
}

func TestBusEventNames(t *testing.T) {
	t.Parallel()
	cases := []struct {
		ev   events.Event
		want string
	}{
		{events.Event{Kind: events.KindMessageCreated, Conversation: "c1", Message: "m1"}, "event: msg-c1\ndata: m1\n\n"},
		{events.Event{Kind: events.KindMessageUpdated, Conversation: "c1", Message: "m1"}, "event: msg-c1\ndata: m1\n\n"},
		{events.Event{Kind: events.KindConversationCreated, Conversation: "c2"}, "event: convs\ndata: c2\n\nevent: conv-c2\ndata: c2\n\n"},
		{events.Event{Kind: "contact.merged", Conversation: "c3"}, ""},
		// Ids that could break the stream's framing are dropped, not written.
		{events.Event{Kind: events.KindMessageCreated, Conversation: "c1\nevent: evil", Message: "m1"}, ""},
		{events.Event{Kind: events.KindMessageCreated, Conversation: "c1", Message: "m1\n\ndata: x"}, "event: msg-c1\ndata: -\n\n"},
	}
	for _, c := range cases {
		var b strings.Builder
		if err := writeBusEvent(&b, c.ev); err != nil {
			t.Fatal(err)
		}
		if b.String() != c.want {
			t.Errorf("%+v wrote %q, want %q", c.ev, b.String(), c.want)
		}
	}
}

// TestMessageUpdatesReachTheThread follows what the page does: each
// msg-<conversation> event makes the thread re-read its tail. Media fetched
// by the job and status changes are message.updated events, so they show
// without a reload.
func TestMessageUpdatesReachTheThread(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		// The provider has the photo and no longer has the video, and it
		// won't deliver to the contact (131026: say, they blocked the business).
		f := newWhatsApp(t, d, func(c *emulator.Config) { c.KnownNumbers = []string{"15550001111"} })
		s := openStream(t, f.b)
		ctx := context.Background()
		photo := f.e.inbound(f.wa, inbox.Inbound{ProviderMessageID: "wamid.photo", Kind: content.KindImage,
			Media: []inbox.ProviderMedia{{ID: f.emu.AddMedia(pngBytes, "image/png", ""), ContentType: "image/png"}}})
		lost := f.e.inbound(f.wa, inbox.Inbound{ProviderMessageID: "wamid.lost", Kind: content.KindVideo,
			Media: []inbox.ProviderMedia{{ID: "expired-2", ContentType: "video/mp4"}}})
		conv := photo.ConversationID
		// refreshUntil re-reads the tail on each of the conversation's message
		// events, as the page does, until it shows want.
		refreshUntil := func(want ...string) string {
			t.Helper()
			for {
				s.until("msg-" + conv)
				p := f.b.htmx(http.MethodGet, "/conversations/"+conv+"/tail", "tail", nil)
				all := true
				for _, w := range want {
					all = all && p.has(w)
				}
				if all {
					return p.body
				}
			}
		}
		body := refreshUntil(`<img src="/attachments/`, "Media unavailable: "+mediaGone)
		a := article(t, body, photo.MessageID)
		link := attachmentLink.FindStringSubmatch(a)
		if !strings.Contains(a, `<img src="/attachments/`) || link == nil {
			t.Fatalf("fetched photo:\n%s", a)
		}
		if p := f.b.get("/attachments/" + link[1]); p.body != string(pngBytes) || p.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("the photo's bytes should be the provider's: %q %v", p.body, p.Header)
		}
		if a := article(t, body, lost.MessageID); !strings.Contains(a, `data-testid="attachment-unavailable"`) {
			t.Fatalf("lost video:\n%s", a)
		}

		// The reply fails at WhatsApp; the pipeline records why.
		m, err := f.e.s.Inbox.Compose(ctx, f.owner, conv, inbox.Draft{Body: "We got your photo"})
		if err != nil {
			t.Fatal(err)
		}
		body = refreshUntil(`data-id="`+m.ID+`" data-direction="outgoing" data-status="failed"`,
			"The message could not be delivered: the number may not be on WhatsApp")
		if a := article(t, body, m.ID); !strings.Contains(a, "Error 131026 · Message Undeliverable") {
			t.Fatalf("failed bubble:\n%s", a)
		}
		if f.emu.SentCount() != 0 {
			t.Errorf("the provider accepted %d messages", f.emu.SentCount())
		}
	})
}
