package qr

import (
	"net/url"
	"testing"
)

func TestWhatsAppLink(t *testing.T) {
	cases := []struct {
		name, phone, text, want string
	}{
		{"no text", "+14155550100", "", "https://wa.me/14155550100"},
		{"number with + and spaces", "+44 20 7946 0958", "", "https://wa.me/442079460958"},
		{"number with punctuation", "+1 (415) 555-0100", "", "https://wa.me/14155550100"},
		{"spaces", "+14155550100", "Hello there", "https://wa.me/14155550100?text=Hello%20there"},
		{"ampersand", "+14155550100", "fish & chips", "https://wa.me/14155550100?text=fish%20%26%20chips"},
		{"plus and equals", "+14155550100", "1+1=2", "https://wa.me/14155550100?text=1%2B1%3D2"},
		{"emoji", "+14155550100", "hi 👋", "https://wa.me/14155550100?text=hi%20%F0%9F%91%8B"},
		{"newline and question mark", "+14155550100", "Open?\nYes", "https://wa.me/14155550100?text=Open%3F%0AYes"},
		{"percent and hash", "+14155550100", "50% #1", "https://wa.me/14155550100?text=50%25%20%231"},
	}
	for _, c := range cases {
		got := WhatsAppLink(c.phone, c.text)
		if got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
			continue
		}
		// Whatever the text, a URL parser gets it back unchanged.
		u, err := url.Parse(got)
		if err != nil || u.Query().Get("text") != c.text {
			t.Errorf("%s: text does not round-trip: %q (%v)", c.name, u.Query().Get("text"), err)
		}
	}
}
