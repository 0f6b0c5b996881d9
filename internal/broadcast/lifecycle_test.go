package broadcast_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"charla/internal/broadcast"
	"charla/internal/core/coretest"
	"charla/internal/emulator"
	"charla/internal/inbox"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

// TestPauseHoldsQueuedMessages pauses a broadcast mid-run: once the send
// jobs have settled, messages already written are held, none of them has
// reached the provider, and resuming sends each of them, once.
func TestPauseHoldsQueuedMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, options{rate: 10})
		ctx := context.Background()
		ws := e.owner.WorkspaceID
		people := e.people(60)
		b := e.start(e.create(e.promoInput(broadcast.Audience{ContactIDs: ids(people)})).ID)
		coretest.Eventually(t, "a few sends", func() bool { return e.emu.SentCount() >= 5 })
		if _, err := e.svc.Pause(ctx, ws, b.ID); err != nil {
			t.Fatal(err)
		}
		e.sendJobsDone()
		c := e.get(b.ID).Counts
		got, _ := e.received()
		if c.Held == 0 || c.Pending == 0 || c.Queued != 0 || len(got) != c.Sent {
			t.Fatalf("paused: counts %+v, provider got %d; want some held, some pending, none queued, provider = sent", c, len(got))
		}
		for _, r := range e.recipients(b.ID) {
			if r.Status == broadcast.Held && got[r.MessageID.String] != 0 {
				t.Fatalf("held message %s reached the provider", r.MessageID.String)
			}
		}
		if _, err := e.svc.Resume(ctx, ws, b.ID, broadcast.StartOptions{}); err != nil {
			t.Fatal(err)
		}
		e.waitStatus(b.ID, broadcast.Completed)
		e.sendJobsDone()
		got, dup := e.received()
		if dup != 0 || len(got) != len(people) {
			t.Fatalf("after resume the provider got %d messages (%d duplicates), want %d once each", len(got), dup, len(people))
		}
	})
}

// TestCancelStopsTheRest cancels mid-run: what was not yet sent is
// cancelled, its written messages fail as not sent, nothing more goes out.
func TestCancelStopsTheRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, options{rate: 10})
		ctx := context.Background()
		ws := e.owner.WorkspaceID
		people := e.people(50)
		b := e.start(e.create(e.promoInput(broadcast.Audience{ContactIDs: ids(people)})).ID)
		coretest.Eventually(t, "a few sends", func() bool { return e.emu.SentCount() >= 3 })
		if _, err := e.svc.Cancel(ctx, ws, b.ID); err != nil {
			t.Fatal(err)
		}
		e.sendJobsDone()
		got := e.get(b.ID)
		c := got.Counts
		sent, _ := e.received()
		if got.Status != broadcast.Cancelled || got.FinishedAt == nil || c.Cancelled == 0 || c.Pending+c.Queued+c.Held != 0 ||
			c.Sent+c.Cancelled != len(people) || len(sent) != c.Sent {
			t.Fatalf("cancelled: %s, counts %+v, provider got %d", got.Status, c, len(sent))
		}
		for _, r := range e.recipients(b.ID) {
			if r.Status != broadcast.Cancelled || !r.MessageID.Valid {
				continue
			}
			m, err := e.s.Inbox.Message(ctx, ws, r.MessageID.String)
			if err != nil || m.Status != inbox.Failed || sent[m.ID] != 0 {
				t.Fatalf("a cancelled recipient's message: %s %+v (%v), sent %d times", m.Status, m.Error, err, sent[m.ID])
			}
		}
		if _, err := e.svc.Resume(ctx, ws, b.ID, broadcast.StartOptions{}); err == nil {
			t.Fatal("a cancelled broadcast resumed")
		}
	})
}

