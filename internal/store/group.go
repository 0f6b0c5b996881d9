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
// returns once that transaction has committed (or fn failed). Each fn runs in
// its own savepoint, so a failing fn rolls back alone while the others commit.
// Sharing one commit is what lets a single SQLite writer (and PostgreSQL's WAL
// flush) keep up with thousands of small writes a second.
//
// fn must use the ctx it is given, never the caller's: a cancelled query
// aborts the whole shared transaction on both drivers. Its AfterCommit hooks
// run only if it committed.
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

func (d *DB) runGroup(batch []groupReq) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	results := make([]error, len(batch))
	hooks := make([][]func(), len(batch))
	finish := func(err error) {
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
	sqlTx, err := d.W.BeginTx(ctx, nil)
	if err != nil {
		finish(fmt.Errorf("begin: %w", err))
		return
	}
	q := d.txQueries(ctx, sqlTx)
	for i, r := range batch {
		if _, err := sqlTx.ExecContext(ctx, "SAVEPOINT grp"); err != nil {
			_ = sqlTx.Rollback()
			finish(fmt.Errorf("savepoint: %w", err))
			return
		}
		tx := &Tx{Q: q, X: sqlTx, Dialect: d.Dialect}
		if err := r.fn(ctx, tx); err != nil {
			results[i] = err
			if _, rerr := sqlTx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT grp"); rerr != nil {
				// The transaction itself is broken: nobody in it can commit.
				_ = sqlTx.Rollback()
				finish(fmt.Errorf("rollback to savepoint: %w", rerr))
				return
			}
		} else {
			hooks[i] = tx.after
		}
		if _, err := sqlTx.ExecContext(ctx, "RELEASE SAVEPOINT grp"); err != nil {
			_ = sqlTx.Rollback()
			finish(fmt.Errorf("release savepoint: %w", err))
			return
		}
	}
	if err := sqlTx.Commit(); err != nil {
		finish(fmt.Errorf("commit: %w", err))
		return
	}
	finish(nil)
}
