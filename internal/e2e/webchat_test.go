package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"charla/internal/app"
	"charla/internal/config"
	"charla/internal/core"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

// browser starts one headless chromium, or skips when there is none (fails in CI).
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CHARLA_REQUIRE_BROWSER") != "" {
			t.Fatal("chromium is required (apt-get install -y chromium)")
		}
		t.Skip("SKIPPING browser test: chromium is not installed (apt-get install -y chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true))
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	bounded, cancelTimeout := context.WithTimeout(alloc, 120*time.Second)
	t.Cleanup(cancelTimeout)
	// Start the one browser here; tabs made from this context share it.
	ctx, cancelBrowser := chromedp.NewContext(bounded)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// tab opens a browser tab that fails the test if any page script opens a dialog
// (an injected alert() would).
func tab(t *testing.T, parent context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(parent, chromedp.WithListener(func(ev any) {
		if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			t.Errorf("a page opened a dialog: %q — customer text was executed", d.Message)
		}
	}))
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	return ctx
}

func TestVisitorAndAgentChatLive(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) {
			s, base := serve(t, dialect)
			owner, err := s.Auth.Setup(context.Background(), "Acme", "agent@acme.test", "Ana Agent", "correct horse battery")
			if err != nil {
				t.Fatal(err)
			}
			site, err := s.Channels.Create(context.Background(), owner.WorkspaceID, "website", "Acme Shop", nil, nil)
			if err != nil {
				t.Fatal(err)
			}

			b := browser(t)
			agent, visitor := tab(t, b), tab(t, b)
			const visitorText = `Hi! <script>alert("visitor")</script> is my order late?`
			const agentText = `Hello <img src=x onerror=alert("agent")> it ships today`

			// The agent signs in and watches the inbox.
			do(t, agent,
				chromedp.Navigate(base+"/login"),
				chromedp.SendKeys(chromedp.CSS(`[data-testid=login-email]`), "agent@acme.test"),
				chromedp.SendKeys(chromedp.CSS(`[data-testid=login-password]`), "correct horse battery"),
				chromedp.Click(chromedp.CSS(`[data-testid=login-submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=conv-list]`)),
			)

			// The visitor writes from the demo page; Enter sends.
			input := widget(`[data-charla=input]`)
			do(t, visitor,
				chromedp.Navigate(base+"/demo/"+site.ID),
				discard(chromedp.Evaluate[chromedp.Void](`window.Charla.ready.then(() => { window.Charla.open() })`, chromedp.EvalAwaitPromise)),
				chromedp.WaitVisible(input),
				chromedp.SendKeys(input, visitorText+kb.Enter),
			)

			// It appears in the agent's list without a reload; the agent opens it.
			incoming := chromedp.CSS(`[data-testid=message][data-direction=incoming] [data-testid=message-body]`)
			do(t, agent,
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=conv-row]`)),
				chromedp.Click(chromedp.CSS(`[data-testid=conv-row]`)),
				chromedp.WaitVisible(incoming),
			)
			bodyText := value(t, agent, chromedp.Text(incoming))
			injected := value(t, agent, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=thread] script, [data-testid=message-body] img').length`))
			if bodyText != visitorText || injected != 0 {
				t.Fatalf("agent sees %q with %d injected elements; want the literal text and none", bodyText, injected)
			}

			// The agent replies; the visitor sees it live, as text.
			do(t, agent,
				chromedp.SendKeys(chromedp.CSS(`[data-testid=composer-input]`), agentText+kb.Enter),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=message][data-direction=outgoing]`)),
			)
			reply := value(t, visitor, chromedp.Poll[string](fmt.Sprintf(`(() => { const b = %s; return b ? b.textContent : null })()`,
				widget(`[data-charla=message][data-direction=outgoing] [data-charla=body]`)), chromedp.WithPollingTimeout(30*time.Second)))
			injected = value(t, visitor, chromedp.Evaluate[int](fmt.Sprintf(`%s.length`, widgetAll(`[data-charla=body] img, [data-charla=messages] script`))))
			if reply != agentText || injected != 0 {
				t.Fatalf("visitor sees %q with %d injected elements; want the literal text and none", reply, injected)
			}

			// The visitor's open widget marks the reply read; the agent's bubble turns read live.
			do(t, agent, chromedp.WaitVisible(chromedp.CSS(`[data-testid=message][data-direction=outgoing][data-status=read]`)))
		})
	}
}

// serve runs a charla on dialect's database until the test ends and
// returns it with its base URL.
func serve(t *testing.T, dialect store.Dialect) (*core.Services, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfg := config.Config{Addr: ln.Addr().String(), BaseURL: base, DataDir: t.TempDir(),
		DatabaseURL: storetest.URL(t, dialect), SecretKey: strings.Repeat("e", 32), MaxUploadMB: 5, Storage: "local"}
	s, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- app.Serve(ctx, s, ln) }()
	t.Cleanup(func() { stop(); <-served; app.Close(s) })
	return s, base
}

// widget is a JS path into the widget's shadow root.
func widget(sel string) chromedp.JSPath {
	return chromedp.JSPath(fmt.Sprintf(`document.getElementById('charla-widget').shadowRoot.querySelector(%q)`, sel))
}

func widgetAll(sel string) string {
	return fmt.Sprintf(`document.getElementById('charla-widget').shadowRoot.querySelectorAll(%q)`, sel)
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func value[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// discard runs an action for its effect only.
func discard[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, tg)
		return chromedp.Void{}, err
	}
}
