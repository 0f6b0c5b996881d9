-- name: CreateConversation :exec
INSERT INTO conversations (id, workspace_id, channel_id, contact_id, status, unread_count, bot_paused,
    last_message_preview, last_activity_at, created_at, updated_at)
VALUES ($1, $2, $3, $4, 'open', 0, FALSE, '', $5, $5, $5);

-- name: GetConversation :one
SELECT * FROM conversations WHERE workspace_id = $1 AND id = $2;

-- name: GetConversationByID :one
SELECT * FROM conversations WHERE id = $1;

-- name: TouchConversationInbound :exec
-- An inbound message reopens the thread, counts as unread and refreshes the reply window.
UPDATE conversations SET
    status = 'open',
    snoozed_until = NULL,
    unread_count = unread_count + 1,
    last_message_preview = $2,
    last_activity_at = $3,
    last_inbound_at = $4,
    updated_at = $3
WHERE id = $1;

-- name: LatestConversationID :one
-- The thread a contact's next message on a channel belongs to.
SELECT id FROM conversations WHERE contact_id = $1 AND channel_id = $2
ORDER BY created_at DESC, id DESC LIMIT 1;

-- name: TouchConversationOutbound :exec
UPDATE conversations SET last_message_preview = $2, last_activity_at = $3, updated_at = $3 WHERE id = $1;

-- name: SetConversationStatus :execrows
UPDATE conversations SET status = $3, snoozed_until = $4, updated_at = $5 WHERE workspace_id = $1 AND id = $2;

-- name: SetConversationAssignment :execrows
UPDATE conversations SET assignee_id = $3, team_id = $4, updated_at = $5 WHERE workspace_id = $1 AND id = $2;

-- name: MarkConversationRead :execrows
UPDATE conversations SET unread_count = 0 WHERE workspace_id = $1 AND id = $2 AND unread_count <> 0;

-- name: SetConversationBotPaused :execrows
UPDATE conversations SET bot_paused = $3, updated_at = $4 WHERE workspace_id = $1 AND id = $2;

-- name: CreateMessage :exec
INSERT INTO messages (id, workspace_id, conversation_id, channel_id, direction, sender_type, sender_id, body,
    status, error_code, error_reason, provider_message_id, created_at, updated_at, kind, content, reply_to_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', '', $10, $11, $11, $12, $13, $14);

-- name: GetMessage :one
SELECT * FROM messages WHERE workspace_id = $1 AND id = $2;

-- name: GetMessageByProviderID :one
SELECT * FROM messages WHERE channel_id = $1 AND provider_message_id = $2;

-- name: MessageByProviderID :one
-- Whether an inbound message is a redelivery: two columns, not *, since
-- the SQLite driver reads every result column's name and type per call.
SELECT id, conversation_id FROM messages WHERE channel_id = $1 AND provider_message_id = $2;

-- name: ListMessages :many
SELECT * FROM messages WHERE conversation_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2;

-- name: ListMessagesBefore :many
SELECT * FROM messages WHERE conversation_id = $1 AND (created_at < $2 OR (created_at = $2 AND id < $3))
ORDER BY created_at DESC, id DESC LIMIT $4;

-- name: SetMessageStatus :execrows
UPDATE messages SET status = $2, error_code = $3, error_reason = $4, updated_at = $5 WHERE id = $1;

-- name: SetMessageProviderID :exec
UPDATE messages SET provider_message_id = $2, updated_at = $3 WHERE id = $1;

-- name: MarkOutgoingRead :many
-- The reader saw everything the other side wrote: monotonic, a read is never undone.
UPDATE messages SET status = 'read', updated_at = $3
WHERE conversation_id = $1 AND direction = $2 AND status IN ('queued', 'sent', 'delivered')
RETURNING id;

-- name: CreateAttachment :exec
INSERT INTO attachments (id, workspace_id, message_id, filename, content_type, size, storage_key, created_at,
    status, provider_media_id, error)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '');

-- name: GetAttachment :one
SELECT * FROM attachments WHERE workspace_id = $1 AND id = $2;

-- name: ListAttachmentsForMessage :many
SELECT * FROM attachments WHERE message_id = $1 ORDER BY created_at, id;

-- name: WakeSnoozed :many
-- Snoozed conversations whose time has come go back to the open queue.
UPDATE conversations SET status = 'open', snoozed_until = NULL, updated_at = $1
WHERE status = 'snoozed' AND snoozed_until <= $1
RETURNING id, workspace_id, channel_id;
