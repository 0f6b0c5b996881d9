package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"charla/internal/emulator"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

// TestWhatsAppManagement drives a WhatsApp number's templates, template
// sends, business profile, chat link and QR code through the API, against
// the emulated providers, on each database.
func TestWhatsAppManagement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, unlimited)
		w := newWANumber(t, e)
		t.Run("templates", func(t *testing.T) { templatesScenario(t, e, w) })
		t.Run("template sends", func(t *testing.T) { templateSendScenario(t, e, w) })
		t.Run("business profile", func(t *testing.T) { profileScenario(t, e, w) })
		t.Run("links and QR codes", func(t *testing.T) { linksScenario(t, e, w) })
	})
}

// seededTemplates is more than one page of the provider's template list
// (it pages at 25), in several statuses, categories and languages.
func seededTemplates() []emulator.Template {
	var ts []emulator.Template
	for i := range 27 {
		ts = append(ts, emulator.Template{Name: fmt.Sprintf("promo_%02d", i), Language: "en_US", Category: "MARKETING",
			Components: json.RawMessage(`[{"type":"BODY","text":"Sale number ` + fmt.Sprint(i) + `"}]`)})
	}
	return append(ts,
		emulator.Template{Name: "order_shipped", Language: "pt_BR", Category: "UTILITY",
			Components: json.RawMessage(`[{"type":"BODY","text":"Seu pedido #{{1}} foi enviado!"}]`)},
		emulator.Template{Name: "order_shipped", Language: "es", Category: "UTILITY",
			Components: json.RawMessage(`[{"type":"BODY","text":"¡Tu pedido #{{1}} fue enviado!"}]`)},
		emulator.Template{Name: "old_promo", Language: "en_US", Category: "MARKETING", Status: "PAUSED",
			Components: json.RawMessage(`[{"type":"BODY","text":"Old sale"}]`)},
		emulator.Template{Name: "spammy", Language: "en_US", Category: "MARKETING", Status: "DISABLED",
			Components: json.RawMessage(`[{"type":"BODY","text":"Buy now"}]`)},
	)
}

// waNumber is a Cloud API channel and a 360dialog channel, each connected
// to its emulated provider, and a website channel of the same workspace.
type waNumber struct {
	meta, dialog    *provider
	cloud, d360     channelJSON
	site            channelJSON
	theirs          channelJSON // the other workspace's channel
	approvalDelay   time.Duration
	seededTemplates int
}

func newWANumber(t *testing.T, e *env) *waNumber {
	t.Helper()
	w := &waNumber{approvalDelay: 300 * time.Millisecond}
	seeded := seededTemplates()
	w.seededTemplates = len(seeded) + 1 // and Meta's hello_world
	w.meta = emulate(t, func(c *emulator.Config) {
		c.VerifiedName = "Loja Online"
		c.Templates = seeded
		c.TemplateApprovalDelay = w.approvalDelay
		c.Profile = emulator.BusinessProfile{About: "Hey there! I am using WhatsApp.", Vertical: "RETAIL",
			Websites: []string{"https://loja.example.com"}}
	})
	mc := w.meta.Config()
	e.expect(t, jsonCall("POST", "/channels", e.ownerTok, map[string]any{
		"type": "whatsapp_cloud", "name": "WhatsApp Vendas",
		"settings": map[string]any{"phone_number_id": mc.PhoneNumberID, "waba_id": mc.WABAID, "app_id": "1234567890",
			"graph_url": w.meta.url},
		"secrets": map[string]any{"access_token": emuAccessToken, "app_secret": emuAppSecret},
	}), http.StatusCreated, &w.cloud)
	w.meta.SetCallback(w.cloud.Setup[0].Value)

	w.dialog = emulate(t, func(c *emulator.Config) { c.Profile = emulator.BusinessProfile{About: "Suporte Loja Online"} })
	e.expect(t, jsonCall("POST", "/channels", e.ownerTok, map[string]any{
		"type": "360dialog", "name": "WhatsApp Suporte",
		"settings": map[string]any{"phone_number": "+5511987650000", "base_url": w.dialog.url + "/360dialog"},
		"secrets":  map[string]any{"api_key": emuAPIKey},
	}), http.StatusCreated, &w.d360)
	e.expect(t, jsonCall("POST", "/channels", e.ownerTok, map[string]any{"type": "website", "name": "Loja Online"}),
		http.StatusCreated, &w.site)
	e.expect(t, jsonCall("POST", "/channels", e.strangerTok, map[string]any{"type": "website", "name": "Their site"}),
		http.StatusCreated, &w.theirs)
	return w
}
