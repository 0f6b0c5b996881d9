package broadcast_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"charla/internal/broadcast"
	"charla/internal/contacts"
	"charla/internal/core/coretest"
	"charla/internal/emulator"
	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

// TestBroadcastReachesEachRecipientOnce runs a template broadcast to a
// segment through the real pipeline and emulator: every reachable
// recipient gets exactly one message with their own name filled in; the
// opted-out contact is left out; the one without a phone is skipped and
// the one without a first name fails alone, each with its reason.
func TestBroadcastReachesEachRecipientOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, options{})
		ctx := context.Background()
		ws := e.owner.WorkspaceID
		people := e.people(25)
		nameless := e.contact("", "+5511980000001")
		phoneless := e.contact("No Phone", "")
		out := e.contact("Opted Out", "+5511980000002")
		if err := e.s.Contacts.Unsubscribe(ctx, ws, out.ID, "asked", contacts.OptOutAgent); err != nil {
			t.Fatal(err)
		}
		for _, c := range append(people, nameless, phoneless, out) {
			if _, err := e.s.Contacts.AddTags(ctx, ws, c.ID, []string{"vip"}); err != nil {
				t.Fatal(err)
			}
		}
		sg, err := e.s.Contacts.CreateSegment(ctx, ws, contacts.SegmentInput{Name: ptr("VIP"),
			Filter: &contacts.Filter{Tags: &contacts.TagCondition{Mode: contacts.TagsAny, Tags: []string{"vip"}}}})
		if err != nil {
			t.Fatal(err)
		}
		est, err := e.svc.EstimateFor(ctx, ws, e.ch.ID, broadcast.Audience{SegmentID: sg.ID})
		if err != nil || est.Recipients != 27 {
			t.Fatalf("estimate %+v, %v; want 27 recipients (the opted-out contact left out)", est, err)
		}
		b := e.start(e.create(e.promoInput(broadcast.Audience{SegmentID: sg.ID})).ID)
		b = e.waitStatus(b.ID, broadcast.Completed)
		e.sendJobsDone()

		got, dup := e.received()
		if dup != 0 || len(got) != len(people) {
			t.Fatalf("emulator got %d messages (%d duplicates), want one for each of %d people", len(got), dup, len(people))
		}
		rs := e.recipients(b.ID)
		if _, ok := rs[out.ID]; ok {
			t.Fatal("the opted-out contact is a recipient")
		}
		for _, c := range people {
			r := rs[c.ID]
			if got[r.MessageID.String] != 1 {
				t.Fatalf("%s: message %s received %d times", c.Name, r.MessageID.String, got[r.MessageID.String])
			}
			m, err := e.s.Inbox.Message(ctx, ws, r.MessageID.String)
			if err != nil || m.Content == nil || m.Content.Template == nil || !strings.Contains(m.Content.Template.Rendered, "Hi "+strings.Fields(c.Name)[0]+",") {
				t.Fatalf("%s's message: %+v, %v", c.Name, m.Content, err)
			}
		}
		if r := rs[nameless.ID]; r.Status != broadcast.Failed || r.ErrorCode != broadcast.CodeVariable || !strings.Contains(r.ErrorReason, "contact.first_name") {
			t.Fatalf("nameless contact: %s %s %q; want failed for the missing first name", r.Status, r.ErrorCode, r.ErrorReason)
		}
		if r := rs[phoneless.ID]; r.Status != broadcast.Skipped || r.ErrorCode != broadcast.CodeNoAddress {
			t.Fatalf("phoneless contact: %s %s %q; want skipped, no address", r.Status, r.ErrorCode, r.ErrorReason)
		}
		coretest.Eventually(t, "read receipts counted", func() bool { return e.get(b.ID).Counts.Read == len(people) })
		c := e.get(b.ID).Counts
		if c.Total != 27 || c.Sent != 25 || c.Delivered != 25 || c.Failed != 1 || c.Skipped != 1 || c.Pending+c.Queued+c.Held != 0 {
			t.Fatalf("counts %+v", c)
		}
		rep, err := e.svc.Report(ctx, ws, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if rep.DeliveryRate != 1 || len(rep.Failures) != 2 {
			t.Fatalf("report %+v", rep)
		}
		for _, f := range rep.Failures {
			if f.Count != 1 || f.Advice == "" || (f.Code == broadcast.CodeVariable) != f.Retryable {
				t.Fatalf("failure group %+v", f)
			}
		}
		page, err := e.svc.Recipients(ctx, ws, b.ID, broadcast.Failed, "", 10)
		if err != nil || len(page.Recipients) != 1 || page.Recipients[0].ContactID != nameless.ID {
			t.Fatalf("failed recipients page %+v, %v", page, err)
		}
	})
}

