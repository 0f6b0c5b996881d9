// Package outbound is the durable send pipeline: a queued message row gets
// a River job in the same transaction; the job claims the message, waits
// for the channel's rate limiter, calls the provider and records the
// outcome. It also fetches provider-held media and sends read receipts.
package outbound

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"time"

	"github.com/riverqueue/river"

	"charla/internal/blob"
	"charla/internal/channel"
	"charla/internal/inbox"
	"charla/internal/jobs"
	"charla/internal/store"
)

// Job priorities: River fetches lower numbers first.
const (
	priorityUrgent = 1
	priorityBulk   = 3
)

// maxAttempts bounds retries of one send (about a day with the backoff below).
const maxAttempts = 20

// Config tunes the pipeline. Zero values take the defaults.
type Config struct {
	// Reconcile is how long a send cut off mid-call (crash) waits for the
	// provider's status webhook, which names charla's id, before it is sent
	// again (default 60 s, or CHARLA_SEND_RECONCILE).
	Reconcile time.Duration
}

// Pipeline runs the send, media and read-receipt jobs. It implements
// inbox.Dispatcher.
type Pipeline struct {
	db       *store.DB
	jobs     *jobs.Jobs
	inbox    *inbox.Service
	channels *channel.Service
	blobs    blob.Store
	limiter  *Limiter
	gate     BulkGate
	log      *slog.Logger
	cfg      Config
}

type riverInsert = river.InsertManyParams

// New registers the pipeline's workers on j and connects it to the inbox.
func New(d *store.DB, j *jobs.Jobs, in *inbox.Service, ch *channel.Service, blobs blob.Store, log *slog.Logger, cfg Config) *Pipeline {
	if cfg.Reconcile <= 0 {
		cfg.Reconcile = 60 * time.Second
		if d, err := time.ParseDuration(os.Getenv("CHARLA_SEND_RECONCILE")); err == nil && d > 0 {
			cfg.Reconcile = d
		}
	}
	var shared SlotSource
	if d.Dialect == store.Postgres {
		// Several instances may send on one channel: they share its schedule.
		shared = pgSlots{db: d.W}
	}
	p := &Pipeline{db: d, jobs: j, inbox: in, channels: ch, blobs: blobs, limiter: NewLimiter(shared), log: log, cfg: cfg}
	jobs.Register(j, &sendWorker{p: p})
	jobs.Register(j, &mediaWorker{p: p})
	jobs.Register(j, &readWorker{p: p})
	jobs.Register(j, &sweepWorker{p: p})
	j.Periodic(time.Minute, SweepArgs{})
	in.SetDispatcher(p)
	return p
}

// SendArgs is a job to deliver one outgoing message.
type SendArgs struct {
	MessageID string `json:"message_id"`
	// Round tells apart the enqueues of a message held and enqueued again
	// (SendAgainTx); 0 for the first.
	Round int `json:"round,omitempty"`
}

func (SendArgs) Kind() string { return "send_message" }

// SendTx enqueues the delivery of a queued message in the caller's transaction.
func (p *Pipeline) SendTx(ctx context.Context, tx *store.Tx, messageID string, urgent bool) error {
	return p.jobs.InsertTx(ctx, tx, SendArgs{MessageID: messageID}, sendOpts(urgent))
}

