package auth

import (
	"context"
	"strings"

	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/db"
)

// NeedsSetup tells whether charla has no workspace yet, i.e. the first-run page is due.
func (s *Service) NeedsSetup(ctx context.Context) (bool, error) {
	n, err := s.d.Q.CountWorkspaces(ctx)
	return n == 0, err
}

// Setup creates a workspace and its first owner in one transaction. The web UI
// offers it only while NeedsSetup; the CLI may use it to add workspaces.
func (s *Service) Setup(ctx context.Context, workspaceName, email, name, password string) (User, error) {
	workspaceName = strings.TrimSpace(workspaceName)
	email = normEmail(email)
	name = userName(name, email)
	f := problem.Fields{}
	checkName(f, "workspace_name", workspaceName)
	checkEmail(f, email)
	checkName(f, "name", name)
	checkPassword(f, password)
	if err := f.Err(); err != nil {
		return User{}, err
	}
	// Hash before the transaction: it is deliberately slow and must not hold the write lock.
	hash, err := s.hashPassword(password)
	if err != nil {
		return User{}, err
	}
	now := s.now()
	u := User{ID: newID(), WorkspaceID: newID(), Email: email, Name: name, Role: Owner, CreatedAt: now}
	err = s.d.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.Q.CreateWorkspace(ctx, db.CreateWorkspaceParams{ID: u.WorkspaceID, Name: workspaceName, CreatedAt: now}); err != nil {
			return err
		}
		return s.insertUser(ctx, tx, u, hash)
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

func (s *Service) insertUser(ctx context.Context, tx *store.Tx, u User, hash string) error {
	err := tx.Q.CreateUser(ctx, db.CreateUserParams{
		ID: u.ID, WorkspaceID: u.WorkspaceID, Email: u.Email, Name: u.Name,
		PasswordHash: hash, Role: string(u.Role), CreatedAt: u.CreatedAt,
	})
	if store.IsUniqueViolation(err) {
		return problem.New(problem.Conflict, "a user with email %s already exists", u.Email)
	}
	return err
}

// CreateUser adds a user to actor's workspace.
func (s *Service) CreateUser(ctx context.Context, actor User, email, name, password string, role Role) (User, error) {
	if err := requireManager(actor); err != nil {
		return User{}, err
	}
	email = normEmail(email)
	name = userName(name, email)
	f := problem.Fields{}
	checkEmail(f, email)
	checkName(f, "name", name)
	checkPassword(f, password)
	if !role.Valid() {
		f.Add("role", "must be owner, admin or agent")
	}
	if err := f.Err(); err != nil {
		return User{}, err
	}
	// Owners can do everything admins can't (e.g. remove admins), so only they make more.
	if role == Owner && actor.Role != Owner {
		return User{}, problem.New(problem.Forbidden, "only an owner can create another owner")
	}
	hash, err := s.hashPassword(password)
	if err != nil {
		return User{}, err
	}
	u := User{ID: newID(), WorkspaceID: actor.WorkspaceID, Email: email, Name: name, Role: role, CreatedAt: s.now()}
	if err := s.d.Tx(ctx, func(tx *store.Tx) error { return s.insertUser(ctx, tx, u, hash) }); err != nil {
		return User{}, err
	}
	return u, nil
}

var errLastOwner = problem.New(problem.Conflict, "a workspace needs at least one owner: make another user owner first")

// UpdateUser renames a user of actor's workspace and sets their role; an empty
// role keeps the current one.
func (s *Service) UpdateUser(ctx context.Context, actor User, id, name string, role Role) (User, error) {
	if err := requireManager(actor); err != nil {
		return User{}, err
	}
	if role != "" && !role.Valid() {
		return User{}, problem.Field("role", "must be owner, admin or agent")
	}
	var out User
	err := s.d.Tx(ctx, func(tx *store.Tx) error {
		if err := lockWorkspace(ctx, tx, actor.WorkspaceID); err != nil {
			return err
		}
		row, err := tx.Q.GetUser(ctx, db.GetUserParams{WorkspaceID: actor.WorkspaceID, ID: id})
		if err != nil {
			return notFound(err, "user")
		}
		u := userFrom(row)
		newName := userName(name, u.Email)
		newRole := role
		if newRole == "" {
			newRole = u.Role
		}
		f := problem.Fields{}
		checkName(f, "name", newName)
		if err := f.Err(); err != nil {
			return err
		}
		if u.Role == Owner && actor.Role != Owner {
			return problem.New(problem.Forbidden, "only an owner can change an owner")
		}
		if newRole == Owner && u.Role != Owner && actor.Role != Owner {
			return problem.New(problem.Forbidden, "only an owner can make someone an owner")
		}
		if u.Role == Owner && newRole != Owner {
			n, err := tx.Q.CountOwners(ctx, actor.WorkspaceID)
			if err != nil {
				return err
			}
			if n <= 1 {
				return errLastOwner
			}
		}
		err = tx.Q.UpdateUser(ctx, db.UpdateUserParams{
			WorkspaceID: actor.WorkspaceID, ID: id, Name: newName, Role: string(newRole), UpdatedAt: s.now(),
		})
		u.Name, u.Role = newName, newRole
		out = u
		return err
	})
	if err != nil {
		return User{}, err
	}
	return out, nil
}

// DeleteUser removes a user of actor's workspace, with their sessions and tokens.
func (s *Service) DeleteUser(ctx context.Context, actor User, id string) error {
	if err := requireManager(actor); err != nil {
		return err
	}
	return s.d.Tx(ctx, func(tx *store.Tx) error {
		if err := lockWorkspace(ctx, tx, actor.WorkspaceID); err != nil {
			return err
		}
		row, err := tx.Q.GetUser(ctx, db.GetUserParams{WorkspaceID: actor.WorkspaceID, ID: id})
		if err != nil {
			return notFound(err, "user")
		}
		if Role(row.Role) == Owner {
			if actor.Role != Owner {
				return problem.New(problem.Forbidden, "only an owner can delete an owner")
			}
			n, err := tx.Q.CountOwners(ctx, actor.WorkspaceID)
			if err != nil {
				return err
			}
			if n <= 1 {
				return errLastOwner
			}
		}
		_, err = tx.Q.DeleteUser(ctx, db.DeleteUserParams{WorkspaceID: actor.WorkspaceID, ID: id})
		return err
	})
}

// SetPassword replaces a user's password and signs them out everywhere, since
// a password change is often the answer to a stolen session.
func (s *Service) SetPassword(ctx context.Context, userID, password string) error {
	f := problem.Fields{}
	checkPassword(f, password)
	if err := f.Err(); err != nil {
		return err
	}
	hash, err := s.hashPassword(password)
	if err != nil {
		return err
	}
	return s.d.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Q.GetUserByID(ctx, userID); err != nil {
			return notFound(err, "user")
		}
		if err := tx.Q.UpdateUserPassword(ctx, db.UpdateUserPasswordParams{ID: userID, PasswordHash: hash, UpdatedAt: s.now()}); err != nil {
			return err
		}
		return tx.Q.DeleteUserSessions(ctx, userID)
	})
}

// ListUsers returns a workspace's users by name.
func (s *Service) ListUsers(ctx context.Context, workspaceID string) ([]User, error) {
	rows, err := s.d.Q.ListUsers(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	return usersFrom(rows), nil
}

func usersFrom(rows []db.User) []User {
	out := make([]User, len(rows))
	for i, r := range rows {
		out[i] = userFrom(r)
	}
	return out
}

// GetUser returns a user of workspaceID; users of other workspaces are not found.
func (s *Service) GetUser(ctx context.Context, workspaceID, id string) (User, error) {
	row, err := s.d.Q.GetUser(ctx, db.GetUserParams{WorkspaceID: workspaceID, ID: id})
	if err != nil {
		return User{}, notFound(err, "user")
	}
	return userFrom(row), nil
}
