package store

import (
	"database/sql"
	"time"
)

// SQLite copies committed pages from the WAL into the database file in a
// checkpoint, which the committing connection runs inside its COMMIT once
// the WAL passes 1,000 pages: with group commit that is the single writer,
// and the whole batch waits. A second connection does most of that copying
// beside the writer, on another core, just after group commits. The
// writer's own automatic checkpoint stays (it bounds the WAL, which
// restarts from its start only after a complete checkpoint between two
// commits) and finds little left to copy (docs/benchmarks.md §4).

// checkpointGap spaces background checkpoints: each copies what the commits
// since the last one wrote, and ends with an fsync of the database file.
const checkpointGap = 25 * time.Millisecond

// startCheckpointer opens the checkpointing connection and its goroutine.
func (d *DB) startCheckpointer(dsn string) error {
	ck, err := sql.Open("sqlite", dsn)
	if err != nil {
		return err
	}
	ck.SetMaxOpenConns(1)
	ck.SetConnMaxIdleTime(0)
	d.ck = ck
	d.ckNudge = make(chan struct{}, 1)
	d.ckDone = make(chan struct{})
	go d.checkpointLoop()
	return nil
}

func (d *DB) checkpointLoop() {
	defer close(d.ckDone)
	gap := time.NewTimer(0)
	defer gap.Stop()
	for {
		select {
		case <-d.ckNudge:
		case <-d.closed:
			return
		}
		// PASSIVE never waits for the writer or readers; it copies what it
		// can. A failure only leaves the copying to the writer's checkpoint.
		_, _ = d.ck.Exec("PRAGMA wal_checkpoint(PASSIVE)")
		gap.Reset(checkpointGap)
		select {
		case <-gap.C:
		case <-d.closed:
			return
		}
	}
}

// nudgeCheckpoint tells the checkpointer that a commit added WAL pages.
func (d *DB) nudgeCheckpoint() {
	if d.ckNudge != nil {
		select {
		case d.ckNudge <- struct{}{}:
		default: // one is already due
		}
	}
}
