package broadcast_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"charla/internal/broadcast"
	"charla/internal/channel"
	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

// TestMessagingLimitPlanning: the estimate gives the duration at the
// channel's rate and checks the audience against what is left of the
// number's limit; a start over it is refused with the explanation unless
// the user accepts it.
func TestMessagingLimitPlanning(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, options{rate: 50})
		ctx := context.Background()
		ws := e.owner.WorkspaceID
		people := e.people(5)
		a := broadcast.Audience{ContactIDs: ids(people)}

		est, err := e.svc.EstimateFor(ctx, ws, e.ch.ID, a)
		if err != nil || est.Recipients != 5 || est.Duration != 100*time.Millisecond || est.Rate != "50/s" ||
			!est.Fits || est.Limit != 0 || est.Warning == "" {
			t.Fatalf("unknown limit: %+v, %v; want 5 in 100ms at 50/s, fits, with a warning that the limit is unknown", est, err)
		}

		if err := e.s.Channels.RecordNumber(ctx, e.ch.ID, channel.NumberInfo{MessagingLimit: "TIER_250", Limit: 3}); err != nil {
			t.Fatal(err)
		}
		est, err = e.svc.EstimateFor(ctx, ws, e.ch.ID, a)
		if err != nil || est.Fits || est.Limit != 3 || est.LimitLeft != 3 || !strings.Contains(est.Warning, "only 3 more") {
			t.Fatalf("limit 3: %+v, %v", est, err)
		}
		b := e.create(e.promoInput(a))
		_, err = e.svc.Start(ctx, ws, b.ID, broadcast.StartOptions{})
		if p := problem.As(err); p.Kind != problem.Invalid || !strings.Contains(p.Fields["audience"], "only 3 more") {
			t.Fatalf("start over the limit: %v; want 422 on audience explaining the limit", err)
		}
		if _, err := e.svc.Start(ctx, ws, b.ID, broadcast.StartOptions{IgnoreLimit: true}); err != nil {
			t.Fatalf("start accepting the warning: %v", err)
		}
		e.waitStatus(b.ID, broadcast.Completed)

		// The five conversations it started are used up now.
		est, err = e.svc.EstimateFor(ctx, ws, e.ch.ID, broadcast.Audience{ContactIDs: ids(people[:1])})
		if err != nil || est.Used != 5 || est.LimitLeft != 0 || est.Fits {
			t.Fatalf("after sending: %+v, %v; want 5 used, none left", est, err)
		}
	})
}

// TestCSVAudience previews a list with bad rows, each with its reason, and
// imports the good ones, creating contacts for new numbers.
func TestCSVAudience(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, options{})
		ctx := context.Background()
		ws := e.owner.WorkspaceID
		known := e.contact("Known Person", "+5511987654321")
		csv := "name,phone\n" +
			"Known,+55 11 98765-4321\n" + // an existing contact, formatted
			"New,+14155550123\n" + // a new number
			"Bad,not a number\n" +
			"Again,5511987654321\n" + // the known contact again, in another form
			"ById," + known.ID + "\n" +
			"Nobody,01900000-0000-7000-8000-000000000000\n" +
			"Empty,\n"
		p, err := e.svc.PreviewCSV(ctx, ws, strings.NewReader(csv), "")
		if err != nil {
			t.Fatal(err)
		}
		if p.Good != 2 || p.New != 1 || p.Bad != 5 || len(p.Rows) != 7 {
			t.Fatalf("preview %+v", p)
		}
		want := map[int]string{2: "", 3: "", 4: "not a phone number", 5: "same contact as line 2", 6: "same contact as line 2",
			7: "no contact has this id", 8: "empty"}
		for _, r := range p.Rows {
			if w := want[r.Line]; (w == "") != (r.Error == "") || !strings.Contains(r.Error, w) {
				t.Fatalf("line %d: error %q, want %q", r.Line, r.Error, w)
			}
		}
		a, p, err := e.svc.ImportCSV(ctx, ws, strings.NewReader(csv), "")
		if err != nil || len(a.ContactIDs) != 2 || a.ContactIDs[0] != known.ID || p.New != 1 {
			t.Fatalf("import: %+v %+v, %v", a, p, err)
		}
		created, err := e.s.Contacts.Get(ctx, ws, a.ContactIDs[1])
		if err != nil || created.Phone != "+14155550123" {
			t.Fatalf("created contact %+v, %v", created, err)
		}
		if _, _, err := e.svc.ImportCSV(ctx, ws, strings.NewReader("phone\nnope\n"), ""); !problem.Is(err, problem.Invalid) {
			t.Fatalf("a list without a good row: %v", err)
		}
	})
}

