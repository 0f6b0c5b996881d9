package web

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"time"

	"charla/internal/broadcast"
	"charla/internal/events"
)

// Event names on the UI stream. Elements subscribe with hx-trigger="sse:NAME";
// names carry the conversation id so only the open conversation reacts.
// Data is just an id: the page re-reads what it shows, as events are hints.
const (
	sseConversations = "convs"   // any conversation changed: refresh the list
	sseConversation  = "conv-"   // + id: this conversation changed: refresh its header
	sseMessages      = "msg-"    // + conversation id: one of its messages changed: refresh the thread
	sseRefresh       = "refresh" // events were lost: refresh everything
)

// safeID keeps bus data (which may come from another instance) from
// breaking the stream's line format.
var safeID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,100}$`)

// events streams the workspace's bus events to the browser as server-sent events.
func (h *handler) events(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	rc := http.NewResponseController(w)
	// A stream outlives any write timeout the server may set for ordinary pages.
	_ = rc.SetWriteDeadline(time.Time{})

	sub := h.s.Bus.Subscribe(u.WorkspaceID)
	defer sub.Close()

	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no") // tell nginx-like proxies not to hold events back
	w.WriteHeader(http.StatusOK)
	// Written after subscribing: once a client reads it, no later event is missed.
	if _, err := io.WriteString(w, "retry: 3000\n: connected\n\n"); err != nil || rc.Flush() != nil {
		return
	}

	beat := time.NewTicker(h.heartbeat)
	defer beat.Stop()
	for {
		var err error
		select {
		case <-r.Context().Done():
			return
		case <-sub.Lagged():
			err = writeEvent(w, sseRefresh, "lagged")
		case e, ok := <-sub.C:
			if !ok {
				return // the bus closed: the server is shutting down
			}
			err = writeBusEvent(w, e)
		case <-beat.C:
			_, err = io.WriteString(w, ": ping\n\n")
		}
		if err == nil {
			err = rc.Flush()
		}
		if err != nil {
			return
		}
	}
}

// writeBusEvent translates one bus event into the stream's event names.
func writeBusEvent(w io.Writer, e events.Event) error {
	if e.Kind == broadcast.EventUpdated {
		return writeBroadcastEvent(w, e)
	}
	if !safeID.MatchString(e.Conversation) {
		return nil
	}
	switch e.Kind {
	case events.KindMessageCreated, events.KindMessageUpdated:
		return writeEvent(w, sseMessages+e.Conversation, e.Message)
	case events.KindConversationCreated, events.KindConversationUpdated:
		if err := writeEvent(w, sseConversations, e.Conversation); err != nil {
			return err
		}
		return writeEvent(w, sseConversation+e.Conversation, e.Conversation)
	}
	return nil // a kind this page doesn't show
}

func writeEvent(w io.Writer, name, data string) error {
	if !safeID.MatchString(data) {
		data = "-"
	}
	_, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, data)
	return err
}
