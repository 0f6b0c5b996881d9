-- name: CreateSegment :exec
INSERT INTO segments (id, workspace_id, name, filter, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $5);

-- name: GetSegment :one
SELECT * FROM segments WHERE workspace_id = $1 AND id = $2;

-- name: ListSegments :many
SELECT * FROM segments WHERE workspace_id = $1 ORDER BY name, id;

-- name: UpdateSegment :execrows
UPDATE segments SET name = $3, filter = $4, updated_at = $5
WHERE workspace_id = $1 AND id = $2;

-- name: DeleteSegment :execrows
DELETE FROM segments WHERE workspace_id = $1 AND id = $2;

-- name: CreateContactOptOut :execrows
-- A contact already opted out keeps the first record.
INSERT INTO contact_optouts (contact_id, workspace_id, reason, source, created_at)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING;

-- name: DeleteContactOptOut :execrows
DELETE FROM contact_optouts WHERE workspace_id = $1 AND contact_id = $2;

-- name: GetContactOptOut :one
SELECT * FROM contact_optouts WHERE workspace_id = $1 AND contact_id = $2;
