package wa

import (
	"strings"

	"charla/internal/channel"
	"charla/internal/problem"
	"charla/internal/qr"
)

// ChatLink is the number's wa.me link. The number comes from the 360dialog
// settings or, for the Cloud API, from the last connection check, since
// Meta's phone number ID is not the number.
func (t *Type) ChatLink(ch channel.Channel, h channel.Health, _ string, text string) (string, error) {
	number := settingsOf(ch).PhoneNumber
	if number == "" && h.Number != nil {
		number = h.Number.DisplayNumber
	}
	if strings.Trim(number, "+ ") == "" {
		return "", problem.New(problem.Conflict, "charla doesn't know this channel's phone number yet: run Check connection first")
	}
	link := qr.WhatsAppLink(number, text)
	if len(link) > maxLink {
		return "", problem.Field("text", "is too long for a scannable QR code: shorten it (emoji and accented letters count several times)")
	}
	return link, nil
}

// maxLink keeps a wa.me link well inside what a QR code holds (2,331 bytes
// at error correction M), so its modules stay big enough to scan at 256 px.
const maxLink = 1000
