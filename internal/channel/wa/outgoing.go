package wa

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"charla/internal/channel"
	"charla/internal/channel/whatsapp"
	"charla/internal/content"
	"charla/internal/problem"
)

// ValidateOutgoing checks a message against WhatsApp's rules before it is
// stored, so the agent sees what to fix instead of a failed bubble later.
func (t *Type) ValidateOutgoing(o channel.Outgoing) error {
	if content.MediaKinds[o.Kind] || len(o.Files) > 0 {
		if len(o.Files) != 1 {
			return problem.Field("file", "WhatsApp carries one file per message; send the others separately")
		}
		f := o.Files[0]
		kind := whatsapp.KindOf(f.ContentType)
		if content.MediaKinds[o.Kind] && o.Kind != content.KindVoice {
			kind = whatsapp.MediaKind(o.Kind)
		}
		if err := whatsapp.CheckMedia("file", kind, f.ContentType, f.Size); err != nil {
			return err
		}
	}
	// The media id is filled in at send time; a placeholder lets the
	// provider's own validation run now.
	m, err := toWire(o, "pending-upload")
	if err != nil {
		return err
	}
	return m.Validate()
}

// Send uploads any file, then sends the message tagged with charla's id.
func (t *Type) Send(ctx context.Context, ch channel.Channel, secrets map[string]string, o channel.Outgoing) (string, error) {
	if o.To == "" {
		return "", &channel.DeliveryError{Reason: "the contact has no WhatsApp number on this channel"}
	}
	c := t.client(ch, secrets)
	mediaID := ""
	if len(o.Files) > 0 {
		f := o.Files[0]
		r, err := f.Open(ctx)
		if err != nil {
			return "", &channel.DeliveryError{Reason: "the attachment could not be read: " + err.Error(), Retryable: true, Err: err}
		}
		mediaID, err = c.UploadMedia(ctx, f.Filename, f.ContentType, r)
		r.Close()
		if err != nil {
			return "", deliveryError(err)
		}
	}
	if r := o.Content; o.Kind == content.KindReaction && r != nil && r.Reaction != nil && r.Reaction.TargetProviderID == "" {
		// The message reacted to has no WhatsApp id yet (still queued): try later.
		return "", &channel.DeliveryError{Reason: "the message reacted to has not reached WhatsApp yet", Retryable: true}
	}
	m, err := toWire(o, mediaID)
	if err != nil {
		return "", &channel.DeliveryError{Reason: err.Error()}
	}
	res, err := c.SendTagged(ctx, o.To, m, o.MessageID)
	if err != nil {
		return "", deliveryError(err)
	}
	return res.MessageID, nil
}

// FetchMedia downloads an inbound file by its media id.
func (t *Type) FetchMedia(ctx context.Context, ch channel.Channel, secrets map[string]string, mediaID string) (channel.Media, error) {
	c := t.client(ch, secrets)
	info, err := c.MediaURL(ctx, mediaID)
	if err != nil {
		return channel.Media{}, mediaError(err)
	}
	body, ctype, size, err := c.DownloadMedia(ctx, info.URL)
	if err != nil {
		return channel.Media{}, mediaError(err)
	}
	if ctype == "" || ctype == "application/octet-stream" {
		ctype = info.MimeType
	}
	return channel.Media{Body: body, ContentType: ctype, Size: size}, nil
}

// mediaError explains a failed download: WhatsApp keeps inbound media for a
// limited time, so a refusal usually means the file is gone.
func mediaError(err error) error {
	d := deliveryError(err).(*channel.DeliveryError)
	if !d.Retryable {
		d.Reason = "the file is no longer available at WhatsApp (media is kept there for a limited time)"
	}
	return d
}

// MarkRead shows the contact blue ticks up to providerMessageID.
func (t *Type) MarkRead(ctx context.Context, ch channel.Channel, secrets map[string]string, providerMessageID string) error {
	if err := t.client(ch, secrets).MarkRead(ctx, providerMessageID); err != nil {
		return deliveryError(err)
	}
	return nil
}

