package broadcast

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/db"
)

// StartArgs is the job that starts a scheduled broadcast at its time. At
// tells apart the jobs of a rescheduled broadcast: only the one for the
// current time starts it.
type StartArgs struct {
	BroadcastID string    `json:"broadcast_id"`
	At          time.Time `json:"at"`
}

func (StartArgs) Kind() string { return "broadcast_start" }

func (s *Service) enqueueStart(ctx context.Context, tx *store.Tx, id string, at time.Time) error {
	return s.jobs.InsertTx(ctx, tx, StartArgs{BroadcastID: id, At: at.UTC()}, &river.InsertOpts{ScheduledAt: at,
		Priority: priorityFeed, MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true}})
}

type startWorker struct {
	river.WorkerDefaults[StartArgs]
	s *Service
}

// Work starts the broadcast if it is still scheduled for this time. When a
// check fails now (the template was paused, the limit is used up), the
// broadcast is paused with the reason instead: it did not go out, and the
// user sees why and can resume it.
func (w *startWorker) Work(ctx context.Context, job *river.Job[StartArgs]) error {
	s := w.s
	b, err := s.db.Q.GetBroadcastByID(ctx, job.Args.BroadcastID)
	if store.NotFound(err) == store.ErrNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if b.Status != Scheduled || !b.ScheduledAt.Valid || !b.ScheduledAt.Time.Equal(job.Args.At) {
		return nil // rescheduled, started by hand, or cancelled
	}
	if wait := time.Until(b.ScheduledAt.Time); wait > 0 {
		return river.JobSnooze(wait)
	}
	err = s.startNow(ctx, b, StartOptions{IgnoreLimit: b.IgnoreLimit})
	if err == nil || problem.As(err).Kind == problem.Internal {
		return err
	}
	reason := "did not start at the scheduled time: " + explain(err)
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		n, err := tx.Q.SetBroadcastStatus(ctx, db.SetBroadcastStatusParams{ID: b.ID, FromStatus: Scheduled, Status: Paused,
			PauseReason: reason, UpdatedAt: store.Now()})
		if err == nil && n == 1 {
			tx.AfterCommit(func() { s.changed(b.WorkspaceID, b.ID, b.ChannelID) })
		}
		return err
	})
}
