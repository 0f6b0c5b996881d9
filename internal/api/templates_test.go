package api

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"charla/internal/core/coretest"
)

// templatesScenario syncs the number's templates (more than one page),
// lists and filters them, submits new ones (refused ones never reach the
// provider), sees the provider's review arrive by webhook, and deletes one.
func templatesScenario(t *testing.T, e *env, w *waNumber) {
	base := "/channels/" + w.cloud.ID + "/templates"

	var before templatesJSON
	e.expect(t, jsonCall("GET", base, e.agentTok, nil), http.StatusOK, &before)
	if len(before.Data) != 0 || before.SyncedAt != nil || before.LastSyncError != nil {
		t.Fatalf("before any sync: %+v", before)
	}

	var res syncJSON
	e.expect(t, jsonCall("POST", base+"/sync", e.ownerTok, nil), http.StatusOK, &res)
	if res.Added != w.seededTemplates || res.Updated != 0 || res.Deleted != 0 {
		t.Fatalf("first sync = %+v, want %d added", res, w.seededTemplates)
	}
	var all templatesJSON
	e.expect(t, jsonCall("GET", base, e.agentTok, nil), http.StatusOK, &all)
	if len(all.Data) != w.seededTemplates || all.SyncedAt == nil || all.LastSyncError != nil {
		t.Fatalf("after the sync: %d templates, synced_at %v, error %v", len(all.Data), all.SyncedAt, all.LastSyncError)
	}
	// Every page arrived: the last seeded templates were on the second one.
	names := map[string]templateJSON{}
	for _, tp := range all.Data {
		names[tp.Name+"/"+tp.Language] = tp
	}
	if names["spammy/en_US"].Status != "DISABLED" || names["old_promo/en_US"].Status != "PAUSED" ||
		names["order_shipped/es"].Status != "APPROVED" || names["promo_00/en_US"].Category != "MARKETING" {
		t.Errorf("synced templates = %+v", names)
	}
	e.expect(t, jsonCall("POST", base+"/sync", e.ownerTok, nil), http.StatusOK, &res)
	if res.Added != 0 || res.Updated != 0 || res.Deleted != 0 {
		t.Errorf("second sync changed %+v", res)
	}
	// 360dialog numbers have templates too.
	e.expect(t, jsonCall("POST", "/channels/"+w.d360.ID+"/templates/sync", e.ownerTok, nil), http.StatusOK, &res)
	if res.Added != 1 { // Meta's hello_world
		t.Errorf("360dialog sync = %+v", res)
	}

	filters := map[string][]string{
		"?q=FOI":                            {"order_shipped/pt_BR"},
		"?q=order&language=es":              {"order_shipped/es"},
		"?status=PAUSED":                    {"old_promo/en_US"},
		"?category=UTILITY&language=pt_BR":  {"order_shipped/pt_BR"},
		"?q=sale+number+2&category=UTILITY": nil,
	}
	for query, want := range filters {
		var got templatesJSON
		e.expect(t, jsonCall("GET", base+query, e.agentTok, nil), http.StatusOK, &got)
		var keys []string
		for _, tp := range got.Data {
			keys = append(keys, tp.Name+"/"+tp.Language)
		}
		if !slices.Equal(keys, want) {
			t.Errorf("GET templates%s = %v, want %v", query, keys, want)
		}
	}
	var one templateJSON
	e.expect(t, jsonCall("GET", base+"/"+names["order_shipped/pt_BR"].ID, e.agentTok, nil), http.StatusOK, &one)
	if one.Name != "order_shipped" || len(one.Components) != 1 || one.Components[0].Text != "Seu pedido #{{1}} foi enviado!" {
		t.Errorf("one template = %+v", one)
	}
	var langs languagesJSON
	e.expect(t, jsonCall("GET", "/template-languages", e.agentTok, nil), http.StatusOK, &langs)
	if !slices.Contains(langs.Data, languageJSON{Code: "pt_BR", Name: "Portuguese (Brazil)"}) || len(langs.Data) < 50 {
		t.Errorf("languages = %+v", langs.Data)
	}

	submitRefusals(t, e, w)

	// A valid template goes to the provider, pending its review, which the
	// status webhook reports: approved, or rejected with the reason.
	var ready, rejected, banner templateJSON
	e.expect(t, jsonCall("POST", base, e.ownerTok, orderReady()), http.StatusCreated, &ready)
	if ready.Status != "PENDING" || ready.ProviderID == nil || ready.Category != "UTILITY" || len(ready.Components) != 4 {
		t.Fatalf("submitted = %+v", ready)
	}
	e.expect(t, jsonCall("POST", base, e.ownerTok, map[string]any{"name": "reject_this", "category": "MARKETING",
		"language": "en_US", "body": map[string]any{"text": "Buy *now*!"}}), http.StatusCreated, &rejected)
	// A media header's sample goes up through the resumable upload API.
	e.expect(t, jsonCall("POST", base, e.ownerTok, map[string]any{"name": "black_friday", "category": "MARKETING",
		"language": "en_US", "header": map[string]any{"format": "IMAGE",
			"file": map[string]any{"filename": "banner.png", "mime_type": "image/png", "data": base64.StdEncoding.EncodeToString(pngImage(t, 64, 32))}},
		"body": map[string]any{"text": "Everything is 30% off until Sunday."}}), http.StatusCreated, &banner)
	if h := banner.Components[0]; h.Format != "IMAGE" || h.Example == nil || len(h.Example.HeaderHandle) != 1 || h.Example.HeaderHandle[0] == "" {
		t.Errorf("image header = %+v", h)
	}
	waitTemplate(t, e, w, ready.ID, "APPROVED")
	got := waitTemplate(t, e, w, rejected.ID, "REJECTED")
	if got.RejectedReason == nil || *got.RejectedReason != "INVALID_FORMAT" {
		t.Errorf("rejected template = %+v", got)
	}
	var pending templatesJSON
	e.expect(t, jsonCall("GET", base+"?status=PENDING", e.ownerTok, nil), http.StatusOK, &pending)
	for _, tp := range pending.Data {
		if tp.ID == ready.ID || tp.ID == rejected.ID {
			t.Errorf("%s is still listed as pending", tp.Name)
		}
	}

	// Deleting goes to the provider first; the template stays listed as DELETED.
	promo := names["promo_26/en_US"]
	e.expectError(t, jsonCall("DELETE", base+"/"+promo.ID, e.agentTok, nil), http.StatusForbidden, "forbidden")
	e.expect(t, jsonCall("DELETE", base+"/"+promo.ID, e.ownerTok, nil), http.StatusNoContent, nil)
	e.expect(t, jsonCall("GET", base+"/"+promo.ID, e.ownerTok, nil), http.StatusOK, &got)
	if got.Status != "DELETED" || w.meta.hasTemplate("promo_26", "en_US") {
		t.Errorf("deleted template = %+v; still at the provider: %v", got, w.meta.hasTemplate("promo_26", "en_US"))
	}
	e.expectError(t, jsonCall("DELETE", base+"/"+promo.ID, e.ownerTok, nil), http.StatusConflict, "conflict")

	templateAccess(t, e, w, names["order_shipped/pt_BR"])
}

