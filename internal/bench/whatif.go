package bench

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"charla/internal/channel"
	"charla/internal/core"
	"charla/internal/events"
	"charla/internal/store"
	"charla/internal/store/db"
)

// groupPoster is a what-if, not the product's code path: it stores a known
// visitor's message with exactly the statements inbox.Receive runs
// (GetIdentity, LatestConversation, CreateMessage, TouchConversationInbound),
// but commits up to max waiting messages in one transaction on a dedicated
// writer connection — group commit — and optionally with statements prepared
// once. It exists to put numbers on those recommendations before anyone
// changes the inbox; max=1 without prepare is the baseline it is compared to.
type groupPoster struct {
	s        *core.Services
	ch       channel.Channel
	max      int
	prepared bool
	reqs     chan *groupReq
	closed   chan struct{}
	batches  int
	msgs     int
}

type groupReq struct {
	visitor int
	body    string
	done    chan error
}

// newGroupPoster takes the writer connection for itself until close.
func newGroupPoster(ctx context.Context, s *core.Services, ch channel.Channel, max int, prepared bool) (*groupPoster, error) {
	conn, err := s.DB.W.Conn(ctx)
	if err != nil {
		return nil, err
	}
	g := &groupPoster{s: s, ch: ch, max: max, prepared: prepared, reqs: make(chan *groupReq), closed: make(chan struct{})}
	go g.loop(conn)
	return g, nil
}

func (g *groupPoster) post(ctx context.Context, visitor int, body string) (int, error) {
	r := &groupReq{visitor: visitor, body: body, done: make(chan error, 1)}
	select {
	case g.reqs <- r:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	if err := <-r.done; err != nil {
		return 500, err
	}
	return 201, nil
}

func (g *groupPoster) close() {
	close(g.reqs)
	<-g.closed
}

func (g *groupPoster) loop(conn *sql.Conn) {
	defer close(g.closed)
	defer conn.Close()
	ctx := context.Background()
	var q *db.Queries
	if g.prepared {
		q = db.New(&stmtCache{conn: conn, stmts: map[string]*sql.Stmt{}})
	} else {
		q = db.New(conn)
	}
	begin := "BEGIN"
	if g.s.DB.Dialect == store.SQLite {
		begin = "BEGIN IMMEDIATE" // what the writer pool's _txlock=immediate issues
	}
	for first := range g.reqs {
		batch := []*groupReq{first}
	fill:
		for len(batch) < g.max {
			select {
			case r, ok := <-g.reqs:
				if !ok {
					break fill
				}
				batch = append(batch, r)
			default:
				break fill // take only what is already waiting: never delay a lone message
			}
		}
		var evs []events.Event
		err := func() error {
			if _, err := conn.ExecContext(ctx, begin); err != nil {
				return err
			}
			for _, r := range batch {
				ev, err := g.store(ctx, q, r)
				if err != nil {
					_, _ = conn.ExecContext(ctx, "ROLLBACK")
					return err
				}
				evs = append(evs, ev...)
			}
			_, err := conn.ExecContext(ctx, "COMMIT")
			return err
		}()
		if err == nil {
			for _, e := range evs {
				_ = g.s.Bus.Publish(ctx, e)
			}
		}
		g.batches++
		g.msgs += len(batch)
		for _, r := range batch {
			r.done <- err
		}
	}
}

// store is inbox.receive's steady state: the visitor already has a contact and a conversation.
func (g *groupPoster) store(ctx context.Context, q *db.Queries, r *groupReq) ([]events.Event, error) {
	ws, now := g.ch.WorkspaceID, store.Now()
	ident, err := q.GetIdentity(ctx, db.GetIdentityParams{ChannelID: g.ch.ID, ExternalID: visitorID(r.visitor)})
	if err != nil {
		return nil, errors.New("what-if needs warmed-up visitors: " + err.Error())
	}
	conv, err := q.LatestConversation(ctx, db.LatestConversationParams{ContactID: ident.ContactID, ChannelID: g.ch.ID})
	if err != nil {
		return nil, err
	}
	msgID := newID()
	err = q.CreateMessage(ctx, db.CreateMessageParams{ID: msgID, WorkspaceID: ws, ConversationID: conv.ID,
		ChannelID: g.ch.ID, Direction: "incoming", SenderType: "contact", SenderID: sql.NullString{String: ident.ContactID, Valid: true},
		Body: r.body, Status: "delivered", CreatedAt: now})
	if err != nil {
		return nil, err
	}
	err = q.TouchConversationInbound(ctx, db.TouchConversationInboundParams{ID: conv.ID, LastMessagePreview: preview(r.body),
		LastActivityAt: now, LastInboundAt: sql.NullTime{Time: now, Valid: true}})
	return []events.Event{
		{Workspace: ws, Kind: events.KindConversationUpdated, Conversation: conv.ID, Contact: ident.ContactID, Channel: g.ch.ID},
		{Workspace: ws, Kind: events.KindMessageCreated, Conversation: conv.ID, Message: msgID, Channel: g.ch.ID},
	}, err
}

// stmtCache runs the generated queries as statements prepared once on one
// connection, instead of database/sql preparing and discarding one per call.
type stmtCache struct {
	conn  *sql.Conn
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func (c *stmtCache) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.stmts[q]; ok {
		return s, nil
	}
	s, err := c.conn.PrepareContext(ctx, q)
	if err == nil {
		c.stmts[q] = s
	}
	return s, err
}

func (c *stmtCache) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	s, err := c.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (c *stmtCache) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	return c.conn.PrepareContext(ctx, q)
}

func (c *stmtCache) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	s, err := c.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

func (c *stmtCache) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	s, err := c.stmt(ctx, q)
	if err != nil {
		// *sql.Row cannot be built with an error outside database/sql; the
		// connection's own QueryRow reports the same failure on Scan.
		return c.conn.QueryRowContext(ctx, q, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// warmUp sends every visitor's first message the way the run will (HTTP or
// inbox.Receive), so the timed phase measures the steady state: known
// contact, open thread.
func warmUp(ctx context.Context, p poster, visitors, workers int) (time.Duration, error) {
	st := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for v := w; v < visitors; v += workers {
				if _, err := p.post(ctx, v, "hello, first message"); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return time.Since(st), <-errs
}

// useMmap reopens the SQLite pools exactly as store.Open does, plus
// mmap_size, so pages are read from the OS page cache by memory access
// instead of a pread per page: after every commit each reader connection
// drops its page cache, so under write load reads are mostly cold.
func useMmap(d *store.DB, path string) error {
	pragmas := "_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=mmap_size(1073741824)"
	w, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_txlock=immediate")
	if err != nil {
		return err
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return err
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	oldW, oldR := d.W, d.R
	d.W, d.R, d.Q = w, r, db.New(r)
	oldW.Close()
	oldR.Close()
	return nil
}
