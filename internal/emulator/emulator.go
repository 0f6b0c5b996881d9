// Package emulator is an in-process stand-in for the WhatsApp Cloud API
// (Meta Graph API) and for 360dialog's v2 Messaging API, for tests and local
// trials. It accepts what charla sends, answers in the providers' shapes
// (including Graph errors 131047, 130429, 131026 and 132001), serves media,
// business profile, message templates and resumable uploads, records every
// accepted message, plays Meta's webhook deliveries (signed statuses and
// template status updates) and the customer's side (signed inbound
// messages), and serves a phone simulator page (Phone, Mux).
//
// Webhooks go through one ordered outbox, so the callback sees them in the
// order they happened. Two modes:
//
//   - Manual (the default, for deterministic tests): a message's statuses
//     (Config.Statuses, default sent → delivered → read) wait until the
//     caller runs Advance (one) or Flush (all). CustomerSends and
//     CustomerReads post synchronously. Every post is tried once; on error
//     the delivery stays at the head of the outbox and the error goes to the
//     caller, so the next Advance/Flush/CustomerSends tries it again first.
//   - Auto (Config.AutoStatuses): statuses happen at once and a background
//     deliverer posts everything in order, retrying a failed delivery with
//     exponential backoff (Config.RetryMin doubling to Config.RetryMax), as
//     Meta does, until it is delivered or Close is called.
//
// Posting holds a lock: do not call Advance/Flush/CustomerSends from inside
// the callback handler they are posting to.
//
// Sync errors always use the Graph error envelope, for 360dialog paths too
// (360dialog forwards Meta's errors; the body of its own 401 is not
// documented).
package emulator

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
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
	// AutoStatuses makes statuses happen at once and delivers every webhook
	// in the background with retries (see the package comment).
	AutoStatuses bool
	// RetryMin and RetryMax bound the backoff between attempts at a failed
	// delivery in auto mode; zero means 100 ms and 5 s.
	RetryMin, RetryMax time.Duration
	// DiscardBodies drops each accepted message's raw body (SentMessage.Body
	// is nil) to save memory in long load runs; the phone simulator then
	// shows only message types. The zero value keeps bodies.
	DiscardBodies bool

	// Templates are approved message templates the WABA starts with, in
	// addition to Meta's sample hello_world (en_US), which every new WABA has.
	Templates []Template
	// TemplateApprovalDelay is how long a created template stays PENDING
	// before it is approved (or rejected, when its name starts with
	// "reject_"). It is measured on Clock and checked by a real timer and by
	// ReviewTemplates; zero decides at once.
	TemplateApprovalDelay time.Duration
	// Profile is the business profile the number starts with.
	Profile BusinessProfile

	Clock      func() time.Time
	HTTPClient *http.Client
	// Logf reports auto-mode delivery errors; nil discards them.
	Logf func(format string, args ...any)
}

// Emulator is safe for concurrent use. Call Close to stop its background
// work (auto-mode deliveries, template timers).
type Emulator struct {
	cfg   Config
	known map[string]bool
	// seq numbers ids, media and fbtrace_ids; atomic so the send path takes
	// no lock for it.
	seq         atomic.Int64
	templateSeq atomic.Int64
	bucket      *bucket
	log         sentLog
	out         outbox

	// mu guards the account state below (short critical sections; reads
	// on the send path take the read lock).
	mu        sync.RWMutex
	callback  string
	windows   map[string]time.Time // wa_id → last inbound message
	media     map[string]*mediaItem
	templates templateStore
	profile   BusinessProfile
	uploads   map[string]*uploadSession
	handles   map[string]string // upload handle → media id
	names     map[string]string // wa_id → profile name the customer last used
	timers    []*time.Timer

	ctx       context.Context // cancelled by Close
	cancel    context.CancelFunc
	closeOnce sync.Once
	done      chan struct{} // closed when the deliverer exits
}

// New builds an Emulator; see Config for defaults. In auto mode it starts
// the background deliverer.
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
	if cfg.Statuses == nil {
		cfg.Statuses = []string{"sent", "delivered", "read"}
	}
	if cfg.RetryMin <= 0 {
		cfg.RetryMin = 100 * time.Millisecond
	}
	if cfg.RetryMax < cfg.RetryMin {
		cfg.RetryMax = max(5*time.Second, cfg.RetryMin)
	}
	e := &Emulator{
		cfg:      cfg,
		callback: cfg.CallbackURL,
		windows:  map[string]time.Time{},
		media:    map[string]*mediaItem{},
		profile:  cfg.Profile,
		uploads:  map[string]*uploadSession{},
		handles:  map[string]string{},
		names:    map[string]string{},
		bucket:   newBucket(cfg.Rate, cfg.Clock()),
		log:      newSentLog(),
		out:      newOutbox(),
		done:     make(chan struct{}),
	}
	e.ctx, e.cancel = context.WithCancel(context.Background())
	if len(cfg.KnownNumbers) > 0 {
		e.known = map[string]bool{}
		for _, n := range cfg.KnownNumbers {
			e.known[digits(n)] = true
		}
	}
	e.seedTemplates()
	if cfg.AutoStatuses {
		go e.deliverLoop()
	} else {
		close(e.done)
	}
	return e
}

// Close stops background deliveries (an in-flight post is cancelled; what
// was not delivered stays in the outbox) and pending template timers. It is
// safe to call more than once.
func (e *Emulator) Close() error {
	e.closeOnce.Do(func() {
		e.cancel()
		e.mu.Lock()
		for _, t := range e.timers {
			t.Stop()
		}
		e.timers = nil
		e.mu.Unlock()
		<-e.done
	})
	return nil
}

// Config is the configuration in effect, defaults filled in.
func (e *Emulator) Config() Config {
	return e.cfg
}

// SetCallback changes where webhooks are posted. In auto mode a delivery
// waiting out its backoff is retried at once.
func (e *Emulator) SetCallback(url string) {
	e.mu.Lock()
	e.callback = url
	e.mu.Unlock()
	poke(e.out.kick)
}

// Callback is the current webhook URL.
func (e *Emulator) Callback() string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.callback
}

// WindowOpen reports whether waID's 24 h customer-service window is open at
// the emulator's clock.
func (e *Emulator) WindowOpen(waID string) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.windowOpenLocked(digits(waID))
}

func (e *Emulator) windowOpenLocked(waID string) bool {
	last, ok := e.windows[waID]
	return ok && e.cfg.Clock().Before(last.Add(24*time.Hour))
}

func (e *Emulator) exists(waID string) bool {
	return e.known == nil || e.known[waID]
}

// nextSeq returns a per-emulator counter.
func (e *Emulator) nextSeq() int64 {
	return e.seq.Add(1)
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
