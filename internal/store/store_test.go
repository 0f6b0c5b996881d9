package store_test

import (
	"context"
	"errors"
	"testing"

	"charla/internal/store"
	"charla/internal/store/db"
	"charla/internal/store/storetest"
)

func TestMigrateAndRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		ok, err := d.Migrated(ctx)
		if err != nil || !ok {
			t.Fatalf("Migrated = %v, %v; want true", ok, err)
		}
		if err := d.Migrate(ctx); err != nil {
			t.Fatalf("second migrate must be a no-op: %v", err)
		}
		now := store.Now()
		err = d.Tx(ctx, func(tx *store.Tx) error {
			return tx.Q.CreateWorkspace(ctx, db.CreateWorkspaceParams{ID: "w1", Name: "Acme", CreatedAt: now})
		})
		if err != nil {
			t.Fatal(err)
		}
		w, err := d.Q.GetWorkspace(ctx, "w1")
		if err != nil {
			t.Fatal(err)
		}
		if w.Name != "Acme" || !w.CreatedAt.Equal(now) {
			t.Fatalf("read back %+v, want name Acme at %v", w, now)
		}
		err = d.Tx(ctx, func(tx *store.Tx) error {
			return tx.Q.CreateWorkspace(ctx, db.CreateWorkspaceParams{ID: "w1", Name: "Dup", CreatedAt: now})
		})
		if !store.IsUniqueViolation(err) {
			t.Fatalf("duplicate id: got %v, want a unique violation", err)
		}
		_, err = d.Q.GetWorkspace(ctx, "nope")
		if !errors.Is(store.NotFound(err), store.ErrNotFound) {
			t.Fatalf("missing row: got %v", err)
		}
	})
}

func TestTxRollsBackOnError(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := d.Tx(ctx, func(tx *store.Tx) error {
			if err := tx.Q.CreateWorkspace(ctx, db.CreateWorkspaceParams{ID: "w1", Name: "A", CreatedAt: store.Now()}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("got %v, want boom", err)
		}
		n, err := d.Q.CountWorkspaces(ctx)
		if err != nil || n != 0 {
			t.Fatalf("after rollback: %d workspaces, %v", n, err)
		}
	})
}
