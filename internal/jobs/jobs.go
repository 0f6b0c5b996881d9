// Package jobs runs durable background jobs with River on either of charla's
// databases: embedded SQLite (riversqlite) or PostgreSQL (riverpgxv5).
//
// Jobs are enqueued inside the caller's store transaction, so a job exists
// if and only if the data it works on was committed.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"charla/internal/store"
)

// Config tunes the job runner. Zero values take the defaults.
type Config struct {
	// Workers is how many jobs run at once (default 100).
	Workers int
	// PollInterval is how often SQLite is polled for new jobs (default 50ms).
	// Jobs inserted by this process are usually picked up sooner, through
	// River's notification table; PostgreSQL uses LISTEN/NOTIFY and polls
	// only as a fallback, every second.
	PollInterval time.Duration
	// Logger receives River's logs (default slog.Default()).
	Logger *slog.Logger
}

const (
	defaultWorkers      = 100
	defaultPollInterval = 50 * time.Millisecond
	// fetchCooldown is the least time between two fetches. River's default
	// (100ms) caps a queue at Workers jobs per 100ms, 1,000 jobs/s with 100
	// workers; a short cooldown lets a busy queue refill as slots free up.
	fetchCooldown = 5 * time.Millisecond
	// hardStopWait bounds how long Stop waits for jobs to return once their
	// contexts are cancelled.
	hardStopWait = 10 * time.Second
)

// Jobs enqueues jobs and, once started, works them.
type Jobs struct {
	d       *store.DB
	workers *river.Workers
	client  client
	// close releases River's own connections.
	close func()
}

// client is the part of a River client Jobs uses, whatever the driver's
// transaction type.
type client interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	PeriodicJobs() *river.PeriodicJobBundle
	SubscribeConfig(cfg *river.SubscribeConfig) (<-chan *river.Event, func()) // for tests
	insertManyTx(ctx context.Context, tx *store.Tx, params []river.InsertManyParams) error
}

// New migrates River's own tables (idempotent) and builds a client on d.
// Register workers and periodic jobs before Start. Call Stop when done, even
// if Jobs was never started: it releases River's connections.
func New(ctx context.Context, d *store.DB, cfg Config) (*Jobs, error) {
	j := &Jobs{d: d, workers: river.NewWorkers(), close: func() {}}
	rc := &river.Config{
		Queues:        map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: orDefault(cfg.Workers, defaultWorkers)}},
		Workers:       j.workers,
		FetchCooldown: fetchCooldown,
		Logger:        cfg.Logger,
		// A job left "running" by a killed process is retried after this.
		// River's default is an hour; charla's jobs guard their own effects
		// (a send claims its message first), so a quick rescue is safe.
		RescueStuckJobsAfter: rescueAfter(),
		JobTimeout:           rescueAfter() / 2,
	}
	if rc.Logger == nil {
		rc.Logger = slog.Default()
	}
	var err error
	switch d.Dialect {
	case store.SQLite:
		rc.FetchPollInterval = orDefault(cfg.PollInterval, defaultPollInterval)
		var db *sql.DB
		j.client, db, err = newSQLite(ctx, d, rc)
		if db != nil {
			j.close = func() { db.Close() }
		}
	case store.Postgres:
		var pool *pgxpool.Pool
		j.client, pool, err = newPostgres(ctx, d, rc)
		if pool != nil {
			j.close = pool.Close
		}
	default:
		err = fmt.Errorf("unknown dialect %q", d.Dialect)
	}
	if err != nil {
		j.close()
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return j, nil
}

// newSQLite works jobs on a connection of River's own; see openSQLite.
func newSQLite(ctx context.Context, d *store.DB, rc *river.Config) (client, *sql.DB, error) {
	db, err := openSQLite(ctx, d)
	if err != nil {
		return nil, nil, err
	}
	driver := riversqlite.New(db)
	if err := migrate(ctx, driver, rc.Logger); err != nil {
		return nil, db, err
	}
	c, err := river.NewClient(driver, rc)
	if err != nil {
		return nil, db, err
	}
	return sqliteClient{c}, db, nil
}

