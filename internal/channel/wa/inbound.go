package wa

import (
	"encoding/json"
	"mime"
	"strings"

	"charla/internal/channel"
	"charla/internal/channel/whatsapp"
	"charla/internal/contacts"
	"charla/internal/content"
	"charla/internal/inbox"
	"charla/internal/phone"
)

// userPrefix marks a business-scoped user id as a contact identity, so it
// can never collide with a wa_id.
const userPrefix = "user:"

// inbound maps one WhatsApp message to what the inbox stores. Nothing is
// dropped: a type charla does not model is kept as "unsupported" with its raw JSON.
func inbound(ch channel.Channel, m whatsapp.Message) inbox.Inbound {
	in := inbox.Inbound{Channel: ch, From: sender(m), ProviderMessageID: m.ID, At: m.Timestamp, Preview: m.Summary()}
	c := &content.Content{}
	switch {
	case m.Unsupported:
		in.Kind, c.Raw = content.KindUnsupported, m.Raw
	case m.Type == "text":
		in.Kind, in.Body = content.KindText, m.Text
	case m.Media != nil:
		in.Kind, in.Body = m.Media.Kind, m.Media.Caption
		if m.Media.Voice {
			in.Kind = content.KindVoice
		}
		if !content.MediaKinds[in.Kind] {
			in.Kind = content.KindDocument
		}
		in.Media = []inbox.ProviderMedia{{ID: m.Media.ID, Filename: mediaFilename(m.Media), ContentType: m.Media.MimeType}}
	case m.Location != nil:
		l := m.Location
		in.Kind = content.KindLocation
		c.Location = &content.Location{Latitude: l.Lat, Longitude: l.Long, Name: l.Name, Address: l.Address, URL: l.URL}
	case m.Type == "contacts":
		in.Kind = content.KindContacts
		for _, card := range m.Contacts {
			c.Contacts = append(c.Contacts, cardFromWire(card))
		}
	case m.Interactive != nil:
		i := m.Interactive
		in.Kind = content.KindChoice
		c.Choice = &content.Choice{ID: i.ID, Title: firstOf(i.Title, i.Body, i.Name, i.ID), Description: i.Description}
		if i.Type == "nfm_reply" {
			c.Choice.Payload = i.ResponseJSON
		}
		in.Body = c.Choice.Title
	case m.Button != nil:
		in.Kind, in.Body = content.KindChoice, m.Button.Text
		c.Choice = &content.Choice{Title: firstOf(m.Button.Text, m.Button.Payload), Payload: m.Button.Payload}
	case m.Reaction != nil:
		in.Kind = content.KindReaction
		c.Reaction = &content.Reaction{Emoji: m.Reaction.Emoji, TargetProviderID: m.Reaction.MessageID}
	case m.Order != nil:
		in.Kind, in.Body = content.KindOrder, m.Order.Text
		c.Order = &content.Order{CatalogID: m.Order.CatalogID, Text: m.Order.Text, Items: []content.OrderItem{}}
		for _, it := range m.Order.Items {
			c.Order.Items = append(c.Order.Items, content.OrderItem{ProductID: it.ProductRetailerID, Quantity: it.Quantity,
				Price: it.ItemPrice, Currency: it.Currency})
		}
	case m.System != nil:
		in.Kind, in.Body = content.KindSystem, m.System.Body
		c.System = &content.System{Type: m.System.Type, Body: m.System.Body}
	default:
		// A known type whose content part was missing or unreadable.
		in.Kind, c.Raw = content.KindUnsupported, m.Raw
	}
	if m.Context != nil {
		in.QuotedProviderID = m.Context.ID
		c.Forwarded = m.Context.Forwarded || m.Context.FrequentlyForwarded
	}
	if m.Referral != nil {
		b, _ := json.Marshal(referral(m.Referral))
		in.Referral = string(b)
	}
	if content.Encode(c) != "" {
		in.Content = c
	}
	return in
}

// sender is who wrote: the wa_id (and E.164 phone from it), plus the
// business-scoped user id when WhatsApp gives one, so a person who later
// hides their number stays the same contact.
func sender(m whatsapp.Message) contacts.Who {
	who := contacts.Who{Name: m.ProfileName}
	if m.From != "" {
		who.ExternalID = m.From
		// Parsed only for a sender not yet known, the one case that needs it.
		from := m.From
		who.PhoneOf = func() string {
			e164, _ := phone.FromWhatsAppID(from) // "" for a wa_id that is no number
			return e164
		}
		if m.FromUserID != "" {
			who.AltIDs = []string{userPrefix + m.FromUserID}
		}
	} else if m.FromUserID != "" {
		who.ExternalID = userPrefix + m.FromUserID
	}
	if who.Name == "" {
		who.Name = m.Username
	}
	return who
}

func mediaFilename(md *whatsapp.Media) string {
	if md.Filename != "" {
		return md.Filename
	}
	ext := ""
	mt := strings.Split(md.MimeType, ";")[0]
	if exts, _ := mime.ExtensionsByType(mt); len(exts) > 0 {
		ext = exts[len(exts)-1]
	}
	switch mt {
	case "image/jpeg":
		ext = ".jpg"
	case "audio/ogg":
		ext = ".ogg"
	}
	return md.Kind + ext
}

func cardFromWire(w whatsapp.ContactCard) content.Card {
	c := content.Card{Name: firstOf(w.Name.FormattedName, strings.TrimSpace(w.Name.FirstName+" "+w.Name.LastName)),
		FirstName: w.Name.FirstName, LastName: w.Name.LastName, Organization: w.Org.Company, Birthday: w.Birthday}
	for _, p := range w.Phones {
		c.Phones = append(c.Phones, content.CardItem{Value: p.Phone, Type: p.Type, WaID: p.WaID})
	}
	for _, e := range w.Emails {
		c.Emails = append(c.Emails, content.CardItem{Value: e.Email, Type: e.Type})
	}
	for _, u := range w.URLs {
		c.URLs = append(c.URLs, content.CardItem{Value: u.URL, Type: u.Type})
	}
	return c
}

// referral is a click-to-WhatsApp ad as kept on the conversation.
func referral(r *whatsapp.Referral) map[string]string {
	out := map[string]string{}
	for k, v := range map[string]string{"source_url": r.SourceURL, "source_id": r.SourceID, "source_type": r.SourceType,
		"headline": r.Headline, "body": r.Body, "media_type": r.MediaType, "image_url": r.ImageURL,
		"video_url": r.VideoURL, "thumbnail_url": r.ThumbnailURL, "ctwa_clid": r.CtwaClid, "welcome_text": r.WelcomeText} {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

// statusReport maps a WhatsApp status to the inbox's.
func statusReport(s whatsapp.Status) inbox.StatusReport {
	r := inbox.StatusReport{ProviderMessageID: s.ID, Status: s.Status, MessageID: s.BizOpaqueCallbackData}
	if s.Pricing != nil {
		r.PricingCategory = s.Pricing.Category
	} else if s.Conversation != nil {
		r.PricingCategory = s.Conversation.OriginType
	}
	if len(s.Errors) > 0 {
		e := s.Errors[0]
		title, _, _ := whatsapp.ErrorInfo(e.Code)
		r.Error = &inbox.SendError{Code: itoa(e.Code), Title: firstOf(e.Title, title), Details: firstOf(e.Details, e.Message), Reason: e.Plain()}
		if windowCodes[e.Code] {
			r.Error.Reason = windowClosed
		}
	} else if s.Status == inbox.Failed {
		r.Error = &inbox.SendError{Reason: "WhatsApp reported the message as failed without a reason"}
	}
	return r
}
