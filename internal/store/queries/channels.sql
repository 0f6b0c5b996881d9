-- name: CreateChannel :exec
INSERT INTO channels (id, workspace_id, type, name, settings, secrets, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7);

-- name: GetChannel :one
SELECT * FROM channels WHERE workspace_id = $1 AND id = $2 AND deleted_at IS NULL;

-- name: GetChannelByID :one
-- For webhooks and the widget, which name a channel before any workspace is known.
SELECT * FROM channels WHERE id = $1 AND deleted_at IS NULL;

-- name: ListChannels :many
SELECT * FROM channels WHERE workspace_id = $1 AND deleted_at IS NULL ORDER BY created_at, id;

-- name: UpdateChannel :execrows
UPDATE channels SET name = $3, settings = $4, secrets = $5, updated_at = $6
WHERE workspace_id = $1 AND id = $2 AND deleted_at IS NULL;

-- name: DeleteChannel :execrows
UPDATE channels SET deleted_at = $3, updated_at = $3, secrets = ''
WHERE workspace_id = $1 AND id = $2 AND deleted_at IS NULL;
