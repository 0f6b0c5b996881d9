package events

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const testDSNEnv = "CHARLA_TEST_DATABASE_URL"

func testDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv(testDSNEnv)
	if dsn == "" {
		t.Skipf("PostgreSQL bus tests need a database: set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", testDSNEnv)
	}
	return dsn
}

// uniqueChannel keeps concurrently running tests and packages on the same
// database from seeing each other's notifications.
func uniqueChannel(t *testing.T) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "charla_test_" + hex.EncodeToString(b[:])
}

func newPG(t *testing.T, dsn, channel string, opts ...Option) *pgBus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	// Logs go to the test output so reconnects are visible with -v.
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	bus, err := NewPostgres(ctx, dsn, logger, append([]Option{WithChannel(channel)}, opts...)...)
	if err != nil {
		t.Fatalf("NewPostgres: %v", err)
	}
	t.Cleanup(func() { _ = bus.Close() })
	return bus.(*pgBus)
}

func adminConn(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { closeConn(conn) })
	return conn
}

// terminate kills a backend and waits (server-side, PostgreSQL 14+) until it
// is gone, so the test does not race the termination.
func terminate(t *testing.T, admin *pgx.Conn, pid uint32) {
	t.Helper()
	if pid == 0 {
		t.Fatal("no backend pid to terminate")
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	var ok bool
	if err := admin.QueryRow(ctx, "SELECT pg_terminate_backend($1, 10000)", int32(pid)).Scan(&ok); err != nil || !ok {
		t.Fatalf("pg_terminate_backend(%d) = %v, %v", pid, ok, err)
	}
}

func publish(t *testing.T, b Bus, e Event) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := b.Publish(ctx, e); err != nil {
		t.Fatalf("Publish(%+v): %v", e, err)
	}
}

// collectUntil reads s until every marker message has been seen and returns
// how often each message arrived.
func collectUntil(t *testing.T, s *Subscription, markers ...string) map[string]int {
	t.Helper()
	seen := map[string]int{}
	pending := map[string]bool{}
	for _, m := range markers {
		pending[m] = true
	}
	for len(pending) > 0 {
		e := recv(t, s)
		seen[e.Message]++
		delete(pending, e.Message)
	}
	return seen
}

// TestPostgresTwoInstances simulates two servers on one database.
//
// Duplicates are detected without sleeping: PostgreSQL delivers notifications
// to a listener in commit order, so any duplicate of an event (e.g. an
// instance delivering its own notification again) would arrive before the
// other instance's later marker, which collectUntil waits for.
func TestPostgresTwoInstances(t *testing.T) {
	dsn := testDSN(t)
	ch := uniqueChannel(t)
	a, b := newPG(t, dsn, ch), newPG(t, dsn, ch)

	a1, a2, b1 := a.Subscribe("w1"), a.Subscribe("w1"), b.Subscribe("w1")
	aOther, bOther := a.Subscribe("w2"), b.Subscribe("w2")

	publish(t, a, ev("w1", KindMessageCreated, "from-a"))
	publish(t, b, ev("w1", KindMessageCreated, "from-b"))
	publish(t, a, ev("w1", KindMessageUpdated, "end-a"))
	publish(t, b, ev("w1", KindMessageUpdated, "end-b"))

	for name, s := range map[string]*Subscription{"a1": a1, "a2": a2, "b1": b1} {
		got := collectUntil(t, s, "end-a", "end-b")
		want := map[string]int{"from-a": 1, "from-b": 1, "end-a": 1, "end-b": 1}
		if len(got) != len(want) {
			t.Errorf("%s: got %v, want %v", name, got, want)
			continue
		}
		for m, n := range want {
			if got[m] != n {
				t.Errorf("%s: got %v, want %v", name, got, want)
				break
			}
		}
		expectNotLagged(t, s)
	}

	// Workspace isolation across instances: w2's first events must be its own
	// markers, which were committed after all the w1 events.
	publish(t, a, ev("w2", KindConversationCreated, "w2-a"))
	publish(t, b, ev("w2", KindConversationCreated, "w2-b"))
	for name, s := range map[string]*Subscription{"aOther": aOther, "bOther": bOther} {
		got := collectUntil(t, s, "w2-a", "w2-b")
		if len(got) != 2 || got["w2-a"] != 1 || got["w2-b"] != 1 {
			t.Errorf("%s: got %v, want only w2-a and w2-b once each", name, got)
		}
		expectEmpty(t, s)
	}
}

