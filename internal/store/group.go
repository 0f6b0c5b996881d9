package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// maxGroup bounds how many callers share one commit, so one slow batch can't
// hold the writer for long.
const maxGroup = 64

// ErrClosed is returned for writes asked of a closed DB.
var ErrClosed = errors.New("store: database is closed")

type groupReq struct {
	fn   func(ctx context.Context, tx *Tx) error
	done chan error
}

// TxGroup runs fn in a transaction shared with other concurrent callers and
// returns once that transaction has committed (or fn failed). A failing fn
// rolls back alone while the others commit.
// Sharing one commit is what lets a single SQLite writer (and PostgreSQL's WAL
// flush) keep up with thousands of small writes a second.
//
// fn must use the ctx it is given, never the caller's: a cancelled query
// aborts the whole shared transaction on both drivers. Its AfterCommit hooks
// run only if it committed. fn may run twice (when another caller in its
// batch fails, the batch is redone), so it must touch nothing outside tx
// except its own results, which each run must set afresh.
func (d *DB) TxGroup(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	d.groupOnce.Do(d.startGroup)
	req := groupReq{fn: fn, done: make(chan error, 1)}
	select {
	case d.group <- req:
	case <-d.closed:
		return ErrClosed
	case <-ctx.Done():
		// Not handed over yet: nothing was written.
		return ctx.Err()
	}
	// Handed over: the write happens whatever the caller does now, so report its outcome.
	return <-req.done
}

func (d *DB) startGroup() {
	d.groupDone = make(chan struct{})
	go d.groupLoop()
}

func (d *DB) groupLoop() {
	defer close(d.groupDone)
	for {
		var first groupReq
		select {
		case first = <-d.group:
		case <-d.closed:
			return
		}
		batch := []groupReq{first}
	collect:
		for len(batch) < maxGroup {
			select {
			case r := <-d.group:
				batch = append(batch, r)
			default:
				break collect
			}
		}
		d.runGroup(batch)
	}
}

// runGroup commits a batch. It first runs every caller back to back in one
// plain transaction: a savepoint per caller costs two statements and a copy
// of every page it first touches, for a failure that almost never comes. If
// a caller does fail, that attempt is rolled back and the batch runs again
// with a savepoint around each caller, so the failure stays its own.
func (d *DB) runGroup(batch []groupReq) {
	ctx := context.Background()
	if d.Dialect != SQLite {
		// A statement can wait on a row lock for ever on PostgreSQL. SQLite's
		// waits are all bounded by busy_timeout, and a context that can end
		// costs its driver and database/sql a watcher goroutine per statement.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	results := make([]error, len(batch))
	hooks := make([][]func(), len(batch))
	err := d.runPlain(ctx, batch, hooks)
	if errors.Is(err, errCallerFailed) {
		err = d.runIsolated(ctx, batch, results, hooks)
	}
	for i, r := range batch {
		if err != nil && results[i] == nil {
			results[i] = err
		}
		if results[i] == nil {
			for _, f := range hooks[i] {
				f()
			}
		}
		r.done <- results[i]
	}
}

// errCallerFailed tells runGroup a caller failed in the plain transaction,
// which was rolled back: the batch must run again with isolation.
var errCallerFailed = errors.New("store: a group caller failed")

// runPlain runs the batch in one transaction without savepoints. Any
// caller's error rolls everything back and returns errCallerFailed; other
// errors (begin, commit) are the whole batch's.
func (d *DB) runPlain(ctx context.Context, batch []groupReq, hooks [][]func()) error {
	sqlTx, err := d.W.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	q := d.txQueries(ctx, sqlTx)
	for i, r := range batch {
		tx := &Tx{Q: q, X: sqlTx, Dialect: d.Dialect}
		if err := r.fn(ctx, tx); err != nil {
			if rerr := sqlTx.Rollback(); rerr != nil {
				return fmt.Errorf("rollback: %w", rerr)
			}
			clear(hooks)
			return errCallerFailed
		}
		hooks[i] = tx.after
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	d.nudgeCheckpoint()
	return nil
}

// runIsolated runs the batch again, each caller in its own savepoint, so a
// failing caller rolls back alone while the others commit. results get the
// callers' own errors; the returned error is the whole batch's.
func (d *DB) runIsolated(ctx context.Context, batch []groupReq, results []error, hooks [][]func()) error {
	sqlTx, err := d.W.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	q := d.txQueries(ctx, sqlTx)
	fail := func(err error) error {
		_ = sqlTx.Rollback()
		clear(hooks)
		return err
	}
	for i, r := range batch {
		if _, err := sqlTx.ExecContext(ctx, "SAVEPOINT grp"); err != nil {
			return fail(fmt.Errorf("savepoint: %w", err))
		}
		tx := &Tx{Q: q, X: sqlTx, Dialect: d.Dialect}
		if err := r.fn(ctx, tx); err != nil {
			results[i] = err
			if _, rerr := sqlTx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT grp"); rerr != nil {
				// The transaction itself is broken: nobody in it can commit.
				return fail(fmt.Errorf("rollback to savepoint: %w", rerr))
			}
		} else {
			hooks[i] = tx.after
		}
		if _, err := sqlTx.ExecContext(ctx, "RELEASE SAVEPOINT grp"); err != nil {
			return fail(fmt.Errorf("release savepoint: %w", err))
		}
	}
	if err := sqlTx.Commit(); err != nil {
		clear(hooks)
		return fmt.Errorf("commit: %w", err)
	}
	d.nudgeCheckpoint()
	return nil
}
