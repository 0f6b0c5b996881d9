-- name: CreateWorkspace :exec
INSERT INTO workspaces (id, name, created_at) VALUES ($1, $2, $3);

-- name: GetWorkspace :one
SELECT * FROM workspaces WHERE id = $1;

-- name: CountWorkspaces :one
SELECT COUNT(*) FROM workspaces;

-- name: CreateUser :exec
INSERT INTO users (id, workspace_id, email, name, password_hash, role, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7);

-- name: GetUser :one
SELECT * FROM users WHERE workspace_id = $1 AND id = $2;

-- name: GetUserByEmail :one
SELECT * FROM users WHERE email = $1;

-- name: GetUserByID :one
SELECT * FROM users WHERE id = $1;

-- name: ListUsers :many
SELECT * FROM users WHERE workspace_id = $1 ORDER BY name, id;

-- name: UpdateUser :exec
UPDATE users SET name = $3, role = $4, updated_at = $5 WHERE workspace_id = $1 AND id = $2;

-- name: UpdateUserPassword :exec
UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1;

-- name: DeleteUser :execrows
DELETE FROM users WHERE workspace_id = $1 AND id = $2;

-- name: CountOwners :one
SELECT COUNT(*) FROM users WHERE workspace_id = $1 AND role = 'owner';

-- name: CreateSession :exec
INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4);

-- name: GetSession :one
SELECT * FROM sessions WHERE token_hash = $1;

-- name: DeleteSession :exec
DELETE FROM sessions WHERE token_hash = $1;

-- name: DeleteUserSessions :exec
DELETE FROM sessions WHERE user_id = $1;

-- name: DeleteExpiredSessions :execrows
DELETE FROM sessions WHERE expires_at < $1;

-- name: CreateAPIToken :exec
INSERT INTO api_tokens (id, workspace_id, user_id, name, token_hash, created_at)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: GetAPITokenByHash :one
SELECT * FROM api_tokens WHERE token_hash = $1;

-- name: ListAPITokens :many
SELECT * FROM api_tokens WHERE workspace_id = $1 AND user_id = $2 ORDER BY created_at DESC;

-- name: DeleteAPIToken :execrows
DELETE FROM api_tokens WHERE workspace_id = $1 AND user_id = $2 AND id = $3;

-- name: TouchAPIToken :exec
UPDATE api_tokens SET last_used_at = $2 WHERE id = $1;

-- name: CreateTeam :exec
INSERT INTO teams (id, workspace_id, name, created_at) VALUES ($1, $2, $3, $4);

-- name: GetTeam :one
SELECT * FROM teams WHERE workspace_id = $1 AND id = $2;

-- name: ListTeams :many
SELECT * FROM teams WHERE workspace_id = $1 ORDER BY name, id;

-- name: RenameTeam :execrows
UPDATE teams SET name = $3 WHERE workspace_id = $1 AND id = $2;

-- name: DeleteTeam :execrows
DELETE FROM teams WHERE workspace_id = $1 AND id = $2;

-- name: AddTeamMember :exec
INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING;

-- name: RemoveTeamMember :exec
DELETE FROM team_members WHERE team_id = $1 AND user_id = $2;

-- name: ListTeamMembers :many
SELECT users.* FROM users JOIN team_members ON team_members.user_id = users.id
WHERE team_members.team_id = $1 ORDER BY users.name, users.id;
