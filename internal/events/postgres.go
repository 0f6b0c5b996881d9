package events

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DefaultChannel is the PostgreSQL LISTEN/NOTIFY channel used by default.
const DefaultChannel = "charla_events"

// MaxPayload is PostgreSQL's NOTIFY payload limit: payloads must be shorter
// than 8000 bytes in the default configuration.
const MaxPayload = 8000 - 1

// maxChannelLen is NAMEDATALEN-1; longer identifiers are silently truncated by
// PostgreSQL, which would make LISTEN and pg_notify disagree.
const maxChannelLen = 63

// pgTuning holds timings; unexported so tests can shorten them.
type pgTuning struct {
	connectTimeout time.Duration // per connection attempt
	healthEvery    time.Duration // ping the listener after this long without notifications
	pingTimeout    time.Duration
	minBackoff     time.Duration
	maxBackoff     time.Duration
	onHealthOK     func() // test hook: called after each successful idle ping
}

func defaultPGTuning() pgTuning {
	return pgTuning{
		connectTimeout: 15 * time.Second,
		healthEvery:    30 * time.Second,
		pingTimeout:    10 * time.Second,
		minBackoff:     250 * time.Millisecond,
		maxBackoff:     30 * time.Second,
	}
}

// envelope is the NOTIFY payload. Origin lets an instance skip its own
// notifications: it already delivered them locally in Publish, and each
// subscriber must see each event exactly once.
type envelope struct {
	Origin string `json:"o"`
	Event
}

type pgBus struct {
	hub     *hub
	log     *slog.Logger
	channel string
	tuning  pgTuning
	connCfg *pgx.ConnConfig
	origin  string

	// ctx lives until Close; cancelling it stops the listener and aborts
	// in-flight publishes.
	ctx       context.Context
	cancel    context.CancelFunc
	done      chan struct{} // closed when the listener goroutine exits
	closeOnce sync.Once

	// pubSem serialises use of pubConn (a pgx.Conn is not concurrency-safe).
	// It is a channel rather than a mutex so waiting for it honours ctx.
	pubSem    chan struct{}
	pubConn   *pgx.Conn // guarded by pubSem; nil until first publish or after breakage
	pubClosed bool      // guarded by pubSem

	listenPID atomic.Uint32 // backend pid of the listener, for tests
	pubPID    atomic.Uint32 // backend pid of the publisher, for tests
}

// NewPostgres returns a bus that also carries events between processes that
// share one PostgreSQL database, via LISTEN/NOTIFY on one channel.
//
// It holds two dedicated connections: one LISTENing (reconnected with backoff
// if it drops; all subscriptions are then signalled as lagged because events
// may have been missed) and one for pg_notify, opened on first Publish.
// ctx bounds only the initial connection; call Close to stop the bus.
// logger may be nil.
func NewPostgres(ctx context.Context, dsn string, logger *slog.Logger, opts ...Option) (Bus, error) {
	c := newConfig(opts)
	if c.channel == "" || len(c.channel) > maxChannelLen {
		return nil, fmt.Errorf("events: channel name must be 1..%d bytes, got %q", maxChannelLen, c.channel)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	connCfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("events: parse dsn: %w", err)
	}
	// The application may share one DSN with pgxpool; pool_* settings are not
	// server parameters and would make the server reject the connection.
	for k := range connCfg.RuntimeParams {
		if strings.HasPrefix(k, "pool_") {
			delete(connCfg.RuntimeParams, k)
		}
	}
	if _, ok := connCfg.RuntimeParams["application_name"]; !ok {
		// Makes the bus's connections recognisable in pg_stat_activity.
		connCfg.RuntimeParams["application_name"] = "charla-events"
	}

	var idb [8]byte
	_, _ = rand.Read(idb[:]) // crypto/rand.Read never fails
	bctx, cancel := context.WithCancel(context.Background())
	b := &pgBus{
		hub:     newHub(c.bufferSize),
		log:     logger.With("component", "events", "channel", c.channel),
		channel: c.channel,
		tuning:  c.pg,
		connCfg: connCfg,
		origin:  hex.EncodeToString(idb[:]),
		ctx:     bctx,
		cancel:  cancel,
		done:    make(chan struct{}),
		pubSem:  make(chan struct{}, 1),
	}

	// Connect and LISTEN before returning so a bad DSN fails startup, and so
	// that once NewPostgres returns, events from other instances are received.
	conn, err := b.connectListener(ctx)
	if err != nil {
		cancel()
		return nil, err
	}
	go b.listen(conn)
	return b, nil
}

