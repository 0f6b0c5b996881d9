package web

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	cdpage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"charla/internal/contacts"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

// TestContactsPageInBrowser drives the builder as a person does, in
// chromium: the count follows typing, problems appear by the condition
// without taking the focus, and a saved segment counts itself in the sidebar.
func TestContactsPageInBrowser(t *testing.T) {
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CHARLA_REQUIRE_BROWSER") != "" {
			t.Fatal("chromium is required (apt-get install -y chromium)")
		}
		t.Skip("SKIPPING browser test: chromium is not installed (apt-get install -y chromium)")
	}
	p := newPeople(t, storetest.Open(t, store.SQLite))
	// Customer text that would run if it were ever not escaped.
	if _, err := p.e.s.Contacts.Create(context.Background(), p.owner.WorkspaceID,
		contacts.Input{Name: valuePtr(`<img src=x onerror=alert(1)>`), Tags: []string{`<script>alert(2)</script>`}}); err != nil {
		t.Fatal(err)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	bounded, cancelTimeout := context.WithTimeout(alloc, 120*time.Second)
	defer cancelTimeout()
	ctx, cancel := chromedp.NewContext(bounded, chromedp.WithListener(func(ev any) {
		if d, ok := ev.(*cdpage.EventJavascriptDialogOpening); ok {
			t.Errorf("a page opened a dialog: %q — customer text was executed", d.Message)
		}
	}))
	defer cancel()
	run := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	eval := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	count := func(n string) chromedp.Action[chromedp.Void] {
		return chromedp.WaitVisible(css(`[data-testid=contact-count][data-count="` + n + `"]`))
	}

	base := p.e.srv.URL
	run("sign in",
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(css(`[data-testid=login-email]`), "olga@acme.test"),
		chromedp.SendKeys(css(`[data-testid=login-password]`), password),
		chromedp.Click(css(`[data-testid=login-submit]`)),
		chromedp.WaitVisible(css(`[data-testid=conv-list]`)),
	)
	run("open contacts from the top bar",
		chromedp.Click(css(`[data-testid=nav-contacts]`)),
		count("5"),
	)

	// The count follows what is typed, and the address follows the filter.
	run("filter by tag",
		chromedp.Click(css(`[data-testid=add-tags]`)),
		chromedp.WaitVisible(css(`[data-testid=cond-tags-input]`)),
		chromedp.SendKeys(css(`[data-testid=cond-tags-input]`), "vip"),
		count("2"),
	)
	if search := eval(`location.search`); !strings.Contains(search, "tags=vip") {
		t.Errorf("address after filtering: %q", search)
	}

	// A bad condition explains itself by the condition; typing goes on.
	run("type a bad attribute",
		chromedp.Click(css(`[data-testid=add-attr]`)),
		chromedp.WaitVisible(css(`[data-testid=cond-attr-key]`)),
		chromedp.SendKeys(css(`[data-testid=cond-attr-key]`), "Bad Key"),
		chromedp.WaitVisible(css(`[data-testid=cond-attr] [data-testid="cond-note-attr-0"] [data-testid="error-attributes[0].key"]`)),
		chromedp.WaitVisible(css(`[data-testid=contact-count][data-count=""]`)),
	)
	if focused := eval(`document.activeElement.dataset.testid`); focused != "cond-attr-key" {
		t.Errorf("the live count took the focus to %q", focused)
	}
	if n := eval(`String(document.querySelectorAll('[id^=cond-note-]').length)`); n != "4" {
		t.Errorf("%s condition notes, want one per condition and the search's and attributes'", n)
	}
	run("remove it",
		chromedp.Click(css(`[data-testid=remove-attr-0]`)),
		chromedp.WaitNotPresent(css(`[data-testid=cond-attr]`)),
		count("2"),
	)

	// Save the filter; the segment opens, counting itself in the sidebar.
	run("save as segment",
		chromedp.SendKeys(css(`[data-testid=segment-name]`), "VIPs"),
		chromedp.Click(css(`[data-testid=segment-save]`)),
		chromedp.WaitVisible(css(`[data-testid=notice]`)),
		count("2"),
		discardResult(chromedp.Poll[bool](`(() => { const c = document.querySelector('[data-testid=segment-link].current [data-testid=segment-count]'); return c && c.textContent.trim() === "2" })()`,
			chromedp.WithPollingTimeout(30*time.Second))),
	)
	if title := eval(`document.querySelector('[data-testid=contacts-title]').textContent`); title != "VIPs" {
		t.Errorf("segment page title %q", title)
	}

	// A contact opens from the list; an opted-out one can be resubscribed.
	run("resubscribe Dani",
		chromedp.Navigate(base+"/contacts?f=1&subscribed=no"),
		count("1"),
		chromedp.Click(css(`[data-testid=contact-link]`)),
		chromedp.WaitVisible(css(`[data-testid=contact-subscription][data-subscribed=false]`)),
		chromedp.Click(css(`[data-testid=resubscribe]`)),
		chromedp.WaitVisible(css(`[data-testid=contact-subscription][data-subscribed=true] [data-testid=subscription-notice]`)),
	)
	if ok, err := p.e.s.Contacts.IsSubscribed(context.Background(), p.owner.WorkspaceID, p.ids["Dani"]); err != nil || !ok {
		t.Errorf("Dani is still opted out: %v", err)
	}
}

// discardResult drops an action's result, to run it among steps.
func discardResult[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, tg)
		return chromedp.Void{}, err
	}
}
