package store_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"charla/internal/store"
	"charla/internal/store/db"
	"charla/internal/store/storetest"
)

// TestCheckpointerCopiesGroupCommits checks that group commits reach the
// database file itself soon after, long before the WAL holds the 1,000
// pages that would make the writer checkpoint: the background checkpointer
// did it. The file is read with immutable=1, which ignores the WAL.
func TestCheckpointerCopiesGroupCommits(t *testing.T) {
	ctx := context.Background()
	path := storetest.URL(t, store.SQLite)
	d, err := store.Open(ctx, path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	err = d.TxGroup(ctx, func(ctx context.Context, tx *store.Tx) error {
		return tx.Q.CreateWorkspace(ctx, db.CreateWorkspaceParams{ID: "w1", Name: "Acme", CreatedAt: store.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	file, err := sql.Open("sqlite", "file:"+path+"?mode=ro&immutable=1")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	file.SetMaxIdleConns(0) // immutable=1 caches what it read once: each try opens anew
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		err := file.QueryRow("SELECT COUNT(*) FROM workspaces WHERE id = 'w1'").Scan(&n)
		if err == nil && n == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the group commit is still only in the WAL after 10 s (%d rows, %v)", n, err)
		}
		time.Sleep(20 * time.Millisecond) // polling for the background copy, not timing it
	}
}