// TestRetryFailed sends again to recipients whose failure may pass (a
// contact field since filled in) and not to the others (a number that is
// not on WhatsApp).
func TestRetryFailed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, options{emulator: func(c *emulator.Config) {
			c.KnownNumbers = []string{"5511900000000", "5511900000001", "5511980000001"}
		}})
		ctx := context.Background()
		ws := e.owner.WorkspaceID
		people := e.people(2)
		nameless := e.contact("", "+5511980000001")
		unknown := e.contact("Ghost Person", "+5511970000009")
		b := e.start(e.create(e.promoInput(broadcast.Audience{ContactIDs: ids(append(people, nameless, unknown))})).ID)
		e.waitStatus(b.ID, broadcast.Completed)
		e.sendJobsDone()
		rs := e.recipients(b.ID)
		if rs[unknown.ID].Status != broadcast.Failed || rs[unknown.ID].ErrorCode != "131026" || rs[nameless.ID].ErrorCode != broadcast.CodeVariable {
			t.Fatalf("failures: unknown %+v, nameless %+v", rs[unknown.ID], rs[nameless.ID])
		}
		name := "Nadia Nameless"
		if _, err := e.s.Contacts.Update(ctx, ws, nameless.ID, contactsInput(&name)); err != nil {
			t.Fatal(err)
		}
		n, err := e.svc.RetryFailed(ctx, ws, b.ID)
		if err != nil || n != 1 {
			t.Fatalf("retried %d (%v), want 1: the missing name, not the unknown number", n, err)
		}
		e.waitStatus(b.ID, broadcast.Completed)
		e.sendJobsDone()
		rs = e.recipients(b.ID)
		got, dup := e.received()
		if rs[nameless.ID].Status == broadcast.Failed || got[rs[nameless.ID].MessageID.String] != 1 || dup != 0 || len(got) != 3 {
			t.Fatalf("after retry: nameless %+v, provider got %d messages (%d duplicates)", rs[nameless.ID], len(got), dup)
		}
		if rs[unknown.ID].Status != broadcast.Failed {
			t.Fatalf("the unknown number was retried: %+v", rs[unknown.ID])
		}
	})
}

// TestRepliesAreLinked: a contact's message after the broadcast reached
// them counts as a reply to it; someone else's does not.
func TestRepliesAreLinked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, options{})
		ctx := context.Background()
		people := e.people(3)
		b := e.start(e.create(e.promoInput(broadcast.Audience{ContactIDs: ids(people[:2])})).ID)
		e.waitStatus(b.ID, broadcast.Completed)
		e.sendJobsDone()
		for _, from := range []string{"5511900000000", "5511900000002"} { // a recipient, and people[2]
			if _, err := e.emu.CustomerSends(ctx, from, "", emulator.Text("tell me more")); err != nil {
				t.Fatal(err)
			}
		}
		coretest.Eventually(t, "the reply counted", func() bool { return e.get(b.ID).Counts.Replied == 1 })
		page, err := e.svc.Recipients(ctx, e.owner.WorkspaceID, b.ID, "replied", "", 10)
		if err != nil || len(page.Recipients) != 1 || page.Recipients[0].ContactID != people[0].ID || page.Recipients[0].RepliedAt == nil {
			t.Fatalf("replied recipients %+v, %v", page, err)
		}
		rep, err := e.svc.Report(ctx, e.owner.WorkspaceID, b.ID)
		if err != nil || rep.ReplyRate != 0.5 {
			t.Fatalf("reply rate %v (%v), want 0.5", rep.ReplyRate, err)
		}
	})
}

