package api

import (
	"io"
	"mime"
	"net/http"
	"strconv"
	"unicode/utf8"

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
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var msg inbox.Message
	switch mt {
	case "multipart/form-data":
		msg, err = a.sendUpload(w, r, conv)
	case "", "application/json":
		msg, err = a.sendText(w, r, conv)
	default:
		err = problem.New(problem.BadRequest, "send the body as application/json or multipart/form-data")
	}
	if err != nil {
		a.error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusCreated, a.messageOut(msg))
}

func (a *server) sendText(w http.ResponseWriter, r *http.Request, conv inbox.Conversation) (inbox.Message, error) {
	var req textRequest
	if err := httpx.Decode(w, r, &req); err != nil {
		return inbox.Message{}, err
	}
	body, err := req.text()
	if err != nil {
		return inbox.Message{}, err
	}
	if err := a.checkSendable(r, conv); err != nil {
		return inbox.Message{}, err
	}
	return a.s.Inbox.Send(r.Context(), user(r), conv.ID, body, nil)
}

// checkSendable refuses conversations whose channel was deleted: the inbox
// still finds them (their history stays readable) but nothing can leave.
// The check runs outside the inbox's transaction, so a channel deleted in the
// same instant can still get one message stored; closing that gap needs the
// check inside inbox.Send.
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
