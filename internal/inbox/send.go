package inbox

import (
	"context"
	"io"
	"strings"
	"unicode/utf8"

	"charla/internal/auth"
	"charla/internal/events"
	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/db"
)

// MaxBody bounds a message's text.
const MaxBody = 4096

// Send stores an agent's reply. On a self-delivering channel (web chat) it is
// sent once committed; other channels pick queued messages up from the database.
func (s *Service) Send(ctx context.Context, agent auth.User, convID, body string, files []Upload) (Message, error) {
	return s.write(ctx, agent, convID, Outgoing, body, files)
}

// AddNote stores an internal note, which only agents see.
func (s *Service) AddNote(ctx context.Context, agent auth.User, convID, body string) (Message, error) {
	return s.write(ctx, agent, convID, Note, body, nil)
}

func (s *Service) write(ctx context.Context, agent auth.User, convID, direction, body string, uploads []Upload) (Message, error) {
	ws := agent.WorkspaceID
	body = strings.TrimSpace(body)
	if body == "" && len(uploads) == 0 {
		return Message{}, problem.Field("body", "write a message or attach a file")
	}
	if utf8.RuneCountInString(body) > MaxBody {
		return Message{}, problem.Field("body", "must be at most 4096 characters")
	}
	conv, err := s.Get(ctx, ws, convID)
	if err != nil {
		return Message{}, err
	}
	caps := conv.Capabilities
	if direction == Outgoing {
		if len(uploads) > 0 && !caps.Attachments {
			return Message{}, problem.Field("file", "this channel does not carry files")
		}
		if err := s.checkWindow(conv); err != nil {
			return Message{}, err
		}
	}
	var files []StoredFile
	for _, u := range uploads {
		if max := caps.MaxAttachmentBytes; max > 0 {
			tooLarge := problem.New(problem.TooLarge, "%s is larger than this channel accepts (%d MB at most)", cleanFilename(u.Filename), max>>20)
			if u.Size > max {
				s.discard(ctx, files)
				return Message{}, tooLarge
			}
			// The declared size may be unknown or wrong: the cap holds on the bytes themselves.
			u.Body = &capReader{r: u.Body, left: max, err: tooLarge}
		}
		f, err := s.StoreUpload(ctx, ws, u)
		if err != nil {
			s.discard(ctx, files)
			return Message{}, err
		}
		files = append(files, f)
	}
	status := Queued
	if caps.SelfDelivering || direction == Note {
		status = Sent
	}
	msgID := newID()
	now := store.Now()
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		// Checked in the transaction so a channel deleted meanwhile can't gain a
		// reply; notes stay possible, since they never leave charla.
		if direction == Outgoing {
			if _, err := tx.Q.GetChannel(ctx, db.GetChannelParams{WorkspaceID: ws, ID: conv.ChannelID}); err != nil {
				if store.NotFound(err) == store.ErrNotFound {
					return problem.New(problem.Conflict, "this conversation's channel was deleted: its history stays, but nothing more can be sent on it")
				}
				return err
			}
		}
		err := tx.Q.CreateMessage(ctx, db.CreateMessageParams{ID: msgID, WorkspaceID: ws, ConversationID: convID,
			ChannelID: conv.ChannelID, Direction: direction, SenderType: "user", SenderID: nullString(agent.ID),
			Body: body, Status: status, CreatedAt: now})
		if err != nil {
			return err
		}
		if _, err := insertFiles(ctx, tx, ws, msgID, files, now); err != nil {
			return err
		}
		if direction == Outgoing {
			err = tx.Q.TouchConversationOutbound(ctx, db.TouchConversationOutboundParams{ID: convID,
				LastMessagePreview: preview(body, len(files)), LastActivityAt: now})
			if err != nil {
				return err
			}
		}
		tx.AfterCommit(func() {
			s.publish(
				events.Event{Workspace: ws, Kind: EventMessageCreated, Conversation: convID, Message: msgID, Channel: conv.ChannelID},
				events.Event{Workspace: ws, Kind: EventConversationUpdated, Conversation: convID, Channel: conv.ChannelID},
			)
		})
		return nil
	})
	if err != nil {
		s.discard(ctx, files)
		return Message{}, err
	}
	return s.Message(ctx, ws, msgID)
}

// checkWindow refuses a free-form reply once the channel's reply window after
// the contact's last message has closed.
func (s *Service) checkWindow(c Conversation) error {
	w := c.Capabilities.ReplyWindow
	if w == 0 {
		return nil
	}
	if c.LastInboundAt == nil {
		return problem.Field("body", "the contact has not written yet; start with an approved template")
	}
	closes := c.LastInboundAt.Add(w)
	if store.Now().After(closes) {
		return problem.Field("body", "the reply window closed at "+closes.Format("2006-01-02 15:04 MST")+"; send an approved template")
	}
	return nil
}

// capReader fails with err once more than left bytes are read.
type capReader struct {
	r    io.Reader
	left int64
	err  error
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, c.err
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return n, c.err
	}
	return n, err
}
