package jobs

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"modernc.org/sqlite"

	"charla/internal/store"
)

// openSQLite opens River's own connection to the store's SQLite file.
//
// Why not the store's writer: River's SQLite driver sends every statement as
// text, and SQLite parsing and planning each one again was two thirds of the
// CPU of working a job (the completer updates jobs one row at a time). A
// connection of our own can keep River's statements prepared (stmtCache),
// which halved the CPU per job and doubled throughput (see BenchmarkJobs),
// and River's work stays off the store's writer queue. The cost is a second
// writer on the file: SQLite serializes the two with busy_timeout (a short
// sleep and retry) instead of database/sql's queue. Both use BEGIN IMMEDIATE,
// so they wait for each other without ever deadlocking. One connection, as
// River's driver advises: its transactions never need a second one.
func openSQLite(ctx context.Context, d *store.DB) (*sql.DB, error) {
	var path string
	if err := d.W.QueryRowContext(ctx, "SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&path); err != nil {
		return nil, fmt.Errorf("find the database file: %w", err)
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db := sql.OpenDB(stmtCacheConnector{dsn})
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// maxStmts bounds the cache; River uses a few dozen distinct statements.
const maxStmts = 256

type stmtCacheConnector struct{ dsn string }

func (c stmtCacheConnector) Driver() driver.Driver { return &sqlite.Driver{} }

func (c stmtCacheConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.Driver().Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &stmtCache{conn: conn, stmts: map[string]*cachedStmt{}}, nil
}

// stmtCache is a modernc SQLite connection that prepares each distinct
// statement once. database/sql never uses a connection from two goroutines
// at once, so it needs no lock.
type stmtCache struct {
	conn  driver.Conn
	stmts map[string]*cachedStmt
}

type cachedStmt struct {
	driver.Stmt
	// open is set while rows read from the statement; running it again
	// then would reset them, so the query goes uncached.
	open bool
}

// stmt returns the prepared statement for query, or nil when it is busy or
// the cache is full.
func (c *stmtCache) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	if s, ok := c.stmts[query]; ok {
		if s.open {
			return nil, nil
		}
		return s, nil
	}
	if len(c.stmts) >= maxStmts {
		return nil, nil
	}
	s, err := c.conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	cs := &cachedStmt{Stmt: s}
	c.stmts[query] = cs
	return cs, nil
}

func (c *stmtCache) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.conn.(driver.QueryerContext).QueryContext(ctx, query, args)
	}
	rows, err := s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	s.open = true
	return &cachedRows{Rows: rows, s: s}, nil
}

func (c *stmtCache) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.conn.(driver.ExecerContext).ExecContext(ctx, query, args)
	}
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (c *stmtCache) Prepare(query string) (driver.Stmt, error) { return c.conn.Prepare(query) }
func (c *stmtCache) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *stmtCache) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *stmtCache) ResetSession(ctx context.Context) error {
	return c.conn.(driver.SessionResetter).ResetSession(ctx)
}

func (c *stmtCache) IsValid() bool { return c.conn.(driver.Validator).IsValid() }

func (c *stmtCache) Close() error {
	for _, s := range c.stmts {
		s.Close()
	}
	return c.conn.Close()
}

type cachedRows struct {
	driver.Rows
	s *cachedStmt
}

func (r *cachedRows) Close() error {
	r.s.open = false
	return r.Rows.Close()
}