// TestScheduledBroadcastStartsAtItsTime schedules a broadcast a moment
// ahead; the start job sends it then.
func TestScheduledBroadcastStartsAtItsTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, options{})
		in := e.promoInput(broadcast.Audience{ContactIDs: ids(e.people(3))})
		at := store.Now().Add(1500 * time.Millisecond)
		in.ScheduledAt, in.TimeZone = &at, "America/Sao_Paulo"
		b := e.start(e.create(in).ID)
		if b.Status != broadcast.Scheduled || b.ScheduledAt == nil || !b.ScheduledAt.Equal(at) || b.TimeZone != "America/Sao_Paulo" {
			t.Fatalf("scheduled: %+v", b)
		}
		if e.emu.SentCount() != 0 {
			t.Fatal("sent before its time")
		}
		b = e.waitStatus(b.ID, broadcast.Completed)
		if b.StartedAt == nil || b.StartedAt.Before(at) {
			t.Fatalf("started at %v, scheduled for %v", b.StartedAt, at)
		}
	})
}

// TestAutoPauseOnSpamRateLimit: the provider answers one send with 131048
// (spam rate limit): the broadcast pauses itself and says why.
func TestAutoPauseOnSpamRateLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, options{rate: 20, provider: refuse("5511900000003", 131048, "Spam rate limit hit")})
		b := e.start(e.create(e.promoInput(broadcast.Audience{ContactIDs: ids(e.people(40))})).ID)
		b = e.waitStatus(b.ID, broadcast.Paused)
		if !strings.Contains(b.PauseReason, "131048") || !strings.Contains(b.PauseReason, "spam") {
			t.Fatalf("pause reason %q", b.PauseReason)
		}
		e.sendJobsDone()
		if c := e.get(b.ID).Counts; c.Held == 0 || c.Sent == 40 {
			t.Fatalf("counts %+v: want the refused message held with the rest", c)
		}
	})
}

// TestAutoPauseOnReportedFailure: a status webhook reporting 131048 for a
// message already sent pauses the broadcast too.
func TestAutoPauseOnReportedFailure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, options{rate: 10, emulator: func(c *emulator.Config) { c.Statuses = []string{"sent"} }})
		b := e.start(e.create(e.promoInput(broadcast.Audience{ContactIDs: ids(e.people(40))})).ID)
		coretest.Eventually(t, "a send", func() bool { return e.emu.SentCount() >= 2 })
		if err := e.emu.FailMessage(context.Background(), e.emu.Sent()[0].ID, emulator.Failure{Code: 131048, Title: "Spam rate limit hit", Details: "Spam rate limit hit"}); err != nil {
			t.Fatal(err)
		}
		b = e.waitStatus(b.ID, broadcast.Paused)
		if !strings.Contains(b.PauseReason, "131048") {
			t.Fatalf("pause reason %q", b.PauseReason)
		}
	})
}

// TestHoldOnlyWhilePaused: the pipeline's hold of a message takes only
// while its broadcast is paused, so a hold racing a resume cannot strand a
// recipient.
func TestHoldOnlyWhilePaused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, options{rate: 1})
		ctx := context.Background()
		b := e.start(e.create(e.promoInput(broadcast.Audience{ContactIDs: ids(e.people(5))})).ID)
		var waiting string
		coretest.Eventually(t, "a recipient queued", func() bool {
			for _, r := range e.recipients(b.ID) {
				if r.Status == broadcast.Queued {
					waiting = r.MessageID.String
					return true
				}
			}
			return false
		})
		hold := func() bool {
			var held bool
			if err := d.Tx(ctx, func(tx *store.Tx) error {
				var err error
				held, err = e.svc.HoldTx(ctx, tx, waiting)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return held
		}
		if hold() {
			t.Fatal("held while the broadcast runs")
		}
		if _, err := e.svc.Pause(ctx, e.owner.WorkspaceID, b.ID); err != nil {
			t.Fatal(err)
		}
		// The recipient looked at may have been sent just before the pause;
		// one whose message is still waiting (or already held) is what counts.
		waiting = ""
		for _, r := range e.recipients(b.ID) {
			if r.Status == broadcast.Queued || r.Status == broadcast.Held {
				waiting = r.MessageID.String
			}
		}
		if waiting == "" {
			t.Fatal("no message waiting when the broadcast paused")
		}
		if !hold() {
			t.Fatal("not held while paused")
		}
	})
}
