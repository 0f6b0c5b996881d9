package emulator

import (
	"context"
	"errors"
	"fmt"
)

// InboundSpec is what an emulated customer sends; set exactly one of the
// content fields. ReplyTo (a wamid) adds a context, as when the customer
// quotes a message or taps a button on it.
type InboundSpec struct {
	Text        string
	Image       *InboundImage
	ButtonReply *InboundButton
	ListReply   *InboundListReply
	QuickReply  *InboundQuickReply
	Location    *InboundLocation
	ReplyTo     string
}

// InboundImage is stored as emulator media; the webhook carries its id.
type InboundImage struct {
	Data     []byte
	MimeType string // sniffed from Data when empty
	Caption  string
}

// InboundButton is a tap on an interactive reply button.
type InboundButton struct{ ID, Title string }

// InboundListReply is a pick of an interactive list row.
type InboundListReply struct{ ID, Title, Description string }

// InboundQuickReply is a tap on a template's quick-reply button (type
// "button"); set ReplyTo to the template's wamid as WhatsApp does.
type InboundQuickReply struct{ Payload, Text string }

type InboundLocation struct {
	Latitude, Longitude float64
	Name, Address       string
}

// Text is an InboundSpec for a text message.
func Text(body string) InboundSpec { return InboundSpec{Text: body} }

// CustomerSends plays the customer from (a wa_id) writing to the business:
// it opens (or refreshes) from's 24 h service window at the emulator's
// clock, queues a signed inbound webhook and returns the message's wamid.
// In manual mode it posts what is due now and returns the delivery error
// (the webhook stays queued and is retried by the next Advance, Flush or
// CustomerSends); in auto mode the deliverer posts it in the background.
// The window stays open even if the delivery fails, as the customer did
// write.
func (e *Emulator) CustomerSends(ctx context.Context, from, profileName string, msg InboundSpec) (string, error) {
	waID := digits(from)
	if waID == "" {
		return "", errors.New("emulator: customer wa_id has no digits")
	}
	typ, content, err := e.inboundContent(msg)
	if err != nil {
		return "", err
	}
	e.mu.Lock()
	now := e.cfg.Clock()
	id := fmt.Sprintf("wamid.EMUIN%s%012d", waID, e.nextSeq())
	m := map[string]any{"from": waID, "id": id, "timestamp": unix(now), "type": typ, typ: content}
	if msg.ReplyTo != "" {
		m["context"] = map[string]string{"from": e.cfg.DisplayPhoneNumber, "id": msg.ReplyTo}
	}
	e.windows[waID] = now
	e.names[waID] = profileName
	// Rendered and queued under the lock, so two customers' messages are
	// delivered in the order their windows opened.
	e.emit(delivery{body: e.messagesEnvelope(profileName, []any{m}, nil), what: "message " + id})
	e.mu.Unlock()
	e.log.addReceived(inboundRecord{ID: id, WaID: waID, Type: typ, At: now, Message: m})
	return id, e.dispatch(ctx)
}

// inboundContent turns the one content field of msg into the webhook's
// type and object; an image is stored as media first.
func (e *Emulator) inboundContent(msg InboundSpec) (string, any, error) {
	var typ string
	var content any
	n := 0
	set := func(t string, c any) { n++; typ, content = t, c }
	if msg.Text != "" {
		set("text", map[string]string{"body": msg.Text})
	}
	if b := msg.ButtonReply; b != nil {
		set("interactive", map[string]any{"type": "button_reply", "button_reply": map[string]string{"id": b.ID, "title": b.Title}})
	}
	if l := msg.ListReply; l != nil {
		row := map[string]string{"id": l.ID, "title": l.Title}
		if l.Description != "" {
			row["description"] = l.Description
		}
		set("interactive", map[string]any{"type": "list_reply", "list_reply": row})
	}
	if q := msg.QuickReply; q != nil {
		set("button", map[string]string{"payload": q.Payload, "text": q.Text})
	}
	if l := msg.Location; l != nil {
		loc := map[string]any{"latitude": l.Latitude, "longitude": l.Longitude}
		if l.Name != "" {
			loc["name"] = l.Name
		}
		if l.Address != "" {
			loc["address"] = l.Address
		}
		set("location", loc)
	}
	if msg.Image != nil {
		n++
	}
	if n != 1 {
		return "", nil, fmt.Errorf("emulator: InboundSpec must set exactly one content field, got %d", n)
	}
	if img := msg.Image; img != nil {
		// Stored only once the spec is known to be valid.
		item := e.addMedia(img.Data, img.MimeType, "")
		obj := map[string]string{"id": item.id, "mime_type": item.mimeType, "sha256": item.sha256}
		if img.Caption != "" {
			obj["caption"] = img.Caption
		}
		typ, content = "image", obj
	}
	return typ, content, nil
}

// FailMessage reports that the sent message wamid failed with f, as Meta
// does after accepting a send (e.g. 131048 spam rate limit, 131026
// undeliverable); delivery works as for CustomerSends.
func (e *Emulator) FailMessage(ctx context.Context, wamid string, f Failure) error {
	var ev *statusEvent
	e.log.mu.Lock()
	for _, m := range e.log.sent {
		if m.ID == wamid {
			ev = &statusEvent{id: m.ID, waID: m.WaID, status: "failed", category: m.category, callbackData: m.CallbackData, failure: &f}
		}
	}
	e.log.mu.Unlock()
	if ev == nil {
		return fmt.Errorf("emulator: no sent message %s", wamid)
	}
	e.releaseStatuses(*ev)
	return e.dispatch(ctx)
}

// CustomerReads plays the customer opening the chat: every listed message
// sent to waID (all of them when ids is empty) that is not read yet gets a
// read status at once. It returns how many did; delivery works as for
// CustomerSends.
func (e *Emulator) CustomerReads(ctx context.Context, waID string, ids ...string) (int, error) {
	waID = digits(waID)
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var evs []statusEvent
	e.log.mu.Lock()
	for _, ref := range e.log.chats[waID] {
		if !ref.out {
			continue
		}
		m := e.log.sent[ref.i]
		if (len(want) == 0 || want[m.ID]) && statusRank[m.Status] < statusRank["read"] {
			evs = append(evs, statusEvent{id: m.ID, waID: waID, status: "read", category: m.category, callbackData: m.CallbackData})
		}
	}
	e.log.mu.Unlock()
	if len(evs) == 0 {
		return 0, nil
	}
	e.releaseStatuses(evs...)
	return len(evs), e.dispatch(ctx)
}
