// Package emulator is an in-process stand-in for the WhatsApp Cloud API
// (Meta Graph API) and for 360dialog's v2 Messaging API, for tests and local
// trials. It accepts what charla sends, answers in the providers' shapes
// (including Graph errors 131047, 130429 and 131026), serves media, records
// every accepted message, and plays both Meta's webhook deliveries (signed
// statuses) and the customer's side (signed inbound messages).
//
// Status webhooks are deterministic: every accepted message queues its
// statuses (Config.Statuses, default sent → delivered → read) and nothing is
// posted until the caller runs Advance (one status) or Flush (all). With
// Config.AutoStatuses the emulator flushes by itself in a goroutine after
// each accepted send; deliveries stay in order because flushes are
// serialized. Failed deliveries are not retried: the error goes to the
// caller of Advance/Flush (and to Config.Logf in auto mode) and the status
// stays at the head of the queue, so the next Advance/Flush tries it again.
// Advance/Flush hold a lock while posting: do not call them from inside the
// callback handler they are posting to.
//
// Sync errors always use the Graph error envelope, for 360dialog paths too
// (360dialog forwards Meta's errors; the body of its own 401 is not
// documented).
package emulator

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// Config sets up an Emulator. Zero values are usable for tests except the
// credentials: an empty AccessToken or APIKey accepts no request on that API.
type Config struct {
	// AppSecret signs webhooks (X-Hub-Signature-256).
	AppSecret string
	// AccessToken is the Graph bearer token.
	AccessToken string
	// APIKey is the 360dialog D360-API-KEY.
	APIKey string

	PhoneNumberID      string
	DisplayPhoneNumber string
	WABAID             string
	VerifiedName       string

	// CallbackURL receives webhooks; SetCallback changes it later.
	CallbackURL string
	// Rate is how many messages per second the number accepts (token bucket
	// with a one-second burst, on Clock); 0 means unlimited.
	Rate float64
	// KnownNumbers are the wa_ids that exist on WhatsApp; empty means all.
	KnownNumbers []string
	// Statuses queued for each accepted message, in order; nil means
	// sent, delivered, read.
	Statuses []string
	// AutoStatuses makes the emulator flush queued statuses itself after
	// every accepted send.
	AutoStatuses bool

	Clock      func() time.Time
	HTTPClient *http.Client
	// Logf reports auto-mode delivery errors; nil discards them.
	Logf func(format string, args ...any)
}

// SentMessage is one message the emulator accepted.
type SentMessage struct {
	ID string // wamid returned to the sender
	// To is the "to" field as sent; WaID is its digits.
	To, WaID string
	Type     string
	// API is "graph" or "360dialog".
	API  string
	Body []byte // raw request body
	At   time.Time
}

// Emulator is safe for concurrent use.
type Emulator struct {
	cfg   Config
	known map[string]bool

	mu       sync.Mutex
	callback string
	seq      int
	sent     []SentMessage
	reads    []string
	windows  map[string]time.Time // wa_id → last inbound message
	media    map[string]*mediaItem
	queue    []statusEvent
	bucket   bucket
	flushMu  sync.Mutex // serializes deliveries of queued statuses
	statuses []string
}

// New builds an Emulator; see Config for defaults.
func New(cfg Config) *Emulator {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.PhoneNumberID == "" {
		cfg.PhoneNumberID = "106540352242922"
	}
	if cfg.DisplayPhoneNumber == "" {
		cfg.DisplayPhoneNumber = "15550783881"
	}
	if cfg.WABAID == "" {
		cfg.WABAID = "102290129340398"
	}
	if cfg.VerifiedName == "" {
		cfg.VerifiedName = "Charla Emulator"
	}
	e := &Emulator{
		cfg:      cfg,
		callback: cfg.CallbackURL,
		windows:  map[string]time.Time{},
		media:    map[string]*mediaItem{},
		statuses: cfg.Statuses,
	}
	if e.statuses == nil {
		e.statuses = []string{"sent", "delivered", "read"}
	}
	if len(cfg.KnownNumbers) > 0 {
		e.known = map[string]bool{}
		for _, n := range cfg.KnownNumbers {
			e.known[digits(n)] = true
		}
	}
	e.bucket = newBucket(cfg.Rate, cfg.Clock())
	return e
}

// SetCallback changes where webhooks are posted.
func (e *Emulator) SetCallback(url string) {
	e.mu.Lock()
	e.callback = url
	e.mu.Unlock()
}

// Callback is the current webhook URL.
func (e *Emulator) Callback() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.callback
}

// Sent lists the accepted messages in arrival order.
func (e *Emulator) Sent() []SentMessage {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]SentMessage(nil), e.sent...)
}

// SentTo counts the accepted messages for a recipient (any formatting of
// the number).
func (e *Emulator) SentTo(waID string) int {
	return e.Counts()[digits(waID)]
}

// Counts maps each recipient wa_id to its number of accepted messages.
func (e *Emulator) Counts() map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := map[string]int{}
	for _, m := range e.sent {
		c[m.WaID]++
	}
	return c
}

// ReadMarks lists the message ids charla marked as read, in order.
func (e *Emulator) ReadMarks() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.reads...)
}

// WindowOpen reports whether waID's 24 h customer-service window is open at
// the emulator's clock.
func (e *Emulator) WindowOpen(waID string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.windowOpenLocked(digits(waID))
}

func (e *Emulator) windowOpenLocked(waID string) bool {
	last, ok := e.windows[waID]
	return ok && e.cfg.Clock().Before(last.Add(24*time.Hour))
}

func (e *Emulator) exists(waID string) bool {
	return e.known == nil || e.known[waID]
}

// nextSeq returns a per-emulator counter; callers hold e.mu.
func (e *Emulator) nextSeq() int {
	e.seq++
	return e.seq
}

// digits keeps the decimal digits of a phone number ("+1 650-555" → "1650555").
func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (e *Emulator) logf(format string, args ...any) {
	if e.cfg.Logf != nil {
		e.cfg.Logf(format, args...)
	}
}
