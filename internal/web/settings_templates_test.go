package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"charla/internal/emulator"
	"charla/internal/store"
	"charla/internal/store/storetest"
	msgtpl "charla/internal/templates"
)

// seededTemplates are the WABA's templates in the list tests, one of each
// status the list shows, and a body with markup that must stay text.
var seededTemplates = []emulator.Template{
	{Name: "order_update", Language: "en_US", Category: "UTILITY",
		Components: json.RawMessage(`[{"type":"BODY","text":"Hi {{1}}, order {{2}} has shipped."}]`)},
	{Name: "promo_es", Language: "es", Category: "MARKETING",
		Components: json.RawMessage(`[{"type":"BODY","text":"¡Oferta <b>especial</b> para {{1}}!"}]`)},
	{Name: "bad_format", Language: "en_US", Category: "MARKETING", Status: "REJECTED", RejectedReason: "INVALID_FORMAT",
		Components: json.RawMessage(`[{"type":"BODY","text":"Buy now"}]`)},
	{Name: "quiet_one", Language: "en_US", Category: "MARKETING", Status: "PAUSED",
		Components: json.RawMessage(`[{"type":"BODY","text":"We miss you"}]`)},
	{Name: "appealing", Language: "en_US", Category: "UTILITY", Status: "IN_APPEAL",
		Components: json.RawMessage(`[{"type":"BODY","text":"Appeal pending"}]`)},
}

// rows lists the template rows of a list page by name.
func rows(p page) []string {
	var names []string
	for _, chunk := range strings.Split(p.body, `data-testid="template-row"`)[1:] {
		_, rest, _ := strings.Cut(chunk, `data-name="`)
		name, _, _ := strings.Cut(rest, `"`)
		names = append(names, name)
	}
	return names
}

func TestTemplateListSearchFilterSyncDelete(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		f := newWhatsApp(t, d, func(c *emulator.Config) { c.Templates = seededTemplates })
		list := "/settings/channels/" + f.wa.ID + "/templates"

		// The channel page links its templates, profile and QR code.
		p := f.b.get("/settings/channels/" + f.wa.ID)
		for _, tab := range []string{"channel-tab-templates", "channel-tab-profile", "channel-tab-qr"} {
			if !p.has(`data-testid="` + tab + `"`) {
				t.Errorf("channel page lacks the %s tab", tab)
			}
		}

		p = f.b.get(list)
		wantStatus(t, p, http.StatusOK)
		if !p.has("Last synced: never") || !p.has(`data-testid="templates-empty"`) {
			t.Fatalf("before any sync:\n%s", p.body)
		}
		wantRedirect(t, f.b.post(list+"/sync", nil), list+"?done=templates-synced")
		p = f.b.get(list + "?done=templates-synced")
		if got := rows(p); len(got) != 6 || p.has("Last synced: never") || !p.has("Templates synced with WhatsApp.") {
			t.Fatalf("after a sync: rows %v\n%s", got, p.body)
		}
		for _, want := range []string{`data-status="APPROVED"`, `class="status status-approved"`, `data-status="REJECTED"`,
			`data-testid="template-rejected-reason">Reason: INVALID_FORMAT`, `class="status status-paused"`, ">Paused<",
			`class="status status-other" data-testid="template-status">IN_APPEAL<`, "¡Oferta &lt;b&gt;especial&lt;/b&gt; para {{1}}!",
			`data-polling="false"`} {
			if !p.has(want) {
				t.Errorf("list lacks %q", want)
			}
		}
		if p.has("<b>especial</b>") {
			t.Error("provider text was not escaped")
		}

		// Search covers the name and the body's text; filters narrow by status, category and language.
		for query, want := range map[string]string{
			"q=SHIPPED": "order_update", "q=promo": "promo_es", "status=rejected": "bad_format",
			"category=MARKETING&language=es": "promo_es", "status=IN_APPEAL": "appealing", "q=miss&status=PAUSED": "quiet_one",
		} {
			p := f.b.get(list + "?" + query)
			if got := rows(p); len(got) != 1 || got[0] != want {
				t.Errorf("%s: rows %v, want [%s]", query, got, want)
			}
		}
		if p := f.b.get(list + "?q=nothing-like-this"); len(rows(p)) != 0 || !p.has("No template matches") {
			t.Errorf("a search without matches: %v", rows(p))
		}

		// Deleting asks the provider first; a refusal leaves the template as it was.
		promo := f.template("promo_es", "es")
		f.emu.refuse(http.MethodDelete, "/message_templates", "Message template cannot be deleted right now.")
		p = f.b.post(list+"/"+promo.ID+"/delete", nil)
		wantStatus(t, p, http.StatusBadRequest)
		if !p.has("Message template cannot be deleted right now.") || f.template("promo_es", "es").Status != msgtpl.StatusApproved {
			t.Fatalf("refused delete:\n%s", p.body)
		}
		f.emu.allow(http.MethodDelete, "/message_templates")
		wantRedirect(t, f.b.post(list+"/"+promo.ID+"/delete", nil), list+"?done=template-deleted")
		if f.template("promo_es", "es").Status != msgtpl.StatusDeleted {
			t.Fatal("a deleted template is marked DELETED")
		}
		for _, tpl := range f.emu.Templates() {
			if tpl.Name == "promo_es" {
				t.Fatal("the provider still has the deleted template")
			}
		}
		if p := f.b.get(list + "?status=DELETED"); !p.has(`class="status status-deleted"`) || p.has(`data-testid="template-delete"`) {
			t.Errorf("a deleted template shows as such, without a delete button:\n%s", p.body)
		}
		// Another channel's template is not found here.
		wantStatus(t, f.b.post(list+"/00000000-0000-7000-8000-000000000000/delete", nil), http.StatusNotFound)

		// A failed sync is recorded and shown in the provider's words.
		f.emu.refuse(http.MethodGet, "/message_templates", "Rate limit hit for this WABA.")
		wantRedirect(t, f.b.post(list+"/sync", nil), list+"?done=templates-sync-failed")
		p = f.b.get(list)
		if !p.has(`data-testid="templates-sync-error"`) || !p.has("Rate limit hit for this WABA.") {
			t.Fatalf("sync error:\n%s", p.body)
		}
	})
}

