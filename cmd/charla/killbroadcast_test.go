package main

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"charla/internal/broadcast"
	"charla/internal/contacts"
	"charla/internal/emulator"
	"charla/internal/store"
	"charla/internal/store/storetest"
	"charla/internal/templates"
)

// TestKillDuringBroadcastSendsEachOnce starts a template broadcast, lets a
// real `charla serve` process feed and send it to the emulator, kills it
// with SIGKILL midway, starts it again, and counts what the emulator
// received: every recipient exactly once, and the broadcast completed.
func TestKillDuringBroadcastSendsEachOnce(t *testing.T) {
	bin := buildCharla(t)
	for _, dialect := range storetest.Dialects() {
		t.Run(string(dialect), func(t *testing.T) { killBroadcast(t, bin, dialect) })
	}
}

const killRecipients = 600

func killBroadcast(t *testing.T, bin string, dialect store.Dialect) {
	promo := emulator.Template{Name: "promo", Language: "en_US", Category: "MARKETING", Status: "APPROVED",
		Components: json.RawMessage(`[{"type":"BODY","text":"Hi {{1}}, our sale starts today","example":{"body_text":[["Ana"]]}}]`)}
	r := newKillRig(t, bin, dialect, emulator.Config{AutoStatuses: true, DiscardBodies: true, Templates: []emulator.Template{promo}})
	ctx, s, emu, owner := r.ctx, r.s, r.emu, r.owner

	// Set the broadcast up and start it while no server runs: the server
	// then finds its feed job.
	if _, err := s.Templates.Sync(ctx, owner.WorkspaceID, r.ch.ID); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, killRecipients)
	for i := range ids {
		name, number := fmt.Sprintf("Person%d Test", i), fmt.Sprintf("+55119%08d", i)
		ct, err := s.Contacts.Create(ctx, owner.WorkspaceID, contacts.Input{Name: &name, Phone: &number})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = ct.ID
	}
	b, err := s.Broadcasts.Create(ctx, owner, broadcast.Input{Name: "Sale", ChannelID: r.ch.ID,
		Template: &broadcast.Template{Name: "promo", Language: "en_US", Values: templates.Values{Body: []string{"{{contact.first_name}}"}}},
		Audience: broadcast.Audience{ContactIDs: ids}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Broadcasts.Start(ctx, owner.WorkspaceID, b.ID, broadcast.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	r.detach()
	atKill := r.killMidway(killRecipients, 60*time.Second, "CHARLA_SEND_RECONCILE=10s")

	d2 := r.reopen()
	waitFor(t, "the broadcast completed", 60*time.Second, func() bool {
		var status string
		_ = d2.R.QueryRow(`SELECT status FROM broadcasts WHERE id = $1`, b.ID).Scan(&status)
		return status == broadcast.Completed
	})
	recipients := map[string]bool{}
	rows, err := d2.R.Query(`SELECT message_id FROM broadcast_recipients WHERE broadcast_id = $1 AND message_id IS NOT NULL`, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		recipients[id] = true
	}
	rows.Close()
	seen := map[string]int{}
	for _, m := range emu.Sent() {
		seen[m.CallbackData]++
	}
	for id := range recipients {
		if seen[id] != 1 {
			t.Fatalf("recipient message %s received %d times", id, seen[id])
		}
	}
	if len(recipients) != killRecipients || len(seen) != killRecipients || emu.Duplicates() != 0 || emu.SentCount() != killRecipients {
		t.Fatalf("%d recipients with a message; emulator received %d messages, %d distinct, %d duplicates; want each of %d exactly once (killed at %d)",
			len(recipients), emu.SentCount(), len(seen), emu.Duplicates(), killRecipients, atKill)
	}
	t.Logf("killed after %d of %d recipients; resumed; each sent exactly once", atKill, killRecipients)
}
