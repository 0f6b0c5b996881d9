package whatsapp

import (
	"context"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"charla/internal/problem"
)

// sendAndCapture sends m through an httptest server and returns the body
// the server received.
func sendAndCapture(t *testing.T, m Outgoing) string {
	t.Helper()
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = string(b)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"messaging_product":"whatsapp","contacts":[{"input":"16505551234","wa_id":"16505551234"}],"messages":[{"id":"wamid.HBgL"}]}`)
	}))
	defer srv.Close()
	c := NewClient(ClientConfig{BaseURL: srv.URL, PhoneNumberID: "106540352242922", Token: "tok"})
	if _, err := c.Send(context.Background(), "16505551234", m); err != nil {
		t.Fatalf("send: %v", err)
	}
	return got
}

const head = `{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234",`

func TestSendBodies(t *testing.T) {
	cases := []struct {
		name string
		m    Outgoing
		want string
	}{
		{"text", TextMessage{Body: "Hello"}, head + `"type":"text","text":{"body":"Hello"}}`},
		{"text preview", TextMessage{Body: "see https://x.io", PreviewURL: true}, head + `"type":"text","text":{"body":"see https://x.io","preview_url":true}}`},
		{"text reply", TextMessage{Body: "Hi", ReplyTo: "wamid.A"}, head + `"type":"text","text":{"body":"Hi"},"context":{"message_id":"wamid.A"}}`},
		{"image id", MediaMessage{Kind: Image, MediaRef: MediaRef{ID: "123"}, Caption: "cat"}, head + `"type":"image","image":{"id":"123","caption":"cat"}}`},
		{"video link", MediaMessage{Kind: Video, MediaRef: MediaRef{Link: "https://x.io/v.mp4"}}, head + `"type":"video","video":{"link":"https://x.io/v.mp4"}}`},
		{"audio", MediaMessage{Kind: Audio, MediaRef: MediaRef{ID: "9"}}, head + `"type":"audio","audio":{"id":"9"}}`},
		{"sticker", MediaMessage{Kind: Sticker, MediaRef: MediaRef{ID: "9"}}, head + `"type":"sticker","sticker":{"id":"9"}}`},
		{"document", MediaMessage{Kind: Document, MediaRef: MediaRef{ID: "9"}, Caption: "c", Filename: "a.pdf"}, head + `"type":"document","document":{"id":"9","caption":"c","filename":"a.pdf"}}`},
		{"location", LocationMessage{Latitude: 37.4847, Longitude: -122.1486, Name: "Meta HQ", Address: "1 Hacker Way"}, head + `"type":"location","location":{"latitude":37.4847,"longitude":-122.1486,"name":"Meta HQ","address":"1 Hacker Way"}}`},
		{"contacts", ContactsMessage{Contacts: []ContactCard{{Name: ContactName{FormattedName: "Ana Ruiz", FirstName: "Ana"}, Phones: []ContactPhone{{Phone: "+1 650", WaID: "1650", Type: "WORK"}}, Emails: []ContactEmail{{Email: "a@x.io"}}}}},
			head + `"type":"contacts","contacts":[{"name":{"formatted_name":"Ana Ruiz","first_name":"Ana"},"phones":[{"phone":"+1 650","wa_id":"1650","type":"WORK"}],"emails":[{"email":"a@x.io"}]}]}`},
		{"reaction", ReactionMessage{MessageID: "wamid.A", Emoji: "👍"}, head + `"type":"reaction","reaction":{"message_id":"wamid.A","emoji":"👍"}}`},
		{"reaction removal", ReactionMessage{MessageID: "wamid.A"}, head + `"type":"reaction","reaction":{"message_id":"wamid.A","emoji":""}}`},
		{"buttons", ButtonsMessage{Header: &InteractiveHeader{Type: "text", Text: "H"}, Body: "B", Footer: "F", Buttons: []ReplyButton{{ID: "y", Title: "Yes"}, {ID: "n", Title: "No"}}},
			head + `"type":"interactive","interactive":{"type":"button","header":{"type":"text","text":"H"},"body":{"text":"B"},"footer":{"text":"F"},"action":{"buttons":[{"type":"reply","reply":{"id":"y","title":"Yes"}},{"type":"reply","reply":{"id":"n","title":"No"}}]}}}`},
		{"buttons image header", ButtonsMessage{Header: &InteractiveHeader{Type: "image", Media: MediaRef{ID: "7"}}, Body: "B", Buttons: []ReplyButton{{ID: "y", Title: "Yes"}}},
			head + `"type":"interactive","interactive":{"type":"button","header":{"type":"image","image":{"id":"7"}},"body":{"text":"B"},"action":{"buttons":[{"type":"reply","reply":{"id":"y","title":"Yes"}}]}}}`},
		// Shape of providers.md §1.9's list example (Meta OAS "Send List Message").
		{"list", ListMessage{Header: &InteractiveHeader{Type: "text", Text: "Menu"}, Body: "Pick one", Footer: "Thanks", Button: "Options",
			Sections: []ListSection{{Title: "Shipping", Rows: []ListRow{{ID: "exp", Title: "Express", Description: "1-2 days"}}}}},
			head + `"type":"interactive","interactive":{"type":"list","header":{"type":"text","text":"Menu"},"body":{"text":"Pick one"},"footer":{"text":"Thanks"},"action":{"button":"Options","sections":[{"title":"Shipping","rows":[{"id":"exp","title":"Express","description":"1-2 days"}]}]}}}`},
		// providers.md §1.14's template example without currency/date_time.
		{"template", TemplateMessage{Name: "order_update", Language: "en_US", Components: []TemplateComponent{
			{Type: "header", Parameters: []TemplateParameter{{Type: "image", Media: MediaRef{Link: "https://example.com/h.jpg"}}}},
			{Type: "body", Parameters: []TemplateParameter{{Type: "text", Text: "Mark"}}},
			{Type: "button", SubType: "quick_reply", Index: 0, Parameters: []TemplateParameter{{Type: "payload", Payload: "STOP"}}},
			{Type: "button", SubType: "url", Index: 1, Parameters: []TemplateParameter{{Type: "text", Text: "abc123"}}},
		}}, head + `"type":"template","template":{"name":"order_update","language":{"code":"en_US","policy":"deterministic"},"components":[` +
			`{"type":"header","parameters":[{"type":"image","image":{"link":"https://example.com/h.jpg"}}]},` +
			`{"type":"body","parameters":[{"type":"text","text":"Mark"}]},` +
			`{"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"STOP"}]},` +
			`{"type":"button","sub_type":"url","index":"1","parameters":[{"type":"text","text":"abc123"}]}]}}`},
		{"template document header", TemplateMessage{Name: "t", Language: "en", Components: []TemplateComponent{
			{Type: "header", Parameters: []TemplateParameter{{Type: "document", Media: MediaRef{ID: "5"}, Filename: "a.pdf"}}}}},
			head + `"type":"template","template":{"name":"t","language":{"code":"en","policy":"deterministic"},"components":[{"type":"header","parameters":[{"type":"document","document":{"id":"5","filename":"a.pdf"}}]}]}}`},
		// A coupon template's copy-code
		// button (providers.md §1.14), with a location header.
		{"template location and coupon", TemplateMessage{Name: "offer", Language: "pt_BR", Components: []TemplateComponent{
			{Type: "header", Parameters: []TemplateParameter{{Type: "location", Location: &LocationMessage{Latitude: -23.5, Longitude: -46.6, Name: "Loja"}}}},
			{Type: "button", SubType: "copy_code", Index: 0, Parameters: []TemplateParameter{{Type: "coupon_code", CouponCode: "SAVE20"}}}}},
			head + `"type":"template","template":{"name":"offer","language":{"code":"pt_BR","policy":"deterministic"},"components":[` +
				`{"type":"header","parameters":[{"type":"location","location":{"latitude":-23.5,"longitude":-46.6,"name":"Loja"}}]},` +
				`{"type":"button","sub_type":"copy_code","index":"0","parameters":[{"type":"coupon_code","coupon_code":"SAVE20"}]}]}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assertSameJSON(t, c.name, []byte(sendAndCapture(t, c.m)), []byte(c.want))
		})
	}
}

func TestValidate(t *testing.T) {
	s := strings.Repeat
	btn := func(bs ...ReplyButton) ButtonsMessage { return ButtonsMessage{Body: "b", Buttons: bs} }
	list := func(secs ...ListSection) ListMessage { return ListMessage{Body: "b", Button: "Open", Sections: secs} }
	rows := func(prefix string, n int) []ListRow {
		out := make([]ListRow, n)
		for i := range out {
			out[i] = ListRow{ID: prefix + string(rune('a'+i)), Title: "t"}
		}
		return out
	}
	tpl := func(cs ...TemplateComponent) TemplateMessage {
		return TemplateMessage{Name: "n", Language: "en", Components: cs}
	}
	cases := []struct {
		name  string
		m     Outgoing
		field string // "" means valid
	}{
		{"text ok", TextMessage{Body: "x"}, ""},
		{"text max", TextMessage{Body: s("é", 4096)}, ""},
		{"text too long", TextMessage{Body: s("a", 4097)}, "text.body"},
		{"text empty", TextMessage{Body: "  "}, "text.body"},
		{"text bad utf8", TextMessage{Body: "\xff"}, "text.body"},

		{"image caption max", MediaMessage{Kind: Image, MediaRef: MediaRef{ID: "1"}, Caption: s("c", 1024)}, ""},
		{"image caption long", MediaMessage{Kind: Image, MediaRef: MediaRef{ID: "1"}, Caption: s("c", 1025)}, "image.caption"},
		{"video caption long", MediaMessage{Kind: Video, MediaRef: MediaRef{ID: "1"}, Caption: s("c", 1025)}, "video.caption"},
		{"document caption long", MediaMessage{Kind: Document, MediaRef: MediaRef{ID: "1"}, Caption: s("c", 1025)}, "document.caption"},
		{"audio caption", MediaMessage{Kind: Audio, MediaRef: MediaRef{ID: "1"}, Caption: "c"}, "audio.caption"},
		{"sticker caption", MediaMessage{Kind: Sticker, MediaRef: MediaRef{ID: "1"}, Caption: "c"}, "sticker.caption"},
		{"image filename", MediaMessage{Kind: Image, MediaRef: MediaRef{ID: "1"}, Filename: "a.jpg"}, "image.filename"},
		{"document filename", MediaMessage{Kind: Document, MediaRef: MediaRef{ID: "1"}, Filename: "a.pdf"}, ""},
		{"no media", MediaMessage{Kind: Image}, "image"},
		{"id and link", MediaMessage{Kind: Image, MediaRef: MediaRef{ID: "1", Link: "https://x.io/a"}}, "image"},
		{"ftp link", MediaMessage{Kind: Image, MediaRef: MediaRef{Link: "ftp://x.io/a"}}, "image.link"},
		{"bad kind", MediaMessage{Kind: "gif", MediaRef: MediaRef{ID: "1"}}, "type"},

		{"location ok", LocationMessage{Latitude: -90, Longitude: 180}, ""},
		{"latitude range", LocationMessage{Latitude: 90.1}, "location.latitude"},
		{"longitude range", LocationMessage{Longitude: -180.5}, "location.longitude"},
		{"latitude NaN", LocationMessage{Latitude: math.NaN()}, "location.latitude"},

		{"contacts ok", ContactsMessage{Contacts: []ContactCard{{Name: ContactName{FormattedName: "A"}}}}, ""},
		{"contacts none", ContactsMessage{}, "contacts"},
		{"contacts six", ContactsMessage{Contacts: make([]ContactCard, 6)}, "contacts"},
		{"contact no name", ContactsMessage{Contacts: []ContactCard{{}}}, "contacts[0].name.formatted_name"},

		{"reaction ok", ReactionMessage{MessageID: "wamid.A", Emoji: "❤️"}, ""},
		{"reaction removal", ReactionMessage{MessageID: "wamid.A"}, ""},
		{"reaction no id", ReactionMessage{Emoji: "👍"}, "reaction.message_id"},
		{"reaction text", ReactionMessage{MessageID: "w", Emoji: "not an emoji at all"}, "reaction.emoji"},

		{"buttons 3", btn(ReplyButton{"a", "A"}, ReplyButton{"b", "B"}, ReplyButton{"c", "C"}), ""},
		{"buttons 0", btn(), "interactive.action.buttons"},
		{"buttons 4", btn(ReplyButton{"a", "A"}, ReplyButton{"b", "B"}, ReplyButton{"c", "C"}, ReplyButton{"d", "D"}), "interactive.action.buttons"},
		{"button title 20", btn(ReplyButton{"a", s("t", 20)}), ""},
		{"button title 21", btn(ReplyButton{"a", s("t", 21)}), "interactive.action.buttons[0].reply.title"},
		{"button id 256", btn(ReplyButton{s("i", 256), "A"}), ""},
		{"button id 257", btn(ReplyButton{s("i", 257), "A"}), "interactive.action.buttons[0].reply.id"},
		{"button id spaces", btn(ReplyButton{" a", "A"}), "interactive.action.buttons[0].reply.id"},
		{"button dup id", btn(ReplyButton{"a", "A"}, ReplyButton{"a", "B"}), "interactive.action.buttons[1].reply.id"},
		{"button dup title", btn(ReplyButton{"a", "A"}, ReplyButton{"b", "A"}), "interactive.action.buttons[1].reply.title"},
		{"buttons no body", ButtonsMessage{Buttons: []ReplyButton{{"a", "A"}}}, "interactive.body.text"},
		{"buttons body 1025", ButtonsMessage{Body: s("b", 1025), Buttons: []ReplyButton{{"a", "A"}}}, "interactive.body.text"},
		{"buttons footer 61", ButtonsMessage{Body: "b", Footer: s("f", 61), Buttons: []ReplyButton{{"a", "A"}}}, "interactive.footer.text"},
		{"buttons header 61", ButtonsMessage{Header: &InteractiveHeader{Type: "text", Text: s("h", 61)}, Body: "b", Buttons: []ReplyButton{{"a", "A"}}}, "interactive.header.text"},
		{"buttons header 60", ButtonsMessage{Header: &InteractiveHeader{Type: "text", Text: s("h", 60)}, Body: "b", Footer: s("f", 60), Buttons: []ReplyButton{{"a", "A"}}}, ""},
		{"buttons header bad type", ButtonsMessage{Header: &InteractiveHeader{Type: "audio"}, Body: "b", Buttons: []ReplyButton{{"a", "A"}}}, "interactive.header.type"},

		{"list ok 10 rows", list(ListSection{Title: "A", Rows: rows("a", 5)}, ListSection{Title: "B", Rows: rows("b", 5)}), ""},
		{"list 11 rows", list(ListSection{Title: "A", Rows: rows("a", 6)}, ListSection{Title: "B", Rows: rows("b", 5)}), "interactive.action.sections"},
		{"list no sections", list(), "interactive.action.sections"},
		{"list 11 sections", func() ListMessage {
			var ss []ListSection
			for i := 0; i < 11; i++ {
				ss = append(ss, ListSection{Title: "s", Rows: []ListRow{{ID: string(rune('a' + i)), Title: "t"}}})
			}
			return list(ss...)
		}(), "interactive.action.sections"},
		{"list button 21", ListMessage{Body: "b", Button: s("x", 21), Sections: []ListSection{{Rows: rows("a", 1)}}}, "interactive.action.button"},
		{"list no button", ListMessage{Body: "b", Sections: []ListSection{{Rows: rows("a", 1)}}}, "interactive.action.button"},
		{"row title 24", list(ListSection{Rows: []ListRow{{ID: "a", Title: s("t", 24)}}}), ""},
		{"row title 25", list(ListSection{Rows: []ListRow{{ID: "a", Title: s("t", 25)}}}), "interactive.action.sections[0].rows[0].title"},
		{"row description 73", list(ListSection{Rows: []ListRow{{ID: "a", Title: "t", Description: s("d", 73)}}}), "interactive.action.sections[0].rows[0].description"},
		{"row id 201", list(ListSection{Rows: []ListRow{{ID: s("i", 201), Title: "t"}}}), "interactive.action.sections[0].rows[0].id"},
		{"row id dup across sections", list(ListSection{Title: "A", Rows: []ListRow{{ID: "x", Title: "t"}}}, ListSection{Title: "B", Rows: []ListRow{{ID: "x", Title: "t"}}}), "interactive.action.sections[1].rows[0].id"},
		{"section title 25", list(ListSection{Title: s("s", 25), Rows: rows("a", 1)}), "interactive.action.sections[0].title"},
		{"section title missing with 2", list(ListSection{Title: "A", Rows: rows("a", 1)}, ListSection{Rows: rows("b", 1)}), "interactive.action.sections[1].title"},
		{"section empty", list(ListSection{Title: "A"}), "interactive.action.sections[0].rows"},
		{"list media header", ListMessage{Header: &InteractiveHeader{Type: "image", Media: MediaRef{ID: "1"}}, Body: "b", Button: "x", Sections: []ListSection{{Rows: rows("a", 1)}}}, "interactive.header.type"},

		{"template ok", tpl(TemplateComponent{Type: "body", Parameters: []TemplateParameter{{Type: "text", Text: "x"}}}), ""},
		{"template no name", TemplateMessage{Language: "en"}, "template.name"},
		{"template no language", TemplateMessage{Name: "n"}, "template.language.code"},
		{"template bad component", tpl(TemplateComponent{Type: "footer", Parameters: []TemplateParameter{{Type: "text", Text: "x"}}}), "template.components[0].type"},
		{"template body image", tpl(TemplateComponent{Type: "body", Parameters: []TemplateParameter{{Type: "image", Media: MediaRef{ID: "1"}}}}), "template.components[0].parameters[0].type"},
		{"template body empty text", tpl(TemplateComponent{Type: "body", Parameters: []TemplateParameter{{Type: "text"}}}), "template.components[0].parameters[0].text"},
		{"template body newline", tpl(TemplateComponent{Type: "body", Parameters: []TemplateParameter{{Type: "text", Text: "a\nb"}}}), "template.components[0].parameters[0].text"},
		{"template body 5 spaces", tpl(TemplateComponent{Type: "body", Parameters: []TemplateParameter{{Type: "text", Text: "a     b"}}}), "template.components[0].parameters[0].text"},
		{"template no params", tpl(TemplateComponent{Type: "body"}), "template.components[0].parameters"},
		{"template header media no ref", tpl(TemplateComponent{Type: "header", Parameters: []TemplateParameter{{Type: "video"}}}), "template.components[0].parameters[0].video"},
		{"template header two params", tpl(TemplateComponent{Type: "header", Parameters: []TemplateParameter{{Type: "text", Text: "a"}, {Type: "text", Text: "b"}}}), "template.components[0].parameters"},
		{"template header location ok", tpl(TemplateComponent{Type: "header", Parameters: []TemplateParameter{{Type: "location", Location: &LocationMessage{Latitude: 1, Longitude: 2}}}}), ""},
		{"template header location missing", tpl(TemplateComponent{Type: "header", Parameters: []TemplateParameter{{Type: "location"}}}), "template.components[0].parameters[0].location"},
		{"template header location bad", tpl(TemplateComponent{Type: "header", Parameters: []TemplateParameter{{Type: "location", Location: &LocationMessage{Latitude: 91}}}}), "template.components[0].parameters[0].location"},
		{"template coupon ok", tpl(TemplateComponent{Type: "button", SubType: "copy_code", Parameters: []TemplateParameter{{Type: "coupon_code", CouponCode: s("C", 15)}}}), ""},
		{"template coupon long", tpl(TemplateComponent{Type: "button", SubType: "copy_code", Parameters: []TemplateParameter{{Type: "coupon_code", CouponCode: s("C", 16)}}}), "template.components[0].parameters[0].coupon_code"},
		{"template coupon on url button", tpl(TemplateComponent{Type: "button", SubType: "url", Parameters: []TemplateParameter{{Type: "coupon_code", CouponCode: "X"}}}), "template.components[0].parameters[0].type"},
		{"template image filename", tpl(TemplateComponent{Type: "header", Parameters: []TemplateParameter{{Type: "image", Media: MediaRef{ID: "1"}, Filename: "a"}}}), "template.components[0].parameters[0].filename"},
		{"template button no subtype", tpl(TemplateComponent{Type: "button", Parameters: []TemplateParameter{{Type: "payload", Payload: "p"}}}), "template.components[0].sub_type"},
		{"template button index 10", tpl(TemplateComponent{Type: "button", SubType: "quick_reply", Index: 10, Parameters: []TemplateParameter{{Type: "payload", Payload: "p"}}}), "template.components[0].index"},
		{"template quick reply text", tpl(TemplateComponent{Type: "button", SubType: "quick_reply", Parameters: []TemplateParameter{{Type: "text", Text: "p"}}}), "template.components[0].parameters[0].type"},
		{"template url payload", tpl(TemplateComponent{Type: "button", SubType: "url", Parameters: []TemplateParameter{{Type: "payload", Payload: "p"}}}), "template.components[0].parameters[0].type"},
		{"template empty payload", tpl(TemplateComponent{Type: "button", SubType: "quick_reply", Parameters: []TemplateParameter{{Type: "payload"}}}), "template.components[0].parameters[0].payload"},
		{"template same button twice", tpl(
			TemplateComponent{Type: "button", SubType: "url", Index: 1, Parameters: []TemplateParameter{{Type: "text", Text: "a"}}},
			TemplateComponent{Type: "button", SubType: "url", Index: 1, Parameters: []TemplateParameter{{Type: "text", Text: "b"}}}), "template.components[1]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.m.Validate()
			if c.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if !problem.Is(err, problem.Invalid) {
				t.Fatalf("want a problem.Invalid naming %s, got %v", c.field, err)
			}
			if _, ok := problem.As(err).Fields[c.field]; !ok {
				t.Fatalf("want field %s, got %v", c.field, err)
			}
		})
	}
}

func TestSendValidatesBeforeRequest(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls++ }))
	defer srv.Close()
	c := NewClient(ClientConfig{BaseURL: srv.URL, PhoneNumberID: "1", Token: "t"})
	for _, m := range []Outgoing{TextMessage{}, nil} {
		if _, err := c.Send(context.Background(), "1", m); !problem.Is(err, problem.Invalid) {
			t.Errorf("%#v: got %v", m, err)
		}
	}
	if _, err := c.Send(context.Background(), " ", TextMessage{Body: "x"}); !problem.Is(err, problem.Invalid) {
		t.Errorf("empty to: got %v", err)
	}
	if calls != 0 {
		t.Fatalf("%d requests made for invalid messages", calls)
	}
}
