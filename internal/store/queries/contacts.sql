-- name: CreateContact :exec
INSERT INTO contacts (id, workspace_id, name, email, phone, attributes, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7);

-- name: GetContact :one
SELECT * FROM contacts WHERE workspace_id = $1 AND id = $2;

-- name: GetContactByPhone :one
SELECT * FROM contacts WHERE workspace_id = $1 AND phone = $2;

-- name: GetContactByEmail :one
SELECT * FROM contacts WHERE workspace_id = $1 AND email = $2;

-- name: UpdateContact :execrows
UPDATE contacts SET name = $3, email = $4, phone = $5, attributes = $6, updated_at = $7
WHERE workspace_id = $1 AND id = $2;

-- name: DeleteContact :execrows
DELETE FROM contacts WHERE workspace_id = $1 AND id = $2;

-- name: AddContactTag :exec
INSERT INTO contact_tags (contact_id, workspace_id, tag) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING;

-- name: RemoveContactTag :exec
DELETE FROM contact_tags WHERE contact_id = $1 AND tag = $2;

-- name: ListContactTags :many
SELECT tag FROM contact_tags WHERE contact_id = $1 ORDER BY tag;

-- name: CreateIdentity :exec
INSERT INTO contact_identities (id, workspace_id, contact_id, channel_id, external_id, created_at)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: GetIdentity :one
SELECT * FROM contact_identities WHERE channel_id = $1 AND external_id = $2;

-- name: ContactByIdentity :one
-- The contact a channel id belongs to, in one lookup: every inbound message asks.
SELECT c.* FROM contact_identities i JOIN contacts c ON c.id = i.contact_id
WHERE i.channel_id = $1 AND i.external_id = $2 AND c.workspace_id = $3;

-- name: ListContactIdentities :many
SELECT * FROM contact_identities WHERE contact_id = $1 ORDER BY created_at, id;

-- name: ChannelIdentities :many
-- The ids a contact is known by on one channel, oldest first.
SELECT external_id FROM contact_identities WHERE contact_id = $1 AND channel_id = $2 ORDER BY created_at, id;
