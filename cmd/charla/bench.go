package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"charla/internal/bench"
)

func benchCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "bench",
		Short: "Measure charla on this machine (load, WhatsApp in and out, inbox reads, start-up); see docs/benchmarks.md",
	}
	c.AddCommand(benchWebchatCmd(), benchWhatsAppInCmd(), benchWhatsAppOutCmd(), benchBroadcastCmd(), benchInboxCmd(), benchStartupCmd())
	return c
}

// benchRun gives a benchmark a context that Ctrl-C cancels, so its fresh
// database is still dropped.
func benchRun(cmd *cobra.Command, fn func(ctx context.Context) error) error {
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return fn(ctx)
}

func benchWebchatCmd() *cobra.Command {
	var o bench.WebchatOptions
	c := &cobra.Command{
		Use:   "webchat",
		Short: "Load web chat message ingestion over HTTP and check no message is lost",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return benchRun(cmd, func(ctx context.Context) error { return bench.Webchat(ctx, cmd.OutOrStdout(), o) })
		},
	}
	f := c.Flags()
	f.StringVar(&o.DB, "db", "sqlite", "sqlite, or a postgres:// URL (a fresh schema is created in it and dropped after)")
	f.IntVar(&o.Visitors, "visitors", 1000, "visitor sessions the messages are spread over")
	f.DurationVar(&o.Duration, "duration", 20*time.Second, "how long to send")
	f.IntVar(&o.Rate, "rate", 0, "messages per second (0: as fast as --concurrency allows)")
	f.IntVar(&o.Concurrency, "concurrency", 64, "concurrent senders (HTTP connections)")
	f.BoolVar(&o.Direct, "direct", false, "call Inbox.Receive in-process instead of HTTP (isolates storage cost)")
	f.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the load phase to this file")
	f.BoolVar(&o.Keep, "keep", false, "keep the database afterwards")
	f.BoolVar(&o.BusAgent, "bus-agent", false, "time events from a bus subscription instead of the agent UI's SSE stream (GET /events)")
	f.BoolVar(&o.Warm, "warm", false, "send each visitor's first message before timing (measure the steady state only)")
	f.BoolVar(&o.MemoryBus, "whatif-memory-bus", false, "what-if, PostgreSQL: in-process event bus instead of LISTEN/NOTIFY")
	f.BoolVar(&o.Mmap, "whatif-mmap", false, "what-if, SQLite: memory-mapped reads (PRAGMA mmap_size)")
	return c
}

func benchWhatsAppInCmd() *cobra.Command {
	var o bench.WhatsAppInOptions
	var pg string
	c := &cobra.Command{
		Use:   "whatsapp-in",
		Short: "Load WhatsApp Cloud API webhooks (signed, one message each) over HTTP and check none is lost",
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.DB = bench.DBFlag(o.DB, pg)
			return benchRun(cmd, func(ctx context.Context) error { return bench.WhatsAppIn(ctx, cmd.OutOrStdout(), o) })
		},
	}
	f := c.Flags()
	f.StringVar(&o.DB, "db", "sqlite", "sqlite, or a postgres:// URL (a fresh schema is created in it and dropped after)")
	f.StringVar(&pg, "postgres", "", "a postgres:// URL: the same as --db URL")
	f.DurationVar(&o.Duration, "duration", 15*time.Second, "how long to send")
	f.IntVar(&o.Rate, "rate", 0, "webhooks per second (0: saturate, as fast as --conns allows)")
	f.IntVar(&o.Senders, "senders", 1000, "distinct customers (wa_ids) the messages come from")
	f.IntVar(&o.Conns, "conns", 64, "concurrent senders (HTTP connections)")
	f.BoolVar(&o.Warm, "warm", false, "send each sender's first message before timing (measure the steady state only)")
	f.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the load phase to this file")
	f.BoolVar(&o.Keep, "keep", false, "keep the database afterwards")
	return c
}

