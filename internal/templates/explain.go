package templates

import "charla/internal/channel/whatsapp"

// ErrTemplateMissing is WhatsApp's "template does not exist" code, after
// which charla offers to sync templates.
const ErrTemplateMissing = 132001

// Explain is a plain-language sentence for a provider error on a template
// send (132000, 132001, 132005, 132007, 132012, 132015, 132016 …). The
// WhatsApp client's table already explains every code; a missing template
// also gets the way out.
func Explain(code int) string {
	_, plain, _ := whatsapp.ErrorInfo(code)
	if code == ErrTemplateMissing {
		plain += " Sync templates to see which templates and languages this number has approved."
	}
	return plain
}
