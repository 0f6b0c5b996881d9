package qr

import (
	"net/url"
	"strings"
)

// WhatsAppLink is the wa.me link that opens a chat with phoneE164 (only its
// digits are kept, as wa.me wants), with prefilled typed in the composer when
// it is not empty. Spaces are written %20, as WhatsApp's own examples do:
// not every client reads "+" in a query as a space.
func WhatsAppLink(phoneE164, prefilled string) string {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, phoneE164)
	link := "https://wa.me/" + digits
	if prefilled != "" {
		// QueryEscape has already turned every literal "+" into %2B, so the
		// only "+" left are spaces.
		link += "?text=" + strings.ReplaceAll(url.QueryEscape(prefilled), "+", "%20")
	}
	return link
}