// windowClosed explains the provider's window errors as charla's own check does.
const windowClosed = "the 24-hour window is closed: the contact has not written in the last 24 hours; send an approved template"

// windowCodes are the provider's "outside the customer-service window" errors.
var windowCodes = map[int]bool{131047: true, 470: true}

// deliveryError keeps the provider's code, title and details, and adds the
// plain explanation and whether to retry.
func deliveryError(err error) error {
	var e *whatsapp.APIError
	if !asAPIError(err, &e) {
		if p := problem.As(err); p != nil {
			return &channel.DeliveryError{Reason: p.Error(), Err: err}
		}
		return channel.AsDeliveryError(err)
	}
	d := &channel.DeliveryError{Title: e.Title, Details: firstOf(e.Details, e.Message), Reason: e.Plain(),
		Retryable: e.Retryable(), RetryAfter: e.RetryAfter, Err: err}
	if e.Code != 0 {
		d.Code = strconv.Itoa(e.Code)
		if d.Title == "" {
			d.Title, _, _ = whatsapp.ErrorInfo(e.Code)
		}
	}
	if windowCodes[e.Code] {
		d.Reason = windowClosed
	}
	return d
}

func asAPIError(err error, target **whatsapp.APIError) bool { return errors.As(err, target) }

// toWire translates a stored message into WhatsApp's message of its kind.
func toWire(o channel.Outgoing, mediaID string) (whatsapp.Outgoing, error) {
	c := o.Content
	if c == nil {
		c = &content.Content{}
	}
	reply := o.ReplyToProviderID
	switch {
	case len(o.Files) > 0 || content.MediaKinds[o.Kind]:
		if len(o.Files) == 0 {
			return nil, problem.Field("file", "a "+o.Kind+" message needs a file")
		}
		f := o.Files[0]
		kind := whatsapp.KindOf(f.ContentType)
		if content.MediaKinds[o.Kind] && o.Kind != content.KindVoice {
			kind = whatsapp.MediaKind(o.Kind)
		}
		m := whatsapp.MediaMessage{Kind: kind, MediaRef: whatsapp.MediaRef{ID: mediaID}, ReplyTo: reply}
		if kind != whatsapp.Audio && kind != whatsapp.Sticker {
			m.Caption = o.Body
		} else if o.Body != "" {
			return nil, problem.Field("body", string(kind)+" messages cannot have a caption on WhatsApp")
		}
		if kind == whatsapp.Document {
			m.Filename = f.Filename
		}
		return m, nil
	case o.Kind == content.KindText:
		return whatsapp.TextMessage{Body: o.Body, PreviewURL: c.PreviewURL, ReplyTo: reply}, nil
	case o.Kind == content.KindLocation && c.Location != nil:
		l := c.Location
		return whatsapp.LocationMessage{Latitude: l.Latitude, Longitude: l.Longitude, Name: l.Name, Address: l.Address, ReplyTo: reply}, nil
	case o.Kind == content.KindContacts && len(c.Contacts) > 0:
		m := whatsapp.ContactsMessage{ReplyTo: reply}
		for _, card := range c.Contacts {
			m.Contacts = append(m.Contacts, cardToWire(card))
		}
		return m, nil
	case o.Kind == content.KindReaction && c.Reaction != nil:
		target := c.Reaction.TargetProviderID
		if target == "" && c.Reaction.TargetID != "" {
			// Validation before storing: the job fills in the target's WhatsApp id.
			target = "wamid.pending"
		}
		return whatsapp.ReactionMessage{MessageID: target, Emoji: c.Reaction.Emoji}, nil
	case o.Kind == content.KindInteractive && c.Interactive != nil:
		return interactiveToWire(o.Body, c.Interactive, reply), nil
	case o.Kind == content.KindTemplate && c.Template != nil:
		comps, err := templateComponents(c.Template.Components)
		if err != nil {
			return nil, err
		}
		return whatsapp.TemplateMessage{Name: c.Template.Name, Language: c.Template.Language, Components: comps, ReplyTo: reply}, nil
	}
	return nil, problem.Field("content", "a "+o.Kind+" message needs its content."+o.Kind+" part")
}

