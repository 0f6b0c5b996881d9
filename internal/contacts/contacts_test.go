package contacts_test

import (
	"context"
	"testing"

	"charla/internal/contacts"
	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/db"
	"charla/internal/store/storetest"
)

func ptr(s string) *string { return &s }

func workspace(t *testing.T, d *store.DB, id string) {
	t.Helper()
	err := d.Tx(context.Background(), func(tx *store.Tx) error {
		return tx.Q.CreateWorkspace(context.Background(), db.CreateWorkspaceParams{ID: id, Name: id, CreatedAt: store.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCreateValidatesAndNormalizes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		workspace(t, d, "w1")
		s := contacts.New(d)
		c, err := s.Create(ctx, "w1", contacts.Input{Name: ptr(" Ana "), Email: ptr("Ana@Example.COM"),
			Phone: ptr("+55 (11) 8765-4321"), Attributes: map[string]any{"plan": "gold", "seats": 3.0}, Tags: []string{"VIP", "vip", "lead"}})
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != "Ana" || c.Email != "ana@example.com" || c.Phone != "+5511987654321" {
			t.Fatalf("not normalized: %+v", c)
		}
		if len(c.Tags) != 2 || c.Tags[0] != "lead" || c.Tags[1] != "vip" || c.Attributes["plan"] != "gold" {
			t.Fatalf("tags/attributes: %+v", c)
		}
		// The same person under another format of the number is the same contact.
		_, err = s.Create(ctx, "w1", contacts.Input{Phone: ptr("+5511987654321")})
		if !problem.Is(err, problem.Conflict) {
			t.Fatalf("duplicate phone: %v", err)
		}
		_, err = s.Create(ctx, "w1", contacts.Input{Email: ptr("ana@example.com")})
		if !problem.Is(err, problem.Conflict) {
			t.Fatalf("duplicate email: %v", err)
		}
		// Another workspace may know the same person separately.
		workspace(t, d, "w2")
		if _, err := s.Create(ctx, "w2", contacts.Input{Phone: ptr("+5511987654321")}); err != nil {
			t.Fatalf("other workspace: %v", err)
		}
		_, err = s.Create(ctx, "w1", contacts.Input{Email: ptr("not-an-email"), Phone: ptr("12"),
			Attributes: map[string]any{"Bad Key": 1.0}, Tags: []string{""}})
		p := problem.As(err)
		if p.Kind != problem.Invalid || p.Fields["email"] == "" || p.Fields["phone"] == "" || p.Fields["attributes"] == "" {
			t.Fatalf("validation: %v", err)
		}
	})
}

func TestUpdateTagsDeleteAndIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		workspace(t, d, "w1")
		workspace(t, d, "w2")
		s := contacts.New(d)
		c, err := s.Create(ctx, "w1", contacts.Input{Name: ptr("Bo")})
		if err != nil {
			t.Fatal(err)
		}
		c, err = s.Update(ctx, "w1", c.ID, contacts.Input{Email: ptr("bo@example.com")})
		if err != nil || c.Name != "Bo" || c.Email != "bo@example.com" {
			t.Fatalf("partial update: %+v %v", c, err)
		}
		if c, err = s.AddTags(ctx, "w1", c.ID, []string{"a", "b"}); err != nil || len(c.Tags) != 2 {
			t.Fatalf("add tags: %+v %v", c, err)
		}
		if c, err = s.RemoveTag(ctx, "w1", c.ID, "A"); err != nil || len(c.Tags) != 1 || c.Tags[0] != "b" {
			t.Fatalf("remove tag: %+v %v", c, err)
		}
		for name, err := range map[string]error{
			"get":    func() error { _, err := s.Get(ctx, "w2", c.ID); return err }(),
			"update": func() error { _, err := s.Update(ctx, "w2", c.ID, contacts.Input{Name: ptr("x")}); return err }(),
			"tag":    func() error { _, err := s.AddTags(ctx, "w2", c.ID, []string{"x"}); return err }(),
			"delete": s.Delete(ctx, "w2", c.ID),
		} {
			if !problem.Is(err, problem.NotFound) {
				t.Errorf("%s from another workspace: %v", name, err)
			}
		}
		if err := s.Delete(ctx, "w1", c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, "w1", c.ID); !problem.Is(err, problem.NotFound) {
			t.Fatalf("after delete: %v", err)
		}
	})
}

func TestListSearchAndPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		workspace(t, d, "w1")
		s := contacts.New(d)
		for _, n := range []string{"Alice", "Bob", "Carla", "100%_literal"} {
			if _, err := s.Create(ctx, "w1", contacts.Input{Name: ptr(n), Tags: []string{"t-" + n[:1]}}); err != nil {
				t.Fatal(err)
			}
		}
		p, err := s.List(ctx, "w1", "carl", "", 10)
		if err != nil || len(p.Contacts) != 1 || p.Contacts[0].Name != "Carla" || p.Contacts[0].Tags[0] != "t-c" {
			t.Fatalf("search: %+v %v", p, err)
		}
		if p, _ := s.List(ctx, "w1", "%_", "", 10); len(p.Contacts) != 1 {
			t.Fatalf("LIKE wildcards must be literal: %+v", p.Contacts)
		}
		seen := map[string]bool{}
		cursor := ""
		for i := 0; i < 3; i++ {
			p, err := s.List(ctx, "w1", "", cursor, 3)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range p.Contacts {
				if seen[c.ID] {
					t.Fatalf("contact %s on two pages", c.Name)
				}
				seen[c.ID] = true
			}
			if cursor = p.Next; cursor == "" {
				break
			}
		}
		if len(seen) != 4 {
			t.Fatalf("pages covered %d of 4 contacts", len(seen))
		}
	})
}

func TestResolveLinksByPhoneVariant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		workspace(t, d, "w1")
		s := contacts.New(d)
		// Known from an import, with the Brazilian ninth digit.
		imported, err := s.Create(ctx, "w1", contacts.Input{Phone: ptr("+5511987654321")})
		if err != nil {
			t.Fatal(err)
		}
		err = d.Tx(ctx, func(tx *store.Tx) error {
			if err := tx.Q.CreateChannel(ctx, db.CreateChannelParams{ID: "ch1", WorkspaceID: "w1", Type: "website", Name: "x", Settings: "{}", CreatedAt: store.Now()}); err != nil {
				return err
			}
			// A channel reports the old 8-digit form and a profile name.
			id, name, err := s.Resolve(ctx, tx, "w1", "ch1", contacts.Who{ExternalID: "551187654321", Phone: "+551187654321", Name: "Duda"})
			if err != nil {
				return err
			}
			if id != imported.ID || name != "Duda" {
				t.Errorf("resolved to %s, want the imported contact %s", id, imported.ID)
			}
			again, name, err := s.Resolve(ctx, tx, "w1", "ch1", contacts.Who{ExternalID: "551187654321", Name: "Other Name"})
			if err != nil || again != imported.ID || name != "Duda" {
				t.Errorf("second resolve: %s %q %v (the first name stays)", again, name, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		c, _ := s.Get(ctx, "w1", imported.ID)
		if c.Name != "Duda" || len(c.Identities) != 1 || c.Identities[0].ExternalID != "551187654321" {
			t.Fatalf("after resolve: %+v (name is filled once, never overwritten)", c)
		}
	})
}
