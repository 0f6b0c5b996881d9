package inbox

import (
	"context"
	"database/sql"
	"time"

	"charla/internal/auth"
	"charla/internal/events"
	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/db"
)

// Opt is an optional change: Set false leaves the value alone; Value "" clears it.
type Opt struct {
	Set   bool
	Value string
}

// Assign sets a conversation's agent and/or team. Any agent may assign; the
// assignee and team must belong to the same workspace.
func (s *Service) Assign(ctx context.Context, actor auth.User, convID string, assignee, team Opt) (Conversation, error) {
	ws := actor.WorkspaceID
	if !assignee.Set && !team.Set {
		return Conversation{}, problem.Field("assignee_id", "give an assignee_id or a team_id")
	}
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		c, err := tx.Q.GetConversation(ctx, db.GetConversationParams{WorkspaceID: ws, ID: convID})
		if err != nil {
			return notFound(err, "conversation")
		}
		a, t := c.AssigneeID, c.TeamID
		f := problem.Fields{}
		if assignee.Set {
			a = nullString(assignee.Value)
			if assignee.Value != "" {
				if _, err := tx.Q.GetUser(ctx, db.GetUserParams{WorkspaceID: ws, ID: assignee.Value}); err != nil {
					f.Add("assignee_id", "no such agent in this workspace")
				}
			}
		}
		if team.Set {
			t = nullString(team.Value)
			if team.Value != "" {
				if _, err := tx.Q.GetTeam(ctx, db.GetTeamParams{WorkspaceID: ws, ID: team.Value}); err != nil {
					f.Add("team_id", "no such team in this workspace")
				}
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		_, err = tx.Q.SetConversationAssignment(ctx, db.SetConversationAssignmentParams{WorkspaceID: ws, ID: convID,
			AssigneeID: a, TeamID: t, UpdatedAt: store.Now()})
		s.announce(tx, ws, convID)
		return err
	})
	if err != nil {
		return Conversation{}, err
	}
	return s.Get(ctx, ws, convID)
}

// Unassign clears the agent and keeps the team.
func (s *Service) Unassign(ctx context.Context, actor auth.User, convID string) (Conversation, error) {
	return s.Assign(ctx, actor, convID, Opt{Set: true}, Opt{})
}

// Close resolves a conversation; the contact's next message reopens it.
func (s *Service) Close(ctx context.Context, actor auth.User, convID string) (Conversation, error) {
	return s.SetStatus(ctx, actor, convID, Closed, nil)
}

// Reopen puts a conversation back in the open queue.
func (s *Service) Reopen(ctx context.Context, actor auth.User, convID string) (Conversation, error) {
	return s.SetStatus(ctx, actor, convID, Open, nil)
}

// SetStatus moves a conversation to status; snoozed needs a time in the future.
func (s *Service) SetStatus(ctx context.Context, actor auth.User, convID, status string, until *time.Time) (Conversation, error) {
	ws := actor.WorkspaceID
	switch status {
	case Open, Pending, Closed:
		until = nil
	case Snoozed:
		if until == nil || !until.After(time.Now()) {
			return Conversation{}, problem.Field("snoozed_until", "snoozing needs a time in the future")
		}
	default:
		return Conversation{}, problem.Field("status", "must be open, pending, snoozed or closed")
	}
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		var u sql.NullTime
		if until != nil {
			u = nullTime(until.UTC().Truncate(time.Microsecond))
		}
		n, err := tx.Q.SetConversationStatus(ctx, db.SetConversationStatusParams{WorkspaceID: ws, ID: convID,
			Status: status, SnoozedUntil: u, UpdatedAt: store.Now()})
		if err == nil && n == 0 {
			return problem.NotFoundf("conversation")
		}
		s.announce(tx, ws, convID)
		return err
	})
	if err != nil {
		return Conversation{}, err
	}
	return s.Get(ctx, ws, convID)
}

// MarkRead records that an agent has seen the conversation: no more unread,
// and the contact's messages show as read on their side.
func (s *Service) MarkRead(ctx context.Context, actor auth.User, convID string) error {
	return s.markRead(ctx, actor.WorkspaceID, convID, Incoming)
}

// MarkSeenByContact records that the contact saw the agents' messages (web chat read receipts).
func (s *Service) MarkSeenByContact(ctx context.Context, ws, convID string) error {
	return s.markRead(ctx, ws, convID, Outgoing)
}

func (s *Service) markRead(ctx context.Context, ws, convID, direction string) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		c, err := tx.Q.GetConversation(ctx, db.GetConversationParams{WorkspaceID: ws, ID: convID})
		if err != nil {
			return notFound(err, "conversation")
		}
		changed := false
		if direction == Incoming {
			n, err := tx.Q.MarkConversationRead(ctx, db.MarkConversationReadParams{WorkspaceID: ws, ID: convID})
			if err != nil {
				return err
			}
			changed = n > 0
		}
		ids, err := tx.Q.MarkOutgoingRead(ctx, db.MarkOutgoingReadParams{ConversationID: convID, Direction: direction, UpdatedAt: store.Now()})
		if err != nil {
			return err
		}
		if direction == Incoming && len(ids) > 0 && s.dispatch != nil {
			// Tell the contact too (blue ticks), where the channel can.
			if err := s.dispatch.MarkReadTx(ctx, tx, convID); err != nil {
				return err
			}
		}
		tx.AfterCommit(func() {
			for _, id := range ids {
				s.publish(events.Event{Workspace: ws, Kind: EventMessageUpdated, Conversation: convID, Message: id, Channel: c.ChannelID})
			}
			if changed {
				s.publish(events.Event{Workspace: ws, Kind: EventConversationUpdated, Conversation: convID, Channel: c.ChannelID})
			}
		})
		return nil
	})
}

func (s *Service) announce(tx *store.Tx, ws, convID string) {
	tx.AfterCommit(func() {
		s.publish(events.Event{Workspace: ws, Kind: EventConversationUpdated, Conversation: convID})
	})
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func nullTime(t time.Time) sql.NullTime { return sql.NullTime{Time: t, Valid: true} }

// WakeSnoozed reopens every conversation whose snooze ended by now and returns how many.
func (s *Service) WakeSnoozed(ctx context.Context, now time.Time) (int, error) {
	var woken []db.WakeSnoozedRow
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		woken, err = tx.Q.WakeSnoozed(ctx, now.UTC().Truncate(time.Microsecond))
		tx.AfterCommit(func() {
			for _, c := range woken {
				s.publish(events.Event{Workspace: c.WorkspaceID, Kind: EventConversationUpdated, Conversation: c.ID, Channel: c.ChannelID})
			}
		})
		return err
	})
	return len(woken), err
}

func nullPtr(s *string) sql.NullString {
	if s == nil {
		return sql.NullString{}
	}
	return nullString(*s)
}
