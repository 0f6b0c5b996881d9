package whatsapp

import "charla/internal/phone"

// SenderKey is the contact's stable identity on a channel: the wa_id when
// WhatsApp shares it, else "user:" and the business-scoped user ID. It is
// empty when the message names no sender.
func (m Message) SenderKey() string {
	switch {
	case m.From != "":
		return m.From
	case m.FromUserID != "":
		return "user:" + m.FromUserID
	}
	return ""
}

// SenderE164 is the sender's canonical E.164 number, or "" when there is no
// wa_id or it is not a valid number.
func (m Message) SenderE164() string {
	if m.From == "" {
		return ""
	}
	e, err := phone.FromWhatsAppID(m.From)
	if err != nil {
		return ""
	}
	return e
}

// sender is one value.contacts[] profile.
type sender struct {
	WaID    flexString `json:"wa_id"`
	UserID  flexString `json:"user_id"`
	Profile struct {
		Name     flexString `json:"name"`
		Username flexString `json:"username"`
	} `json:"profile"`
}

// matchSender finds the contacts[] profile of a message's sender. Meta lists
// one profile per sender, keyed by wa_id or (for username users) user_id.
func matchSender(from, userID string, cs []sender) (sender, bool) {
	for _, c := range cs {
		if from != "" && string(c.WaID) == from {
			return c, true
		}
	}
	for _, c := range cs {
		if userID != "" && string(c.UserID) == userID {
			return c, true
		}
	}
	// "A user's ID and phone number may not always match": legacy number
	// forms (Brazil without the ninth digit, Mexico's 521) name one person.
	if from != "" {
		if want, err := phone.FromWhatsAppID(from); err == nil {
			for _, c := range cs {
				if got, err := phone.FromWhatsAppID(string(c.WaID)); err == nil && got == want {
					return c, true
				}
			}
		}
	}
	// A lone profile that names nobody, or a message that names nobody, can
	// only belong together.
	if len(cs) == 1 && ((cs[0].WaID == "" && cs[0].UserID == "") || (from == "" && userID == "")) {
		return cs[0], true
	}
	return sender{}, false
}
