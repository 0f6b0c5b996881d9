package outbound

import (
	"context"

	"charla/internal/channel"
	"charla/internal/store"
)

// Verdict is what a BulkGate decides for a bulk message about to be sent.
type Verdict int

const (
	// Send it now.
	Send Verdict = iota
	// Hold it: it goes back to the queue and is not sent until its owner
	// enqueues it again (SendAgainTx), e.g. when a paused broadcast resumes.
	Hold
	// Drop it: it fails with the gate's reason, e.g. its broadcast was cancelled.
	Drop
)

// BulkGate is the owner of bulk traffic (broadcasts). The pipeline asks it
// about every bulk message right before the provider call, after the
// message's rate slot, so a pause takes effect on messages already queued;
// and tells it of every provider error on one, so a pattern such as a
// spam-rate limit can stop the traffic.
type BulkGate interface {
	// Gate decides; reason says why a message is dropped.
	Gate(ctx context.Context, messageID string) (v Verdict, reason string, err error)
	// HoldTx records that the message is held, in the transaction that
	// puts it back in the queue; false means it may go after all (its
	// broadcast resumed meanwhile).
	HoldTx(ctx context.Context, tx *store.Tx, messageID string) (bool, error)
	// SendFailed hears of a provider error on a bulk message.
	SendFailed(ctx context.Context, messageID string, d *channel.DeliveryError)
}

// SetBulkGate connects the owner of bulk traffic; without one, bulk messages
// are sent like any other.
func (p *Pipeline) SetBulkGate(g BulkGate) { p.gate = g }

// SendAgainTx enqueues a held message once more in the caller's
// transaction. round must differ from the rounds enqueued before for this
// message (a job that ended stays on record, and jobs are unique by their
// arguments).
func (p *Pipeline) SendAgainTx(ctx context.Context, tx *store.Tx, messageID string, round int) error {
	return p.jobs.InsertTx(ctx, tx, SendArgs{MessageID: messageID, Round: round}, sendOpts(false))
}

// SendBulkTx enqueues the delivery of queued bulk messages (behind agent
// replies) in the caller's transaction, in one insert.
func (p *Pipeline) SendBulkTx(ctx context.Context, tx *store.Tx, messageIDs []string) error {
	params := make([]riverInsert, len(messageIDs))
	for i, id := range messageIDs {
		params[i] = riverInsert{Args: SendArgs{MessageID: id}, InsertOpts: sendOpts(false)}
	}
	return p.jobs.InsertManyTx(ctx, tx, params)
}

// RateFor is the pace of sends on ch.
func (p *Pipeline) RateFor(ch channel.Channel) Rate {
	t, _ := p.channels.Types().Get(ch.Type)
	return RateOf(ch, t)
}
