// Package events is charla's realtime bus.
//
// The inbox publishes a small Event after a database commit; agents' browsers
// (SSE) and web-chat visitors (WebSocket) subscribe per workspace and re-read
// the rows the event names. Events are hints, not data: when a subscriber
// falls behind, events are dropped and the subscriber is told it lagged, so
// the client reloads instead of the publisher ever blocking.
//
// NewMemory fans out inside one process (SQLite, single instance).
// NewPostgres also carries events between `charla serve` processes that share
// one PostgreSQL database, using LISTEN/NOTIFY.
package events

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Event kinds published by the inbox.
const (
	KindMessageCreated      = "message.created"
	KindMessageUpdated      = "message.updated"
	KindConversationCreated = "conversation.created"
	KindConversationUpdated = "conversation.updated"
)

// Event is small: subscribers re-read rows.
type Event struct {
	Workspace    string `json:"w"`
	Kind         string `json:"k"` // e.g. "message.created", "message.updated", "conversation.updated", "conversation.created"
	Conversation string `json:"c,omitempty"`
	Message      string `json:"m,omitempty"`
	Contact      string `json:"ct,omitempty"`
	Channel      string `json:"ch,omitempty"`
	Broadcast    string `json:"b,omitempty"`
}

func (e Event) validate() error {
	if e.Workspace == "" {
		return fmt.Errorf("%w: missing workspace", ErrInvalidEvent)
	}
	if e.Kind == "" {
		return fmt.Errorf("%w: missing kind", ErrInvalidEvent)
	}
	return nil
}

// Bus delivers events to subscribers of a workspace.
type Bus interface {
	// Publish delivers e to every current subscriber of e.Workspace. It never
	// blocks on slow subscribers; it honours ctx for any I/O it does.
	Publish(ctx context.Context, e Event) error
	// Subscribe receives every event of one workspace published by any instance.
	// The caller must Close the subscription when done.
	Subscribe(workspace string) *Subscription
	// Close stops the bus and closes every subscription's C.
	Close() error
}

var (
	// ErrClosed is returned by Publish after the bus was closed, and by
	// Subscription.Next once the subscription is closed.
	ErrClosed = errors.New("events: closed")
	// ErrLagged is returned by Subscription.Next when events were dropped
	// because the subscriber was too slow (or the bus may have missed events,
	// e.g. during a database reconnect). The client should reload its state.
	ErrLagged = errors.New("events: subscriber lagged, events were dropped")
	// ErrInvalidEvent is returned by Publish for an event without workspace or kind.
	ErrInvalidEvent = errors.New("events: invalid event")
	// ErrPayloadTooLarge is returned by the PostgreSQL bus when an encoded event
	// would exceed PostgreSQL's NOTIFY payload limit.
	ErrPayloadTooLarge = errors.New("events: payload too large")
)

// DefaultBufferSize is how many undelivered events a subscription holds
// before it is marked lagged.
const DefaultBufferSize = 256

// Option configures a bus. Options that do not apply to a bus are ignored.
type Option func(*config)

type config struct {
	bufferSize int
	channel    string
	pg         pgTuning
}

func newConfig(opts []Option) config {
	c := config{
		bufferSize: DefaultBufferSize,
		channel:    DefaultChannel,
		pg:         defaultPGTuning(),
	}
	for _, o := range opts {
		o(&c)
	}
	if c.bufferSize < 1 {
		c.bufferSize = 1
	}
	return c
}

// WithBufferSize sets the per-subscription buffer (default DefaultBufferSize).
func WithBufferSize(n int) Option { return func(c *config) { c.bufferSize = n } }

// WithChannel sets the PostgreSQL LISTEN/NOTIFY channel name (default
// DefaultChannel). Every instance that should see each other's events must
// use the same name; tests use a unique one so they don't interfere.
func WithChannel(name string) Option { return func(c *config) { c.channel = name } }

// Subscription receives the events of one workspace.
//
// Read C until it is closed (by Close or by the bus closing). When Lagged
// fires, at least one event was dropped: reload state from the database, then
// keep reading C.
type Subscription struct {
	C <-chan Event

	ch        chan Event
	lagged    chan struct{}
	workspace string
	hub       *hub
	closed    bool // guarded by hub.mu
}

// Lagged fires (once per burst of drops) when events were dropped for this
// subscriber. It is never closed, so selecting on it after Close is safe.
func (s *Subscription) Lagged() <-chan struct{} { return s.lagged }

// Workspace is the workspace this subscription receives.
func (s *Subscription) Workspace() string { return s.workspace }

// Close unsubscribes and closes C. It is idempotent and safe to call
// concurrently with Publish and with the bus closing.
func (s *Subscription) Close() { s.hub.unsubscribe(s) }

// Next is the loop helper for SSE/WebSocket handlers: it waits for the next
// event and returns it, or returns ErrLagged (reload, then call Next again),
// ErrClosed (subscription or bus closed), or ctx's error.
//
// A pending lag is reported before buffered events so the client reloads as
// early as possible; events still buffered are delivered afterwards and are
// harmless because subscribers re-read rows.
func (s *Subscription) Next(ctx context.Context) (Event, error) {
	select {
	case <-s.lagged:
		return Event{}, ErrLagged
	default:
	}
	select {
	case <-ctx.Done():
		return Event{}, ctx.Err()
	case <-s.lagged:
		return Event{}, ErrLagged
	case e, ok := <-s.ch:
		if !ok {
			return Event{}, ErrClosed
		}
		return e, nil
	}
}

func (s *Subscription) signalLag() {
	select {
	case s.lagged <- struct{}{}:
	default: // already pending; one signal is enough to make the client reload
	}
}

// hub is the in-process fan-out shared by both bus implementations.
type hub struct {
	bufferSize int

	mu     sync.RWMutex
	closed bool
	subs   map[string]map[*Subscription]struct{}
}

func newHub(bufferSize int) *hub {
	return &hub{bufferSize: bufferSize, subs: make(map[string]map[*Subscription]struct{})}
}

func (h *hub) subscribe(workspace string) *Subscription {
	ch := make(chan Event, h.bufferSize)
	s := &Subscription{C: ch, ch: ch, lagged: make(chan struct{}, 1), workspace: workspace, hub: h}

	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		// A closed bus hands out an already-closed subscription so callers'
		// read loops end immediately instead of hanging.
		s.closed = true
		close(ch)
		return s
	}
	set := h.subs[workspace]
	if set == nil {
		set = make(map[*Subscription]struct{})
		h.subs[workspace] = set
	}
	set[s] = struct{}{}
	return s
}

func (h *hub) unsubscribe(s *Subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	close(s.ch)
	if set := h.subs[s.workspace]; set != nil {
		delete(set, s)
		if len(set) == 0 {
			delete(h.subs, s.workspace)
		}
	}
}

// deliver sends e to the workspace's subscribers without ever blocking, and
// reports false if the hub is closed.
// Sending under the read lock is what makes Close safe: a channel is only
// closed under the write lock, so it can't be closed mid-send.
func (h *hub) deliver(e Event) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.closed {
		return false
	}
	for s := range h.subs[e.Workspace] {
		select {
		case s.ch <- e:
		default:
			s.signalLag()
		}
	}
	return true
}

// lagAll tells every subscriber that events may have been missed.
func (h *hub) lagAll() {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, set := range h.subs {
		for s := range set {
			s.signalLag()
		}
	}
}

func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	for _, set := range h.subs {
		for s := range set {
			s.closed = true
			close(s.ch)
		}
	}
	h.subs = nil
}

// subscriberCount is for tests.
func (h *hub) subscriberCount(workspace string) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs[workspace])
}
