package broadcast

import (
	"context"
	"encoding/json"
	"regexp"

	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/db"
	"charla/internal/templates"
)

// StartOptions tune Start and Resume.
type StartOptions struct {
	// IgnoreLimit starts even when the audience is larger than what is
	// left of the number's messaging limit; the provider will refuse the
	// messages past it.
	IgnoreLimit bool
}

// Start sends a draft broadcast now, or schedules it when it has a
// ScheduledAt (which must still be in the future). It is refused, saying
// why, when the template is not approved (or the channel lacks it), the
// audience is empty, or the audience is larger than what is left of the
// number's messaging limit (see Estimate) unless o.IgnoreLimit.
func (s *Service) Start(ctx context.Context, ws, id string, o StartOptions) (Broadcast, error) {
	b, err := s.row(ctx, ws, id)
	if err != nil {
		return Broadcast{}, err
	}
	if b.Status != Draft && b.Status != Scheduled {
		return Broadcast{}, problem.New(problem.Conflict, "the broadcast is already %s", b.Status)
	}
	if b.ScheduledAt.Valid {
		if !b.ScheduledAt.Time.After(store.Now()) {
			return Broadcast{}, problem.Field("scheduled_at", "must be in the future; clear it to send now")
		}
		// The checks run now too, so a schedule that cannot work is refused
		// at once; they run again at the time.
		if _, err := s.preflight(ctx, b, o.IgnoreLimit); err != nil {
			return Broadcast{}, err
		}
		err = s.db.Tx(ctx, func(tx *store.Tx) error {
			n, err := tx.Q.ScheduleBroadcast(ctx, db.ScheduleBroadcastParams{ID: id, IgnoreLimit: o.IgnoreLimit, UpdatedAt: store.Now()})
			if err != nil || n == 0 {
				return conflictOr(err, "the broadcast changed meanwhile; reload it")
			}
			tx.AfterCommit(func() { s.changed(ws, id, b.ChannelID) })
			return s.enqueueStart(ctx, tx, id, b.ScheduledAt.Time)
		})
	} else {
		err = s.startNow(ctx, b, o)
	}
	if err != nil {
		return Broadcast{}, err
	}
	return s.Get(ctx, ws, id)
}

// startNow checks b and sets it running; the feed job does the rest.
func (s *Service) startNow(ctx context.Context, b db.Broadcast, o StartOptions) error {
	a, err := s.preflight(ctx, b, o.IgnoreLimit)
	if err != nil {
		return err
	}
	audience, _ := json.Marshal(a)
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		n, err := tx.Q.StartBroadcast(ctx, db.StartBroadcastParams{ID: b.ID, IgnoreLimit: o.IgnoreLimit,
			Audience: string(audience), UpdatedAt: store.Now()})
		if err != nil || n == 0 {
			return conflictOr(err, "the broadcast changed meanwhile; reload it")
		}
		tx.AfterCommit(func() { s.changed(b.WorkspaceID, b.ID, b.ChannelID) })
		return s.enqueueFeed(ctx, tx, b.ID)
	})
}

// preflight checks what a start needs and returns the audience to keep.
func (s *Service) preflight(ctx context.Context, b db.Broadcast, ignoreLimit bool) (Audience, error) {
	if err := s.checkTemplate(ctx, b); err != nil {
		return Audience{}, err
	}
	var a Audience
	_ = json.Unmarshal([]byte(b.Audience), &a)
	a, err := s.resolved(ctx, b.WorkspaceID, a)
	if err != nil {
		return a, err
	}
	est, err := s.estimate(ctx, b.WorkspaceID, b.ChannelID, a)
	if err != nil {
		return a, err
	}
	if est.Recipients == 0 {
		return a, problem.Field("audience", "no contact in this audience can receive broadcasts (opted-out contacts are left out)")
	}
	if !est.Fits && !ignoreLimit {
		return a, &problem.Error{Kind: problem.Invalid, Message: est.Warning, Fields: map[string]string{"audience": est.Warning}}
	}
	return a, nil
}

// contactVar finds the contact fields a template's values use.
var contactVar = regexp.MustCompile(`\{\{\s*(contact\.[A-Za-z0-9_.\-]+)\s*\}\}`)

