package inbox

import (
	"context"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"charla/internal/auth"
	"charla/internal/channel"
	"charla/internal/content"
	"charla/internal/events"
	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/db"
)

// MaxBody bounds a message's text.
const MaxBody = 4096

// Draft is an outgoing message as an agent, the API or a bot writes it.
type Draft struct {
	// Kind is one of content's kinds; "" is text, or the files' media kind.
	Kind    string
	Body    string
	Content *content.Content
	// ReplyToID quotes another message of the conversation.
	ReplyToID string
	Files     []Upload
}

// Send stores an agent's text reply with optional files.
func (s *Service) Send(ctx context.Context, agent auth.User, convID, body string, files []Upload) (Message, error) {
	return s.Compose(ctx, agent, convID, Draft{Body: body, Files: files})
}

// Compose stores an agent's reply of any kind. On a self-delivering channel
// (web chat) it is sent once committed; on others it is queued and a send job,
// enqueued in the same transaction, delivers it.
func (s *Service) Compose(ctx context.Context, agent auth.User, convID string, d Draft) (Message, error) {
	return s.write(ctx, agent, convID, Outgoing, d)
}

// Greet sends a channel's automatic greeting into a new conversation, as the
// bot rather than an agent; it follows the same pipeline as any reply.
func (s *Service) Greet(ctx context.Context, ws, convID, body string) (Message, error) {
	return s.write(ctx, auth.User{WorkspaceID: ws}, convID, Outgoing, Draft{Body: body})
}

// AddNote stores an internal note, which only agents see.
func (s *Service) AddNote(ctx context.Context, agent auth.User, convID, body string) (Message, error) {
	return s.write(ctx, agent, convID, Note, Draft{Body: body})
}