func TestPostgresReconnect(t *testing.T) {
	dsn := testDSN(t)
	ch := uniqueChannel(t)
	a, b := newPG(t, dsn, ch), newPG(t, dsn, ch)
	admin := adminConn(t, dsn)

	sa, sb := a.Subscribe("w"), b.Subscribe("w")

	// Listener connection dropped: a reconnects, then tells subscribers they
	// may have missed events.
	terminate(t, admin, a.listenPID.Load())
	expectLagged(t, sa)
	// Lag is signalled only after LISTEN is active again, so this must arrive.
	publish(t, b, ev("w", KindMessageCreated, "after-listener-reconnect"))
	if got := recv(t, sa); got.Message != "after-listener-reconnect" {
		t.Fatalf("a got %+v", got)
	}
	if got := recv(t, sb); got.Message != "after-listener-reconnect" {
		t.Fatalf("b got %+v", got)
	}
	expectNotLagged(t, sb) // b's own listener never dropped

	// Publisher connection dropped: the next Publish reconnects and succeeds,
	// and the event still arrives exactly once.
	publish(t, a, ev("w", KindMessageCreated, "warm-up")) // ensures a publisher conn exists
	oldPub := a.pubPID.Load()
	terminate(t, admin, oldPub)
	publish(t, a, ev("w", KindMessageCreated, "after-publisher-reconnect"))
	if a.pubPID.Load() == oldPub {
		t.Fatal("publisher connection was not replaced")
	}
	publish(t, a, ev("w", KindMessageCreated, "end"))
	want := map[string]int{"warm-up": 1, "after-publisher-reconnect": 1, "end": 1}
	for name, s := range map[string]*Subscription{"a": sa, "b": sb} {
		got := collectUntil(t, s, "end")
		if len(got) != len(want) || got["warm-up"] != 1 || got["after-publisher-reconnect"] != 1 || got["end"] != 1 {
			t.Errorf("%s: got %v, want %v", name, got, want)
		}
	}
}

// TestPostgresIdleHealthCheck runs the listener's idle ping many times and
// checks that the timed-out waits leave the connection working.
func TestPostgresIdleHealthCheck(t *testing.T) {
	dsn := testDSN(t)
	ch := uniqueChannel(t)
	pinged := make(chan struct{}, 1)
	fast := func(c *config) {
		c.pg.healthEvery = 5 * time.Millisecond // only makes the idle path run often
		c.pg.onHealthOK = func() {
			select {
			case pinged <- struct{}{}:
			default:
			}
		}
	}
	a, b := newPG(t, dsn, ch, fast), newPG(t, dsn, ch)
	sa := a.Subscribe("w")
	for range 5 {
		select {
		case <-pinged:
		case <-time.After(waitTimeout):
			t.Fatal("listener never ran its idle health check")
		}
	}
	publish(t, b, ev("w", KindMessageCreated, "x"))
	if got := recv(t, sa); got.Message != "x" {
		t.Fatalf("got %+v", got)
	}
	expectNotLagged(t, sa)
}

func TestPostgresIgnoresForeignNotifications(t *testing.T) {
	dsn := testDSN(t)
	ch := uniqueChannel(t)
	a := newPG(t, dsn, ch)
	admin := adminConn(t, dsn)
	s := a.Subscribe("w")

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	for _, payload := range []string{"not json", `{"o":"x","k":"message.created"}`} {
		if _, err := admin.Exec(ctx, "SELECT pg_notify($1, $2)", ch, payload); err != nil {
			t.Fatal(err)
		}
	}
	// A well-formed event from a "third instance" is delivered, and it was
	// committed after the junk, so nothing else can be pending before it.
	if _, err := admin.Exec(ctx, "SELECT pg_notify($1, $2)", ch, `{"o":"other","w":"w","k":"message.created","m":"ok"}`); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, s); got != (Event{Workspace: "w", Kind: KindMessageCreated, Message: "ok"}) {
		t.Fatalf("got %+v", got)
	}
}

func TestPostgresPublishErrors(t *testing.T) {
	dsn := testDSN(t)
	a := newPG(t, dsn, uniqueChannel(t))
	s := a.Subscribe("w")

	big := ev("w", KindMessageCreated, strings.Repeat("x", MaxPayload))
	if err := a.Publish(context.Background(), big); !errors.Is(err, ErrPayloadTooLarge) {
		t.Fatalf("oversized: got %v, want ErrPayloadTooLarge", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := a.Publish(ctx, ev("w", KindMessageCreated, "m")); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled ctx: got %v, want context.Canceled", err)
	}
	if err := a.Publish(context.Background(), Event{Workspace: "w"}); !errors.Is(err, ErrInvalidEvent) {
		t.Fatalf("invalid: got %v, want ErrInvalidEvent", err)
	}
	expectEmpty(t, s)
}

func TestPostgresClose(t *testing.T) {
	dsn := testDSN(t)
	a := newPG(t, dsn, uniqueChannel(t))
	s := a.Subscribe("w")
	publish(t, a, ev("w", KindMessageCreated, "m")) // opens the publisher conn
	recv(t, s)

	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-a.done: // the listener goroutine has exited
	default:
		t.Fatal("listener goroutine still running after Close")
	}
	if a.pubConn != nil {
		t.Fatal("publisher connection still open after Close")
	}
	expectClosed(t, s)
	s.Close()
	if err := a.Publish(context.Background(), ev("w", KindMessageCreated, "m")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Publish after Close: got %v, want ErrClosed", err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestPostgresBadConfig(t *testing.T) {
	ctx := context.Background()
	if _, err := NewPostgres(ctx, "postgres://127.0.0.1/x", nil, WithChannel("")); err == nil {
		t.Fatal("empty channel accepted")
	}
	if _, err := NewPostgres(ctx, "postgres://127.0.0.1/x", nil, WithChannel(strings.Repeat("c", 64))); err == nil {
		t.Fatal("64-byte channel accepted")
	}
	if _, err := NewPostgres(ctx, "::not a dsn", nil); err == nil {
		t.Fatal("bad DSN accepted")
	}
}