// submitRefusals submits templates charla refuses (422 naming each field)
// and one the provider refuses (409 with its code and explanation): none of
// them is created at the provider or stored.
func submitRefusals(t *testing.T, e *env, w *waNumber) {
	base := "/channels/" + w.cloud.ID + "/templates"
	atProvider, stored := len(w.meta.Templates()), len(w.listTemplates(t, e))
	post := func(body string) call { return raw("POST", base, e.ownerTok, "application/json", body) }
	cases := []struct {
		name   string
		c      call
		fields []string
	}{
		{"name in capitals and unknown language", post(`{"name":"Order Ready","category":"UTILITY","language":"xx","body":{"text":"Hi"}}`).invalid(),
			[]string{"name", "language"}},
		{"unknown category", post(`{"name":"a","category":"SERVICE","language":"en_US","body":{"text":"Hi"}}`).invalid(), []string{"category"}},
		{"variables with a gap", post(`{"name":"a","category":"UTILITY","language":"en_US","body":{"text":"Hi {{1}}, see {{3}} now","samples":["Ana","x","y"]}}`),
			[]string{"body.text"}},
		{"sample missing", post(`{"name":"a","category":"UTILITY","language":"en_US","body":{"text":"Hi {{1}}, see you"}}`),
			[]string{"body.samples[0]"}},
		{"footer with a variable, four quick replies", post(`{"name":"a","category":"MARKETING","language":"en_US","body":{"text":"Hi"},"footer":{"text":"Bye {{1}}"},"buttons":[` +
			strings.Repeat(`{"type":"QUICK_REPLY","text":"Yes"},`, 3) + `{"type":"QUICK_REPLY","text":"No"}]}`),
			[]string{"footer.text", "buttons"}},
		{"phone not in E.164", post(`{"name":"a","category":"UTILITY","language":"en_US","body":{"text":"Hi"},"buttons":[{"type":"PHONE_NUMBER","text":"Call","phone_number":"11 3000-0000"}]}`),
			[]string{"buttons[0].phone_number"}},
		{"header sample that is not an image", post(`{"name":"a","category":"MARKETING","language":"en_US","header":{"format":"IMAGE","file":{"filename":"x.png","data":"` +
			base64.StdEncoding.EncodeToString([]byte("%PDF-1.4 not a picture")) + `"}},"body":{"text":"Hi"}}`),
			[]string{"header.sample"}},
		{"body too long", post(`{"name":"a","category":"UTILITY","language":"en_US","body":{"text":"` + strings.Repeat("a", 1025) + `"}}`).invalid(),
			[]string{"body.text"}},
		{"unknown nested field", post(`{"name":"a","category":"UTILITY","language":"en_US","body":{"text":"Hi","sample":["x"]}}`).invalid(),
			[]string{"body.sample"}},
		{"sample data not base64", post(`{"name":"a","category":"UTILITY","language":"en_US","header":{"format":"IMAGE","file":{"data":"%%%"}},"body":{"text":"Hi"}}`).silent(),
			[]string{"header.file.data"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := e.expectError(t, c.c, http.StatusUnprocessableEntity, "validation_failed")
			wantFields(t, got, c.fields...)
		})
	}
	e.expectError(t, raw("POST", base, e.ownerTok, "application/json", `{"name":`).invalid(), http.StatusBadRequest, "bad_request")
	e.expectError(t, jsonCall("POST", base, e.agentTok, orderReady()), http.StatusForbidden, "forbidden")
	e.expectError(t, jsonCall("POST", "/channels/"+w.site.ID+"/templates", e.ownerTok, orderReady()), http.StatusConflict, "conflict")

	// The provider already has a template of that name and language, which
	// charla has not synced: WhatsApp refuses it, with its code.
	w.meta.createDirectly(t, `{"name":"welcome_back","language":"en_US","category":"MARKETING","components":[{"type":"BODY","text":"Welcome back!"}]}`)
	refused := e.expectError(t, jsonCall("POST", base, e.ownerTok, map[string]any{"name": "welcome_back", "category": "MARKETING",
		"language": "en_US", "body": map[string]any{"text": "Welcome back to the shop!"}}), http.StatusConflict, "conflict")
	if !strings.Contains(refused.Message, "error 100") || !strings.Contains(refused.Message, "already exists") ||
		!strings.Contains(refused.Message, "WhatsApp refused the template") {
		t.Errorf("provider refusal: %q", refused.Message)
	}
	if n := len(w.meta.Templates()); n != atProvider+1 {
		t.Errorf("the provider has %d templates, want %d (only the one created directly)", n, atProvider+1)
	}
	if n := len(w.listTemplates(t, e)); n != stored {
		t.Errorf("%d templates stored after refusals, want %d", n, stored)
	}
}

