package auth

import (
	"context"
	"strings"
	"time"

	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/db"
)

// Team is a group of users that conversations can be routed to.
type Team struct {
	ID          string
	WorkspaceID string
	Name        string
	Members     []User
	CreatedAt   time.Time
}

func teamFrom(r db.Team, members []db.User) Team {
	return Team{ID: r.ID, WorkspaceID: r.WorkspaceID, Name: r.Name, Members: usersFrom(members), CreatedAt: r.CreatedAt.UTC()}
}

func checkTeamName(name string) error {
	f := problem.Fields{}
	checkName(f, "name", name)
	return f.Err()
}

// teamNameTaken tells whether another team of the workspace already has name,
// ignoring case: "Support" and "support" side by side would only confuse routing.
func teamNameTaken(ctx context.Context, tx *store.Tx, workspaceID, name, exceptID string) (bool, error) {
	teams, err := tx.Q.ListTeams(ctx, workspaceID)
	if err != nil {
		return false, err
	}
	for _, t := range teams {
		if t.ID != exceptID && strings.EqualFold(t.Name, name) {
			return true, nil
		}
	}
	return false, nil
}

func errTeamExists(name string) error {
	return problem.New(problem.Conflict, "a team named %q already exists", name)
}

// CreateTeam adds an empty team to actor's workspace.
func (s *Service) CreateTeam(ctx context.Context, actor User, name string) (Team, error) {
	if err := requireManager(actor); err != nil {
		return Team{}, err
	}
	name = strings.TrimSpace(name)
	if err := checkTeamName(name); err != nil {
		return Team{}, err
	}
	t := Team{ID: newID(), WorkspaceID: actor.WorkspaceID, Name: name, Members: []User{}, CreatedAt: s.now()}
	err := s.d.Tx(ctx, func(tx *store.Tx) error {
		taken, err := teamNameTaken(ctx, tx, t.WorkspaceID, name, "")
		if err != nil {
			return err
		}
		if taken {
			return errTeamExists(name)
		}
		err = tx.Q.CreateTeam(ctx, db.CreateTeamParams{ID: t.ID, WorkspaceID: t.WorkspaceID, Name: name, CreatedAt: t.CreatedAt})
		if store.IsUniqueViolation(err) {
			return errTeamExists(name)
		}
		return err
	})
	if err != nil {
		return Team{}, err
	}
	return t, nil
}

// ListTeams returns a workspace's teams by name, with their members.
func (s *Service) ListTeams(ctx context.Context, workspaceID string) ([]Team, error) {
	rows, err := s.d.Q.ListTeams(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	// One query per team: workspaces have a handful of teams, not hundreds.
	out := make([]Team, len(rows))
	for i, r := range rows {
		members, err := s.d.Q.ListTeamMembers(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		out[i] = teamFrom(r, members)
	}
	return out, nil
}

// GetTeam returns a team of workspaceID with its members; teams of other workspaces are not found.
func (s *Service) GetTeam(ctx context.Context, workspaceID, id string) (Team, error) {
	r, err := s.d.Q.GetTeam(ctx, db.GetTeamParams{WorkspaceID: workspaceID, ID: id})
	if err != nil {
		return Team{}, notFound(err, "team")
	}
	members, err := s.d.Q.ListTeamMembers(ctx, r.ID)
	if err != nil {
		return Team{}, err
	}
	return teamFrom(r, members), nil
}

// RenameTeam renames a team of actor's workspace.
func (s *Service) RenameTeam(ctx context.Context, actor User, id, name string) (Team, error) {
	if err := requireManager(actor); err != nil {
		return Team{}, err
	}
	name = strings.TrimSpace(name)
	if err := checkTeamName(name); err != nil {
		return Team{}, err
	}
	err := s.d.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Q.GetTeam(ctx, db.GetTeamParams{WorkspaceID: actor.WorkspaceID, ID: id}); err != nil {
			return notFound(err, "team")
		}
		taken, err := teamNameTaken(ctx, tx, actor.WorkspaceID, name, id)
		if err != nil {
			return err
		}
		if taken {
			return errTeamExists(name)
		}
		_, err = tx.Q.RenameTeam(ctx, db.RenameTeamParams{WorkspaceID: actor.WorkspaceID, ID: id, Name: name})
		if store.IsUniqueViolation(err) {
			return errTeamExists(name)
		}
		return err
	})
	if err != nil {
		return Team{}, err
	}
	return s.GetTeam(ctx, actor.WorkspaceID, id)
}

// DeleteTeam removes a team of actor's workspace; its conversations become unassigned to any team.
func (s *Service) DeleteTeam(ctx context.Context, actor User, id string) error {
	if err := requireManager(actor); err != nil {
		return err
	}
	return s.d.Tx(ctx, func(tx *store.Tx) error {
		n, err := tx.Q.DeleteTeam(ctx, db.DeleteTeamParams{WorkspaceID: actor.WorkspaceID, ID: id})
		if err != nil {
			return err
		}
		if n == 0 {
			return problem.NotFoundf("team")
		}
		return nil
	})
}

// teamAndUser checks that both the team and the user belong to actor's
// workspace: the membership table itself knows nothing of workspaces.
func teamAndUser(ctx context.Context, tx *store.Tx, actor User, teamID, userID string) error {
	if _, err := tx.Q.GetTeam(ctx, db.GetTeamParams{WorkspaceID: actor.WorkspaceID, ID: teamID}); err != nil {
		return notFound(err, "team")
	}
	if _, err := tx.Q.GetUser(ctx, db.GetUserParams{WorkspaceID: actor.WorkspaceID, ID: userID}); err != nil {
		return notFound(err, "user")
	}
	return nil
}

// AddTeamMember puts a user of actor's workspace in a team; adding a member again is a no-op.
func (s *Service) AddTeamMember(ctx context.Context, actor User, teamID, userID string) error {
	if err := requireManager(actor); err != nil {
		return err
	}
	return s.d.Tx(ctx, func(tx *store.Tx) error {
		if err := teamAndUser(ctx, tx, actor, teamID, userID); err != nil {
			return err
		}
		return tx.Q.AddTeamMember(ctx, db.AddTeamMemberParams{TeamID: teamID, UserID: userID})
	})
}

// RemoveTeamMember takes a user out of a team; removing a non-member is a no-op.
func (s *Service) RemoveTeamMember(ctx context.Context, actor User, teamID, userID string) error {
	if err := requireManager(actor); err != nil {
		return err
	}
	return s.d.Tx(ctx, func(tx *store.Tx) error {
		if err := teamAndUser(ctx, tx, actor, teamID, userID); err != nil {
			return err
		}
		return tx.Q.RemoveTeamMember(ctx, db.RemoveTeamMemberParams{TeamID: teamID, UserID: userID})
	})
}