// checkTemplate refuses a template the channel lacks or that is not
// approved, and values that cannot fill it for anybody (a variable without
// a value); a variable only some contacts lack fails those alone.
func (s *Service) checkTemplate(ctx context.Context, b db.Broadcast) error {
	if b.TemplateName == "" {
		return nil
	}
	t, err := s.templates.Find(ctx, b.WorkspaceID, b.ChannelID, b.TemplateName, b.TemplateLanguage)
	if err != nil {
		return err
	}
	var v templates.Values
	_ = json.Unmarshal([]byte(b.TemplateValues), &v)
	v.Vars = map[string]string{}
	for _, m := range contactVar.FindAllStringSubmatch(b.TemplateValues, -1) {
		v.Vars[m[1]] = "x" // as if every contact had every field
	}
	if _, err := templates.Render(t, v); err != nil {
		p := problem.As(err)
		if p.Kind != problem.Invalid {
			return err
		}
		f := problem.Fields{}
		for k, msg := range p.Fields {
			if k != "template" {
				k = "template.values." + k
			}
			f.Add(k, msg)
		}
		return f.Err()
	}
	return nil
}

// Pause stops a running broadcast: nothing more is queued, and messages
// already queued are held back until it resumes.
func (s *Service) Pause(ctx context.Context, ws, id string) (Broadcast, error) {
	b, err := s.row(ctx, ws, id)
	if err != nil {
		return Broadcast{}, err
	}
	if b.Status != Running {
		return Broadcast{}, problem.New(problem.Conflict, "only a running broadcast can be paused; this one is %s", b.Status)
	}
	if err := s.setStatus(ctx, b, Running, Paused, ""); err != nil {
		return Broadcast{}, err
	}
	return s.Get(ctx, ws, id)
}

// pauseRunning pauses a running broadcast by itself, saying why (a
// provider error, the template paused, the channel deleted).
func (s *Service) pauseRunning(ctx context.Context, id, reason string) error {
	b, err := s.db.Q.GetBroadcastByID(ctx, id)
	if err != nil || b.Status != Running {
		return err
	}
	s.log.Warn("broadcast paused", "broadcast", id, "reason", reason)
	err = s.setStatus(ctx, b, Running, Paused, reason)
	if problem.Is(err, problem.Conflict) {
		return nil // paused or cancelled meanwhile
	}
	return err
}

// Resume sends a paused broadcast again: held messages first, then the
// rest. One paused before it ever started (its scheduled start failed a
// check) is checked as Start checks it.
func (s *Service) Resume(ctx context.Context, ws, id string, o StartOptions) (Broadcast, error) {
	b, err := s.row(ctx, ws, id)
	if err != nil {
		return Broadcast{}, err
	}
	if b.Status != Paused {
		return Broadcast{}, problem.New(problem.Conflict, "only a paused broadcast can be resumed; this one is %s", b.Status)
	}
	if !b.StartedAt.Valid {
		err = s.startNow(ctx, b, o)
	} else if err = s.checkTemplate(ctx, b); err == nil {
		err = s.db.Tx(ctx, func(tx *store.Tx) error {
			now := store.Now()
			n, err := tx.Q.SetBroadcastStatus(ctx, db.SetBroadcastStatusParams{ID: id, FromStatus: Paused, Status: Running, UpdatedAt: now})
			if err != nil || n == 0 {
				return conflictOr(err, "the broadcast changed meanwhile; reload it")
			}
			if _, err := s.unholdTx(ctx, tx, id); err != nil {
				return err
			}
			tx.AfterCommit(func() { s.changed(ws, id, b.ChannelID) })
			return s.enqueueFeed(ctx, tx, id)
		})
	}
	if err != nil {
		return Broadcast{}, err
	}
	return s.Get(ctx, ws, id)
}

// Cancel stops a scheduled, running or paused broadcast for good:
// recipients not yet handed to the provider are cancelled, their messages
// (held or queued) fail as not sent.
func (s *Service) Cancel(ctx context.Context, ws, id string) (Broadcast, error) {
	b, err := s.row(ctx, ws, id)
	if err != nil {
		return Broadcast{}, err
	}
	switch b.Status {
	case Scheduled, Running, Paused:
	default:
		return Broadcast{}, problem.New(problem.Conflict, "a %s broadcast cannot be cancelled", b.Status)
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		now := store.Now()
		n, err := tx.Q.FinishBroadcast(ctx, db.FinishBroadcastParams{ID: id, FromStatus: b.Status, Status: Cancelled,
			FinishedAt: nullTime(now), UpdatedAt: now})
		if err != nil || n == 0 {
			return conflictOr(err, "the broadcast changed meanwhile; reload it")
		}
		if _, err := tx.Q.CancelRecipients(ctx, db.CancelRecipientsParams{BroadcastID: id, UpdatedAt: now}); err != nil {
			return err
		}
		if _, err := tx.Q.CancelQueuedMessages(ctx, db.CancelQueuedMessagesParams{BroadcastID: id, UpdatedAt: now}); err != nil {
			return err
		}
		tx.AfterCommit(func() { s.changed(ws, id, b.ChannelID) })
		return nil
	})
	if err != nil {
		return Broadcast{}, err
	}
	return s.Get(ctx, ws, id)
}

