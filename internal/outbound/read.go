package outbound

import (
	"context"

	"github.com/riverqueue/river"

	"charla/internal/channel"
	"charla/internal/store"
)

// MarkReadArgs is a job to show the contact that an agent read the conversation.
type MarkReadArgs struct {
	Workspace      string `json:"workspace"`
	ConversationID string `json:"conversation_id"`
}

func (MarkReadArgs) Kind() string { return "mark_read" }

// MarkReadTx enqueues the read receipt in the caller's transaction. Blue
// ticks are a courtesy: a few tries, then it is dropped.
func (p *Pipeline) MarkReadTx(ctx context.Context, tx *store.Tx, conversationID string) error {
	var ws string
	if err := tx.X.QueryRowContext(ctx, "SELECT workspace_id FROM conversations WHERE id = $1", conversationID).Scan(&ws); err != nil {
		return err
	}
	return p.jobs.InsertTx(ctx, tx, MarkReadArgs{Workspace: ws, ConversationID: conversationID},
		&river.InsertOpts{Priority: priorityUrgent, MaxAttempts: 3})
}

type readWorker struct {
	river.WorkerDefaults[MarkReadArgs]
	p *Pipeline
}

func (w *readWorker) Work(ctx context.Context, job *river.Job[MarkReadArgs]) error {
	p := w.p
	providerID, channelID, err := p.inbox.ProviderIDOfLatestInbound(ctx, job.Args.Workspace, job.Args.ConversationID)
	if err != nil || providerID == "" {
		return err
	}
	ch, err := p.channels.Lookup(ctx, channelID)
	if err != nil {
		return nil // the channel is gone: nobody to tell
	}
	t, _ := p.channels.Types().Get(ch.Type)
	m, ok := t.(channel.ReadMarker)
	if !ok {
		return nil
	}
	secrets, err := p.channels.Secrets(ch)
	if err != nil {
		return err
	}
	err = m.MarkRead(ctx, ch, secrets, providerID)
	if d := channel.AsDeliveryError(err); err != nil && !d.Retryable {
		p.log.Info("read receipt refused", "channel", ch.ID, "err", err)
		return nil
	}
	return err
}
