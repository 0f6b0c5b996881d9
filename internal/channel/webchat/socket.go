package webchat

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"charla/internal/channel"
	"charla/internal/events"
	"charla/internal/httpx"
	"charla/internal/problem"
)

const (
	pingEvery    = 25 * time.Second // under the idle timeouts of common proxies (30–60 s)
	pongWait     = 15 * time.Second
	writeTimeout = 10 * time.Second
)

// Frames the server sends.
type (
	messageFrame struct {
		Type    string      `json:"type"` // "message"
		Message messageView `json:"message"`
	}
	statusFrame struct {
		Type   string `json:"type"` // "status"
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	// resyncFrame says events were dropped: the widget should refetch its history.
	resyncFrame struct {
		Type string `json:"type"` // "resync"
	}
)

// socket pushes the visitor's conversation live: new messages, status changes,
// and takes {"type":"read"} receipts. The token and Origin are checked (401,
// 403 by the cors middleware) before upgrading.
func (h *handler) socket(w http.ResponseWriter, r *http.Request) {
	ch := channelFrom(r)
	v, token, err := h.queryToken(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	// Subscribed before the handshake completes, so nothing published after the
	// client sees the socket open is missed.
	sub := h.s.Bus.Subscribe(ch.WorkspaceID)
	defer sub.Close()
	// The origin was verified against the channel's settings by the cors middleware.
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return // Accept has answered the request
	}
	defer c.CloseNow()
	c.SetReadLimit(4 << 10)
	s := &visitorSocket{h: h, c: c, ch: ch, v: v, token: token}
	s.run(r.Context(), sub)
}

type visitorSocket struct {
	h     *handler
	c     *websocket.Conn
	ch    channel.Channel
	v     visitor
	token string
	// conv is the visitor's conversation, "" until their first message.
	// Only run's goroutine touches it.
	conv string
}

func (s *visitorSocket) run(ctx context.Context, sub *events.Subscription) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	reads := make(chan struct{}, 1)
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		defer cancel() // the visitor left (or sent garbage): stop the loop
		s.readFrames(ctx, reads)
	}()
	defer func() { <-readerDone }()

	if err := s.resolve(ctx); err != nil {
		s.fail(err)
		return
	}
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			_ = s.c.CloseNow()
			return
		case <-sub.Lagged():
			if err = s.resolve(ctx); err == nil {
				err = s.send(ctx, resyncFrame{Type: "resync"})
			}
		case e, ok := <-sub.C:
			if !ok { // the bus closed: charla is shutting down
				_ = s.c.Close(websocket.StatusGoingAway, "server shutting down")
				return
			}
			err = s.forward(ctx, e)
		case <-reads:
			err = s.markSeen(ctx)
		case <-ping.C:
			pctx, pcancel := context.WithTimeout(ctx, pongWait)
			if perr := s.c.Ping(pctx); perr != nil {
				err = connError{perr}
			}
			pcancel()
		}
		if err != nil {
			s.fail(err)
			return
		}
	}
}

// readFrames turns client frames into read receipts until the connection ends.
// Receipts are coalesced: one pending receipt marks everything seen.
func (s *visitorSocket) readFrames(ctx context.Context, reads chan<- struct{}) {
	for {
		_, data, err := s.c.Read(ctx)
		if err != nil {
			return
		}
		var f struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(data, &f) == nil && f.Type == "read" {
			select {
			case reads <- struct{}{}:
			default:
			}
		}
	}
}

// forward sends what an event means to this visitor, and nothing about anyone else.
func (s *visitorSocket) forward(ctx context.Context, e events.Event) error {
	if e.Channel != "" && e.Channel != s.ch.ID {
		return nil
	}
	switch e.Kind {
	case events.KindConversationCreated, events.KindConversationUpdated:
		// The visitor's first message opens their conversation after the socket
		// did; a new one also appears if agents deleted their contact.
		if e.Channel == s.ch.ID && (s.conv == "" || e.Kind == events.KindConversationCreated) {
			return s.resolve(ctx)
		}
	case events.KindMessageCreated, events.KindMessageUpdated:
		if s.conv == "" || e.Conversation != s.conv {
			return nil
		}
		m, err := s.h.s.Inbox.Message(ctx, s.ch.WorkspaceID, e.Message)
		if problem.Is(err, problem.NotFound) {
			return nil
		}
		if err != nil || m.ConversationID != s.conv || !visible(m) {
			return err
		}
		if e.Kind == events.KindMessageCreated {
			return s.send(ctx, messageFrame{Type: "message", Message: s.h.view(s.ch, s.token, m)})
		}
		return s.send(ctx, statusFrame{Type: "status", ID: m.ID, Status: m.Status})
	}
	return nil
}

func (s *visitorSocket) resolve(ctx context.Context) error {
	conv, err := s.h.conversation(ctx, s.ch, s.v)
	if err == nil {
		s.conv = conv
	}
	return err
}

// markSeen records that the visitor saw the agents' messages; the status
// frames come back through the bus like any other change.
func (s *visitorSocket) markSeen(ctx context.Context) error {
	if s.conv == "" {
		if err := s.resolve(ctx); err != nil || s.conv == "" {
			return err
		}
	}
	err := s.h.s.Inbox.MarkSeenByContact(ctx, s.ch.WorkspaceID, s.conv)
	if problem.Is(err, problem.NotFound) {
		return s.resolve(ctx) // the conversation went away; a later one may follow
	}
	return err
}

func (s *visitorSocket) send(ctx context.Context, frame any) error {
	b, err := json.Marshal(frame)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	if err := s.c.Write(ctx, websocket.MessageText, b); err != nil {
		return connError{err}
	}
	return nil
}

// connError is the connection failing (visitor gone, too slow to answer),
// which is routine, unlike the server failing to read its database.
type connError struct{ error }

func (e connError) Unwrap() error { return e.error }

// fail ends the socket after an error: a dead connection just closes; a
// server-side failure is logged and closed as such, and the widget reconnects.
func (s *visitorSocket) fail(err error) {
	var ce connError
	if errors.As(err, &ce) || errors.Is(err, context.Canceled) {
		_ = s.c.CloseNow()
		return
	}
	s.h.s.Log.Warn("webchat: socket", "channel", s.ch.ID, "err", err)
	_ = s.c.Close(websocket.StatusInternalError, "")
}