// TestTwoFeedersQueueEachOnce races two extra feeders, as two instances
// would, against the broadcast's own feed job: each recipient is queued,
// and sent, once.
func TestTwoFeedersQueueEachOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, options{rate: 200})
		people := e.people(120)
		b := e.start(e.create(e.promoInput(broadcast.Audience{ContactIDs: ids(people)})).ID)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		errs := make(chan error, 2)
		for range 2 {
			go func() { errs <- broadcast.Feed(e.svc, ctx, b.ID) }()
		}
		e.waitStatus(b.ID, broadcast.Completed)
		for range 2 {
			if err := <-errs; err != nil && !isSnooze(err) {
				t.Fatal(err)
			}
		}
		e.sendJobsDone()
		got, dup := e.received()
		if dup != 0 || len(got) != len(people) {
			t.Fatalf("emulator got %d messages (%d duplicates), want %d once each", len(got), dup, len(people))
		}
		var messages int
		if err := d.R.QueryRow(`SELECT COUNT(*) FROM messages WHERE direction = 'outgoing'`).Scan(&messages); err != nil || messages != len(people) {
			t.Fatalf("%d outgoing messages written (%v), want %d", messages, err, len(people))
		}
	})
}

// TestNoApprovedTemplateCannotStart: a template the channel lacks, or one
// not approved, stops the start with a reason on "template".
func TestNoApprovedTemplateCannotStart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, options{emulator: func(c *emulator.Config) {
			c.Templates = append(c.Templates, pendingTemplate)
		}})
		ctx := context.Background()
		people := e.people(2)
		for name, want := range map[string]string{"missing": "no template missing", "waiting": "pending review"} {
			in := e.promoInput(broadcast.Audience{ContactIDs: ids(people)})
			in.Template.Name = name
			b := e.create(in)
			_, err := e.svc.Start(ctx, e.owner.WorkspaceID, b.ID, broadcast.StartOptions{})
			if p := problem.As(err); p.Kind != problem.Invalid || !strings.Contains(p.Fields["template"], want) {
				t.Fatalf("start with template %s: %v; want a 422 on template saying %q", name, err, want)
			}
			if e.get(b.ID).Status != broadcast.Draft {
				t.Fatalf("template %s: the broadcast left draft", name)
			}
		}
	})
}

// TestScheduledInThePastIsRefused: 422 on scheduled_at, at create and at start.
func TestScheduledInThePastIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, options{})
		in := e.promoInput(broadcast.Audience{ContactIDs: ids(e.people(1))})
		past := store.Now().Add(-time.Minute)
		in.ScheduledAt = &past
		_, err := e.svc.Create(context.Background(), e.owner, in)
		if p := problem.As(err); p.Kind != problem.Invalid || p.Fields["scheduled_at"] == "" {
			t.Fatalf("create scheduled in the past: %v; want 422 on scheduled_at", err)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// pendingTemplate is still in review at the provider.
var pendingTemplate = emulator.Template{Name: "waiting", Language: "en_US", Category: "MARKETING", Status: "PENDING",
	Components: json.RawMessage(`[{"type":"BODY","text":"Hi {{1}}","example":{"body_text":[["Ana"]]}}]`)}

func isSnooze(err error) bool {
	var s *river.JobSnoozeError
	return errors.As(err, &s)
}
