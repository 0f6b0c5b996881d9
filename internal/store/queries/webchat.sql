-- name: VisitorConversation :one
-- The conversation a web-chat visitor sees: the latest one, on that channel, of
-- the contact their visitor id is an identity of. Ordered like LatestConversation
-- so it is the thread Receive writes to.
SELECT c.id FROM conversations c
JOIN contact_identities i ON i.contact_id = c.contact_id AND i.channel_id = c.channel_id
WHERE i.channel_id = $1 AND i.external_id = $2
ORDER BY c.created_at DESC, c.id DESC
LIMIT 1;

-- name: VisitorMessages :many
-- The newest messages a visitor may see of their conversation: never internal notes.
SELECT id FROM messages
WHERE conversation_id = sqlc.arg(conversation_id) AND direction <> 'note'
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(max_rows);

-- name: VisitorMessagesBefore :many
-- The page before message before_id; a before_id outside the conversation yields nothing.
SELECT m.id FROM messages m
JOIN messages b ON b.id = sqlc.arg(before_id) AND b.conversation_id = m.conversation_id
WHERE m.conversation_id = sqlc.arg(conversation_id) AND m.direction <> 'note'
    AND (m.created_at < b.created_at OR (m.created_at = b.created_at AND m.id < b.id))
ORDER BY m.created_at DESC, m.id DESC
LIMIT sqlc.arg(max_rows);

-- name: VisitorAttachment :one
-- An attachment of a message the visitor may see in conversation conversation_id.
SELECT a.id FROM attachments a
JOIN messages m ON m.id = a.message_id
WHERE a.id = $1 AND m.conversation_id = $2 AND m.direction <> 'note';
