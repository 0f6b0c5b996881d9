package whatsapp

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// Summary renders m as one line of plain text for conversation previews and
// notifications, e.g. "📍 Location: Philz Coffee" or "🖼 Photo: Taj Mahal".
// It never returns an empty string; callers truncate to fit their medium.
func (m Message) Summary() string {
	s := oneLine(m.summary())
	if s == "" {
		return "Message"
	}
	return s
}

func (m Message) summary() string {
	if m.Unsupported {
		if m.Type == "" || m.Type == "unsupported" || m.Type == "unknown" {
			return "Unsupported message"
		}
		return "Unsupported message (" + m.Type + ")"
	}
	switch m.Type {
	case "text":
		return firstNonEmpty(m.Text, "Message")
	case "image", "video", "audio", "voice", "document", "sticker":
		return m.mediaSummary()
	case "location":
		if l := m.Location; l != nil {
			where := firstNonEmpty(l.Name, l.Address)
			if where == "" && (l.Lat != 0 || l.Long != 0) {
				where = strconv.FormatFloat(l.Lat, 'f', -1, 64) + ", " + strconv.FormatFloat(l.Long, 'f', -1, 64)
			}
			return label("📍 Location", where)
		}
		return "📍 Location"
	case "contacts":
		if len(m.Contacts) == 0 {
			return "👤 Contact"
		}
		s := label("👤 Contact", cardName(m.Contacts[0]))
		if n := len(m.Contacts) - 1; n > 0 {
			s += fmt.Sprintf(" and %d more", n)
		}
		return s
	case "interactive":
		if i := m.Interactive; i != nil {
			switch i.Type {
			case "nfm_reply":
				return label("📝 Form submitted", i.Body)
			case "button_reply", "list_reply":
				return label("🔘 Selected", firstNonEmpty(i.Title, i.ID))
			}
		}
		return "🔘 Interactive reply"
	case "button":
		if b := m.Button; b != nil {
			return label("🔘 Selected", firstNonEmpty(b.Text, b.Payload))
		}
		return "🔘 Button"
	case "reaction":
		if r := m.Reaction; r != nil && strings.TrimSpace(r.Emoji) != "" {
			return r.Emoji + " reacted"
		}
		return "Removed a reaction"
	case "order":
		return orderSummary(m.Order)
	case "system":
		if s := m.System; s != nil {
			return firstNonEmpty(s.Body, "System message")
		}
		return "System message"
	}
	return "Message"
}

func (m Message) mediaSummary() string {
	name := map[string]string{
		"image": "🖼 Photo", "video": "🎥 Video", "audio": "🎵 Audio", "voice": "🎤 Voice message",
		"document": "📄 Document", "sticker": "💟 Sticker",
	}[m.Type]
	md := m.Media
	if md == nil {
		return name
	}
	switch {
	case md.Voice:
		return "🎤 Voice message"
	case md.Kind == "sticker" && md.Animated:
		return "💟 Animated sticker"
	case md.Kind == "document":
		return label(name, firstNonEmpty(md.Filename, md.Caption))
	}
	return label(name, md.Caption)
}

func orderSummary(o *Order) string {
	if o == nil || len(o.Items) == 0 {
		return "🛒 Order"
	}
	n, total, currency := 0, 0.0, o.Items[0].Currency
	for _, it := range o.Items {
		n += it.Quantity
		total += float64(it.Quantity) * it.ItemPrice
		if it.Currency != currency {
			currency = ""
		}
	}
	s := fmt.Sprintf("🛒 Order: %d item", n)
	if n != 1 {
		s += "s"
	}
	if currency != "" {
		s += fmt.Sprintf(", %.2f %s", total, currency)
	}
	return s
}

func cardName(c ContactCard) string {
	if c.Name.FormattedName != "" {
		return c.Name.FormattedName
	}
	if n := strings.TrimSpace(c.Name.FirstName + " " + c.Name.LastName); n != "" {
		return n
	}
	if len(c.Phones) > 0 {
		return firstNonEmpty(c.Phones[0].Phone, c.Phones[0].WaID)
	}
	return ""
}

func label(name, detail string) string {
	if detail = strings.TrimSpace(detail); detail == "" {
		return name
	}
	return name + ": " + detail
}

// oneLine collapses whitespace runs (newlines included) to single spaces and
// drops other control and bidi-override characters, which would break or
// spoof a one-line preview.
func oneLine(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r), isBidiControl(r):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isBidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
}