// templateAccess: agents read templates but do not manage them; other
// workspaces and other channels see none of them.
func templateAccess(t *testing.T, e *env, w *waNumber, tp templateJSON) {
	base := "/channels/" + w.cloud.ID + "/templates"
	e.expectError(t, jsonCall("POST", base+"/sync", e.agentTok, nil), http.StatusForbidden, "forbidden")
	e.expectError(t, jsonCall("GET", base, e.strangerTok, nil), http.StatusNotFound, "not_found")
	e.expectError(t, jsonCall("POST", base+"/sync", e.strangerTok, nil), http.StatusNotFound, "not_found")
	e.expectError(t, jsonCall("GET", base+"/"+tp.ID, e.strangerTok, nil), http.StatusNotFound, "not_found")
	e.expectError(t, jsonCall("GET", "/channels/"+w.theirs.ID+"/templates/"+tp.ID, e.strangerTok, nil), http.StatusNotFound, "not_found")
	e.expectError(t, jsonCall("DELETE", "/channels/"+w.theirs.ID+"/templates/"+tp.ID, e.strangerTok, nil), http.StatusNotFound, "not_found")
	e.expectError(t, jsonCall("GET", "/channels/"+w.site.ID+"/templates/"+tp.ID, e.ownerTok, nil), http.StatusNotFound, "not_found")
	e.expectError(t, jsonCall("GET", base+"/42", e.ownerTok, nil).invalid(), http.StatusNotFound, "not_found")
	e.expectError(t, jsonCall("POST", "/channels/"+w.site.ID+"/templates/sync", e.ownerTok, nil), http.StatusConflict, "conflict")
	bad := e.expectError(t, jsonCall("GET", base+"?category=utility", e.ownerTok, nil).invalid(), http.StatusBadRequest, "bad_request")
	wantFields(t, bad, "category")
	bad = e.expectError(t, jsonCall("GET", base+"?status=approved", e.ownerTok, nil).invalid(), http.StatusBadRequest, "bad_request")
	wantFields(t, bad, "status")
}

