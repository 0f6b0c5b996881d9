package emulator

import (
	"sync"
	"time"
)

// SentMessage is one message the emulator accepted.
type SentMessage struct {
	ID string // wamid returned to the sender
	// To is the "to" field as sent; WaID is its digits.
	To, WaID string
	Type     string
	// API is "graph" or "360dialog".
	API string
	// Body is the raw request body (nil with Config.DiscardBodies).
	Body []byte
	At   time.Time
	// CallbackData is the request's biz_opaque_callback_data, echoed on
	// every status webhook for this message.
	CallbackData string
	// Status is the latest status that happened to the message (sent,
	// delivered, read, failed); empty until its first status. It only moves
	// forward, as a phone's ticks do.
	Status string

	category string // statusEvent.category
}

// inboundRecord is one message the customer sent, kept for the phone
// simulator.
type inboundRecord struct {
	ID, WaID, Type string
	At             time.Time
	Message        map[string]any // the webhook's message object
}

// chatRef points at one message of a conversation: an index into sent or
// into received.
type chatRef struct {
	out bool
	i   int
}

// sentLog records traffic with its own lock, so reading counters never
// waits for the account state and vice versa. Counters are kept as
// messages arrive: SentCount, SentTo and Duplicates cost O(1) however many
// messages were sent.
type sentLog struct {
	mu       sync.Mutex
	sent     []SentMessage
	byID     map[string]int
	counts   map[string]int
	seenData map[string]struct{}
	dups     int
	received []inboundRecord
	chats    map[string][]chatRef // wa_id → both directions, in order
	reads    []string
	version  int64 // bumped on every change the simulator shows
}

func newSentLog() sentLog {
	return sentLog{byID: map[string]int{}, counts: map[string]int{}, seenData: map[string]struct{}{}, chats: map[string][]chatRef{}}
}

func (l *sentLog) addSent(m SentMessage) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if m.CallbackData != "" {
		if _, seen := l.seenData[m.CallbackData]; seen {
			l.dups++
		}
		l.seenData[m.CallbackData] = struct{}{}
	}
	l.byID[m.ID] = len(l.sent)
	l.chats[m.WaID] = append(l.chats[m.WaID], chatRef{out: true, i: len(l.sent)})
	l.sent = append(l.sent, m)
	l.counts[m.WaID]++
	l.version++
}

func (l *sentLog) addReceived(r inboundRecord) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.chats[r.WaID] = append(l.chats[r.WaID], chatRef{i: len(l.received)})
	l.received = append(l.received, r)
	l.version++
}

// statusRank orders statuses so a message's Status never goes backwards.
var statusRank = map[string]int{"sent": 1, "delivered": 2, "read": 3, "failed": 4}

func (l *sentLog) setStatus(id, status string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	i, ok := l.byID[id]
	if !ok {
		return
	}
	if statusRank[status] > statusRank[l.sent[i].Status] {
		l.sent[i].Status = status
		l.version++
	}
}

// Sent lists the accepted messages in arrival order. It copies the whole
// list: in long runs prefer SentCount, SentSince or Counts.
func (e *Emulator) Sent() []SentMessage {
	return e.SentSince(0)
}

// SentSince lists the accepted messages from index i on (0-based, arrival
// order), so a poller only copies what is new.
func (e *Emulator) SentSince(i int) []SentMessage {
	e.log.mu.Lock()
	defer e.log.mu.Unlock()
	if i < 0 {
		i = 0
	}
	if i >= len(e.log.sent) {
		return nil
	}
	return append([]SentMessage(nil), e.log.sent[i:]...)
}

// SentCount is how many messages were accepted.
func (e *Emulator) SentCount() int {
	e.log.mu.Lock()
	defer e.log.mu.Unlock()
	return len(e.log.sent)
}

// SentTo counts the accepted messages for a recipient (any formatting of
// the number).
func (e *Emulator) SentTo(waID string) int {
	e.log.mu.Lock()
	defer e.log.mu.Unlock()
	return e.log.counts[digits(waID)]
}

// Counts maps each recipient wa_id to its number of accepted messages.
func (e *Emulator) Counts() map[string]int {
	e.log.mu.Lock()
	defer e.log.mu.Unlock()
	c := make(map[string]int, len(e.log.counts))
	for k, v := range e.log.counts {
		c[k] = v
	}
	return c
}

// Duplicates counts accepted messages whose non-empty CallbackData had
// already been seen on an earlier message: a sender that tags each send
// with a unique id (an outbox row, a broadcast recipient) sent that many
// messages twice.
func (e *Emulator) Duplicates() int {
	e.log.mu.Lock()
	defer e.log.mu.Unlock()
	return e.log.dups
}

// ReadMarks lists the message ids charla marked as read, in order.
func (e *Emulator) ReadMarks() []string {
	e.log.mu.Lock()
	defer e.log.mu.Unlock()
	return append([]string(nil), e.log.reads...)
}

func (e *Emulator) addReadMark(id string) {
	e.log.mu.Lock()
	e.log.reads = append(e.log.reads, id)
	e.log.mu.Unlock()
}
