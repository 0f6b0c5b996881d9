package templates

import (
	"context"
	"strings"
	"testing"
	"time"

	"charla/internal/store"
	"charla/internal/store/storetest"
)

func TestApplyStatus(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		e := setup(t, d, -1)
		e.fake.set(e.ch.ID, []Remote{remote("promo", "en_US", "PENDING", "Sale"), remote("promo", "es", "PENDING", "Oferta")})
		e.sync(t)

		// By the provider's id.
		err := e.svc.ApplyStatus(ctx, e.ch.ID, StatusUpdate{ProviderID: "id-promo-en_US", Name: "promo", Language: "en_US",
			Event: "REJECTED", Reason: "INVALID_FORMAT"})
		if err != nil {
			t.Fatal(err)
		}
		got := e.list(t, Filter{})
		if r := got["promo/en_US"]; r.Status != StatusRejected || r.RejectedReason != "INVALID_FORMAT" {
			t.Fatalf("after rejection: %+v", r)
		}
		if got["promo/es"].Status != StatusPending {
			t.Fatalf("the other language changed: %+v", got["promo/es"])
		}

		// By name and language; reason NONE clears the old reason; the
		// category the webhook names is recorded.
		err = e.svc.ApplyStatus(ctx, e.ch.ID, StatusUpdate{Name: "promo", Language: "en_US", Event: "approved", Reason: "NONE", Category: "UTILITY"})
		if err != nil {
			t.Fatal(err)
		}
		r := e.list(t, Filter{})["promo/en_US"]
		if r.Status != StatusApproved || r.RejectedReason != "" || r.Category != "UTILITY" || r.PreviousCategory != "MARKETING" {
			t.Fatalf("after approval: %+v", r)
		}

		if err := e.svc.ApplyQuality(ctx, e.ch.ID, QualityUpdate{ProviderID: "id-promo-es", Quality: "yellow"}); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.ApplyCategory(ctx, e.ch.ID, CategoryUpdate{ProviderID: "id-promo-es", Category: "UTILITY", PreviousCategory: "MARKETING"}); err != nil {
			t.Fatal(err)
		}
		if r := e.list(t, Filter{})["promo/es"]; r.Quality != "YELLOW" || r.Category != "UTILITY" || r.PreviousCategory != "MARKETING" {
			t.Fatalf("quality and category: %+v", r)
		}
		if n := syncJobs(t, d, e.ch.ID); n != 0 {
			t.Fatalf("%d sync jobs enqueued for known templates", n)
		}

		// Unknown to charla: a sync is enqueued and nothing is changed.
		before := e.list(t, Filter{})
		err = e.svc.ApplyStatus(ctx, e.ch.ID, StatusUpdate{ProviderID: "id-other", Name: "other", Language: "en_US", Event: "APPROVED"})
		if err != nil {
			t.Fatal(err)
		}
		if n := syncJobs(t, d, e.ch.ID); n != 1 {
			t.Fatalf("%d sync jobs enqueued, want 1", n)
		}
		// Known by name but re-created with another id: a sync sorts it out.
		err = e.svc.ApplyStatus(ctx, e.ch.ID, StatusUpdate{ProviderID: "id-recreated", Name: "promo", Language: "es", Event: "REJECTED"})
		if err != nil {
			t.Fatal(err)
		}
		if n := syncJobs(t, d, e.ch.ID); n != 2 {
			t.Fatalf("%d sync jobs enqueued, want 2", n)
		}
		after := e.list(t, Filter{})
		for k, b := range before {
			if after[k].Status != b.Status || !after[k].UpdatedAt.Equal(b.UpdatedAt) {
				t.Errorf("%s changed by a webhook about another template", k)
			}
		}
		if e.fake.count("list") != 1 {
			t.Fatalf("the webhook called the provider itself (%d lists): it must leave that to the job", e.fake.count("list"))
		}
	})
}

// syncJobs counts the template sync jobs enqueued for a channel.
func syncJobs(t *testing.T, d *store.DB, channelID string) int {
	t.Helper()
	rows, err := d.R.Query("SELECT args FROM river_job WHERE kind = 'templates_sync'")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var args []byte
		if err := rows.Scan(&args); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(args), channelID) {
			n++
		}
	}
	return n
}

// TestStatusWebhookForUnknownTemplateSyncs runs the jobs: a status webhook
// for a template charla has not seen makes it appear, with the provider's
// status, without a manual sync.
func TestStatusWebhookForUnknownTemplateSyncs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		e := setup(t, d, -1)
		e.start(t)
		e.fake.set(e.ch.ID, []Remote{remote("made_elsewhere", "en_US", "APPROVED", "Hi")})
		err := e.svc.ApplyStatus(ctx, e.ch.ID, StatusUpdate{ProviderID: "id-made_elsewhere-en_US", Event: "APPROVED"})
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, "the sync job to store the template", func() bool {
			return e.list(t, Filter{})["made_elsewhere/en_US"].Status == StatusApproved
		})
		_, state, _ := e.svc.List(ctx, "w1", e.ch.ID, Filter{})
		if state.SyncedAt == nil {
			t.Fatal("the job's sync was not recorded")
		}
	})
}

// TestPeriodicSyncCoversEveryWorkspace runs the periodic job (it runs once
// at start): every live channel with templates is synced, in every
// workspace; others are left alone.
func TestPeriodicSyncCoversEveryWorkspace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		e := setup(t, d, time.Hour)
		other := e.channel(t, "w2", "fake_wa")
		gone := e.channel(t, "w2", "fake_wa")
		e.channel(t, "w1", "plain")
		if err := e.channels.Delete(ctx, "w2", gone.ID); err != nil {
			t.Fatal(err)
		}
		e.fake.set(e.ch.ID, []Remote{remote("a", "en", "APPROVED", "A")})
		e.fake.set(other.ID, []Remote{remote("b", "es", "APPROVED", "B")})

		e.start(t)
		eventually(t, "both channels to be synced", func() bool {
			a, _, _ := e.svc.List(ctx, "w1", e.ch.ID, Filter{})
			b, _, _ := e.svc.List(ctx, "w2", other.ID, Filter{})
			return len(a) == 1 && len(b) == 1
		})
		if n := e.fake.listedFor(gone.ID); n != 0 {
			t.Fatalf("a deleted channel was synced %d times", n)
		}
	})
}
