package wa_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"charla/internal/channel/whatsapp"
	"charla/internal/core/coretest"
	"charla/internal/emulator"
	"charla/internal/store"
	"charla/internal/store/storetest"
	"charla/internal/templates"
)

// A template submitted through charla reaches the emulator, and its review
// outcome comes back by webhook: approved, then paused by quality, then a
// template created at the provider behind charla's back is synced in.
func TestTemplateLifecycleThroughWebhooks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, func(c *emulator.Config) { c.TemplateApprovalDelay = time.Hour })
		ctx := context.Background()
		ws := e.owner.WorkspaceID
		sub := templates.Submission{Name: "order_ready", Category: "UTILITY", Language: "pt_BR",
			Body: templates.SubmissionBody{Text: "Olá {{1}}, seu pedido {{2}} está pronto.", Samples: []string{"Ana", "#42"}}}
		tpl, err := e.s.Templates.Submit(ctx, ws, e.ch.ID, sub)
		if err != nil {
			t.Fatal(err)
		}
		if tpl.Status != "PENDING" || tpl.ProviderID == "" {
			t.Fatalf("submitted = %s (provider id %q), want PENDING with an id", tpl.Status, tpl.ProviderID)
		}
		status := func() string {
			got, err := e.s.Templates.Get(ctx, ws, tpl.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got.Status
		}
		if err := e.emu.SetTemplateStatus("order_ready", "pt_BR", "APPROVED", "NONE"); err != nil {
			t.Fatal(err)
		}
		coretest.Eventually(t, "the approval webhook", func() bool { return status() == "APPROVED" })
		if err := e.emu.SetTemplateStatus("order_ready", "pt_BR", "PAUSED", "NONE"); err != nil {
			t.Fatal(err)
		}
		coretest.Eventually(t, "the pause webhook", func() bool { return status() == "PAUSED" })

		// A status for a template charla has never seen makes it sync.
		other := sub
		other.Name = "made_in_manager"
		req := other.CreateRequest()
		comps, _ := json.Marshal(req.Components)
		cfg := e.emu.Config()
		manager := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: e.emuURL, PhoneNumberID: cfg.PhoneNumberID, WABAID: cfg.WABAID, Token: accessToken})
		if _, err := manager.CreateTemplate(ctx, whatsapp.NewTemplate{Name: req.Name, Language: req.Language, Category: req.Category, Components: comps}); err != nil {
			t.Fatal(err)
		}
		if err := e.emu.SetTemplateStatus("made_in_manager", "pt_BR", "APPROVED", "NONE"); err != nil {
			t.Fatal(err)
		}
		coretest.Eventually(t, "the unknown template synced in", func() bool {
			got, err := e.s.Templates.Find(ctx, ws, e.ch.ID, "made_in_manager", "pt_BR")
			return err == nil && got.Status == "APPROVED"
		})
	})
}
