package main

import (
	"fmt"
	"testing"
	"time"

	"charla/internal/contacts"
	"charla/internal/emulator"
	"charla/internal/inbox"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

// TestKillDuringSendsSendsEachOnce queues messages, lets a real `charla
// serve` process send them to the emulator, kills it with SIGKILL midway,
// starts it again, and counts what the emulator received: every message
// exactly once.
func TestKillDuringSendsSendsEachOnce(t *testing.T) {
	bin := buildCharla(t)
	for _, dialect := range storetest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) { killAndResume(t, bin, dialect) })
	}
}

const killMessages = 600

func killAndResume(t *testing.T, bin string, dialect store.Dialect) {
	// Retries at most 500 ms apart, so the statuses of sends made before the
	// kill reach the restarted charla soon after it is up.
	r := newKillRig(t, bin, dialect, emulator.Config{AutoStatuses: true, RetryMax: 500 * time.Millisecond})
	ctx, emu := r.ctx, r.emu

	// The customer writes first, opening the provider's window; the webhook
	// waits in the emulator's retrying outbox until the server is up.
	if _, err := emu.CustomerSends(ctx, "5511987654321", "Ana", emulator.Text("oi")); err != nil {
		t.Fatal(err)
	}
	in, err := r.s.Inbox.Receive(ctx, inbox.Inbound{Channel: r.ch, From: contacts.Who{ExternalID: "5511987654321", Phone: "+5511987654321"},
		ProviderMessageID: "wamid.opening", Body: "oi", At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	// Queue the messages through the real inbox, as agents would, while no
	// server runs: the server then finds them as River jobs.
	for i := range killMessages {
		if _, err := r.s.Inbox.Send(ctx, r.owner, in.ConversationID, fmt.Sprintf("message %d", i), nil); err != nil {
			t.Fatal(err)
		}
	}
	r.detach()
	atKill := r.killMidway(killMessages, 60*time.Second, "CHARLA_SEND_RECONCILE=15s")

	// Let the status webhooks land, then check the database agrees.
	d2 := r.reopen()
	waitFor(t, "every message recorded as sent", 60*time.Second, func() bool {
		var n int
		_ = d2.R.QueryRow(`SELECT COUNT(*) FROM messages WHERE direction = 'outgoing' AND provider_message_id IS NOT NULL`).Scan(&n)
		return n == killMessages
	})
	seen := map[string]int{}
	for _, m := range emu.Sent() {
		seen[m.CallbackData]++
	}
	if len(seen) != killMessages || emu.Duplicates() != 0 || emu.SentCount() != killMessages {
		t.Fatalf("emulator received %d messages, %d distinct, %d duplicates; want each of %d exactly once (killed at %d)",
			emu.SentCount(), len(seen), emu.Duplicates(), killMessages, atKill)
	}
	t.Logf("killed after %d of %d; resumed; each sent exactly once", atKill, killMessages)
}
