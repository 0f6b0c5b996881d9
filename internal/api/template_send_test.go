package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"charla/internal/core/coretest"
	"charla/internal/metaspec"
)

// templateSendScenario sends approved templates with variables to a contact
// whose reply window closed, checks what reached the provider against Meta's
// official description, and shows each way a template send is refused or
// fails.
func templateSendScenario(t *testing.T, e *env, w *waNumber) {
	const bruna = "5521998765432"
	e.deliver(t, w.meta, w.cloud.ID, bruna, "Bruna Lima", map[string]any{"id": "wamid.bruna", "type": "text",
		"timestamp": fmt.Sprint(time.Now().Add(-25 * time.Hour).Unix()), "text": map[string]any{"body": "Meu pedido chegou?"}})
	conv := e.conversationWith(t, w.cloud.ID, "+"+bruna)
	convPath := "/conversations/" + conv.ID
	msgs := convPath + "/messages"
	if conv.WindowClosesAt == nil || !parseTime(t, *conv.WindowClosesAt).Before(time.Now()) {
		t.Fatalf("window_closes_at = %v, want it closed", conv.WindowClosesAt)
	}

	// Variables hold typed text and dynamic values of the contact.
	var sent messageJSON
	e.expect(t, jsonCall("POST", msgs, e.agentTok, map[string]any{"kind": "template", "content": map[string]any{
		"template": map[string]any{"name": "order_ready", "language": "pt_BR", "variables": map[string]any{
			"header": []string{"{{contact.first_name}}"}, "body": []string{"4821", "{{ contact.phone }}"},
			"buttons": map[string]string{"0": "4821?from=whatsapp"}}}},
	}), http.StatusCreated, &sent)
	tc := sent.Content.Template
	if sent.Kind != "template" || tc == nil || tc.Name != "order_ready" || tc.Language != "pt_BR" ||
		!strings.Contains(tc.Rendered, "Olá, Bruna!") || !strings.Contains(tc.Rendered, "Seu pedido *#4821* está pronto para retirada em +"+bruna) {
		t.Fatalf("template message = %+v (content %+v)", sent, tc)
	}
	delivered := e.waitMessage(t, convPath, func(m messageJSON) bool {
		return m.ID == sent.ID && (m.Status == "delivered" || m.Status == "read")
	})
	got, ok := w.meta.sentFor(sent.ID)
	if !ok || got.Type != "template" || delivered.ProviderMessageID == nil || *delivered.ProviderMessageID != got.ID {
		t.Fatalf("the provider got %+v for %+v", got, delivered)
	}
	checkTemplateWire(t, got.Body)
	t.Run("the request conforms to Meta's description", func(t *testing.T) {
		v := metaSendValidator(t)
		req, err := http.NewRequest(http.MethodPost, "https://graph.facebook.com/v23.0/"+w.meta.Config().PhoneNumberID+"/messages",
			bytes.NewReader(got.Body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+emuAccessToken)
		req.Header.Set("Content-Type", "application/json")
		for _, problem := range metaspec.Validate(v, req) {
			t.Errorf("the template send does not conform: %s\n%s", problem, got.Body)
		}
		// The validator does check template bodies.
		bad := bytes.Replace(got.Body, []byte(`"sub_type":"url"`), []byte(`"sub_type":"link"`), 1)
		req, _ = http.NewRequest(http.MethodPost, req.URL.String(), bytes.NewReader(bad))
		req.Header.Set("Authorization", "Bearer "+emuAccessToken)
		req.Header.Set("Content-Type", "application/json")
		if len(metaspec.Validate(v, req)) == 0 {
			t.Error("negative control: a button of an unknown sub_type passed validation")
		}
	})

	// The language falls back to the template's first approved language.
	var fallback messageJSON
	e.expect(t, jsonCall("POST", msgs, e.agentTok, map[string]any{"kind": "template", "content": map[string]any{
		"template": map[string]any{"name": "order_shipped", "language": "fr", "variables": map[string]any{"body": []string{"4821"}}}},
	}), http.StatusCreated, &fallback)
	if f := fallback.Content.Template; f.Language != "pt_BR" || f.Rendered != "Seu pedido #4821 foi enviado!" {
		t.Errorf("fallback = %+v", f)
	}
	// The provider's parameters as they are, as before variables existed.
	var passthrough messageJSON
	e.expect(t, jsonCall("POST", msgs, e.agentTok, map[string]any{"kind": "template", "content": map[string]any{
		"template": map[string]any{"name": "order_shipped", "language": "es", "rendered": "¡Tu pedido #77 fue enviado!",
			"components": []any{map[string]any{"type": "body", "parameters": []any{map[string]any{"type": "text", "text": "77"}}}}}},
	}), http.StatusCreated, &passthrough)
	if p := passthrough.Content.Template; p.Language != "es" || !strings.Contains(string(p.Components), `"77"`) {
		t.Errorf("passthrough = %+v", p)
	}
	for _, id := range []string{fallback.ID, passthrough.ID} {
		e.waitMessage(t, convPath, func(m messageJSON) bool { return m.ID == id && (m.Status == "delivered" || m.Status == "read") })
	}

	templateRefusals(t, e, w, msgs, bruna)
	missingTemplate(t, e, w, convPath)
}

// checkTemplateWire checks the template the provider received: the
// variables became Meta's parameters.
func checkTemplateWire(t *testing.T, body []byte) {
	t.Helper()
	var m struct {
		Template struct {
			Name     string `json:"name"`
			Language struct {
				Code string `json:"code"`
			} `json:"language"`
			Components []struct {
				Type       string `json:"type"`
				SubType    string `json:"sub_type"`
				Index      string `json:"index"`
				Parameters []struct {
					Type string `json:"type"`
					Text string `json:"text"`
				} `json:"parameters"`
			} `json:"components"`
		} `json:"template"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range m.Template.Components {
		var params []string
		for _, p := range c.Parameters {
			params = append(params, p.Type+":"+p.Text)
		}
		got = append(got, c.Type+"/"+c.SubType+c.Index+"="+strings.Join(params, ","))
	}
	want := []string{"header/=text:Bruna", "body/=text:4821,text:+5521998765432", "button/url0=text:4821?from=whatsapp"}
	if m.Template.Name != "order_ready" || m.Template.Language.Code != "pt_BR" || !slices.Equal(got, want) {
		t.Errorf("sent template %s/%s components %v, want %v\n%s", m.Template.Name, m.Template.Language.Code, got, want, body)
	}
}

// templateRefusals: templates that may not be sent, and values that are
// missing, are 422s naming the field; nothing reaches the provider.
func templateRefusals(t *testing.T, e *env, w *waNumber, msgs, bruna string) {
	// WhatsApp puts a template back in review: charla hears it by webhook.
	if err := w.meta.SetTemplateStatus("promo_01", "en_US", "PENDING", "NONE"); err != nil {
		t.Fatal(err)
	}
	var pending templatesJSON
	coretest.Eventually(t, "promo_01 to be pending", func() bool {
		e.expect(t, jsonCall("GET", "/channels/"+w.cloud.ID+"/templates?q=promo_01", e.ownerTok, nil), http.StatusOK, &pending)
		return len(pending.Data) == 1 && pending.Data[0].Status == "PENDING"
	})
	send := func(tpl map[string]any) call {
		return jsonCall("POST", msgs, e.agentTok, map[string]any{"kind": "template", "content": map[string]any{"template": tpl}})
	}
	vars := map[string]any{"body": []string{"1"}}
	cases := []struct {
		name  string
		c     call
		field string
		text  string
	}{
		{"pending", send(map[string]any{"name": "promo_01", "variables": map[string]any{}}), "content.template.name", "pending review"},
		{"rejected", send(map[string]any{"name": "reject_this", "language": "en_US"}), "content.template.name", "rejected by WhatsApp (reason: INVALID_FORMAT)"},
		{"paused", send(map[string]any{"name": "old_promo"}), "content.template.name", "paused"},
		{"disabled", send(map[string]any{"name": "spammy", "components": []any{}}), "content.template.name", "disabled"},
		{"deleted", send(map[string]any{"name": "promo_26", "language": "en_US"}), "content.template.name", "was deleted"},
		{"unknown", send(map[string]any{"name": "no_such_template", "variables": vars}), "content.template.name", "sync templates"},
		{"value missing", send(map[string]any{"name": "order_ready", "variables": map[string]any{
			"header": []string{"Ana"}, "body": []string{"4821"}, "buttons": map[string]string{"0": "4821"}}}),
			"content.template.variables.body.{{2}}", "is required"},
		{"value the contact lacks", send(map[string]any{"name": "order_ready", "variables": map[string]any{
			"header": []string{"{{contact.email}}"}, "body": []string{"4821", "Loja"}, "buttons": map[string]string{"0": "4821"}}}),
			"content.template.variables.header.{{1}}", "which this contact doesn't have"},
		{"line break in a body value", send(map[string]any{"name": "order_shipped", "variables": map[string]any{"body": []string{"48\n21"}}}),
			"content.template.variables.body.{{1}}", "line breaks"},
		{"variables and components", send(map[string]any{"name": "order_shipped", "variables": vars, "components": []any{}}).invalid(),
			"content.template.variables", "not both"},
		{"rendered without components", send(map[string]any{"name": "order_shipped", "variables": vars, "rendered": "x"}),
			"content.template.rendered", "only goes with components"},
		{"unknown variables field", send(map[string]any{"name": "order_shipped", "variables": map[string]any{"footer": []string{"x"}}}).invalid(),
			"content.template.variables.footer", "unknown field"},
	}
	before := w.meta.SentTo(bruna)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := e.expectError(t, c.c, http.StatusUnprocessableEntity, "validation_failed")
			if len(got.Fields) != 1 || !strings.Contains(got.Fields[c.field], c.text) {
				t.Errorf("fields = %v, want %s: …%s…", got.Fields, c.field, c.text)
			}
		})
	}
	if after := w.meta.SentTo(bruna); after != before {
		t.Errorf("refused template sends reached the provider: %d → %d", before, after)
	}
}

// missingTemplate: a template removed at the provider behind charla's back
// fails with WhatsApp's 132001, its plain reason and the offer to sync;
// the sync then shows it deleted, and charla refuses it from then on.
func missingTemplate(t *testing.T, e *env, w *waNumber, convPath string) {
	msgs := convPath + "/messages"
	w.meta.deleteDirectly(t, "order_shipped")
	var sent messageJSON
	e.expect(t, jsonCall("POST", msgs, e.agentTok, map[string]any{"kind": "template", "content": map[string]any{
		"template": map[string]any{"name": "order_shipped", "language": "pt_BR", "variables": map[string]any{"body": []string{"9"}}}},
	}), http.StatusCreated, &sent)
	failed := e.waitMessage(t, convPath, func(m messageJSON) bool { return m.ID == sent.ID && m.Status == "failed" })
	if f := failed.Error; f == nil || f.Code != "132001" || f.Action != "sync_templates" || !strings.Contains(f.Reason, "does not exist") {
		t.Errorf("failed template send: %+v", failed.Error)
	}
	var res syncJSON
	e.expect(t, jsonCall("POST", "/channels/"+w.cloud.ID+"/templates/sync", e.ownerTok, nil), http.StatusOK, &res)
	if res.Deleted != 2 {
		t.Errorf("sync after the provider deleted order_shipped = %+v", res)
	}
	refused := e.expectError(t, jsonCall("POST", msgs, e.agentTok, map[string]any{"kind": "template", "content": map[string]any{
		"template": map[string]any{"name": "order_shipped", "variables": map[string]any{"body": []string{"9"}}}},
	}), http.StatusUnprocessableEntity, "validation_failed")
	if !strings.Contains(refused.Fields["content.template.name"], "was deleted") {
		t.Errorf("send of a deleted template: %+v", refused)
	}
}
