package broadcast

import (
	"context"
	"time"

	"charla/internal/channel"
	"charla/internal/outbound"
	"charla/internal/store"
	"charla/internal/store/db"
)

// Gate holds back the messages of a paused (or not yet started) broadcast
// and drops those of a cancelled one; others, and messages of no
// broadcast, are sent. It implements outbound.BulkGate.
func (s *Service) Gate(ctx context.Context, messageID string) (outbound.Verdict, string, error) {
	r, err := s.db.Q.BroadcastOfMessage(ctx, nullString(messageID))
	if store.NotFound(err) == store.ErrNotFound {
		return outbound.Send, "", nil
	}
	if err != nil {
		return outbound.Send, "", err
	}
	switch r.Status {
	case Paused, Scheduled, Draft:
		return outbound.Hold, "", nil
	case Cancelled:
		return outbound.Drop, "not sent: the broadcast was cancelled", nil
	}
	return outbound.Send, "", nil
}

// HoldTx marks a held message's recipient, so Resume sends it again; not
// when the broadcast resumed meanwhile. On PostgreSQL the broadcast's row
// is locked first, so a Resume either sees this hold or came before it.
func (s *Service) HoldTx(ctx context.Context, tx *store.Tx, messageID string) (bool, error) {
	if tx.Dialect == store.Postgres {
		var status string
		err := tx.X.QueryRowContext(ctx, `SELECT b.status FROM broadcasts b JOIN broadcast_recipients r ON r.broadcast_id = b.id
			WHERE r.message_id = $1 FOR UPDATE OF b`, messageID).Scan(&status)
		if store.NotFound(err) == store.ErrNotFound {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
	n, err := tx.Q.HoldRecipient(ctx, db.HoldRecipientParams{MessageID: nullString(messageID), UpdatedAt: store.Now()})
	return n == 1, err
}

// SendFailed pauses a running broadcast whose message met an error about
// the number, account or template (PauseReason), whether or not the
// pipeline will retry that message.
func (s *Service) SendFailed(ctx context.Context, messageID string, d *channel.DeliveryError) {
	reason := PauseReason(d.Code, d.Title)
	if reason == "" {
		return
	}
	r, err := s.db.Q.BroadcastOfMessage(ctx, nullString(messageID))
	if err != nil || r.Status != Running {
		return
	}
	if err := s.pauseRunning(context.WithoutCancel(ctx), r.ID, reason); err != nil {
		s.log.Error("pause broadcast", "broadcast", r.ID, "err", err)
	}
}

// failurePausing finds a failure a status webhook reported (the recipient
// follows its message by trigger) since the broadcast last changed status,
// whose code pauses a broadcast; checked at most once a second.
func (s *Service) failurePausing(ctx context.Context, b db.Broadcast) (string, error) {
	if !s.progress.allow("failures:"+b.ID, time.Second) {
		return "", nil
	}
	codes := make([]string, 0, len(pauseCodes))
	for c := range pauseCodes {
		codes = append(codes, c)
	}
	var q store.Query
	q.WriteString("SELECT error_code FROM broadcast_recipients WHERE broadcast_id = " + q.Arg(b.ID) +
		" AND status = 'failed' AND updated_at > " + q.Arg(b.UpdatedAt) + " AND error_code IN " + q.In(codes) + " LIMIT 1")
	var code string
	err := s.db.R.QueryRowContext(ctx, q.String(), q.Args...).Scan(&code)
	if store.NotFound(err) == store.ErrNotFound {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return PauseReason(code, ""), nil
}
