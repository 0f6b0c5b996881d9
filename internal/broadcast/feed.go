package broadcast

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"charla/internal/channel"
	"charla/internal/outbound"
	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/db"
	"charla/internal/templates"
)

// FeedArgs is the job that feeds a running broadcast to the send pipeline:
// it writes the recipients, then keeps Lead of sending time queued until
// every recipient is handed over, then announces late statuses for a while.
// It works in slices and snoozes between them, so a restarted or other
// instance picks it up where it stopped.
type FeedArgs struct {
	BroadcastID string `json:"broadcast_id"`
}

func (FeedArgs) Kind() string { return "broadcast_feed" }

const (
	priorityFeed = 2 // after agent replies, before bulk sends
	// maxBatch bounds one feeding transaction, which holds SQLite's writer.
	maxBatch = 200
	// maxLead bounds the queue whatever the rate.
	maxLead = 5000
	// tail is how long a finished broadcast's counts are still announced
	// as delivery and read statuses come in.
	tail       = 10 * time.Minute
	tailPeriod = 2 * time.Second
	// slice is the longest a feed job runs before it snoozes.
	slice = 20 * time.Second
)

// liveStates make a feed job unique among those not finished, so a resumed
// broadcast can be fed again once its last job has ended.
var liveStates = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
	rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled}

func (s *Service) enqueueFeed(ctx context.Context, tx *store.Tx, id string) error {
	return s.jobs.InsertTx(ctx, tx, FeedArgs{BroadcastID: id}, &river.InsertOpts{Priority: priorityFeed, MaxAttempts: 100,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: liveStates}})
}

type feedWorker struct {
	river.WorkerDefaults[FeedArgs]
	s *Service
}

// NextRetry backs off from 1 s to 30 s: a broadcast should not stall long on a hiccup.
func (w *feedWorker) NextRetry(job *river.Job[FeedArgs]) time.Time {
	return time.Now().Add(min(time.Duration(1<<min(job.Attempt, 5))*time.Second, 30*time.Second))
}

func (w *feedWorker) Work(ctx context.Context, job *river.Job[FeedArgs]) error {
	return w.s.feed(ctx, job.Args.BroadcastID)
}

// errRaced rolls back a transaction that found another feeder got there first.
var errRaced = errors.New("broadcast: another feeder took these recipients")

