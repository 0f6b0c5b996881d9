// Package store opens charla's database (embedded SQLite or PostgreSQL),
// migrates it, and runs the queries sqlc generated from queries/*.sql.
package store

//go:generate go run github.com/sqlc-dev/sqlc/cmd/sqlc@v1.31.1 generate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"charla/internal/store/db"
)

// Dialect names the SQL engine behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the application's handle on its database.
type DB struct {
	Dialect Dialect
	// W takes every write. On SQLite it is one connection, since SQLite has one writer;
	// funnelling writes through it avoids SQLITE_BUSY storms.
	W *sql.DB
	// R serves reads outside transactions. On PostgreSQL it is the same pool as W.
	R *sql.DB
	// Q runs generated queries on the read pool.
	Q *db.Queries
	// wq holds the generated queries prepared on the writer (SQLite), reused by every transaction.
	wq *db.Queries
	// DSN is the PostgreSQL connection string, for components that need their own connection (LISTEN).
	DSN string

	// The group-commit writer (see TxGroup), started on first use.
	group     chan groupReq
	groupOnce sync.Once
	groupDone chan struct{}
	closed    chan struct{}
	closeOnce sync.Once

	// The background checkpointer (SQLite, see checkpoint.go).
	ck      *sql.DB
	ckNudge chan struct{}
	ckDone  chan struct{}
}

// ErrNotFound is returned when a row does not exist (or belongs to another workspace).
var ErrNotFound = errors.New("not found")

// Open connects to url: "" or a path means SQLite in dataDir (or that path); postgres:// means PostgreSQL.
func Open(ctx context.Context, url, dataDir string) (*DB, error) {
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		return openPostgres(ctx, url)
	}
	path := url
	path = strings.TrimPrefix(path, "sqlite://")
	path = strings.TrimPrefix(path, "file:")
	if path == "" {
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data dir: %w", err)
		}
		path = filepath.Join(dataDir, "charla.db")
	}
	return openSQLite(ctx, path)
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	pragmas := "_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	// temp_store(MEMORY): SQLite journals savepoints (group commit's
	// fallback) and multi-row statements to a temp file by default — a
	// fifth of a webhook's CPU went to that file (docs/benchmarks.md).
	w, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=temp_store(MEMORY)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	d := &DB{Dialect: SQLite, W: w, R: r, Q: db.New(r), group: make(chan groupReq), closed: make(chan struct{})}
	if err := w.PingContext(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if err := d.startCheckpointer("file:" + path + "?" + pragmas); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func openPostgres(ctx context.Context, url string) (*DB, error) {
	p, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	p.SetMaxOpenConns(20)
	p.SetMaxIdleConns(20)
	p.SetConnMaxIdleTime(5 * time.Minute)
	if err := p.PingContext(ctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	return &DB{Dialect: Postgres, W: p, R: p, Q: db.New(p), DSN: url, group: make(chan groupReq), closed: make(chan struct{})}, nil
}

// Close finishes the group writer's batch in hand, then releases the pools
// and the checkpointing connection.
func (d *DB) Close() error {
	d.closeOnce.Do(func() { close(d.closed) })
	d.groupOnce.Do(func() {}) // no writer may start after this
	if d.groupDone != nil {
		<-d.groupDone
	}
	var err error
	if d.ck != nil {
		<-d.ckDone
		err = d.ck.Close()
	}
	if d.wq != nil {
		err = errors.Join(err, d.wq.Close(), d.Q.Close())
	}
	err = errors.Join(err, d.W.Close())
	if d.R != d.W {
		err = errors.Join(err, d.R.Close())
	}
	return err
}

// Tx runs fn in one transaction on the writer and commits when fn returns nil.
// The caller's cancellation does not abort it: a client hanging up must not
// leave half a request written, so only a generous timeout bounds it.
func (d *DB) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	sqlTx, err := d.W.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{Q: d.txQueries(ctx, sqlTx), X: sqlTx, Dialect: d.Dialect}
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	for _, f := range tx.after {
		f()
	}
	return nil
}

// txQueries binds the generated queries to a transaction, reusing prepared statements when there are.
func (d *DB) txQueries(ctx context.Context, tx *sql.Tx) *db.Queries {
	if d.wq != nil {
		return d.wq.WithTx(tx)
	}
	return db.New(tx)
}

// prepare compiles every generated query once on SQLite, where database/sql
// would otherwise re-parse each statement on every call (a fifth of the CPU
// of an inbound message). pgx already caches prepared statements itself.
func (d *DB) prepare(ctx context.Context) error {
	if d.Dialect != SQLite || d.wq != nil {
		return nil
	}
	wq, err := db.Prepare(ctx, d.W)
	if err != nil {
		return fmt.Errorf("prepare queries: %w", err)
	}
	rq, err := db.Prepare(ctx, d.R)
	if err != nil {
		wq.Close()
		return fmt.Errorf("prepare queries: %w", err)
	}
	d.wq, d.Q = wq, rq
	return nil
}

// Tx is an open transaction: generated queries in Q, hand-built ones on X.
type Tx struct {
	Q       *db.Queries
	X       *sql.Tx
	Dialect Dialect
	after   []func()
}

// AfterCommit runs f once the transaction has committed (e.g. publishing realtime events).
func (t *Tx) AfterCommit(f func()) { t.after = append(t.after, f) }

// Now is the current time as stored: UTC, at PostgreSQL's microsecond precision,
// so a value reads back equal on both databases.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// IsUniqueViolation tells whether err is a unique-constraint conflict on either database.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		return sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// NotFound maps sql.ErrNoRows to ErrNotFound and passes other errors through.
func NotFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