func cardToWire(c content.Card) whatsapp.ContactCard {
	w := whatsapp.ContactCard{Name: whatsapp.ContactName{FormattedName: c.Name, FirstName: c.FirstName, LastName: c.LastName},
		Org: whatsapp.ContactOrg{Company: c.Organization}, Birthday: c.Birthday}
	for _, p := range c.Phones {
		w.Phones = append(w.Phones, whatsapp.ContactPhone{Phone: p.Value, WaID: p.WaID, Type: p.Type})
	}
	for _, e := range c.Emails {
		w.Emails = append(w.Emails, whatsapp.ContactEmail{Email: e.Value, Type: e.Type})
	}
	for _, u := range c.URLs {
		w.URLs = append(w.URLs, whatsapp.ContactURL{URL: u.Value, Type: u.Type})
	}
	return w
}

func interactiveToWire(body string, i *content.Interactive, reply string) whatsapp.Outgoing {
	var header *whatsapp.InteractiveHeader
	if i.Header != "" {
		header = &whatsapp.InteractiveHeader{Type: "text", Text: i.Header}
	}
	if len(i.Sections) > 0 {
		m := whatsapp.ListMessage{Header: header, Body: body, Footer: i.Footer, Button: i.Button, ReplyTo: reply}
		for _, s := range i.Sections {
			ws := whatsapp.ListSection{Title: s.Title}
			for _, r := range s.Rows {
				ws.Rows = append(ws.Rows, whatsapp.ListRow{ID: r.ID, Title: r.Title, Description: r.Description})
			}
			m.Sections = append(m.Sections, ws)
		}
		return m
	}
	m := whatsapp.ButtonsMessage{Header: header, Body: body, Footer: i.Footer, ReplyTo: reply}
	for _, b := range i.Buttons {
		m.Buttons = append(m.Buttons, whatsapp.ReplyButton{ID: b.ID, Title: b.Title})
	}
	return m
}

// wireComponent is a template component as the Cloud API takes it, which is
// the shape content.Template.Components holds.
type wireComponent struct {
	Type       string          `json:"type"`
	SubType    string          `json:"sub_type"`
	Index      json.RawMessage `json:"index"`
	Parameters []struct {
		Type       string            `json:"type"`
		Text       string            `json:"text"`
		Payload    string            `json:"payload"`
		CouponCode string            `json:"coupon_code"`
		Image      *media            `json:"image"`
		Video      *media            `json:"video"`
		Document   *media            `json:"document"`
		Location   *content.Location `json:"location"`
	} `json:"parameters"`
}

type media struct {
	ID       string `json:"id"`
	Link     string `json:"link"`
	Filename string `json:"filename"`
}

func templateComponents(raw json.RawMessage) ([]whatsapp.TemplateComponent, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var in []wireComponent
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, problem.Field("content.template.components", "must be an array of components: "+err.Error())
	}
	out := make([]whatsapp.TemplateComponent, len(in))
	for i, c := range in {
		tc := whatsapp.TemplateComponent{Type: strings.ToLower(c.Type), SubType: c.SubType}
		if len(c.Index) > 0 {
			idx, err := strconv.Atoi(strings.Trim(string(c.Index), `"`))
			if err != nil {
				return nil, problem.Field("content.template.components["+strconv.Itoa(i)+"].index", "must be a number")
			}
			tc.Index = idx
		}
		for _, p := range c.Parameters {
			tp := whatsapp.TemplateParameter{Type: p.Type, Text: p.Text, Payload: p.Payload, CouponCode: p.CouponCode}
			if l := p.Location; l != nil {
				tp.Location = &whatsapp.LocationMessage{Latitude: l.Latitude, Longitude: l.Longitude, Name: l.Name, Address: l.Address}
			}
			for _, m := range []*media{p.Image, p.Video, p.Document} {
				if m != nil {
					tp.Media, tp.Filename = whatsapp.MediaRef{ID: m.ID, Link: m.Link}, m.Filename
				}
			}
			tc.Parameters = append(tc.Parameters, tp)
		}
		out[i] = tc
	}
	return out, nil
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