// TestProgressIsAnnounced: a running broadcast announces its counts on the
// bus, each event naming it, until it completes.
func TestProgressIsAnnounced(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, options{rate: 40})
		sub := e.s.Bus.Subscribe(e.owner.WorkspaceID)
		defer sub.Close()
		b := e.start(e.create(e.promoInput(broadcast.Audience{ContactIDs: ids(e.people(20))})).ID)
		e.waitStatus(b.ID, broadcast.Completed)
		var updates int
		for {
			select {
			case ev := <-sub.C:
				if ev.Kind == broadcast.EventUpdated && ev.Broadcast == b.ID {
					updates++
				}
				continue
			default:
			}
			break
		}
		if updates < 2 {
			t.Fatalf("%d progress events for a run of half a second, want several", updates)
		}
	})
}

// TestDraftLifecycle: a draft is validated field by field, can be changed
// and deleted; a running one can be neither.
func TestDraftLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, options{})
		ctx := context.Background()
		ws := e.owner.WorkspaceID
		_, err := e.svc.Create(ctx, e.owner, broadcast.Input{ChannelID: "nope", Text: "hi", TimeZone: "Mars/Olympus"})
		p := problem.As(err)
		for _, f := range []string{"name", "channel_id", "audience", "time_zone"} {
			if p.Fields[f] == "" {
				t.Fatalf("invalid input: %v; want an error on %s", err, f)
			}
		}
		_, err = e.svc.Create(ctx, e.owner, broadcast.Input{Name: "Text", ChannelID: e.ch.ID, Text: "hello",
			Audience: broadcast.Audience{ContactIDs: []string{"x"}}})
		if p := problem.As(err); !strings.Contains(p.Fields["text"], "template") {
			t.Fatalf("text on WhatsApp: %v; want to be told to use a template", err)
		}
		people := e.people(1)
		b := e.create(e.promoInput(broadcast.Audience{ContactIDs: ids(people)}))
		in := e.promoInput(broadcast.Audience{ContactIDs: ids(people)})
		in.Name = "Renamed"
		if b, err = e.svc.Update(ctx, ws, b.ID, in); err != nil || b.Name != "Renamed" || b.Status != broadcast.Draft {
			t.Fatalf("update: %+v, %v", b, err)
		}
		list, err := e.svc.List(ctx, ws, "", "", 10)
		if err != nil || len(list.Broadcasts) != 1 {
			t.Fatalf("list %+v, %v", list, err)
		}
		if err := e.svc.Delete(ctx, ws, b.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Get(ctx, ws, b.ID); !problem.Is(err, problem.NotFound) {
			t.Fatalf("deleted broadcast: %v", err)
		}
	})
}

func TestLocalTime(t *testing.T) {
	got, err := broadcast.LocalTime("2026-12-01T09:30", "America/Sao_Paulo")
	if err != nil || !got.Equal(time.Date(2026, 12, 1, 12, 30, 0, 0, time.UTC)) {
		t.Fatalf("LocalTime: %v, %v", got, err)
	}
	if _, err := broadcast.LocalTime("tomorrow", "UTC"); problem.As(err).Fields["scheduled_at"] == "" {
		t.Fatalf("bad time: %v", err)
	}
	if _, err := broadcast.LocalTime("2026-12-01T09:30", "Nowhere/City"); problem.As(err).Fields["time_zone"] == "" {
		t.Fatalf("bad zone: %v", err)
	}
}

func TestRetryable(t *testing.T) {
	for _, c := range []struct {
		code, reason string
		want         bool
	}{
		{"131049", "", true}, {"130429", "", true}, {broadcast.CodeVariable, "", true},
		{"", "gave up after 20 attempts: could not reach the provider", true},
		{"131026", "undeliverable", false}, {"131050", "", false}, {"", "not sent: the broadcast was cancelled", false},
	} {
		if got := broadcast.Retryable(c.code, c.reason); got != c.want {
			t.Errorf("Retryable(%q, %q) = %v", c.code, c.reason, got)
		}
	}
	if broadcast.PauseReason("131026", "") != "" || !strings.Contains(broadcast.PauseReason("131048", "Spam rate limit hit"), "spam") {
		t.Error("PauseReason: one recipient's failure must not pause; a spam-rate limit must")
	}
}