// RetryFailed feeds again the failed recipients whose failure may pass
// (throttling, a provider outage, a per-user marketing limit, a template
// paused then fixed — see Retryable) and reopens a completed broadcast. It
// returns how many recipients it took back.
func (s *Service) RetryFailed(ctx context.Context, ws, id string) (int, error) {
	b, err := s.row(ctx, ws, id)
	if err != nil {
		return 0, err
	}
	switch b.Status {
	case Running, Paused, Completed:
	default:
		return 0, problem.New(problem.Conflict, "a %s broadcast has nothing to retry", b.Status)
	}
	if b.Status != Paused {
		if err := s.checkTemplate(ctx, b); err != nil {
			return 0, err
		}
	}
	retried := 0
	for after := int32(0); ; {
		page, err := s.db.Q.FailedRecipients(ctx, db.FailedRecipientsParams{BroadcastID: id, Seq: after, Limit: 500})
		if err != nil {
			return retried, err
		}
		if len(page) == 0 {
			break
		}
		err = s.db.Tx(ctx, func(tx *store.Tx) error {
			now := store.Now()
			for _, r := range page {
				if !Retryable(r.ErrorCode, r.ErrorReason) {
					continue
				}
				n, err := tx.Q.ResetRecipient(ctx, db.ResetRecipientParams{BroadcastID: id, Seq: r.Seq, UpdatedAt: now})
				if err != nil {
					return err
				}
				retried += int(n)
			}
			return nil
		})
		if err != nil {
			return retried, err
		}
		after = page[len(page)-1].Seq
	}
	if retried == 0 {
		return 0, nil
	}
	return retried, s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Q.ReopenBroadcast(ctx, db.ReopenBroadcastParams{ID: id, UpdatedAt: store.Now()}); err != nil {
			return err
		}
		tx.AfterCommit(func() { s.changed(ws, id, b.ChannelID) })
		// A paused broadcast is fed when it resumes; the feed job finds it so.
		return s.enqueueFeed(ctx, tx, id)
	})
}

// setStatus moves b from one status to another, announcing it.
func (s *Service) setStatus(ctx context.Context, b db.Broadcast, from, to, reason string) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		n, err := tx.Q.SetBroadcastStatus(ctx, db.SetBroadcastStatusParams{ID: b.ID, FromStatus: from, Status: to,
			PauseReason: reason, UpdatedAt: store.Now()})
		if err != nil || n == 0 {
			return conflictOr(err, "the broadcast changed meanwhile; reload it")
		}
		tx.AfterCommit(func() { s.changed(b.WorkspaceID, b.ID, b.ChannelID) })
		return nil
	})
}

func conflictOr(err error, msg string) error {
	if err != nil {
		return err
	}
	return problem.New(problem.Conflict, "%s", msg)
}

// reopenLeftovers reopens a completed broadcast that has recipients to
// feed again (a retry that raced the feeder's finish).
func (s *Service) reopenLeftovers(ctx context.Context, b db.Broadcast) (bool, error) {
	for _, st := range []string{Pending, Queued} {
		n, err := s.db.Q.CountRecipientsInStatus(ctx, db.CountRecipientsInStatusParams{BroadcastID: b.ID, Status: st})
		if err != nil {
			return false, err
		}
		if n == 0 {
			continue
		}
		var k int64
		err = s.db.Tx(ctx, func(tx *store.Tx) error {
			k, err = tx.Q.ReopenBroadcast(ctx, db.ReopenBroadcastParams{ID: b.ID, UpdatedAt: store.Now()})
			return err
		})
		return k > 0, err
	}
	return false, nil
}

// unholdTx hands a broadcast's held messages back to the send pipeline.
// Each hold ended its send job; a new round enqueues them afresh.
func (s *Service) unholdTx(ctx context.Context, tx *store.Tx, id string) (int, error) {
	now := store.Now()
	held, err := tx.Q.UnholdRecipients(ctx, db.UnholdRecipientsParams{BroadcastID: id, UpdatedAt: now})
	if err != nil {
		return 0, err
	}
	round := int(now.UnixMilli())
	for _, m := range held {
		if err := s.out.SendAgainTx(ctx, tx, m.String, round); err != nil {
			return 0, err
		}
	}
	return len(held), nil
}
