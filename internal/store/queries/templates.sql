-- WhatsApp message templates per channel (internal/templates).

-- name: UpsertTemplate :exec
-- A sync writes what the provider reported; the row's id and created_at stay.
-- A row changed since the sync began (synced_at) holds newer news: the WHERE,
-- checked against the latest committed row, leaves it alone even when a
-- webhook or a delete commits while the sync's transaction runs.
INSERT INTO message_templates (id, workspace_id, channel_id, provider_id, name, language, category,
    previous_category, status, quality, rejected_reason, components, body, created_at, updated_at, synced_at)
VALUES (sqlc.arg(id), sqlc.arg(workspace_id), sqlc.arg(channel_id), sqlc.arg(provider_id), sqlc.arg(name),
    sqlc.arg(language), sqlc.arg(category), sqlc.arg(previous_category), sqlc.arg(status), sqlc.arg(quality),
    sqlc.arg(rejected_reason), sqlc.arg(components), sqlc.arg(body), sqlc.arg(created_at), sqlc.arg(updated_at),
    sqlc.arg(synced_at))
ON CONFLICT (channel_id, name, language) DO UPDATE SET provider_id = excluded.provider_id,
    category = excluded.category, previous_category = excluded.previous_category, status = excluded.status,
    quality = excluded.quality, rejected_reason = excluded.rejected_reason, components = excluded.components,
    body = excluded.body, updated_at = excluded.updated_at, synced_at = excluded.synced_at
WHERE message_templates.updated_at < excluded.synced_at;

-- name: MarkTemplateGone :exec
-- A sync marks a template the provider no longer lists, unless the row
-- changed since the sync began.
UPDATE message_templates SET status = 'DELETED', updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id) AND updated_at < sqlc.arg(sync_began);

-- name: InsertSubmittedTemplate :execrows
-- A template just created at the provider. It takes over a DELETED row of
-- the same name and language (keeping its id); a live row means a sync
-- stored the new template first, and that row is kept (0 rows).
INSERT INTO message_templates (id, workspace_id, channel_id, provider_id, name, language, category,
    previous_category, status, quality, rejected_reason, components, body, created_at, updated_at, synced_at)
VALUES (sqlc.arg(id), sqlc.arg(workspace_id), sqlc.arg(channel_id), sqlc.arg(provider_id), sqlc.arg(name),
    sqlc.arg(language), sqlc.arg(category), '', sqlc.arg(status), '', '', sqlc.arg(components), sqlc.arg(body),
    sqlc.arg(created_at), sqlc.arg(created_at), sqlc.arg(created_at))
ON CONFLICT (channel_id, name, language) DO UPDATE SET provider_id = excluded.provider_id,
    category = excluded.category, previous_category = '', status = excluded.status, quality = '',
    rejected_reason = '', components = excluded.components, body = excluded.body,
    created_at = excluded.created_at, updated_at = excluded.updated_at, synced_at = excluded.synced_at
WHERE message_templates.status = 'DELETED';

-- name: ListTemplates :many
-- Empty filters match everything.
SELECT * FROM message_templates
WHERE workspace_id = sqlc.arg(workspace_id) AND channel_id = sqlc.arg(channel_id)
  AND (status = sqlc.arg(status) OR sqlc.arg(status) = '')
  AND (category = sqlc.arg(category) OR sqlc.arg(category) = '')
  AND (language = sqlc.arg(language) OR sqlc.arg(language) = '')
ORDER BY name, language;

-- name: ChannelTemplates :many
-- Every template of a channel, for a sync to compare with the provider's list.
SELECT * FROM message_templates WHERE channel_id = $1;

-- name: GetTemplate :one
SELECT * FROM message_templates WHERE workspace_id = $1 AND id = $2;

-- name: TemplatesNamed :many
-- A template's languages, oldest first: the first is the fallback language.
SELECT * FROM message_templates WHERE workspace_id = $1 AND channel_id = $2 AND name = $3
ORDER BY created_at, id;

-- name: TemplateByProviderID :one
SELECT * FROM message_templates WHERE channel_id = $1 AND provider_id = $2 AND provider_id <> ''
ORDER BY created_at DESC LIMIT 1;

-- name: TemplateByKey :one
SELECT * FROM message_templates WHERE channel_id = $1 AND name = $2 AND language = $3;

-- name: SetTemplateStatus :exec
UPDATE message_templates SET status = $2, rejected_reason = $3, updated_at = $4 WHERE id = $1;

-- name: SetTemplateCategory :exec
UPDATE message_templates SET category = $2, previous_category = $3, updated_at = $4 WHERE id = $1;

-- name: SetTemplateQuality :exec
UPDATE message_templates SET quality = $2, updated_at = $3 WHERE id = $1;

-- name: GetTemplateSync :one
SELECT * FROM template_syncs WHERE channel_id = $1;

-- name: TemplateSyncSucceeded :exec
INSERT INTO template_syncs (channel_id, synced_at, last_error, updated_at) VALUES ($1, $2, '', $3)
ON CONFLICT (channel_id) DO UPDATE SET synced_at = excluded.synced_at, last_error = '',
    updated_at = excluded.updated_at;

-- name: TemplateSyncFailed :exec
INSERT INTO template_syncs (channel_id, last_error, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (channel_id) DO UPDATE SET last_error = excluded.last_error, updated_at = excluded.updated_at;

-- name: TemplateChannels :many
-- Every live channel of every workspace, for the periodic sync to pick those
-- whose type has templates.
SELECT id, workspace_id, type FROM channels WHERE deleted_at IS NULL ORDER BY id;

-- name: MarkTemplatesNamedDeleted :exec
-- Deleting by name alone deletes every language of a template.
UPDATE message_templates SET status = 'DELETED', updated_at = $3
WHERE channel_id = $1 AND name = $2 AND status <> 'DELETED';
