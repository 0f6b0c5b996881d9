package api

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"unicode/utf8"

	"charla/internal/content"
	"charla/internal/httpx"
	"charla/internal/inbox"
	"charla/internal/problem"
)

func (a *server) listMessages(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "conversation_id", "conversation")
	if err != nil {
		a.error(w, r, err)
		return
	}
	cursor, limit, err := page(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	p, err := a.s.Inbox.Messages(r.Context(), user(r).WorkspaceID, id, cursor, limit)
	if err != nil {
		a.error(w, r, cursorErr(err))
		return
	}
	httpx.JSON(w, http.StatusOK, listOf(p.Messages, inboxCursor(p.Next), a.messageOut))
}

type textRequest struct {
	Body *string `json:"body"`
}

// text checks a required message or note body against the spec's limits; the
// inbox checks blankness and its own limit after trimming.
func (t textRequest) text() (string, error) {
	switch {
	case t.Body == nil:
		return "", problem.Field("body", "is required")
	case utf8.RuneCountInString(*t.Body) > inbox.MaxBody:
		return "", problem.Field("body", "must be at most 4096 characters")
	}
	return *t.Body, nil
}

func (a *server) sendMessage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "conversation_id", "conversation")
	if err != nil {
		a.error(w, r, err)
		return
	}
	conv, err := a.s.Inbox.Get(r.Context(), user(r).WorkspaceID, id)
	if err != nil {
		a.error(w, r, err)
		return
	}
	// Computed before the send, which would count this contact itself.
	warning, _ := a.s.Inbox.LimitWarning(r.Context(), conv)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var msg inbox.Message
	switch mt {
	case "multipart/form-data":
		msg, err = a.sendUpload(w, r, conv)
	case "", "application/json":
		msg, err = a.sendJSON(w, r, conv)
	default:
		err = problem.New(problem.BadRequest, "send the body as application/json or multipart/form-data")
	}
	if err != nil {
		a.error(w, r, err)
		return
	}
	if warning != "" && msg.Kind == content.KindTemplate {
		w.Header().Set("Charla-Warning", warning)
	}
	httpx.JSON(w, http.StatusCreated, a.messageOut(msg))
}

// sendRequest is the spec's SendMessageRequest.
type sendRequest struct {
	Kind      *string         `json:"kind"`
	Body      *string         `json:"body"`
	Content   json.RawMessage `json:"content"`
	ReplyToID *string         `json:"reply_to_id"`
}

func (a *server) sendJSON(w http.ResponseWriter, r *http.Request, conv inbox.Conversation) (inbox.Message, error) {
	var req sendRequest
	if err := httpx.Decode(w, r, &req); err != nil {
		return inbox.Message{}, err
	}
	d, err := a.draft(r, conv, req)
	if err != nil {
		return inbox.Message{}, err
	}
	if err := a.checkSendable(r, conv); err != nil {
		return inbox.Message{}, err
	}
	return a.s.Inbox.Compose(r.Context(), user(r), conv.ID, d)
}

// draft checks a JSON send against the spec and turns it into the inbox's
// draft. What depends on the channel (kinds it carries, its reply window, its
// provider's limits) is left to the inbox.
func (a *server) draft(r *http.Request, conv inbox.Conversation, req sendRequest) (inbox.Draft, error) {
	f := problem.Fields{}
	kind := content.KindText
	if req.Kind != nil {
		kind = *req.Kind
		if msg := checkKind(kind, "json"); msg != "" {
			f.Add("kind", msg)
		}
	}
	needsBody := kind == content.KindText || kind == content.KindInteractive
	var d inbox.Draft
	switch {
	case req.Body == nil && needsBody:
		f.Add("body", "is required")
	case req.Body == nil:
	case utf8.RuneCountInString(*req.Body) > inbox.MaxBody:
		f.Add("body", "must be at most 4096 characters")
	case needsBody && blank(*req.Body):
		f.Add("body", "must not be blank")
	default:
		d.Body = *req.Body
	}
	var c *contentInput
	shaped := true
	if req.Content != nil {
		c = &contentInput{}
		if err := decodeStrict(req.Content, c, "content"); err != nil {
			for k, v := range problem.As(err).Fields {
				f.Add(k, v)
			}
			shaped = false
		}
	}
	if _, bad := f["kind"]; !bad && shaped {
		checkContent(f, kind, c)
	}
	if req.ReplyToID != nil {
		if !isID(*req.ReplyToID) {
			f.Add("reply_to_id", "must be the id of a message of this conversation")
		}
		d.ReplyToID = *req.ReplyToID
	}
	if err := f.Err(); err != nil {
		return d, err
	}
	d.Kind, d.Content = kind, c.toContent()
	// Channels without templates are refused the kind by the inbox. A deleted
	// channel's 409 comes before anything about its templates.
	if kind == content.KindTemplate && slices.Contains(conv.Capabilities.Kinds, content.KindTemplate) {
		if err := a.checkSendable(r, conv); err != nil {
			return d, err
		}
		t, err := a.templateContent(r, conv, c.Template)
		if err != nil {
			return d, err
		}
		d.Content.Template = &t
	}
	if d.Content != nil && d.Content.Reaction != nil {
		// The channel reacts by the provider's id of the message.
		m, err := a.s.Inbox.Message(r.Context(), conv.WorkspaceID, d.Content.Reaction.TargetID)
		if problem.Is(err, problem.NotFound) || (err == nil && m.ConversationID != conv.ID) {
			return d, problem.Field("content.reaction.target_id", "must be the id of a message of this conversation")
		}
		if err != nil {
			return d, err
		}
		d.Content.Reaction.TargetProviderID = m.ProviderMessageID
	}
	return d, nil
}

// checkSendable refuses conversations whose channel was deleted: the inbox
// still finds them (their history stays readable) but nothing can leave. The
// inbox checks again inside its transaction; this earlier check keeps the
// API's wording and spares a multipart upload from being stored first.
func (a *server) checkSendable(r *http.Request, conv inbox.Conversation) error {
	_, err := a.s.Channels.Get(r.Context(), conv.WorkspaceID, conv.ChannelID)
	if problem.Is(err, problem.NotFound) {
		return problem.New(problem.Conflict, "the conversation's channel was deleted; nothing can be sent to it")
	}
	return err
}

func (a *server) addNote(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "conversation_id", "conversation")
	if err != nil {
		a.error(w, r, err)
		return
	}
	var req textRequest
	if err := httpx.Decode(w, r, &req); err != nil {
		a.error(w, r, err)
		return
	}
	body, err := req.text()
	if err != nil {
		a.error(w, r, err)
		return
	}
	m, err := a.s.Inbox.AddNote(r.Context(), user(r), id, body)
	if err != nil {
		a.error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusCreated, a.messageOut(m))
}

// getAttachment streams a file of the token's workspace.
func (a *server) getAttachment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "attachment_id", "attachment")
	if err != nil {
		a.error(w, r, err)
		return
	}
	at, body, err := a.s.Inbox.Blob(r.Context(), user(r).WorkspaceID, id)
	if err != nil {
		a.error(w, r, err)
		return
	}
	defer body.Close()
	h := w.Header()
	h.Set("Content-Type", at.ContentType)
	h.Set("Content-Length", strconv.FormatInt(at.Size, 10))
	// Uploaded files are untrusted: never render them as pages of this origin.
	cd := mime.FormatMediaType("attachment", map[string]string{"filename": at.Filename})
	if cd == "" {
		cd = "attachment"
	}
	h.Set("Content-Disposition", cd)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, body)
}
