package templates

import (
	"encoding/json"
	"strings"
	"testing"

	"charla/internal/contacts"
	"charla/internal/content"
	"charla/internal/problem"
)

// approved is a synced template in Meta's list shape.
func approved(t *testing.T, name, components string) Template {
	t.Helper()
	tpl := Template{Name: name, Language: "en_US", Status: StatusApproved}
	if err := json.Unmarshal([]byte(components), &tpl.Components); err != nil {
		t.Fatal(err)
	}
	return tpl
}

const orderUpdate = `[{"type":"HEADER","format":"TEXT","text":"Order {{1}}"},
	{"type":"BODY","text":"Hi {{1}}, your order {{2}} ships today. Thanks, {{3}}!"},
	{"type":"FOOTER","text":"Shop Inc."},
	{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Stop"},{"type":"URL","text":"Track","url":"https://x.com/t/{{1}}"},
		{"type":"PHONE_NUMBER","text":"Call","phone_number":"+14155550123"}]}]`

var ana = contacts.Contact{Name: "Ana María Ruiz", Phone: "+5215512345678",
	Attributes: map[string]any{"plan": "gold", "orders": float64(3), "vip": true, "empty": "", "name": "ignored"}}

func TestRender(t *testing.T) {
	vars := ResolveVars(ana, "Leo")
	cases := []struct {
		name      string
		tpl       string
		values    Values
		wantComps string
		// wantField is the field an error must name ("": renders).
		wantField   string
		wantMessage string
		wantPreview Preview
	}{
		{
			name: "typed and dynamic values",
			tpl:  orderUpdate,
			values: Values{Header: []string{"#42"}, Body: []string{"{{contact.first_name}}", "#42 ({{contact.plan}})", "{{ agent.name }}"},
				Buttons: map[int]string{1: "42"}},
			wantComps: `[{"type":"header","parameters":[{"type":"text","text":"#42"}]},
				{"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"#42 (gold)"},{"type":"text","text":"Leo"}]},
				{"type":"button","sub_type":"url","index":"1","parameters":[{"type":"text","text":"42"}]}]`,
			wantPreview: Preview{HeaderFormat: "TEXT", Header: "Order #42", Body: "Hi Ana, your order #42 (gold) ships today. Thanks, Leo!",
				Footer: "Shop Inc.", Buttons: []string{"Stop", "Track", "Call"}},
		},
		{
			name:      "dynamic value the contact lacks",
			tpl:       orderUpdate,
			values:    Values{Header: []string{"#42"}, Body: []string{"Ana", "{{contact.email}}", "Leo"}, Buttons: map[int]string{1: "42"}},
			wantField: "body.{{2}}", wantMessage: "uses contact.email, which this contact doesn't have",
		},
		{
			name:      "empty custom attribute counts as missing",
			tpl:       orderUpdate,
			values:    Values{Header: []string{"{{contact.empty}}"}, Body: []string{"a", "b", "c"}, Buttons: map[int]string{1: "42"}},
			wantField: "header.{{1}}", wantMessage: "contact.empty",
		},
		{
			name:      "typed value empty",
			tpl:       orderUpdate,
			values:    Values{Header: []string{"#42"}, Body: []string{"Ana", " ", "Leo"}, Buttons: map[int]string{1: "42"}},
			wantField: "body.{{2}}", wantMessage: "is required",
		},
		{
			name:      "body value missing",
			tpl:       orderUpdate,
			values:    Values{Header: []string{"#42"}, Body: []string{"Ana", "x"}, Buttons: map[int]string{1: "42"}},
			wantField: "body.{{3}}",
		},
		{
			name:      "too many body values",
			tpl:       orderUpdate,
			values:    Values{Header: []string{"#42"}, Body: []string{"a", "b", "c", "d"}, Buttons: map[int]string{1: "42"}},
			wantField: "body",
		},
		{
			name:      "body value with a line break",
			tpl:       orderUpdate,
			values:    Values{Header: []string{"#42"}, Body: []string{"a", "b\nc", "d"}, Buttons: map[int]string{1: "42"}},
			wantField: "body.{{2}}",
		},
		{
			name:      "header value missing",
			tpl:       orderUpdate,
			values:    Values{Body: []string{"a", "b", "c"}, Buttons: map[int]string{1: "42"}},
			wantField: "header.{{1}}",
		},
		{
			name:      "URL suffix missing",
			tpl:       orderUpdate,
			values:    Values{Header: []string{"#42"}, Body: []string{"a", "b", "c"}},
			wantField: "buttons[1].{{1}}",
		},
		{
			name:      "value for a button without variable",
			tpl:       orderUpdate,
			values:    Values{Header: []string{"#42"}, Body: []string{"a", "b", "c"}, Buttons: map[int]string{0: "x", 1: "42"}},
			wantField: "buttons[0]",
		},
		{
			name:      "value for a button that does not exist",
			tpl:       orderUpdate,
			values:    Values{Header: []string{"#42"}, Body: []string{"a", "b", "c"}, Buttons: map[int]string{1: "42", 7: "x"}},
			wantField: "buttons[7]",
		},
		{
			name:      "agent name unknown",
			tpl:       `[{"type":"BODY","text":"I am {{1}}."}]`,
			values:    Values{Body: []string{"{{agent.name}}"}, Vars: ResolveVars(ana, "")},
			wantField: "body.{{1}}", wantMessage: "agent.name",
		},
		{
			name:        "no variables",
			tpl:         `[{"type":"BODY","text":"Hello there"}]`,
			wantPreview: Preview{Body: "Hello there"},
		},
		{
			name:        "image header by link",
			tpl:         `[{"type":"HEADER","format":"IMAGE","example":{"header_handle":["4::h"]}},{"type":"BODY","text":"Look"}]`,
			values:      Values{HeaderMedia: &Media{Link: "https://x.com/a.jpg", Filename: "dropped.jpg"}},
			wantComps:   `[{"type":"header","parameters":[{"type":"image","image":{"link":"https://x.com/a.jpg"}}]}]`,
			wantPreview: Preview{HeaderFormat: "IMAGE", Body: "Look"},
		},
		{
			name:        "document header by id keeps its filename",
			tpl:         `[{"type":"HEADER","format":"DOCUMENT"},{"type":"BODY","text":"Your invoice"}]`,
			values:      Values{HeaderMedia: &Media{ID: "123", Filename: "invoice.pdf"}},
			wantComps:   `[{"type":"header","parameters":[{"type":"document","document":{"id":"123","filename":"invoice.pdf"}}]}]`,
			wantPreview: Preview{HeaderFormat: "DOCUMENT", Body: "Your invoice"},
		},
		{
			name:      "video header missing",
			tpl:       `[{"type":"HEADER","format":"VIDEO"},{"type":"BODY","text":"Watch"}]`,
			wantField: "header.media",
		},
		{
			name:        "location header",
			tpl:         `[{"type":"HEADER","format":"LOCATION"},{"type":"BODY","text":"We moved"}]`,
			values:      Values{HeaderLocation: &content.Location{Latitude: 37.48, Longitude: -122.14, Name: "HQ", Address: "1 Hacker Way"}},
			wantComps:   `[{"type":"header","parameters":[{"type":"location","location":{"latitude":37.48,"longitude":-122.14,"name":"HQ","address":"1 Hacker Way"}}]}]`,
			wantPreview: Preview{HeaderFormat: "LOCATION", Body: "We moved"},
		},
		{
			name:      "location header missing",
			tpl:       `[{"type":"HEADER","format":"LOCATION"},{"type":"BODY","text":"We moved"}]`,
			wantField: "header.location",
		},
		{
			name:   "authentication code fills the OTP button",
			tpl:    `[{"type":"BODY","text":"*{{1}}* is your verification code."},{"type":"BUTTONS","buttons":[{"type":"OTP","otp_type":"COPY_CODE","text":"Copy code"}]}]`,
			values: Values{Body: []string{"123456"}},
			wantComps: `[{"type":"body","parameters":[{"type":"text","text":"123456"}]},
				{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"123456"}]}]`,
			wantPreview: Preview{Body: "*123456* is your verification code.", Buttons: []string{"Copy code"}},
		},
		{
			name:        "coupon code",
			tpl:         `[{"type":"BODY","text":"Save now"},{"type":"BUTTONS","buttons":[{"type":"COPY_CODE","example":"SAVE20"}]}]`,
			values:      Values{Buttons: map[int]string{0: "SAVE30"}},
			wantComps:   `[{"type":"button","sub_type":"copy_code","index":"0","parameters":[{"type":"coupon_code","coupon_code":"SAVE30"}]}]`,
			wantPreview: Preview{Body: "Save now"},
		},
		{
			name:      "coupon code missing",
			tpl:       `[{"type":"BODY","text":"Save now"},{"type":"BUTTONS","buttons":[{"type":"COPY_CODE","example":"SAVE20"}]}]`,
			wantField: "buttons[0].{{1}}",
		},
		{
			name:      "named variables refused",
			tpl:       `[{"type":"BODY","text":"Hi {{first_name}}"}]`,
			values:    Values{Body: []string{"Ana"}},
			wantField: "template", wantMessage: "numbered variables",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.values.Vars == nil {
				c.values.Vars = vars
			}
			res, err := Render(approved(t, "order_update", c.tpl), c.values)
			if c.wantField != "" {
				p := problem.As(err)
				if err == nil || p.Kind != problem.Invalid || !strings.Contains(p.Fields[c.wantField], c.wantMessage) {
					t.Fatalf("want a 422 on %s containing %q, got %v", c.wantField, c.wantMessage, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Template.Name != "order_update" || res.Template.Language != "en_US" {
				t.Fatalf("template %+v", res.Template)
			}
			if c.wantComps == "" {
				if len(res.Template.Components) != 0 {
					t.Fatalf("components %s, want none", res.Template.Components)
				}
			} else if !jsonSame(t, res.Template.Components, []byte(c.wantComps)) {
				t.Fatalf("components:\n got %s\nwant %s", res.Template.Components, c.wantComps)
			}
			gp, _ := json.Marshal(res.Preview)
			wp, _ := json.Marshal(c.wantPreview)
			if string(gp) != string(wp) {
				t.Fatalf("preview:\n got %s\nwant %s", gp, wp)
			}
			if res.Template.Rendered != c.wantPreview.Text() {
				t.Fatalf("rendered %q, want %q", res.Template.Rendered, c.wantPreview.Text())
			}
		})
	}
}

func TestRenderRefusesUnapproved(t *testing.T) {
	cases := []struct{ status, reason, want string }{
		{StatusPending, "", "still pending review"},
		{StatusRejected, "INVALID_FORMAT", "rejected by WhatsApp (reason: INVALID_FORMAT)"},
		{StatusPaused, "", "paused"},
		{StatusDisabled, "", "disabled"},
		{StatusDeleted, "", "was deleted"},
		{"IN_APPEAL", "", "is IN_APPEAL, not approved"},
	}
	for _, c := range cases {
		t.Run(c.status, func(t *testing.T) {
			tpl := approved(t, "promo", `[{"type":"BODY","text":"Hi"}]`)
			tpl.Status, tpl.RejectedReason = c.status, c.reason
			_, err := Render(tpl, Values{})
			msg := problem.As(err).Fields["template"]
			if !problem.Is(err, problem.Invalid) || !strings.Contains(msg, c.want) || !strings.Contains(msg, "promo (en_US)") {
				t.Fatalf("got %v, want a 422 on template saying %q", err, c.want)
			}
		})
	}
	if _, err := Render(approved(t, "promo", `[{"type":"BODY","text":"Hi"}]`), Values{}); err != nil {
		t.Fatalf("approved template refused: %v", err)
	}
}

func TestResolveVars(t *testing.T) {
	got := ResolveVars(ana, "Leo Díaz")
	want := map[string]string{
		"contact.name": "Ana María Ruiz", "contact.first_name": "Ana", "contact.last_name": "María Ruiz",
		"contact.phone": "+5215512345678", "contact.plan": "gold", "contact.orders": "3", "contact.vip": "true",
		"agent.name": "Leo Díaz",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	for _, k := range []string{"contact.email", "contact.empty"} {
		if _, ok := got[k]; ok {
			t.Errorf("%s is set (%q) though the contact has none", k, got[k])
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d values, want %d: %v", len(got), len(want), got)
	}
	if v := ResolveVars(contacts.Contact{Attributes: map[string]any{"name": "x"}}, ""); v["contact.name"] != "" {
		t.Errorf("an attribute stood in for the contact's missing name: %v", v)
	}
}

func TestExplain(t *testing.T) {
	for _, code := range []int{132000, 132001, 132005, 132007, 132012, 132015, 132016} {
		if e := Explain(code); e == "" || strings.Contains(e, "does not know yet") {
			t.Errorf("%d: no explanation: %q", code, e)
		}
	}
	if !strings.Contains(Explain(132001), "Sync templates") {
		t.Errorf("132001 should offer a sync: %q", Explain(132001))
	}
	if strings.Contains(Explain(132015), "Sync templates") {
		t.Errorf("only 132001 offers a sync: %q", Explain(132015))
	}
}
