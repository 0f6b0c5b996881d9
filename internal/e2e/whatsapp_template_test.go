package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"charla/internal/auth"
	"charla/internal/channel"
	"charla/internal/contacts"
	"charla/internal/core"
	"charla/internal/emulator"
	"charla/internal/inbox"
	"charla/internal/store/storetest"
)

// The emulator's credentials, which the channel is connected with.
const (
	emuAppSecret   = "emulator-app-secret"
	emuAccessToken = "EAAG-emulator-token"
)

// approvalDelay is how long WhatsApp (the emulator) takes to approve a
// template: long enough for the page to show it pending first.
const approvalDelay = 4 * time.Second

// templateBody has markup that must stay text everywhere it is shown, and
// WhatsApp's bold.
const templateBody = `Hi {{1}}, your order <img src=x onerror=alert("tpl")> is *ready*.`

func TestTemplateCreatedApprovedAndSent(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			s, base := serve(t, dialect)
			ctx := context.Background()
			owner, err := s.Auth.Setup(ctx, "Acme", "agent@acme.test", "Ana Agent", "correct horse battery")
			if err != nil {
				t.Fatal(err)
			}
			// WhatsApp, played by the emulator in auto mode: it approves
			// templates after approvalDelay and reports delivery at once, by
			// signed webhooks to this charla.
			emu := emulator.New(emulator.Config{AppSecret: emuAppSecret, AccessToken: emuAccessToken, AutoStatuses: true,
				Statuses: []string{"sent", "delivered"}, TemplateApprovalDelay: approvalDelay})
			t.Cleanup(func() { _ = emu.Close() })
			emuSrv := httptest.NewServer(emu.Mux())
			t.Cleanup(emuSrv.Close)
			ch := connectWhatsApp(t, s, owner, emu, emuSrv.URL, base)
			// A contact who wrote 30 hours ago: the reply window is closed.
			got, err := s.Inbox.Receive(ctx, inbox.Inbound{Channel: ch, ProviderMessageID: "wamid.e2e.old",
				From: contacts.Who{ExternalID: "5511987654321", Name: "Vera Souza", Phone: "+5511987654321"},
				Body: "Is my order ready?", At: time.Now().Add(-30 * time.Hour)})
			if err != nil {
				t.Fatal(err)
			}

			b := browser(t)
			admin := tab(t, b)
			do(t, admin,
				chromedp.Navigate(base+"/login"),
				chromedp.SendKeys(chromedp.CSS(`[data-testid=login-email]`), "agent@acme.test"),
				chromedp.SendKeys(chromedp.CSS(`[data-testid=login-password]`), "correct horse battery"),
				chromedp.Click(chromedp.CSS(`[data-testid=login-submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=conv-list]`)),
			)

			// The admin writes the template; a sample input appears for {{1}}
			// and the preview shows the message as WhatsApp would.
			do(t, admin,
				chromedp.Navigate(base+"/settings/channels/"+ch.ID),
				chromedp.Click(chromedp.CSS(`[data-testid=channel-tab-templates]`)),
				chromedp.Click(chromedp.CSS(`[data-testid=template-new]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=template-form]`)),
				chromedp.SendKeys(chromedp.CSS(`[data-testid=template-name-input]`), "order_ready"),
				chromedp.SetValue(chromedp.CSS(`[data-testid=template-language]`), "en_US"),
				chromedp.SendKeys(chromedp.CSS(`[data-testid=template-body-input]`), templateBody),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=template-sample-1]`)),
				chromedp.SendKeys(chromedp.CSS(`[data-testid=template-sample-1]`), "Vera"),
			)
			preview := value(t, admin, chromedp.Poll[string](`(() => {
				const p = document.querySelector('[data-template-preview] .wa-body');
				return p && p.textContent.startsWith('Hi Vera') ? p.textContent : null })()`, chromedp.WithPollingTimeout(10*time.Second)))
			bold := value(t, admin, chromedp.Evaluate[string](`document.querySelector('[data-template-preview] strong').textContent`))
			if want := `Hi Vera, your order <img src=x onerror=alert("tpl")> is ready.`; preview != want || bold != "ready" {
				t.Fatalf("preview %q with bold %q, want %q with bold ready", preview, bold, want)
			}

			// Submitted, it is listed pending; the approval webhook turns it
			// approved on the open page.
			row := `[data-testid=template-row][data-name=order_ready]`
			do(t, admin,
				chromedp.Click(chromedp.CSS(`[data-testid=template-submit]`)),
				chromedp.WaitVisible(chromedp.CSS(row+`[data-status=PENDING]`)),
				chromedp.WaitVisible(chromedp.CSS(row+`[data-status=APPROVED]`)),
			)

			// In the conversation the window is closed, so the composer is in
			// template mode; the agent picks the template and fills {{1}}
			// with the contact's first name.
			do(t, admin,
				chromedp.Navigate(base+"/conversations/"+got.ConversationID),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=composer][data-kind=template] [data-testid=template-select]`)),
				discard(chromedp.Evaluate[chromedp.Void](`(() => {
					const s = document.querySelector('[data-testid=template-select]');
					s.value = s.querySelector('option[data-name=order_ready]').value;
					s.dispatchEvent(new Event('change', { bubbles: true }));
				})()`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=template-var-tpl_body_1]`)),
				chromedp.SendKeys(chromedp.CSS(`[data-testid=template-var-tpl_body_1]`), "{{contact.first_name}}"),
			)
			const rendered = `Hi Vera, your order <img src=x onerror=alert("tpl")> is *ready*.`
			filled := value(t, admin, chromedp.Poll[string](`(() => {
				const p = document.querySelector('[data-testid=template-preview-body]');
				return p && p.textContent.startsWith('Hi Vera') ? p.textContent : null })()`, chromedp.WithPollingTimeout(10*time.Second)))
			if filled != rendered {
				t.Fatalf("composer preview %q, want %q", filled, rendered)
			}

			// Sent, it reaches the contact: WhatsApp's delivery webhook turns the tick.
			delivered := `[data-testid=message][data-direction=outgoing][data-status=delivered]`
			do(t, admin,
				chromedp.Click(chromedp.CSS(`[data-testid=composer-send]`)),
				chromedp.WaitVisible(chromedp.CSS(delivered)),
			)
			// Live refreshes replace the thread's nodes, so read it in one go.
			text := value(t, admin, chromedp.Poll[string](fmt.Sprintf(`(() => {
				const b = document.querySelector(%q);
				return b ? b.textContent : null })()`, delivered+` [data-testid=template-rendered]`), chromedp.WithPollingTimeout(10*time.Second)))
			injected := value(t, admin, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=thread] img[src=x], [data-template-preview] img, [data-testid=template-preview] img').length`))
			if text != rendered || injected != 0 {
				t.Fatalf("the sent bubble reads %q with %d injected images; want %q and none", text, injected, rendered)
			}
			sent := emu.Sent()
			if len(sent) != 1 || sent[0].WaID != "5511987654321" {
				t.Fatalf("WhatsApp got %d messages: %+v", len(sent), sent)
			}
			var body struct {
				Template struct {
					Name       string `json:"name"`
					Components []struct {
						Type       string `json:"type"`
						Parameters []struct{ Type, Text string }
					} `json:"components"`
				} `json:"template"`
			}
			err = json.Unmarshal(sent[0].Body, &body)
			if tpl := body.Template; err != nil || tpl.Name != "order_ready" || len(tpl.Components) != 1 || tpl.Components[0].Type != "body" ||
				len(tpl.Components[0].Parameters) != 1 || tpl.Components[0].Parameters[0].Text != "Vera" {
				t.Fatalf("WhatsApp got %s (%v)", sent[0].Body, err)
			}
		})
	}
}

// connectWhatsApp connects a Cloud API number on the emulator at emuURL,
// whose webhooks go to charla at base.
func connectWhatsApp(t *testing.T, s *core.Services, owner auth.User, emu *emulator.Emulator, emuURL, base string) channel.Channel {
	t.Helper()
	c := emu.Config()
	ch, err := s.Channels.Create(context.Background(), owner.WorkspaceID, "whatsapp_cloud", "Sales WhatsApp",
		json.RawMessage(fmt.Sprintf(`{"phone_number_id":%q,"waba_id":%q,"graph_url":%q}`, c.PhoneNumberID, c.WABAID, emuURL)),
		map[string]string{"access_token": emuAccessToken, "app_secret": emuAppSecret})
	if err != nil {
		t.Fatal(err)
	}
	emu.SetCallback(base + "/webhooks/whatsapp/" + ch.ID)
	return ch
}
