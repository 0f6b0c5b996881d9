package outbound

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"charla/internal/store"
	"charla/internal/store/db"
)

// SweepArgs is the periodic job that re-enqueues outgoing messages left
// queued without a job (written before the pipeline ran, or a lost job)
// and drops statuses that never found their message.
type SweepArgs struct{}

func (SweepArgs) Kind() string { return "sweep_outbound" }

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	p *Pipeline
}

// sweepAge leaves fresh messages to the jobs enqueued with them.
const sweepAge = time.Minute

func (w *sweepWorker) Work(ctx context.Context, job *river.Job[SweepArgs]) error {
	d := w.p.db
	// One batch a run: messages that already have a live job are skipped by
	// the jobs' uniqueness, so repeating the query would find them again.
	ids, err := d.Q.QueuedMessages(ctx, db.QueuedMessagesParams{CreatedAt: store.Now().Add(-sweepAge), Limit: 1000})
	if err != nil {
		return err
	}
	return d.Tx(ctx, func(tx *store.Tx) error {
		for _, id := range ids {
			if err := w.p.SendTx(ctx, tx, id, false); err != nil {
				return err
			}
		}
		_, err := tx.Q.PurgePendingStatuses(ctx, store.Now().Add(-7*24*time.Hour))
		return err
	})
}