func (b *pgBus) Subscribe(workspace string) *Subscription { return b.hub.subscribe(workspace) }

// Publish delivers e to this instance's subscribers, then NOTIFYs the other
// instances. Local delivery comes first and does not depend on the database,
// so local subscribers are served even if the notify fails; the returned
// error then means other instances may have missed the event.
func (b *pgBus) Publish(ctx context.Context, e Event) error {
	if err := e.validate(); err != nil {
		return err
	}
	payload, err := json.Marshal(envelope{Origin: b.origin, Event: e})
	if err != nil {
		return fmt.Errorf("events: encode: %w", err)
	}
	if len(payload) > MaxPayload {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrPayloadTooLarge, len(payload), MaxPayload)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if b.ctx.Err() != nil || !b.hub.deliver(e) {
		return ErrClosed
	}
	return b.notify(ctx, string(payload))
}

func (b *pgBus) notify(ctx context.Context, payload string) error {
	// Abort an in-flight notify when the bus closes, so Close never waits on
	// a hung database for the caller's (possibly unbounded) ctx.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := context.AfterFunc(b.ctx, func() { cancel(ErrClosed) })
	defer stop()

	select {
	case b.pubSem <- struct{}{}:
	case <-ctx.Done():
		return context.Cause(ctx)
	}
	defer func() { <-b.pubSem }()
	if b.pubClosed {
		return ErrClosed
	}

	reused := b.pubConn != nil && !b.pubConn.IsClosed()
	err := b.notifyOnce(ctx, payload)
	if err != nil && reused && ctx.Err() == nil && retryable(err) {
		// The kept-open publisher connection had died (e.g. server restart,
		// idle connection killed) and the notify certainly did not commit, so
		// one retry on a fresh connection cannot duplicate the event. A failed
		// fresh connect is not retried: the database is likely down and the
		// caller should not wait twice.
		b.log.Info("events: publisher connection lost; reconnecting", "err", err)
		err = b.notifyOnce(ctx, payload)
	}
	if err != nil {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		return fmt.Errorf("events: notify: %w", err)
	}
	return nil
}

// notifyOnce must be called holding pubSem.
func (b *pgBus) notifyOnce(ctx context.Context, payload string) error {
	if b.pubConn == nil || b.pubConn.IsClosed() {
		b.dropPubConn()
		conn, err := b.connect(ctx)
		if err != nil {
			return err
		}
		b.pubConn = conn
		b.pubPID.Store(conn.PgConn().PID())
	}
	_, err := b.pubConn.Exec(ctx, "SELECT pg_notify($1, $2)", b.channel, payload)
	if err != nil {
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Severity == "FATAL" || pgErr.Severity == "PANIC" {
			// The connection's protocol state is unknown (cancelled mid-query,
			// network error) or the server ended the session: start fresh next time.
			b.dropPubConn()
		}
	}
	return err
}

// retryable reports whether a failed notify certainly did not commit.
func retryable(err error) bool {
	if pgconn.SafeToRetry(err) { // nothing reached the server
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now:
		// the backend was terminated, so its transaction was rolled back and
		// NOTIFY (sent only on commit) never went out.
		switch pgErr.Code {
		case "57P01", "57P02", "57P03":
			return true
		}
	}
	return false
}

// dropPubConn must be called holding pubSem.
func (b *pgBus) dropPubConn() {
	if b.pubConn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	_ = b.pubConn.Close(ctx) // already broken or shutting down; nothing to do with the error
	cancel()
	b.pubConn = nil
	b.pubPID.Store(0)
}

func (b *pgBus) connect(ctx context.Context) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, b.tuning.connectTimeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, b.connCfg)
	if err != nil {
		return nil, fmt.Errorf("events: connect: %w", err)
	}
	return conn, nil
}

