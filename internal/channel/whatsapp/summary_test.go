package whatsapp

import "testing"

func TestSummaryEdges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		m    Message
		want string
	}{
		{"control and bidi characters dropped", Message{Type: "text", Text: " hi\u202e\x07\r\n\tthere  "}, "hi there"},
		{"empty text", Message{Type: "text"}, "Message"},
		{"whitespace-only text", Message{Type: "text", Text: " \n "}, "Message"},
		{"photo without caption", Message{Type: "image", Media: &Media{Kind: "image"}}, "🖼 Photo"},
		{"document without filename uses caption", Message{Type: "document", Media: &Media{Kind: "document", Caption: "Q3"}}, "📄 Document: Q3"},
		{"static sticker", Message{Type: "sticker", Media: &Media{Kind: "sticker"}}, "💟 Sticker"},
		{"location by address", Message{Type: "location", Location: &Location{Address: "1 Main St"}}, "📍 Location: 1 Main St"},
		{"location bare", Message{Type: "location", Location: &Location{}}, "📍 Location"},
		{"contact by phone", Message{Type: "contacts", Contacts: []ContactCard{{Phones: []ContactPhone{{Phone: "+1 555"}}}}}, "👤 Contact: +1 555"},
		{"one item order", Message{Type: "order", Order: &Order{Items: []OrderItem{{Quantity: 1, ItemPrice: 9.5, Currency: "EUR"}}}}, "🛒 Order: 1 item, 9.50 EUR"},
		{"mixed currency order", Message{Type: "order", Order: &Order{Items: []OrderItem{{Quantity: 1, Currency: "EUR"}, {Quantity: 2, Currency: "USD"}}}}, "🛒 Order: 3 items"},
		{"whitespace emoji is a removal", Message{Type: "reaction", Reaction: &Reaction{Emoji: " "}}, "Removed a reaction"},
		{"system without body", Message{Type: "system", System: &System{Type: "user_changed_number"}}, "System message"},
		{"unknown type", Message{Type: "poll", Unsupported: true}, "Unsupported message (poll)"},
		{"unknown type value", Message{Type: "unknown", Unsupported: true}, "Unsupported message"},
	}
	for _, tt := range tests {
		if got := tt.m.Summary(); got != tt.want {
			t.Errorf("%s: Summary() = %q, want %q", tt.name, got, tt.want)
		}
	}
}
