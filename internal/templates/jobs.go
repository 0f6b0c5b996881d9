package templates

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"charla/internal/jobs"
	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/db"
)

// DefaultSyncEvery is how often every channel's templates are synced.
const DefaultSyncEvery = time.Hour

// syncAttempts bounds retries of a failed sync: the next periodic sync
// comes soon anyway, and each failure is recorded for the admin.
const syncAttempts = 3

// clockMargin is how much later than a job's creation a sync must have begun
// for the job to count as done by it.
const clockMargin = 2 * time.Second

// SyncArgs is a job to sync one channel's templates.
type SyncArgs struct {
	ChannelID string `json:"channel_id"`
}

func (SyncArgs) Kind() string { return "templates_sync" }

// SyncAllArgs is the periodic job that enqueues a sync of every template channel.
type SyncAllArgs struct{}

func (SyncAllArgs) Kind() string { return "templates_sync_all" }

// Register adds the sync workers to j and the periodic sync of every
// channel: every 0 means DefaultSyncEvery, a negative every disables it.
// Call it before j starts.
func (s *Service) Register(j *jobs.Jobs, every time.Duration) {
	jobs.Register(j, &syncWorker{s: s})
	jobs.Register(j, &syncAllWorker{s: s})
	if every == 0 {
		every = DefaultSyncEvery
	}
	if every > 0 {
		j.Periodic(every, SyncAllArgs{})
	}
}

// enqueueSyncTx enqueues a sync of channelID in the caller's transaction.
func (s *Service) enqueueSyncTx(ctx context.Context, tx *store.Tx, channelID string) error {
	return s.jobs.InsertTx(ctx, tx, SyncArgs{ChannelID: channelID}, &river.InsertOpts{MaxAttempts: syncAttempts})
}

type syncWorker struct {
	river.WorkerDefaults[SyncArgs]
	s *Service
}

func (w *syncWorker) Work(ctx context.Context, job *river.Job[SyncArgs]) error {
	ch, err := w.s.channels.Lookup(ctx, job.Args.ChannelID)
	if problem.Is(err, problem.NotFound) {
		return nil // the channel was deleted meanwhile
	}
	if err != nil {
		return err
	}
	// Several webhooks about unknown templates enqueue several syncs: one
	// that began after this job was enqueued has done its work. The margin
	// covers a database clock (which stamps the job) a little behind ours.
	if st, err := w.s.syncState(ctx, ch.ID); err == nil && st.SyncedAt != nil && st.SyncedAt.After(job.CreatedAt.Add(clockMargin)) {
		return nil
	}
	_, err = w.s.sync(ctx, ch)
	return err
}

type syncAllWorker struct {
	river.WorkerDefaults[SyncAllArgs]
	s *Service
}

// Work enqueues one sync job per channel, so a failing provider delays or
// retries only its own channel.
func (w *syncAllWorker) Work(ctx context.Context, _ *river.Job[SyncAllArgs]) error {
	rows, err := w.s.db.Q.TemplateChannels(ctx)
	if err != nil {
		return err
	}
	var batch []river.InsertManyParams
	for _, r := range rows {
		if w.s.hasTemplates(r) {
			batch = append(batch, river.InsertManyParams{Args: SyncArgs{ChannelID: r.ID}, InsertOpts: &river.InsertOpts{MaxAttempts: syncAttempts}})
		}
	}
	return w.s.db.Tx(ctx, func(tx *store.Tx) error { return w.s.jobs.InsertManyTx(ctx, tx, batch) })
}

func (s *Service) hasTemplates(r db.TemplateChannelsRow) bool {
	t, ok := s.channels.Types().Get(r.Type)
	_, isProvider := t.(Provider)
	return ok && isProvider
}