func (s *Service) feed(ctx context.Context, id string) error {
	run := slice
	if dl, ok := ctx.Deadline(); ok {
		// Well within the job timeout, which is what counts as stuck.
		run = min(run, time.Until(dl)/2)
	}
	end := time.Now().Add(run)
	f := &feeding{}
	for {
		b, err := s.db.Q.GetBroadcastByID(ctx, id)
		if store.NotFound(err) == store.ErrNotFound {
			return nil // deleted
		}
		if err != nil {
			return err
		}
		switch b.Status {
		case Running:
		case Completed:
			if reopened, err := s.reopenLeftovers(ctx, b); err != nil || reopened {
				if err != nil {
					return err
				}
				continue
			}
			s.announce(ctx, b, false)
			if b.FinishedAt.Valid && time.Since(b.FinishedAt.Time) < tail {
				return river.JobSnooze(tailPeriod)
			}
			return nil
		default: // paused or cancelled: whoever resumes it enqueues a new feed
			s.announce(ctx, b, false)
			return nil
		}
		busy, err := s.step(ctx, b, f)
		if err != nil && !errors.Is(err, errRaced) {
			return err
		}
		if time.Now().After(end) {
			return river.JobSnooze(time.Millisecond)
		}
		if busy {
			continue
		}
		t := time.NewTimer(s.cfg.Tick)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// feeding is what one feed job run keeps between rounds.
type feeding struct {
	tmpl    *templates.Template
	values  templates.Values
	checked time.Time
}

// templateRecheck is how often a feed run re-reads its template (a sync
// may have paused it; the provider refusing sends pauses it sooner).
const templateRecheck = 5 * time.Second

// template returns the broadcast's template (nil for a text broadcast), or
// why it cannot be sent.
func (f *feeding) template(ctx context.Context, s *Service, b db.Broadcast) (*templates.Template, error) {
	if b.TemplateName == "" || (f.tmpl != nil && time.Since(f.checked) < templateRecheck) {
		return f.tmpl, nil
	}
	t, err := s.templates.Find(ctx, b.WorkspaceID, b.ChannelID, b.TemplateName, b.TemplateLanguage)
	if err == nil && !t.Approved() {
		_, err = templates.Render(t, templates.Values{}) // says why it cannot be sent
	}
	if err != nil {
		return nil, err
	}
	f.tmpl, f.checked = &t, time.Now()
	f.values = templates.Values{}
	_ = json.Unmarshal([]byte(b.TemplateValues), &f.values)
	return f.tmpl, nil
}

// step does one round of feeding; busy says to go on at once.
func (s *Service) step(ctx context.Context, b db.Broadcast, f *feeding) (busy bool, err error) {
	ch, err := s.channels.Lookup(ctx, b.ChannelID)
	if err != nil {
		return false, s.pauseRunning(ctx, b.ID, "the channel was deleted; its broadcasts cannot send")
	}
	t, _ := s.channels.Types().Get(ch.Type)
	var caps channel.Capabilities
	if t != nil {
		caps = t.Capabilities()
	}
	target := lead(s.out.RateFor(ch), s.cfg.Lead)
	if !b.Materialized {
		// Sending starts with the first batch of recipients; the rest are
		// written while there are still enough pending to feed.
		pending, err := s.db.Q.CountRecipientsInStatus(ctx, db.CountRecipientsInStatusParams{BroadcastID: b.ID, Status: Pending})
		if err != nil {
			return false, err
		}
		if int(pending) < max(target, materializeBatch) {
			return true, s.materialize(ctx, b, ch, caps)
		}
	}
	if reason, err := s.failurePausing(ctx, b); err != nil || reason != "" {
		if err != nil {
			return false, err
		}
		return false, s.pauseRunning(ctx, b.ID, reason)
	}
	inflight, err := s.db.Q.CountRecipientsInStatus(ctx, db.CountRecipientsInStatusParams{BroadcastID: b.ID, Status: Queued})
	if err != nil {
		return false, err
	}
	// Refill once half the lead is sent, in batches back to back: fewer,
	// fuller transactions than topping up every round.
	if int(inflight) <= target/2 {
		tmpl, err := f.template(ctx, s, b)
		if err != nil {
			if problem.As(err).Kind == problem.Internal {
				return false, err
			}
			// Every recipient would fail alike: stop and say why.
			return false, s.pauseRunning(ctx, b.ID, explain(err))
		}
		want := min(target-int(inflight), maxBatch)
		n, err := s.queueBatch(ctx, b, ch, tmpl, f.values, want)
		if err != nil {
			return false, err
		}
		if n == 0 && inflight == 0 && b.Materialized {
			return true, s.finish(ctx, b)
		}
		if n == want && int(inflight)+n < target {
			return true, nil
		}
	}
	s.announce(ctx, b, false)
	return false, nil
}

// lead is how many messages cover d of sending at rate r.
func lead(r outbound.Rate, d time.Duration) int {
	if r.Unlimited() {
		return maxBatch
	}
	return max(1, min(maxLead, int(math.Ceil(r.PerSecond()*d.Seconds()))))
}

// finish completes a broadcast every recipient of which was handed over.
// A message held as the broadcast resumed (a hold racing the resume) is
// handed back instead.
func (s *Service) finish(ctx context.Context, b db.Broadcast) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if held, err := s.unholdTx(ctx, tx, b.ID); err != nil || held > 0 {
			return err
		}
		n, err := tx.Q.FinishBroadcast(ctx, db.FinishBroadcastParams{ID: b.ID, FromStatus: Running, Status: Completed,
			FinishedAt: nullTime(store.Now()), UpdatedAt: store.Now()})
		if err == nil && n == 1 {
			tx.AfterCommit(func() { s.changed(b.WorkspaceID, b.ID, b.ChannelID) })
		}
		return err
	})
}