func (b *pgBus) connectListener(ctx context.Context) (*pgx.Conn, error) {
	conn, err := b.connect(ctx)
	if err != nil {
		return nil, err
	}
	lctx, cancel := context.WithTimeout(ctx, b.tuning.connectTimeout)
	defer cancel()
	if _, err := conn.Exec(lctx, "LISTEN "+pgx.Identifier{b.channel}.Sanitize()); err != nil {
		closeConn(conn)
		return nil, fmt.Errorf("events: listen: %w", err)
	}
	b.listenPID.Store(conn.PgConn().PID())
	return conn, nil
}

// listen owns the listener connection for the bus's lifetime.
func (b *pgBus) listen(conn *pgx.Conn) {
	defer close(b.done)
	for {
		err := b.receive(conn)
		closeConn(conn)
		b.listenPID.Store(0)
		if b.ctx.Err() != nil {
			return
		}
		b.log.Warn("events: listener connection lost; reconnecting", "err", err)
		conn = b.reconnect()
		if conn == nil {
			return
		}
		// Events published while we were not listening are gone. Signal
		// only now, after LISTEN is active again, so the reload clients do
		// in response sees everything that the stream will not carry.
		b.hub.lagAll()
	}
}

// receive dispatches notifications until the connection fails or the bus
// closes.
func (b *pgBus) receive(conn *pgx.Conn) error {
	for {
		wctx, cancel := context.WithTimeout(b.ctx, b.tuning.healthEvery)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		if err != nil {
			if b.ctx.Err() != nil {
				return b.ctx.Err()
			}
			if pgconn.Timeout(err) && !conn.IsClosed() {
				// Quiet period. A half-open TCP connection would otherwise go
				// unnoticed for a long time while events are silently lost.
				// A read timeout leaves pgx's connection usable.
				pctx, pcancel := context.WithTimeout(b.ctx, b.tuning.pingTimeout)
				err = conn.Ping(pctx)
				pcancel()
				if err == nil {
					if b.tuning.onHealthOK != nil {
						b.tuning.onHealthOK()
					}
					continue
				}
				if b.ctx.Err() != nil {
					return b.ctx.Err()
				}
			}
			return err
		}
		b.dispatch(n)
	}
}

func (b *pgBus) dispatch(n *pgconn.Notification) {
	if n == nil || n.Channel != b.channel {
		return
	}
	var env envelope
	if err := json.Unmarshal([]byte(n.Payload), &env); err != nil {
		b.log.Warn("events: ignoring malformed notification", "err", err, "payload_bytes", len(n.Payload))
		return
	}
	if env.Origin == b.origin {
		return // already delivered locally by Publish
	}
	if err := env.Event.validate(); err != nil {
		b.log.Warn("events: ignoring invalid notification", "err", err)
		return
	}
	b.hub.deliver(env.Event)
}

// reconnect retries with capped, jittered exponential backoff until it gets a
// listening connection or the bus closes (then it returns nil). The first
// attempt is immediate: a single dropped connection usually reconnects at once.
func (b *pgBus) reconnect() *pgx.Conn {
	delay := b.tuning.minBackoff
	for attempt := 1; ; attempt++ {
		conn, err := b.connectListener(b.ctx)
		if err == nil {
			b.log.Info("events: listener reconnected", "attempts", attempt)
			return conn
		}
		if b.ctx.Err() != nil {
			return nil
		}
		// Jitter so several instances don't hammer a recovering server in step.
		wait := delay/2 + mrand.N(delay/2+1)
		b.log.Warn("events: listener reconnect failed", "attempt", attempt, "retry_in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-b.ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		delay = min(delay*2, b.tuning.maxBackoff)
	}
}

func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = conn.Close(ctx) // best effort: the connection is being discarded
}

// Close stops the listener, waits for it to exit, closes the publisher
// connection and every subscription. It is idempotent.
func (b *pgBus) Close() error {
	b.closeOnce.Do(func() {
		b.cancel()
		<-b.done
		b.pubSem <- struct{}{} // in-flight publishes were aborted by cancel
		b.dropPubConn()
		b.pubClosed = true
		<-b.pubSem
		b.hub.close()
	})
	return nil
}