func (s *Service) write(ctx context.Context, agent auth.User, convID, direction string, d Draft) (Message, error) {
	ws := agent.WorkspaceID
	body := strings.TrimSpace(d.Body)
	uploads := d.Files
	kind := d.Kind
	if kind == "" {
		kind = content.KindText
		if len(uploads) > 0 {
			kind = mediaKind(uploads[0].ContentType)
		}
	}
	if body == "" && len(uploads) == 0 && d.Content == nil {
		return Message{}, problem.Field("body", "write a message or attach a file")
	}
	if utf8.RuneCountInString(body) > MaxBody {
		return Message{}, problem.Field("body", "must be at most 4096 characters")
	}
	if direction == Note && (kind != content.KindText || d.Content != nil) {
		return Message{}, problem.Field("kind", "a note is text only")
	}
	conv, err := s.Get(ctx, ws, convID)
	if err != nil {
		return Message{}, err
	}
	caps := conv.Capabilities
	var replyTo *Message
	if d.ReplyToID != "" {
		m, err := s.Message(ctx, ws, d.ReplyToID)
		if err != nil || m.ConversationID != convID {
			return Message{}, problem.Field("reply_to_id", "must be a message of this conversation")
		}
		replyTo = &m
	}
	exempt := false
	if direction == Outgoing {
		if len(uploads) > 0 && !caps.Attachments {
			return Message{}, problem.Field("file", "this channel does not carry files")
		}
		if !supports(caps, kind) {
			return Message{}, problem.Field("kind", "this channel cannot send "+kind+" messages")
		}
		if exempt = slices.Contains(caps.WindowExempt, kind); !exempt {
			if err := s.checkWindow(conv); err != nil {
				return Message{}, err
			}
		}
		if err := s.validateOutgoing(ctx, conv, kind, body, d.Content, replyTo, uploads); err != nil {
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
		var quoted *string
		if replyTo != nil {
			quoted = &replyTo.ID
		}
		sender := "user"
		if agent.ID == "" {
			sender = "bot"
		}
		err := tx.Q.CreateMessage(ctx, db.CreateMessageParams{ID: msgID, WorkspaceID: ws, ConversationID: convID,
			ChannelID: conv.ChannelID, Direction: direction, SenderType: sender, SenderID: nullString(agent.ID),
			Body: body, Status: status, CreatedAt: now, Kind: kind, Content: content.Encode(d.Content),
			ReplyToID: nullPtr(quoted)})
		if err != nil {
			return err
		}
		if _, err := insertFiles(ctx, tx, ws, msgID, files, now); err != nil {
			return err
		}
		if direction == Outgoing {
			err = tx.Q.TouchConversationOutbound(ctx, db.TouchConversationOutboundParams{ID: convID,
				LastMessagePreview: preview(outgoingPreview(body, d.Content), len(files)), LastActivityAt: now})
			if err != nil {
				return err
			}
			if exempt && windowClosed(conv) {
				// The business opens a conversation: it counts against the number's messaging limit.
				err := tx.Q.RecordBusinessInitiated(ctx, db.RecordBusinessInitiatedParams{ChannelID: conv.ChannelID,
					ContactID: conv.Contact.ID, InitiatedAt: now, InitiatedAt_2: now.Add(-24 * time.Hour)})
				if err != nil {
					return err
				}
			}
			if status == Queued && s.dispatch != nil {
				if err := s.dispatch.SendTx(ctx, tx, msgID, true); err != nil {
					return err
				}
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
	if !windowClosed(c) {
		return nil
	}
	if c.LastInboundAt == nil {
		return problem.Field("body", "the contact has not written yet; start with an approved template")
	}
	return problem.Field("body", WindowClosedReason(c.Capabilities.ReplyWindow, *c.LastInboundAt))
}

// WindowClosedReason explains a refused free-form message; channels use it for
// the provider's own "window closed" error too, so both read the same.
func WindowClosedReason(window time.Duration, lastInbound time.Time) string {
	closes := lastInbound.Add(window).UTC()
	return "the " + windowName(window) + " window closed at " + closes.Format("2006-01-02 15:04 MST") + "; send an approved template"
}

func windowName(w time.Duration) string {
	if w%(24*time.Hour) == 0 && w > 24*time.Hour {
		return strconv.Itoa(int(w/(24*time.Hour))) + "-day"
	}
	return strconv.Itoa(int(w/time.Hour)) + "-hour"
}

// WindowClosesAt is when free-form replies stop being allowed (nil: no window,
// or never opened).
func (c Conversation) WindowClosesAt() *time.Time {
	if c.Capabilities.ReplyWindow == 0 || c.LastInboundAt == nil {
		return nil
	}
	t := c.LastInboundAt.Add(c.Capabilities.ReplyWindow)
	return &t
}

func windowClosed(c Conversation) bool {
	if c.Capabilities.ReplyWindow == 0 {
		return false
	}
	closes := c.WindowClosesAt()
	return closes == nil || store.Now().After(*closes)
}

func supports(caps channel.Capabilities, kind string) bool {
	if kind == content.KindText {
		return true
	}
	if caps.Kinds == nil {
		return caps.Attachments && content.MediaKinds[kind]
	}
	return slices.Contains(caps.Kinds, kind)
}

// mediaKind is the kind a file makes of a message.
func mediaKind(contentType string) string {
	switch {
	case strings.HasPrefix(contentType, "image/"):
		return content.KindImage
	case strings.HasPrefix(contentType, "video/"):
		return content.KindVideo
	case strings.HasPrefix(contentType, "audio/"):
		return content.KindAudio
	}
	return content.KindDocument
}

func outgoingPreview(body string, c *content.Content) string {
	if body != "" || c == nil {
		return body
	}
	switch {
	case c.Template != nil:
		return "📝 " + c.Template.Name
	case c.Location != nil:
		return "📍 Location"
	case len(c.Contacts) > 0:
		return "👤 Contact"
	case c.Reaction != nil:
		return c.Reaction.Emoji + " reacted"
	}
	return ""
}

// validateOutgoing lets the channel type check the message against its
// provider's rules before anything is stored.
func (s *Service) validateOutgoing(ctx context.Context, conv Conversation, kind, body string, c *content.Content, replyTo *Message, uploads []Upload) error {
	t, ok := s.channels.Types().Get(conv.ChannelType)
	if !ok {
		return nil
	}
	v, ok := t.(channel.Validator)
	if !ok {
		return nil
	}
	o := channel.Outgoing{Kind: kind, Body: body, Content: c}
	if replyTo != nil {
		o.ReplyToProviderID = replyTo.ProviderMessageID
	}
	for _, u := range uploads {
		o.Files = append(o.Files, channel.File{Filename: u.Filename, ContentType: u.ContentType, Size: u.Size})
	}
	return v.ValidateOutgoing(o)
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
