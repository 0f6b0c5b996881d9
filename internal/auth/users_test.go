package auth

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

func TestSetup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		s := New(d) // real argon2id parameters, once
		s.now = store.Now
		if need, err := s.NeedsSetup(ctx); err != nil || !need {
			t.Fatalf("NeedsSetup on an empty database = %v, %v; want true", need, err)
		}
		u, err := s.Setup(ctx, "  Acme ", "  Ann@Example.COM ", "", testPassword)
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != "ann@example.com" || u.Name != "ann" || u.Role != Owner {
			t.Fatalf("setup user = %+v; want ann@example.com, named after the email, owner", u)
		}
		if id, err := uuid.Parse(u.ID); err != nil || id.Version() != 7 {
			t.Fatalf("user id %q is not a UUIDv7", u.ID)
		}
		if need, err := s.NeedsSetup(ctx); err != nil || need {
			t.Fatalf("NeedsSetup after setup = %v, %v; want false", need, err)
		}
		row, err := d.Q.GetUserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(row.PasswordHash, "$argon2id$v=19$m=65536,t=1,") {
			t.Fatalf("stored hash %q is not argon2id with the default parameters", row.PasswordHash)
		}
		ws, err := d.Q.GetWorkspace(ctx, u.WorkspaceID)
		if err != nil || ws.Name != "Acme" {
			t.Fatalf("workspace = %+v, %v; want Acme", ws, err)
		}
		if got, err := s.GetUser(ctx, u.WorkspaceID, u.ID); err != nil || got != u {
			t.Fatalf("GetUser = %+v, %v; want %+v", got, err, u)
		}

		_, err = s.Setup(ctx, "Other", "ANN@example.com", "Ann Again", testPassword)
		wantKind(t, err, problem.Conflict)
		if !strings.Contains(err.Error(), "a user with email ann@example.com already exists") {
			t.Fatalf("conflict message %q doesn't name the email", err)
		}
		// The workspace of the failed setup must have been rolled back with it.
		if n, err := d.Q.CountWorkspaces(ctx); err != nil || n != 1 {
			t.Fatalf("%d workspaces after a failed setup, %v; want 1", n, err)
		}
	})
}

func TestValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		s, _ := newTestService(d)
		_, err := s.Setup(ctx, " ", "not an email", strings.Repeat("x", 101), "short")
		wantFields(t, err, "workspace_name", "email", "name", "password")
		_, err = s.Setup(ctx, "Acme", "Bob <bob@example.com>", "Bob", testPassword)
		wantFields(t, err, "email")
		_, err = s.Setup(ctx, "Acme", strings.Repeat("a", 243)+"@example.com", "Bob", testPassword)
		wantFields(t, err, "email")
		_, err = s.Setup(ctx, "Acme", "bob@example.com", "Bob\nEvil: header", strings.Repeat("p", 257))
		wantFields(t, err, "name", "password")
		if n, _ := d.Q.CountWorkspaces(ctx); n != 0 {
			t.Fatalf("invalid setups created %d workspaces", n)
		}

		owner := setup(t, s, "Acme", "owner@example.com")
		_, err = s.CreateUser(ctx, owner, "x@example.com", "", testPassword, Role("boss"))
		wantFields(t, err, "role")
		_, err = s.CreateUser(ctx, owner, "", "", "", "")
		wantFields(t, err, "email", "name", "password", "role")
		_, err = s.UpdateUser(ctx, owner, owner.ID, strings.Repeat("é", 101), "")
		wantFields(t, err, "name")
		_, err = s.UpdateUser(ctx, owner, owner.ID, "", Role("root"))
		wantFields(t, err, "role")
		wantFields(t, s.SetPassword(ctx, owner.ID, "1234567"), "password")
		_, err = s.CreateToken(ctx, owner.ID, " ")
		wantFields(t, err, "name")
		_, err = s.CreateTeam(ctx, owner, "")
		wantFields(t, err, "name")

		if r, err := ParseRole(" Admin "); err != nil || r != Admin {
			t.Fatalf("ParseRole(\" Admin \") = %q, %v", r, err)
		}
		_, err = ParseRole("superuser")
		wantFields(t, err, "role")

		// 100 characters is fine even when multi-byte; an empty name falls back to the email.
		u, err := s.UpdateUser(ctx, owner, owner.ID, strings.Repeat("é", 100), "")
		if err != nil || u.Role != Owner {
			t.Fatalf("UpdateUser with a 100-character name = %+v, %v", u, err)
		}
		u, err = s.UpdateUser(ctx, owner, owner.ID, "  ", "")
		if err != nil || u.Name != "owner" {
			t.Fatalf("UpdateUser with an empty name = %+v, %v; want the name from the email", u, err)
		}
	})
}

func TestRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		s, _ := newTestService(d)
		owner := setup(t, s, "Acme", "owner@example.com")
		admin := createUser(t, s, owner, "admin@example.com", Admin)
		agent := createUser(t, s, owner, "agent@example.com", Agent)
		if !owner.CanManage() || !admin.CanManage() || agent.CanManage() {
			t.Fatal("CanManage: want owner and admin yes, agent no")
		}

		// Agents manage nothing.
		_, err := s.CreateUser(ctx, agent, "new@example.com", "", testPassword, Agent)
		wantKind(t, err, problem.Forbidden)
		_, err = s.UpdateUser(ctx, agent, agent.ID, "Me", Admin)
		wantKind(t, err, problem.Forbidden)
		wantKind(t, s.DeleteUser(ctx, agent, admin.ID), problem.Forbidden)

		// Admins can't create, change or delete owners.
		_, err = s.CreateUser(ctx, admin, "boss@example.com", "", testPassword, Owner)
		wantKind(t, err, problem.Forbidden)
		_, err = s.UpdateUser(ctx, admin, owner.ID, "", Admin)
		wantKind(t, err, problem.Forbidden)
		_, err = s.UpdateUser(ctx, admin, owner.ID, "Renamed", "")
		wantKind(t, err, problem.Forbidden)
		_, err = s.UpdateUser(ctx, admin, agent.ID, "", Owner)
		wantKind(t, err, problem.Forbidden)
		wantKind(t, s.DeleteUser(ctx, admin, owner.ID), problem.Forbidden)

		// But they manage everyone else.
		agent2 := createUser(t, s, admin, "agent2@example.com", Agent)
		u, err := s.UpdateUser(ctx, admin, agent.ID, "Agent Smith", Admin)
		if err != nil || u.Name != "Agent Smith" || u.Role != Admin {
			t.Fatalf("admin updating an agent = %+v, %v", u, err)
		}
		if got, _ := s.GetUser(ctx, owner.WorkspaceID, agent.ID); got != u {
			t.Fatalf("read back %+v, want %+v", got, u)
		}
		if err := s.DeleteUser(ctx, admin, agent2.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.GetUser(ctx, owner.WorkspaceID, agent2.ID)
		wantKind(t, err, problem.NotFound)
		_, err = s.CreateUser(ctx, admin, "AGENT@example.com", "", testPassword, Agent)
		wantKind(t, err, problem.Conflict)

		// The last owner can be neither demoted nor deleted.
		_, err = s.UpdateUser(ctx, owner, owner.ID, "", Admin)
		wantKind(t, err, problem.Conflict)
		wantKind(t, s.DeleteUser(ctx, owner, owner.ID), problem.Conflict)

		// With a second owner, the first may step down.
		owner2, err := s.UpdateUser(ctx, owner, admin.ID, "", Owner)
		if err != nil || owner2.Role != Owner {
			t.Fatalf("promoting admin = %+v, %v", owner2, err)
		}
		if u, err := s.UpdateUser(ctx, owner, owner.ID, "", Admin); err != nil || u.Role != Admin {
			t.Fatalf("owner stepping down = %+v, %v", u, err)
		}
		_, err = s.UpdateUser(ctx, owner2, owner2.ID, "", Agent)
		wantKind(t, err, problem.Conflict)
		owner3 := createUser(t, s, owner2, "owner3@example.com", Owner)
		if err := s.DeleteUser(ctx, owner2, owner3.ID); err != nil {
			t.Fatalf("deleting one of two owners: %v", err)
		}
		users, err := s.ListUsers(ctx, owner.WorkspaceID)
		if err != nil || len(users) != 3 {
			t.Fatalf("ListUsers = %d users, %v; want 3", len(users), err)
		}
	})
}

