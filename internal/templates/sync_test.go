package templates

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

const carousel = `[{"type":"BODY","text":"Rare succulents {{1}}!","example":{"body_text":[["Pablo"]]}},
	{"type":"CAROUSEL","cards":[{"components":[{"type":"HEADER","format":"IMAGE","example":{"header_handle":["4::an"]}},
	{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"More"}]}]}]}]`

func TestSyncAcrossPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := setup(t, d, -1)
		var rs []Remote
		for i := range 120 {
			lang := []string{"en_US", "es"}[i%2]
			rs = append(rs, remote(fmt.Sprintf("t%03d", i), lang, "APPROVED", fmt.Sprintf("Body %d", i)))
		}
		rs[7].Status, rs[7].RejectedReason = "rejected", "INVALID_FORMAT"
		rs[8].Components = json.RawMessage(carousel)
		rs[9].Quality, rs[9].PreviousCategory = "GREEN", "UTILITY"
		e.fake.set(e.ch.ID, rs)

		res := e.sync(t)
		if res.Added != 120 || res.Updated != 0 || res.Deleted != 0 || res.SyncedAt.IsZero() {
			t.Fatalf("first sync: %+v", res)
		}
		if pages := e.fake.count("page"); pages != 5 {
			t.Fatalf("the fake served %d pages, want 5 (test setup)", pages)
		}
		got := e.list(t, Filter{})
		if len(got) != 120 {
			t.Fatalf("%d templates stored, want 120", len(got))
		}
		if r := got["t007/es"]; r.Status != StatusRejected || r.RejectedReason != "INVALID_FORMAT" {
			t.Fatalf("rejected template: %+v", r)
		}
		if r := got["t009/es"]; r.Quality != "GREEN" || r.PreviousCategory != "UTILITY" || r.Category != "MARKETING" || r.ProviderID != "id-t009-es" {
			t.Fatalf("quality and categories: %+v", r)
		}
		stored, _ := json.Marshal(got["t008/en_US"].Components)
		if !jsonSame(t, stored, []byte(carousel)) {
			t.Fatalf("carousel changed by storage:\n got %s\nwant %s", stored, carousel)
		}
		_, state, err := e.svc.List(context.Background(), "w1", e.ch.ID, Filter{})
		if err != nil || state.SyncedAt == nil || !state.SyncedAt.Equal(res.SyncedAt) || state.LastError != "" {
			t.Fatalf("sync state %+v %v, want synced at %v", state, err, res.SyncedAt)
		}

		// Nothing changed at the provider: nothing changes here.
		if again := e.sync(t); again.Added+again.Updated+again.Deleted != 0 {
			t.Fatalf("idle sync changed things: %+v", again)
		}
		if u := e.list(t, Filter{})["t000/en_US"].UpdatedAt; !u.Equal(got["t000/en_US"].UpdatedAt) {
			t.Fatalf("an unchanged template's updated_at moved: %v -> %v", got["t000/en_US"].UpdatedAt, u)
		}

		// One paused, three gone, one new.
		rs[0].Status = "PAUSED"
		rs = append(rs[:117], remote("fresh", "en_US", "PENDING", "New"))
		e.fake.set(e.ch.ID, rs)
		res = e.sync(t)
		if res.Added != 1 || res.Updated != 1 || res.Deleted != 3 {
			t.Fatalf("third sync: %+v, want 1 added, 1 updated, 3 deleted", res)
		}
		got = e.list(t, Filter{})
		if len(got) != 121 {
			t.Fatalf("%d rows, want 121: deleted templates keep their rows", len(got))
		}
		for _, k := range []string{"t117/es", "t118/en_US", "t119/es"} {
			if got[k].Status != StatusDeleted {
				t.Errorf("%s: status %s, want DELETED", k, got[k].Status)
			}
		}
		if got["t000/en_US"].Status != StatusPaused || got["fresh/en_US"].Status != StatusPending {
			t.Fatalf("paused %s, fresh %s", got["t000/en_US"].Status, got["fresh/en_US"].Status)
		}

		// A deleted template that comes back is live again, same row.
		rs = append(rs, remote("t119", "es", "APPROVED", "Body 119"))
		e.fake.set(e.ch.ID, rs)
		if res := e.sync(t); res.Updated != 1 || res.Added != 0 {
			t.Fatalf("revival: %+v", res)
		}
		back := e.list(t, Filter{})["t119/es"]
		if back.Status != StatusApproved || back.ID != got["t119/es"].ID {
			t.Fatalf("revived template: %+v (was %s)", back, got["t119/es"].ID)
		}
	})
}

func TestSyncProviderErrorChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		e := setup(t, d, -1)
		e.fake.set(e.ch.ID, []Remote{remote("a", "en", "APPROVED", "A"), remote("b", "en", "PENDING", "B")})
		first := e.sync(t)
		before := e.list(t, Filter{})

		e.fake.set(e.ch.ID, nil) // had the call worked, both would be marked deleted
		e.fake.listErr = problem.New(problem.Conflict, "WhatsApp error 190: Access token has expired")
		_, err := e.svc.Sync(ctx, "w1", e.ch.ID)
		if !errors.Is(err, e.fake.listErr) {
			t.Fatalf("Sync returned %v, want the provider's error", err)
		}
		after := e.list(t, Filter{})
		for k, b := range before {
			if a := after[k]; a.Status != b.Status || !a.UpdatedAt.Equal(b.UpdatedAt) {
				t.Errorf("%s changed on a failed sync: %+v -> %+v", k, b, a)
			}
		}
		_, state, _ := e.svc.List(ctx, "w1", e.ch.ID, Filter{})
		if !strings.Contains(state.LastError, "Access token has expired") || state.SyncedAt == nil || !state.SyncedAt.Equal(first.SyncedAt) {
			t.Fatalf("state after failure: %+v", state)
		}

		e.fake.listErr = nil
		e.sync(t)
		_, state, _ = e.svc.List(ctx, "w1", e.ch.ID, Filter{})
		if state.LastError != "" || !state.SyncedAt.After(first.SyncedAt) {
			t.Fatalf("state after recovery: %+v", state)
		}
	})
}

func TestSyncRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		e := setup(t, d, -1)
		plain := e.channel(t, "w1", "plain")
		_, err := e.svc.Sync(ctx, "w1", plain.ID)
		wantKind(t, err, problem.Conflict, "sync a channel without templates")
		if !strings.Contains(err.Error(), "a plain channel has no message templates") {
			t.Fatalf("message: %v", err)
		}
		_, err = e.svc.Sync(ctx, "w2", e.ch.ID)
		wantKind(t, err, problem.NotFound, "sync another workspace's channel")
		_, _, err = e.svc.List(ctx, "w2", e.ch.ID, Filter{})
		wantKind(t, err, problem.NotFound, "list another workspace's channel")
		if e.fake.count("list") != 0 {
			t.Fatal("the provider was called")
		}
	})
}

// TestSyncKeepsNewerNews checks that a sync does not overwrite what a status
// webhook recorded while the provider's list was being fetched.
func TestSyncKeepsNewerNews(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		e := setup(t, d, -1)
		e.fake.set(e.ch.ID, []Remote{remote("a", "en", "PENDING", "A")})
		e.sync(t)
		// The webhook lands after the next sync began fetching (simulated by
		// the sync starting from an older list).
		e.fake.listHook = func() {
			if err := e.svc.ApplyStatus(ctx, e.ch.ID, StatusUpdate{ProviderID: "id-a-en", Event: "APPROVED"}); err != nil {
				t.Error(err)
			}
		}
		e.sync(t)
		if s := e.list(t, Filter{})["a/en"].Status; s != StatusApproved {
			t.Fatalf("status %s: the sync overwrote the webhook's newer status", s)
		}
	})
}

func TestListFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := setup(t, d, -1)
		rs := []Remote{
			remote("order_update", "en_US", "APPROVED", "Your order {{1}} shipped"),
			remote("order_update", "es", "REJECTED", "Tu pedido {{1}} salió"),
			remote("promo_ñandú", "es", "APPROVED", "Ofertas ÑANDÚ de verano"),
			remote("welcome", "en_US", "PENDING", "Hello and welcome"),
		}
		rs[3].Category = "UTILITY"
		e.fake.set(e.ch.ID, rs)
		e.sync(t)
		cases := []struct {
			f    Filter
			want []string
		}{
			{Filter{}, []string{"order_update/en_US", "order_update/es", "promo_ñandú/es", "welcome/en_US"}},
			{Filter{Query: "ORDER"}, []string{"order_update/en_US", "order_update/es"}},
			{Filter{Query: "pedido"}, []string{"order_update/es"}},
			{Filter{Query: "ñandú"}, []string{"promo_ñandú/es"}},
			{Filter{Query: "Verano"}, []string{"promo_ñandú/es"}},
			{Filter{Query: "%"}, nil},
			{Filter{Status: "approved"}, []string{"order_update/en_US", "promo_ñandú/es"}},
			{Filter{Category: "UTILITY"}, []string{"welcome/en_US"}},
			{Filter{Language: "es"}, []string{"order_update/es", "promo_ñandú/es"}},
			{Filter{Language: "es", Status: "REJECTED", Query: "order"}, []string{"order_update/es"}},
			{Filter{Status: "PAUSED"}, nil},
		}
		for _, c := range cases {
			got := e.list(t, c.f)
			if len(got) != len(c.want) {
				t.Errorf("%+v: got %d templates, want %v", c.f, len(got), c.want)
				continue
			}
			for _, k := range c.want {
				if _, ok := got[k]; !ok {
					t.Errorf("%+v: %s missing", c.f, k)
				}
			}
		}
	})
}

func TestFindFallsBackToFirstLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		e := setup(t, d, -1)
		// Created in three syncs, so their order is certain: es, en_US, pt_BR.
		rs := []Remote{remote("hello", "es", "PENDING", "Hola")}
		for _, r := range []Remote{remote("hello", "en_US", "APPROVED", "Hi"), remote("hello", "pt_BR", "APPROVED", "Oi")} {
			e.fake.set(e.ch.ID, rs)
			e.sync(t)
			rs = append(rs, r)
			time.Sleep(time.Millisecond) // distinct created_at
		}
		e.fake.set(e.ch.ID, rs)
		e.sync(t)
		cases := []struct{ ask, want string }{
			{"pt_BR", "pt_BR"},
			{"es", "es"},       // asked for and present, though pending: Render refuses it
			{"fr", "en_US"},    // first approved
			{"", "en_US"},      // none asked
			{"en_GB", "en_US"}, // a neighbour is not a match
		}
		for _, c := range cases {
			got, err := e.svc.Find(ctx, "w1", e.ch.ID, "hello", c.ask)
			if err != nil || got.Language != c.want {
				t.Errorf("Find(%q) = %s %v, want %s", c.ask, got.Language, err, c.want)
			}
		}
		langs, err := e.svc.Languages(ctx, "w1", e.ch.ID, "hello")
		if err != nil || strings.Join(langs, ",") != "es,en_US,pt_BR" {
			t.Fatalf("Languages = %v %v", langs, err)
		}
		_, err = e.svc.Find(ctx, "w1", e.ch.ID, "goodbye", "en_US")
		if msg := problem.As(err).Fields["template"]; !strings.Contains(msg, "no template goodbye in en_US") || !strings.Contains(msg, "sync templates") {
			t.Fatalf("unknown template: %v", err)
		}
		if _, err := e.svc.Find(ctx, "w2", e.ch.ID, "hello", "es"); err == nil {
			t.Fatal("found another workspace's template")
		}

		// Only deleted languages left: the one asked for is returned, and
		// Render says it was deleted.
		e.fake.set(e.ch.ID, nil)
		e.sync(t)
		got, err := e.svc.Find(ctx, "w1", e.ch.ID, "hello", "pt_BR")
		if err != nil || got.Language != "pt_BR" || got.Status != StatusDeleted {
			t.Fatalf("all deleted: %+v %v", got, err)
		}
		if _, err := Render(got, Values{}); !strings.Contains(problem.As(err).Fields["template"], "was deleted") {
			t.Fatalf("render of a deleted template: %v", err)
		}
	})
}