// newTemplateForm is a complete, valid form for the new-template page.
func newTemplateForm() url.Values {
	return url.Values{
		"name": {"order_shipped"}, "category": {"UTILITY"}, "language": {"en_US"},
		"header_format": {"TEXT"}, "header_text": {"Order {{1}}"}, "header_sample": {"#42"},
		"body_text":   {"Hi {{1}}, your order {{2}} has *shipped*."},
		"body_sample": {"Vera", "#42"}, "footer_text": {"Shop Inc."},
		"quick_reply": {"Thanks", "", ""}, "url_text": {"Track"}, "url": {"https://shop.example/t/{{1}}"},
		"url_sample": {"42"}, "phone_text": {"Call us"}, "phone_number": {"+14155550123"},
	}
}

func TestSubmitTemplateForm(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		f := newWhatsApp(t, d, nil)
		list := "/settings/channels/" + f.wa.ID + "/templates"
		atProvider := len(f.emu.Templates())

		p := f.b.get(list + "/new")
		wantStatus(t, p, http.StatusOK)
		for _, want := range []string{`name="name"`, `<option value="MARKETING"`, `<option value="AUTHENTICATION"`,
			`<option value="pt_BR">Portuguese (Brazil) · pt_BR`, `<option value="DOCUMENT">`, `name="header_file"`,
			`name="body_text"`, `data-sample-template`, `data-template-preview`, `name="quick_reply"`, `name="phone_number"`} {
			if !p.has(want) {
				t.Errorf("form lacks %q", want)
			}
		}

		// Mistakes come back by field, as typed, and nothing reaches the provider.
		bad := newTemplateForm()
		bad.Set("name", "Order Shipped")
		bad["body_sample"] = []string{"Vera", ""}
		bad["quick_reply"] = []string{"Thanks", "", "This reply is far too long"}
		bad.Set("url", "shop.example/t/{{1}}")
		bad.Set("phone_number", "555-0123")
		p = f.b.post(list, bad)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		for _, want := range []string{`data-testid="error-name"`, `data-testid="error-body.samples[1]"`, "Sample for {{2}} is required",
			`data-testid="error-quick_replies[2]"`, `data-testid="error-url_button.url"`, `data-testid="error-phone_button.phone_number"`,
			`value="Order Shipped"`, `value="This reply is far too long"`, `value="shop.example/t/{{1}}"`, "your order {{2}} has *shipped*."} {
			if !p.has(want) {
				t.Errorf("failed submit lacks %q", want)
			}
		}
		// A media header's sample is checked by its content.
		media := newTemplateForm()
		media.Set("header_format", "IMAGE")
		fields := []part{{name: "header_file", filename: "photo.png", mimeType: "image/png", data: []byte("plain text, not a picture")}}
		for k, vs := range media {
			for _, v := range vs {
				fields = append(fields, part{name: k, value: v})
			}
		}
		p = f.b.postMultipart(list, fields...)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if !p.has(`data-testid="error-header.sample"`) || !p.has("this file is text/plain") || !p.has("Choose photo.png again") {
			t.Fatalf("a sample that isn't an image:\n%s", p.body)
		}
		if n := len(f.emu.Templates()); n != atProvider {
			t.Fatalf("invalid submissions reached the provider: %d templates, had %d", n, atProvider)
		}

		// A valid one is created at the provider and listed as pending, and
		// the list keeps asking until WhatsApp decides.
		wantRedirect(t, f.b.post(list, newTemplateForm()), list+"?done=template-submitted")
		var created emulator.Template
		for _, tpl := range f.emu.Templates() {
			if tpl.Name == "order_shipped" {
				created = tpl
			}
		}
		for _, want := range []string{`"format":"TEXT"`, `"header_text":["#42"]`, `"body_text":[["Vera","#42"]]`,
			`{"text":"Thanks","type":"QUICK_REPLY"}`, `"url":"https://shop.example/t/{{1}}"`, `"phone_number":"+14155550123"`} {
			if !strings.Contains(string(created.Components), want) {
				t.Errorf("created components %s lack %s", created.Components, want)
			}
		}
		p = f.b.get(list + "?done=template-submitted")
		if !p.has(`data-name="order_shipped"`) || !p.has(`data-status="PENDING"`) || !p.has("Pending review") ||
			!p.has(`data-polling="true"`) || !p.has(`hx-trigger="every 3s"`) {
			t.Fatalf("submitted template:\n%s", p.body)
		}
		// WhatsApp approves it; its webhook arrives and the list's next poll shows it.
		if err := f.emu.SetTemplateStatus("order_shipped", "en_US", "APPROVED", "NONE"); err != nil {
			t.Fatal(err)
		}
		if err := f.emu.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		p = f.b.htmx(http.MethodGet, list, "template-rows", nil)
		if !p.has(`data-name="order_shipped"`) || !p.has(`data-status="APPROVED"`) || !p.has(`data-polling="false"`) || p.has("<html") {
			t.Fatalf("rows after approval:\n%s", p.body)
		}

		// An image header's sample goes up through the resumable upload API.
		f.withAppID()
		media.Set("name", "summer_sale")
		fields = []part{{name: "header_file", filename: "sale.png", mimeType: "image/png", data: pngImage(t, 8, 8)}}
		for k, vs := range media {
			for _, v := range vs {
				fields = append(fields, part{name: k, value: v})
			}
		}
		wantRedirect(t, f.b.postMultipart(list, fields...), list+"?done=template-submitted")
		if tpl := f.template("summer_sale", "en_US"); !strings.Contains(mustJSON(t, tpl.Components), `"header_handle":["`) {
			t.Errorf("image header without its handle: %s", mustJSON(t, tpl.Components))
		}

		// Authentication templates take only WhatsApp's options.
		auth := url.Values{"name": {"login_code"}, "category": {"AUTHENTICATION"}, "language": {"en"},
			"auth_security": {"on"}, "auth_expiry": {"10"}, "auth_button": {"Copy"}, "body_text": {"ignored"}}
		wantRedirect(t, f.b.post(list, auth), list+"?done=template-submitted")
		if tpl := f.template("login_code", "en"); !strings.Contains(mustJSON(t, tpl.Components), `"otp_type":"COPY_CODE"`) {
			t.Errorf("authentication template: %s", mustJSON(t, tpl.Components))
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
