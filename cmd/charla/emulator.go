package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"charla/internal/emulator"
)

// emulatorCmd runs the WhatsApp Cloud API / 360dialog stand-in with its
// phone simulator, for trying charla without Meta.
func emulatorCmd() *cobra.Command {
	var addr string
	cfg := emulator.Config{
		// The phone page sends "read" when the person opens the chat, so
		// statuses stop at delivered.
		Statuses:     []string{"sent", "delivered"},
		AutoStatuses: true,
	}
	c := &cobra.Command{
		Use:   "emulator",
		Short: "Run a local WhatsApp Cloud API and 360dialog stand-in with a phone simulator",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			cfg.Logf = func(format string, args ...any) { log.Warn(fmt.Sprintf(format, args...)) }
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			emu := emulator.New(cfg)
			defer emu.Close()
			printEmulatorSettings(cmd, "http://"+ln.Addr().String(), emu.Config())
			return serveUntilDone(ctx, ln, emu.Mux())
		},
	}
	f := c.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8090", "address to listen on")
	f.StringVar(&cfg.CallbackURL, "callback", "", "charla's webhook URL for the channel (can also be set on the phone page)")
	f.StringVar(&cfg.AppSecret, "app-secret", "emulator-app-secret", "app secret that signs webhooks (X-Hub-Signature-256)")
	f.StringVar(&cfg.AccessToken, "access-token", "emulator-access-token", "Graph API access token charla must send")
	f.StringVar(&cfg.APIKey, "api-key", "emulator-d360-key", "360dialog D360-API-KEY charla must send")
	f.StringVar(&cfg.PhoneNumberID, "phone-number-id", "106540352242922", "the business phone number ID")
	f.StringVar(&cfg.DisplayPhoneNumber, "display-number", "15550783881", "the business number customers see")
	f.Float64Var(&cfg.Rate, "rate", 80, "messages per second the number accepts, like Meta's default (0: unlimited)")
	f.DurationVar(&cfg.TemplateApprovalDelay, "template-delay", 5*time.Second, "how long a new template stays PENDING before it is approved (names starting reject_ are rejected)")
	return c
}

func printEmulatorSettings(cmd *cobra.Command, base string, cfg emulator.Config) {
	callback := cfg.CallbackURL
	if callback == "" {
		callback = "(none yet: set it on the phone page)"
	}
	fmt.Fprintf(cmd.OutOrStdout(), `WhatsApp emulator listening on %[1]s

Paste into charla's WhatsApp channel settings:
  Cloud API   Graph base URL   %[1]s
              Phone number ID  %[2]s
              WABA ID          %[3]s
              Access token     %[4]s
              App secret       %[5]s
              Meta app ID      any digits, e.g. 1234567890 (for photo and sample uploads)
  360dialog   Base URL         %[1]s/360dialog
              API key          %[6]s

Phone simulator:  %[1]s/phone
Webhook callback: %[7]s
`, base, cfg.PhoneNumberID, cfg.WABAID, cfg.AccessToken, cfg.AppSecret, cfg.APIKey, callback)
}

// serveUntilDone serves h on ln until ctx is done, then shuts down.
func serveUntilDone(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
