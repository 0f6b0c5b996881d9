package emulator

import (
	"context"
	"errors"
	"fmt"
)

// InboundSpec is what an emulated customer sends; set exactly one of the
// content fields. ReplyTo (a wamid) adds a context, as when the customer
// quotes a message.
type InboundSpec struct {
	Text        string
	Image       *InboundImage
	ButtonReply *InboundButton
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
// clock, then posts a signed inbound webhook to the callback and returns the
// message's wamid. The window stays open even if the delivery fails, as the
// customer did write.
func (e *Emulator) CustomerSends(ctx context.Context, from, profileName string, msg InboundSpec) (string, error) {
	waID := digits(from)
	if waID == "" {
		return "", errors.New("emulator: customer wa_id has no digits")
	}
	e.mu.Lock()
	now := e.cfg.Clock()
	m := map[string]any{"from": waID, "timestamp": unix(now)}
	n := 0
	if msg.Text != "" {
		n++
		m["type"], m["text"] = "text", map[string]string{"body": msg.Text}
	}
	if img := msg.Image; img != nil {
		n++
		item := e.addMediaLocked(img.Data, img.MimeType, "")
		obj := map[string]string{"id": item.id, "mime_type": item.mimeType, "sha256": item.sha256}
		if img.Caption != "" {
			obj["caption"] = img.Caption
		}
		m["type"], m["image"] = "image", obj
	}
	if b := msg.ButtonReply; b != nil {
		n++
		m["type"], m["interactive"] = "interactive", map[string]any{
			"type": "button_reply", "button_reply": map[string]string{"id": b.ID, "title": b.Title},
		}
	}
	if q := msg.QuickReply; q != nil {
		n++
		m["type"], m["button"] = "button", map[string]string{"payload": q.Payload, "text": q.Text}
	}
	if l := msg.Location; l != nil {
		n++
		loc := map[string]any{"latitude": l.Latitude, "longitude": l.Longitude}
		if l.Name != "" {
			loc["name"] = l.Name
		}
		if l.Address != "" {
			loc["address"] = l.Address
		}
		m["type"], m["location"] = "location", loc
	}
	if n != 1 {
		e.mu.Unlock()
		return "", fmt.Errorf("emulator: InboundSpec must set exactly one content field, got %d", n)
	}
	if msg.ReplyTo != "" {
		m["context"] = map[string]string{"from": e.cfg.DisplayPhoneNumber, "id": msg.ReplyTo}
	}
	id := fmt.Sprintf("wamid.EMUIN%s%012d", waID, e.nextSeq())
	m["id"] = id
	e.windows[waID] = now
	e.mu.Unlock()
	return id, e.post(ctx, e.envelope(profileName, []any{m}, nil))
}
