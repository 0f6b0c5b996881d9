package auth

import (
	"context"
	"slices"
	"testing"

	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

func TestTeams(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		s, _ := newTestService(d)
		owner := setup(t, s, "Acme", "owner@example.com")
		agent := createUser(t, s, owner, "agent@example.com", Agent)

		support, err := s.CreateTeam(ctx, owner, " Support ")
		if err != nil || support.Name != "Support" || support.Members == nil || len(support.Members) != 0 {
			t.Fatalf("CreateTeam = %+v, %v", support, err)
		}
		_, err = s.CreateTeam(ctx, owner, "support")
		wantKind(t, err, problem.Conflict)
		sales, err := s.CreateTeam(ctx, owner, "Sales")
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.CreateTeam(ctx, agent, "Agents only")
		wantKind(t, err, problem.Forbidden)
		wantKind(t, s.AddTeamMember(ctx, agent, support.ID, agent.ID), problem.Forbidden)

		for _, id := range []string{agent.ID, agent.ID, owner.ID} { // adding twice is a no-op
			if err := s.AddTeamMember(ctx, owner, support.ID, id); err != nil {
				t.Fatal(err)
			}
		}
		wantKind(t, s.AddTeamMember(ctx, owner, support.ID, "no-such-user"), problem.NotFound)
		teams, err := s.ListTeams(ctx, owner.WorkspaceID)
		if err != nil || len(teams) != 2 || teams[0].Name != "Sales" || teams[1].Name != "Support" {
			t.Fatalf("ListTeams = %+v, %v; want Sales, Support", teams, err)
		}
		if got := ids(teams[1].Members); !slices.Equal(got, []string{agent.ID, owner.ID}) {
			t.Fatalf("Support members %v; want agent and owner by name", got)
		}

		_, err = s.RenameTeam(ctx, owner, sales.ID, "SUPPORT")
		wantKind(t, err, problem.Conflict)
		renamed, err := s.RenameTeam(ctx, owner, support.ID, "support") // its own name in another case
		if err != nil || renamed.Name != "support" || len(renamed.Members) != 2 {
			t.Fatalf("RenameTeam = %+v, %v", renamed, err)
		}
		_, err = s.RenameTeam(ctx, owner, "no-such-team", "X")
		wantKind(t, err, problem.NotFound)

		for range 2 { // removing a non-member is a no-op
			if err := s.RemoveTeamMember(ctx, owner, support.ID, agent.ID); err != nil {
				t.Fatal(err)
			}
		}
		if got, _ := s.GetTeam(ctx, owner.WorkspaceID, support.ID); !slices.Equal(ids(got.Members), []string{owner.ID}) {
			t.Fatalf("members after removal %v; want only the owner", ids(got.Members))
		}

		if err := s.DeleteTeam(ctx, owner, sales.ID); err != nil {
			t.Fatal(err)
		}
		wantKind(t, s.DeleteTeam(ctx, owner, sales.ID), problem.NotFound)
		if teams, _ := s.ListTeams(ctx, owner.WorkspaceID); len(teams) != 1 {
			t.Fatalf("%d teams after deleting one of two", len(teams))
		}
	})
}
