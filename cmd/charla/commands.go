package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/spf13/cobra"

	"charla/internal/app"
	"charla/internal/bench"
	"charla/internal/config"
	"charla/internal/core"
	"charla/internal/store"
)

// version is set at release time with -ldflags "-X main.version=…".
var version = "dev"

func root() *cobra.Command {
	c := &cobra.Command{
		Use:           "charla",
		Short:         "charla — one shared, realtime inbox for WhatsApp, web chat and more",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	c.AddCommand(serveCmd(), migrateCmd(), setupCmd(), tokenCmd(), versionCmd(), benchCmd(), emulatorCmd())
	return c
}

func serveCmd() *cobra.Command {
	var cpuProfile string
	c := &cobra.Command{
		Use:   "serve",
		Short: "Run the HTTP server and background workers",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			stopProfile, err := bench.Profile(cpuProfile)
			if err != nil {
				return err
			}
			defer stopProfile()
			cfg, log, err := load()
			if err != nil {
				return err
			}
			s, err := app.Open(ctx, cfg, log)
			if err != nil {
				return err
			}
			defer app.Close(s)
			ln, err := net.Listen("tcp", cfg.Addr)
			if err != nil {
				return err
			}
			next := "open it in your browser"
			if setup, err := s.Auth.NeedsSetup(ctx); err == nil && setup {
				next = "open it in your browser to create your workspace"
			}
			log.Info("charla is ready", "url", cfg.BaseURL, "listen", ln.Addr().String(), "database", string(s.DB.Dialect))
			fmt.Fprintf(os.Stderr, "\n  charla is running at %s — %s\n\n", cfg.BaseURL, next)
			return app.Serve(ctx, s, ln)
		},
	}
	// For benchmarks: where the server's CPU goes under load.
	c.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of this run to the file (for benchmarks)")
	return c
}

func migrateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply database migrations and exit",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, _, err := load()
			if err != nil {
				return err
			}
			d, err := store.Open(cmd.Context(), cfg.DatabaseURL, cfg.DataDir)
			if err != nil {
				return err
			}
			defer d.Close()
			if err := d.Migrate(cmd.Context()); err != nil {
				return err
			}
			fmt.Fprintln(os.Stderr, "database is up to date")
			return nil
		},
	}
}

func setupCmd() *cobra.Command {
	var workspace, email, name, password string
	c := &cobra.Command{
		Use:   "setup --workspace NAME --email EMAIL --password PASS",
		Short: "Create a workspace and its owner without the browser",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withServices(cmd.Context(), func(s *core.Services) error {
				u, err := s.Auth.Setup(cmd.Context(), workspace, email, name, password)
				if err != nil {
					return err
				}
				fmt.Fprintf(os.Stderr, "created workspace %q with owner %s\n", workspace, u.Email)
				return nil
			})
		},
	}
	c.Flags().StringVar(&workspace, "workspace", "", "workspace name (required)")
	c.Flags().StringVar(&email, "email", "", "owner's email (required)")
	c.Flags().StringVar(&name, "name", "", "owner's name (default: from the email)")
	c.Flags().StringVar(&password, "password", "", "owner's password, at least 8 characters (required)")
	for _, f := range []string{"workspace", "email", "password"} {
		_ = c.MarkFlagRequired(f)
	}
	return c
}

func tokenCmd() *cobra.Command {
	var email, name string
	create := &cobra.Command{
		Use:   "create --email EMAIL [--name NAME]",
		Short: "Print a new API token for a user (on stdout, and nothing else)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withServices(cmd.Context(), func(s *core.Services) error {
				tok, err := s.Auth.CreateTokenByEmail(cmd.Context(), email, name)
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), tok)
				return nil
			})
		},
	}
	create.Flags().StringVar(&email, "email", "", "the user the token acts as (required)")
	create.Flags().StringVar(&name, "name", "cli", "a name to recognise the token by")
	_ = create.MarkFlagRequired("email")
	c := &cobra.Command{Use: "token", Short: "Manage API tokens"}
	c.AddCommand(create)
	return c
}

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Run: func(cmd *cobra.Command, _ []string) {
			v := version
			if info, ok := debug.ReadBuildInfo(); ok && v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
				v = info.Main.Version
			}
			fmt.Fprintln(cmd.OutOrStdout(), "charla", v)
		},
	}
}

// withServices opens (and migrates) the configured database for a one-shot command.
func withServices(ctx context.Context, fn func(*core.Services) error) error {
	cfg, log, err := load()
	if err != nil {
		return err
	}
	s, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer app.Close(s)
	return fn(s)
}

// load reads the configuration and makes the logger: JSON unless stderr is a terminal.
func load() (config.Config, *slog.Logger, error) {
	cfg, err := config.Load()
	if err != nil {
		return cfg, nil, err
	}
	var h slog.Handler
	fi, _ := os.Stderr.Stat()
	terminal := fi != nil && fi.Mode()&os.ModeCharDevice != 0
	if cfg.LogFormat == "text" || (cfg.LogFormat == "" && terminal) {
		h = slog.NewTextHandler(os.Stderr, nil)
	} else {
		h = slog.NewJSONHandler(os.Stderr, nil)
	}
	log := slog.New(h)
	slog.SetDefault(log)
	return cfg, log, nil
}
