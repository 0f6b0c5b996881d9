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

-- name: TouchChannelWebhook :exec
INSERT INTO channel_health (channel_id, last_webhook_at, last_error, info, updated_at) VALUES ($1, $2, '', '', $2)
ON CONFLICT (channel_id) DO UPDATE SET last_webhook_at = excluded.last_webhook_at, updated_at = excluded.updated_at;

-- name: SetChannelError :exec
INSERT INTO channel_health (channel_id, last_error, last_error_at, info, updated_at) VALUES ($1, $2, $3, '', $3)
ON CONFLICT (channel_id) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at,
    updated_at = excluded.updated_at;

-- name: SetChannelInfo :exec
-- info is the provider's view of the number as JSON; $3 is when it was checked.
INSERT INTO channel_health (channel_id, last_error, info, checked_at, updated_at) VALUES ($1, '', $2, $3, $3)
ON CONFLICT (channel_id) DO UPDATE SET info = excluded.info, checked_at = excluded.checked_at,
    updated_at = excluded.updated_at;

-- name: GetChannelHealth :one
SELECT * FROM channel_health WHERE channel_id = $1;