// Two owners demoting each other at once must leave one owner, not none.
func TestLastOwnerRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		s, _ := newTestService(d)
		a := setup(t, s, "Acme", "a@example.com")
		for range 5 {
			b := createUser(t, s, a, "b@example.com", Owner)
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, pair := range [][2]User{{a, b}, {b, a}} {
				wg.Go(func() { _, errs[i] = s.UpdateUser(ctx, pair[0], pair[1].ID, "", Agent) })
			}
			wg.Wait()
			if n, err := d.Q.CountOwners(ctx, a.WorkspaceID); err != nil || n != 1 {
				t.Fatalf("%d owners after concurrent demotions (%v), %v; want 1", n, errs, err)
			}
			// Restore: a stays the owner, b goes away.
			if u, _ := s.GetUser(ctx, a.WorkspaceID, a.ID); u.Role != Owner {
				if _, err := s.UpdateUser(ctx, b, a.ID, "", Owner); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.DeleteUser(ctx, a, b.ID); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestSetPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		s, _ := newTestService(d)
		owner := setup(t, s, "Acme", "owner@example.com")
		token, _, err := s.Login(ctx, owner.Email, testPassword)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetPassword(ctx, owner.ID, "a new passphrase"); err != nil {
			t.Fatal(err)
		}
		_, err = s.SessionUser(ctx, token)
		wantKind(t, err, problem.Unauthorized)
		_, _, err = s.Login(ctx, owner.Email, testPassword)
		wantKind(t, err, problem.Unauthorized)
		if _, _, err := s.Login(ctx, owner.Email, "a new passphrase"); err != nil {
			t.Fatalf("login with the new password: %v", err)
		}
		wantKind(t, s.SetPassword(ctx, "no-such-user", "long enough"), problem.NotFound)
	})
}

func TestWorkspaceIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		s, _ := newTestService(d)
		a := setup(t, s, "A", "a@example.com")
		b := setup(t, s, "B", "b@example.com")
		bAgent := createUser(t, s, b, "b-agent@example.com", Agent)
		bTeam, err := s.CreateTeam(ctx, b, "Support")
		if err != nil {
			t.Fatal(err)
		}
		bToken, err := s.CreateToken(ctx, b.ID, "ci")
		if err != nil {
			t.Fatal(err)
		}
		bTokens, _ := s.ListTokens(ctx, b)

		// Users.
		_, err = s.GetUser(ctx, a.WorkspaceID, bAgent.ID)
		wantKind(t, err, problem.NotFound)
		if users, err := s.ListUsers(ctx, a.WorkspaceID); err != nil || !slices.Equal(ids(users), []string{a.ID}) {
			t.Fatalf("A's users = %v, %v; want only A's owner", ids(users), err)
		}
		_, err = s.UpdateUser(ctx, a, bAgent.ID, "Mine now", Admin)
		wantKind(t, err, problem.NotFound)
		wantKind(t, s.DeleteUser(ctx, a, bAgent.ID), problem.NotFound)
		wantKind(t, s.DeleteUser(ctx, a, b.ID), problem.NotFound)

		// Teams.
		_, err = s.GetTeam(ctx, a.WorkspaceID, bTeam.ID)
		wantKind(t, err, problem.NotFound)
		if teams, err := s.ListTeams(ctx, a.WorkspaceID); err != nil || len(teams) != 0 {
			t.Fatalf("A's teams = %v, %v; want none", teams, err)
		}
		_, err = s.RenameTeam(ctx, a, bTeam.ID, "Ours")
		wantKind(t, err, problem.NotFound)
		wantKind(t, s.DeleteTeam(ctx, a, bTeam.ID), problem.NotFound)
		wantKind(t, s.AddTeamMember(ctx, a, bTeam.ID, a.ID), problem.NotFound)
		wantKind(t, s.RemoveTeamMember(ctx, a, bTeam.ID, bAgent.ID), problem.NotFound)
		aTeam, err := s.CreateTeam(ctx, a, "Support") // names are per workspace
		if err != nil {
			t.Fatal(err)
		}
		wantKind(t, s.AddTeamMember(ctx, a, aTeam.ID, bAgent.ID), problem.NotFound)
		if got, _ := s.GetTeam(ctx, a.WorkspaceID, aTeam.ID); len(got.Members) != 0 {
			t.Fatalf("a user of B joined A's team: %+v", got.Members)
		}

		// Tokens.
		wantKind(t, s.DeleteToken(ctx, a, bTokens[0].ID), problem.NotFound)
		if u, err := s.TokenUser(ctx, bToken); err != nil || u.ID != b.ID {
			t.Fatalf("B's token after A's attempts = %+v, %v", u, err)
		}
		if got, err := s.GetTeam(ctx, b.WorkspaceID, bTeam.ID); err != nil || got.Name != "Support" {
			t.Fatalf("B's team after A's attempts = %+v, %v", got, err)
		}
	})
}