func benchWhatsAppOutCmd() *cobra.Command {
	var o bench.WhatsAppOutOptions
	var pg string
	c := &cobra.Command{
		Use:   "whatsapp-out",
		Short: "Queue outgoing WhatsApp messages and measure the send pipeline's rate against the emulator",
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.DB = bench.DBFlag(o.DB, pg)
			return benchRun(cmd, func(ctx context.Context) error { return bench.WhatsAppOut(ctx, cmd.OutOrStdout(), o) })
		},
	}
	f := c.Flags()
	f.StringVar(&o.DB, "db", "sqlite", "sqlite, or a postgres:// URL (a fresh schema is created in it and dropped after)")
	f.StringVar(&pg, "postgres", "", "a postgres:// URL: the same as --db URL")
	f.IntVar(&o.Messages, "messages", 10_000, "outgoing messages to queue")
	f.Float64Var(&o.Rate, "rate", 80, "the channel's rate_limit (messages/s), 1 to 1000")
	f.IntVar(&o.Recipients, "recipients", 500, "customers (one conversation each) the messages are spread over")
	f.IntVar(&o.Agents, "agents", 8, "concurrent agents composing the messages")
	f.StringVar(&o.Statuses, "statuses", "sent,delivered,read", "statuses the emulator reports back by webhook for each message (\"\" for none)")
	f.BoolVar(&o.ProviderLimit, "provider-limit", true, "the emulator enforces the same rate as Meta does (130429 beyond it)")
	f.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the send phase to this file")
	f.BoolVar(&o.Keep, "keep", false, "keep the database afterwards")
	return c
}

func benchBroadcastCmd() *cobra.Command {
	var o bench.BroadcastOptions
	var pg string
	c := &cobra.Command{
		Use:   "broadcast",
		Short: "Have `charla serve` send a template broadcast to many contacts; measure its rate, jitter, duplicates, losses, CPU and memory",
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.DB = bench.DBFlag(o.DB, pg)
			return benchRun(cmd, func(ctx context.Context) error { return bench.Broadcast(ctx, cmd.OutOrStdout(), o) })
		},
	}
	f := c.Flags()
	f.StringVar(&o.DB, "db", "sqlite", "sqlite, or a postgres:// URL (a fresh schema is created in it and dropped after)")
	f.StringVar(&pg, "postgres", "", "a postgres:// URL: the same as --db URL")
	f.IntVar(&o.Recipients, "recipients", 100_000, "contacts the broadcast goes to")
	f.Float64Var(&o.Rate, "rate", 1000, "the channel's rate_limit (messages/s), up to 1000")
	f.StringVar(&o.Statuses, "statuses", "sent,delivered,read", "statuses the emulator reports back by webhook for each message (\"\" for none)")
	f.StringVar(&o.ServerCPUProfile, "server-cpuprofile", "", "write the server's CPU profile to this file")
	f.BoolVar(&o.ProviderLimit, "provider-limit", true, "the emulator enforces the same rate as Meta does (130429 beyond it)")
	f.StringVar(&o.Binary, "binary", "", "the charla binary to run as the server (default: go build ./cmd/charla into a temp dir)")
	f.BoolVar(&o.Keep, "keep", false, "keep the database afterwards")
	return c
}

func benchInboxCmd() *cobra.Command {
	var o bench.InboxOptions
	c := &cobra.Command{
		Use:   "inbox",
		Short: "Seed a large inbox and time conversation lists and opening a conversation",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return benchRun(cmd, func(ctx context.Context) error { return bench.Inbox(ctx, cmd.OutOrStdout(), o) })
		},
	}
	f := c.Flags()
	f.StringVar(&o.DB, "db", "sqlite", "sqlite, or a postgres:// URL (a fresh schema is created in it and dropped after)")
	f.IntVar(&o.Conversations, "conversations", 100_000, "conversations to seed (one contact each)")
	f.IntVar(&o.Messages, "messages", 1_000_000, "messages to seed, spread over the conversations")
	f.IntVar(&o.Iterations, "iterations", 200, "timed calls per operation")
	f.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the timed phase to this file")
	f.BoolVar(&o.Keep, "keep", false, "keep the seeded database afterwards (e.g. for bench startup --data-dir)")
	return c
}

func benchStartupCmd() *cobra.Command {
	var o bench.StartupOptions
	c := &cobra.Command{
		Use:   "startup",
		Short: "Time `charla serve` until /readyz answers 200, and its idle memory",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return benchRun(cmd, func(ctx context.Context) error { return bench.Startup(ctx, cmd.OutOrStdout(), o) })
		},
	}
	f := c.Flags()
	f.StringVar(&o.DB, "db", "sqlite", "sqlite, or a postgres:// URL")
	f.StringVar(&o.DataDir, "data-dir", "", "an existing data dir (with --db for PostgreSQL) to start on; default: seed a fresh one")
	f.StringVar(&o.Binary, "binary", "", "the charla binary to start (default: go build ./cmd/charla into a temp dir)")
	f.IntVar(&o.Runs, "runs", 5, "start-ups to time")
	f.DurationVar(&o.Idle, "idle", 3*time.Second, "how long to leave it idle before reading its RSS")
	f.IntVar(&o.Conversations, "conversations", 100_000, "conversations to seed when no --data-dir is given")
	f.IntVar(&o.Messages, "messages", 1_000_000, "messages to seed when no --data-dir is given")
	return c
}