func sendOpts(urgent bool) *river.InsertOpts {
	prio := priorityBulk
	if urgent {
		prio = priorityUrgent
	}
	// Unique by message: a sweep can't enqueue a second job for a message
	// whose job is still alive.
	return &river.InsertOpts{Priority: prio, MaxAttempts: maxAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

type sendWorker struct {
	river.WorkerDefaults[SendArgs]
	p *Pipeline
}

// NextRetry backs off exponentially from 1 s to 10 min.
func (w *sendWorker) NextRetry(job *river.Job[SendArgs]) time.Time {
	return time.Now().Add(backoff(job.Attempt))
}

func backoff(attempt int) time.Duration {
	d := time.Duration(math.Pow(2, float64(min(attempt, 20)-1))) * time.Second
	return min(d, 10*time.Minute)
}

func (w *sendWorker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	p := w.p
	out, ok, err := p.inbox.Claim(ctx, job.Args.MessageID)
	if err != nil || !ok {
		return err
	}
	if out.Interrupted {
		// An earlier attempt died mid-call: the provider may have the message.
		// Its status webhook (tagged with our id) records it and ends this job;
		// only when none came within the grace period is it sent again.
		if wait := time.Until(out.SendingSince.Add(p.cfg.Reconcile)); wait > 0 {
			return river.JobSnooze(wait)
		}
		p.log.Warn("resending a message whose earlier send was interrupted", "message", out.MessageID)
	}
	t, _ := p.channels.Types().Get(out.Channel.Type)
	sender, ok := t.(channel.Sender)
	if !ok {
		return p.inbox.Fail(ctx, out.MessageID, inbox.SendError{Reason: "this channel cannot send messages"})
	}
	urgent := job.Priority == priorityUrgent
	if err := p.limiter.Wait(ctx, out.Channel.ID, RateOf(out.Channel, t), urgent); err != nil {
		return p.retry(ctx, out.MessageID, job, &channel.DeliveryError{Reason: "interrupted", Retryable: true, Err: err})
	}
	if !urgent && p.gate != nil {
		if done, err := p.gated(ctx, out.MessageID); done || err != nil {
			return err
		}
	}
	secrets, err := p.channels.Secrets(out.Channel)
	if err != nil {
		return err
	}
	providerID, err := sender.Send(ctx, out.Channel, secrets, out.Outgoing)
	if err != nil && cutOff(ctx, err) {
		// The call was cut off (shutdown, job timeout): the provider may have
		// the message. It stays "sending", so the next attempt waits for the
		// provider's status webhook, as after a crash, instead of resending.
		return err
	}
	if err != nil {
		d := channel.AsDeliveryError(err)
		if !urgent && p.gate != nil {
			p.gate.SendFailed(ctx, out.MessageID, d)
		}
		return p.retry(ctx, out.MessageID, job, d)
	}
	return p.inbox.RecordSent(ctx, out.MessageID, providerID)
}

// gated asks the bulk gate about a claimed message; done is true when the
// message was held back or dropped instead of sent.
func (p *Pipeline) gated(ctx context.Context, messageID string) (done bool, err error) {
	v, reason, err := p.gate.Gate(ctx, messageID)
	switch {
	case err != nil:
		// Unsure whether it may go: put it back and try again later.
		if rerr := p.inbox.Release(ctx, messageID); rerr != nil {
			return true, rerr
		}
		return true, err
	case v == Hold:
		err := p.db.Tx(ctx, func(tx *store.Tx) error {
			if err := p.inbox.ReleaseTx(ctx, tx, messageID); err != nil {
				return err
			}
			held, err := p.gate.HoldTx(ctx, tx, messageID)
			if err == nil && !held {
				return errResumed
			}
			return err
		})
		if errors.Is(err, errResumed) {
			return false, nil // still claimed: send it
		}
		return true, err
	case v == Drop:
		return true, p.inbox.Fail(ctx, messageID, inbox.SendError{Reason: reason})
	}
	return false, nil
}

// retry puts a message back for another attempt, or fails it for good.
func (p *Pipeline) retry(ctx context.Context, messageID string, job *river.Job[SendArgs], d *channel.DeliveryError) error {
	fail := inbox.SendError{Code: d.Code, Title: d.Title, Details: d.Details, Reason: d.Reason}
	if !d.Retryable {
		return p.inbox.Fail(ctx, messageID, fail)
	}
	if job.Attempt >= job.MaxAttempts {
		fail.Reason = fmt.Sprintf("gave up after %d attempts: %s", job.Attempt, d.Reason)
		return p.inbox.Fail(ctx, messageID, fail)
	}
	if err := p.inbox.Release(ctx, messageID); err != nil {
		return err
	}
	if d.RetryAfter > 0 {
		return river.JobSnooze(d.RetryAfter)
	}
	return d
}

// errResumed rolls back a hold whose broadcast resumed meanwhile.
var errResumed = errors.New("outbound: resumed while being held")

// cutOff tells whether a failed provider call ended because this attempt's
// context did (or the client gave up waiting), not with an answer: the
// request may have reached the provider.
func cutOff(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
