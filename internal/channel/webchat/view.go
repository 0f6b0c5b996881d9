package webchat

import (
	"net/url"
	"time"

	"charla/internal/channel"
	"charla/internal/inbox"
)

// messageView is a message as the visitor sees it: no conversation, sender ids or provider details.
type messageView struct {
	ID          string           `json:"id"`
	Direction   string           `json:"direction"` // incoming (from the visitor) or outgoing
	Body        string           `json:"body"`
	CreatedAt   time.Time        `json:"created_at"`
	Status      string           `json:"status"`
	SenderName  string           `json:"sender_name"`
	Attachments []attachmentView `json:"attachments"`
}

type attachmentView struct {
	ID          string `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	URL         string `json:"url"`
}

// visible tells whether a visitor may see m: internal notes never reach them.
func visible(m inbox.Message) bool {
	return m.Direction == inbox.Incoming || m.Direction == inbox.Outgoing
}

// view shapes m for the visitor; attachment URLs carry the token because
// <img> cannot send an Authorization header.
func (h *handler) view(ch channel.Channel, token string, m inbox.Message) messageView {
	v := messageView{ID: m.ID, Direction: m.Direction, Body: m.Body, CreatedAt: m.CreatedAt, Status: m.Status,
		SenderName: m.Sender.Name, Attachments: make([]attachmentView, len(m.Attachments))}
	base := h.s.Config.BaseURL + "/widget/" + url.PathEscape(ch.ID) + "/attachments/"
	for i, a := range m.Attachments {
		v.Attachments[i] = attachmentView{ID: a.ID, Filename: a.Filename, ContentType: a.ContentType, Size: a.Size,
			URL: base + url.PathEscape(a.ID) + "?token=" + url.QueryEscape(token)}
	}
	return v
}
