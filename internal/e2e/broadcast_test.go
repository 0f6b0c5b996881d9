package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"charla/internal/broadcast"
	"charla/internal/contacts"
	"charla/internal/emulator"
	"charla/internal/store/storetest"
)

// TestBroadcastSentAndDeliveredLive: an admin creates a broadcast of an
// approved template to a segment in the UI, starts it, and watches its
// counts reach delivered on the open page (server-sent events, no reload),
// then opens the report.
func TestBroadcastSentAndDeliveredLive(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			s, base := serve(t, dialect)
			ctx := context.Background()
			owner, err := s.Auth.Setup(ctx, "Acme", "agent@acme.test", "Ana Agent", "correct horse battery")
			if err != nil {
				t.Fatal(err)
			}
			// WhatsApp, played by the emulator in manual mode: sends are
			// accepted at once, and their delivery reports wait until the
			// test releases them (Flush), so the page is open when they come.
			emu := emulator.New(emulator.Config{AppSecret: emuAppSecret, AccessToken: emuAccessToken,
				Statuses: []string{"sent", "delivered"},
				Templates: []emulator.Template{{Name: "spring_sale", Language: "en_US", Category: "MARKETING", Status: "APPROVED",
					Components: json.RawMessage(`[{"type":"BODY","text":"Hi {{1}}, our spring sale starts today","example":{"body_text":[["Ana"]]}}]`)}}})
			t.Cleanup(func() { _ = emu.Close() })
			emuSrv := httptest.NewServer(emu.Mux())
			t.Cleanup(emuSrv.Close)
			ch := connectWhatsApp(t, s, owner, emu, emuSrv.URL, base)
			if _, err := s.Templates.Sync(ctx, owner.WorkspaceID, ch.ID); err != nil {
				t.Fatal(err)
			}
			names := []string{"Vera Souza", "Bruno Costa", "Carla Dias"}
			for i, n := range names {
				phone := fmt.Sprintf("+55119888800%02d", i)
				if _, err := s.Contacts.Create(ctx, owner.WorkspaceID, contacts.Input{Name: &n, Phone: &phone, Tags: []string{"vip"}}); err != nil {
					t.Fatal(err)
				}
			}
			segName := "VIP customers"
			if _, err := s.Contacts.CreateSegment(ctx, owner.WorkspaceID, contacts.SegmentInput{Name: &segName,
				Filter: &contacts.Filter{Tags: &contacts.TagCondition{Mode: contacts.TagsAny, Tags: []string{"vip"}}}}); err != nil {
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

			// From the top navigation to the form: a name, the segment (its
			// live count shows), the template and its variable mapped to the
			// contact's first name, with the preview filled for one of them.
			do(t, admin,
				chromedp.Click(chromedp.CSS(`[data-testid=nav-broadcasts]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=bc-empty]`)),
				chromedp.Click(chromedp.CSS(`[data-testid=bc-new]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=bc-form]`)),
				chromedp.SendKeys(chromedp.CSS(`[data-testid=bc-name-input]`), "Spring sale"),
				choose(`[data-testid=bc-segment-select]`, `option:nth-child(2)`),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=bc-segment-count][data-value="3"]`)),
				choose(`[data-testid=template-select]`, `option[data-name=spring_sale]`),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=template-var-tpl_body_1]`)),
				chromedp.SendKeys(chromedp.CSS(`[data-testid=template-var-tpl_body_1]`), "{{contact.first_name}}"),
			)
			preview := value(t, admin, chromedp.Poll[string](`(() => {
				const p = document.querySelector('[data-testid=template-preview-body]');
				return p && !p.textContent.includes('{{') ? p.textContent : null })()`, chromedp.WithPollingTimeout(10*time.Second)))
			if preview != "Hi Vera, our spring sale starts today" && preview != "Hi Bruno, our spring sale starts today" &&
				preview != "Hi Carla, our spring sale starts today" {
				t.Fatalf("preview %q", preview)
			}

			// Saved, the draft shows the estimate; "Send now" starts it.
			do(t, admin,
				chromedp.Click(chromedp.CSS(`[data-testid=bc-save]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=bc-estimate-recipients][data-value="3"]`)),
				chromedp.Click(chromedp.CSS(`[data-testid=bc-start]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=bc-live][data-status=running], [data-testid=bc-live][data-status=completed]`)),
			)
			// Mark this page: a reload would lose the mark.
			do(t, admin, discard(chromedp.Evaluate[chromedp.Void](`window.charlaE2E = "same page"`)))
			// The three sends show as they happen; WhatsApp hasn't reported any delivery yet.
			do(t, admin, chromedp.WaitVisible(chromedp.CSS(`[data-testid=bc-count-sent][data-value="3"]`)))
			if d := value(t, admin, chromedp.Evaluate[string](`document.querySelector('[data-testid=bc-count-delivered]').dataset.value`)); d != "0" {
				t.Fatalf("delivered %s before any delivery report", d)
			}

			// WhatsApp reports the deliveries: the open page follows.
			if err := emu.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			do(t, admin,
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=bc-count-delivered][data-value="3"]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=bc-live][data-status=completed] [data-testid=bc-progress][data-done="3"][data-total="3"]`)),
			)
			if mark := value(t, admin, chromedp.Evaluate[string](`String(window.charlaE2E)`)); mark != "same page" {
				t.Fatalf("the page reloaded (mark %q): the counts did not arrive live", mark)
			}
			// The recipient table follows too (it re-reads a little after the counts).
			do(t, admin, discard(chromedp.Poll[bool](`document.querySelectorAll('[data-testid=bc-recipient][data-status=delivered]').length === 3`,
				chromedp.WithPollingTimeout(10*time.Second))))

			// The report: every message delivered, nothing failed.
			do(t, admin,
				chromedp.Click(chromedp.CSS(`[data-testid=bc-report-link]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=bc-report]`)),
			)
			rate := value(t, admin, chromedp.Text(chromedp.CSS(`[data-testid=bc-rate-delivery-value]`)))
			none := value(t, admin, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=bc-no-failures]').length`))
			if rate != "100%" || none != 1 {
				t.Fatalf("report: delivery rate %q, no-failures note %d", rate, none)
			}
			page, err := s.Broadcasts.List(ctx, owner.WorkspaceID, broadcast.Completed, "", 10)
			if err != nil || len(page.Broadcasts) != 1 || len(emu.Sent()) != 3 {
				t.Fatalf("completed broadcasts %+v (%v); WhatsApp got %d messages", page.Broadcasts, err, len(emu.Sent()))
			}
		})
	}
}

// choose picks the option sel of select, as a person would: htmx hears the change.
func choose(selectSel, optionSel string) chromedp.Action[chromedp.Void] {
	return discard(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const s = document.querySelector(%q);
		s.value = s.querySelector(%q).value;
		s.dispatchEvent(new Event('change', { bubbles: true }));
	})()`, selectSel, optionSel)))
}