// orderReady is a template with every part: a text header with a
// variable, body variables and markdown, a footer and two buttons.
func orderReady() map[string]any {
	return map[string]any{
		"name": "order_ready", "category": "UTILITY", "language": "pt_BR",
		"header": map[string]any{"format": "TEXT", "text": "Olá, {{1}}!", "sample": "Mariana"},
		"body":   map[string]any{"text": "Seu pedido *#{{1}}* está pronto para retirada em {{2}}.", "samples": []string{"4821", "Loja Paulista"}},
		"footer": map[string]any{"text": "Loja Online"},
		"buttons": []any{
			map[string]any{"type": "URL", "text": "Acompanhar pedido", "url": "https://loja.example.com/pedidos/{{1}}", "sample": "4821"},
			map[string]any{"type": "QUICK_REPLY", "text": "Falar com a loja"},
		},
	}
}

// waitTemplate polls the template through the API until the provider's
// status webhook has set status.
func waitTemplate(t *testing.T, e *env, w *waNumber, id, status string) templateJSON {
	t.Helper()
	var got templateJSON
	coretest.Eventually(t, "template "+id+" to become "+status, func() bool {
		got = templateJSON{}
		e.expect(t, jsonCall("GET", "/channels/"+w.cloud.ID+"/templates/"+id, e.ownerTok, nil), http.StatusOK, &got)
		return got.Status == status
	})
	return got
}

func (w *waNumber) listTemplates(t *testing.T, e *env) []templateJSON {
	t.Helper()
	var got templatesJSON
	e.expect(t, jsonCall("GET", "/channels/"+w.cloud.ID+"/templates", e.ownerTok, nil), http.StatusOK, &got)
	return got.Data
}

func (p *provider) hasTemplate(name, language string) bool {
	for _, t := range p.Templates() {
		if t.Name == name && t.Language == language {
			return true
		}
	}
	return false
}

// graph calls the emulated Graph API directly, as another tool at the
// business would (WhatsApp Manager, another integration), behind charla's back.
func (p *provider) graph(t *testing.T, method, path, body string) {
	t.Helper()
	req, err := http.NewRequest(method, p.url+"/v23.0/"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+emuAccessToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s at the provider: %d", method, path, resp.StatusCode)
	}
}

func (p *provider) createDirectly(t *testing.T, body string) {
	t.Helper()
	p.graph(t, http.MethodPost, p.Config().WABAID+"/message_templates", body)
}

func (p *provider) deleteDirectly(t *testing.T, name string) {
	t.Helper()
	p.graph(t, http.MethodDelete, p.Config().WABAID+"/message_templates?name="+url.QueryEscape(name), "")
}

// pngImage is a real PNG of w×h pixels, darker on its left half.
func pngImage(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			c := color.RGBA{R: 200, G: 80, B: 40, A: 255}
			if x < w/2 {
				c = color.RGBA{R: 20, G: 20, B: 120, A: 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