// newPostgres works jobs through a pgx pool of River's own, which gives it
// LISTEN/NOTIFY for prompt fetches. The URL's search_path (tests use one
// schema each) selects where River's tables live, as it does for the store.
func newPostgres(ctx context.Context, d *store.DB, rc *river.Config) (client, *pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(d.DSN)
	if err != nil {
		return nil, nil, err
	}
	pc.MaxConns = 8 // fetch, complete, elect, maintain, and one held for LISTEN
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, nil, err
	}
	driver := riverpgxv5.New(pool)
	if err := migrate(ctx, driver, rc.Logger); err != nil {
		return nil, pool, err
	}
	c, err := river.NewClient(driver, rc)
	if err != nil {
		return nil, pool, err
	}
	return pgClient{c}, pool, nil
}

func migrate[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], logger *slog.Logger) error {
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: logger})
	if err != nil {
		return err
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	return nil
}

// Register adds the worker for jobs of kind T. Call it before Start.
func Register[T river.JobArgs](j *Jobs, w river.Worker[T]) {
	river.AddWorker(j.workers, w)
}

// Periodic enqueues args every interval, and once when this process becomes
// the leader (so on start, on a single instance). Call it before Start.
func (j *Jobs) Periodic(every time.Duration, args river.JobArgs) {
	j.client.PeriodicJobs().Add(river.NewPeriodicJob(
		river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return args, nil },
		&river.PeriodicJobOpts{RunOnStart: true},
	))
}

// Start begins fetching and working jobs. Cancelling ctx stops the runner
// and cancels running jobs; prefer Stop for a graceful shutdown.
func (j *Jobs) Start(ctx context.Context) error {
	if j.d.Dialect == store.SQLite {
		// One process works an SQLite database: a job still "running" at
		// start was cut off by a crash, so it is due again now rather than
		// after the rescue delay.
		err := j.d.Tx(ctx, func(tx *store.Tx) error {
			_, err := tx.X.ExecContext(ctx, "UPDATE river_job SET state = 'available' WHERE state = 'running'")
			return err
		})
		if err != nil {
			return fmt.Errorf("requeue interrupted jobs: %w", err)
		}
	}
	return j.client.Start(ctx)
}

// rescueAfter is CHARLA_JOBS_RESCUE, or two minutes; a job runs for at most
// half of it.
func rescueAfter() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("CHARLA_JOBS_RESCUE")); err == nil && d > 0 {
		return d
	}
	return 2 * time.Minute
}

// Stop stops fetching and waits for running jobs to finish. When ctx ends
// first, it cancels their contexts, waits a little more for them to return,
// and reports ctx's error. Stop is final: it closes River's connections.
func (j *Jobs) Stop(ctx context.Context) error {
	err := j.client.Stop(ctx)
	if err != nil && ctx.Err() != nil {
		hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), hardStopWait)
		defer cancel()
		if herr := j.client.StopAndCancel(hard); herr != nil {
			// Jobs are still running on River's connections: leave them open.
			return errors.Join(err, herr)
		}
	}
	j.close()
	j.close = func() {}
	return err
}

// InsertTx enqueues a job in the caller's transaction: the job exists if and
// only if the transaction commits, and no worker sees it before then.
func (j *Jobs) InsertTx(ctx context.Context, tx *store.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	return j.InsertManyTx(ctx, tx, []river.InsertManyParams{{Args: args, InsertOpts: opts}})
}

// InsertManyTx enqueues several jobs in the caller's transaction.
func (j *Jobs) InsertManyTx(ctx context.Context, tx *store.Tx, args []river.InsertManyParams) error {
	if len(args) == 0 {
		return nil
	}
	if err := j.client.insertManyTx(ctx, tx, args); err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	return nil
}

// Insert enqueues a job in a transaction of its own on the store's writer,
// like every other write of the application.
func (j *Jobs) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	return j.d.Tx(ctx, func(tx *store.Tx) error { return j.InsertTx(ctx, tx, args, opts) })
}

// sqliteClient inserts with River's SQLite driver straight on our *sql.Tx.
type sqliteClient struct{ *river.Client[*sql.Tx] }

func (c sqliteClient) insertManyTx(ctx context.Context, tx *store.Tx, params []river.InsertManyParams) error {
	_, err := c.InsertManyTx(ctx, tx.X, params)
	return err
}

// pgClient inserts with River's pgx driver on the connection our
// database/sql transaction is open on; see insertManyTx.
type pgClient struct{ *river.Client[pgx.Tx] }

func orDefault[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}
