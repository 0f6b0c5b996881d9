-- Broadcasts and their recipients (internal/broadcast), and the conversation
-- a bulk message goes into (inbox.ComposeBulkTx).

-- name: CreateBroadcast :exec
INSERT INTO broadcasts (id, workspace_id, channel_id, name, status, pause_reason, template_name, template_language,
    template_values, body, audience, scheduled_at, time_zone, created_by, total, audience_cursor, materialized,
    ignore_limit, counts, created_at, updated_at)
VALUES (sqlc.arg(id), sqlc.arg(workspace_id), sqlc.arg(channel_id), sqlc.arg(name), 'draft', '', sqlc.arg(template_name),
    sqlc.arg(template_language), sqlc.arg(template_values), sqlc.arg(body), sqlc.arg(audience), sqlc.narg(scheduled_at),
    sqlc.arg(time_zone), sqlc.narg(created_by), 0, '', FALSE, FALSE, '', sqlc.arg(created_at), sqlc.arg(created_at));

-- name: GetBroadcast :one
SELECT * FROM broadcasts WHERE workspace_id = $1 AND id = $2;

-- name: GetBroadcastByID :one
SELECT * FROM broadcasts WHERE id = $1;

-- name: ListBroadcasts :many
-- Newest first (ids are time-ordered); before is the last id of the previous page.
SELECT * FROM broadcasts
WHERE workspace_id = sqlc.arg(workspace_id)
  AND (status = sqlc.arg(status) OR sqlc.arg(status) = '')
  AND (id < sqlc.arg(before) OR sqlc.arg(before) = '')
ORDER BY id DESC LIMIT sqlc.arg(lim);

-- name: UpdateBroadcastDraft :execrows
-- A draft or scheduled broadcast's content, audience and schedule.
UPDATE broadcasts SET name = sqlc.arg(name), template_name = sqlc.arg(template_name),
    template_language = sqlc.arg(template_language), template_values = sqlc.arg(template_values), body = sqlc.arg(body),
    audience = sqlc.arg(audience), scheduled_at = sqlc.narg(scheduled_at), time_zone = sqlc.arg(time_zone),
    updated_at = sqlc.arg(updated_at)
WHERE workspace_id = sqlc.arg(workspace_id) AND id = sqlc.arg(id) AND status IN ('draft', 'scheduled');

-- name: DeleteBroadcast :execrows
-- Only a broadcast that is not sending can be deleted.
DELETE FROM broadcasts WHERE workspace_id = $1 AND id = $2 AND status IN ('draft', 'scheduled', 'completed', 'cancelled');

-- name: SetBroadcastStatus :execrows
-- Moves a broadcast from one status to another; no row when it was not in
-- status from (someone else moved it first).
UPDATE broadcasts SET status = sqlc.arg(status), pause_reason = sqlc.arg(pause_reason), updated_at = sqlc.arg(updated_at)
WHERE id = sqlc.arg(id) AND status = sqlc.arg(from_status);

-- name: ScheduleBroadcast :execrows
UPDATE broadcasts SET status = 'scheduled', ignore_limit = sqlc.arg(ignore_limit), updated_at = sqlc.arg(updated_at)
WHERE id = sqlc.arg(id) AND status IN ('draft', 'scheduled');

-- name: StartBroadcast :execrows
UPDATE broadcasts SET status = 'running', pause_reason = '', ignore_limit = sqlc.arg(ignore_limit), audience = sqlc.arg(audience),
    started_at = COALESCE(started_at, sqlc.arg(updated_at)), finished_at = NULL, updated_at = sqlc.arg(updated_at)
WHERE id = sqlc.arg(id) AND (status IN ('draft', 'scheduled') OR (status = 'paused' AND started_at IS NULL));

-- name: ReopenBroadcast :execrows
-- Retrying failed recipients of a finished broadcast sends again.
UPDATE broadcasts SET status = 'running', finished_at = NULL, updated_at = $2 WHERE id = $1 AND status = 'completed';

-- name: FinishBroadcast :execrows
UPDATE broadcasts SET status = sqlc.arg(status), finished_at = sqlc.narg(finished_at), updated_at = sqlc.arg(updated_at)
WHERE id = sqlc.arg(id) AND status = sqlc.arg(from_status);

-- name: SetBroadcastAudienceProgress :execrows
-- Recipients written up to a new cursor; no row when another feeder moved
-- the cursor first. (updated_at stays: it tells when the status last changed.)
UPDATE broadcasts SET total = sqlc.arg(total), audience_cursor = sqlc.arg(audience_cursor),
    materialized = sqlc.arg(materialized)
WHERE id = sqlc.arg(id) AND audience_cursor = sqlc.arg(old_cursor);

-- name: SetBroadcastCounts :exec
UPDATE broadcasts SET counts = $2 WHERE id = $1;

-- name: CountRecipientsByStatus :many
SELECT status, COUNT(*) AS n FROM broadcast_recipients WHERE broadcast_id = $1 GROUP BY status;

-- name: CountRepliedRecipients :one
SELECT COUNT(*) FROM broadcast_recipients WHERE broadcast_id = $1 AND replied_at IS NOT NULL;

-- name: CountRecipientsInStatus :one
SELECT COUNT(*) FROM broadcast_recipients WHERE broadcast_id = $1 AND status = $2;

-- name: MaxRecipientSeq :one
SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM broadcast_recipients WHERE broadcast_id = $1;

-- name: ListRecipients :many
-- A page of recipients in audience order with the contact as it is now
-- (blank when deleted); status "" lists all, "replied" those who replied.
SELECT r.seq, r.contact_id, r.status, r.message_id, r.error_code, r.error_reason, r.queued_at, r.replied_at,
    r.updated_at, COALESCE(c.name, '') AS name, COALESCE(c.phone, '') AS phone
FROM broadcast_recipients r LEFT JOIN contacts c ON c.id = r.contact_id
WHERE r.broadcast_id = sqlc.arg(broadcast_id) AND r.seq > sqlc.arg(after_seq)
  AND (r.status = sqlc.arg(status) OR sqlc.arg(status) = '' OR (sqlc.arg(status) = 'replied' AND r.replied_at IS NOT NULL))
ORDER BY r.seq LIMIT sqlc.arg(lim);

-- name: FailuresByCode :many
-- Failed and skipped recipients grouped by what stopped them.
SELECT status, error_code, COUNT(*) AS n, MIN(error_reason) AS reason
FROM broadcast_recipients WHERE broadcast_id = $1 AND status IN ('failed', 'skipped')
GROUP BY status, error_code ORDER BY n DESC, error_code;

-- name: PendingRecipients :many
-- The next recipients to feed (SQLite: the one writer makes this exclusive;
-- PostgreSQL locks them with SKIP LOCKED, see broadcast.claimSQL).
SELECT seq, contact_id FROM broadcast_recipients WHERE broadcast_id = $1 AND status = 'pending' ORDER BY seq LIMIT $2;

-- name: MarkRecipientQueued :execrows
-- The exactly-once point: a pending recipient gets its message in the
-- transaction that wrote the message.
UPDATE broadcast_recipients SET status = sqlc.arg(status), message_id = sqlc.arg(message_id),
    conversation_id = sqlc.arg(conversation_id), error_code = '', error_reason = '', queued_at = sqlc.arg(queued_at),
    reply_until = sqlc.arg(reply_until), updated_at = sqlc.arg(queued_at)
WHERE broadcast_id = sqlc.arg(broadcast_id) AND seq = sqlc.arg(seq) AND status = 'pending';

-- name: MarkRecipientUnsent :execrows
-- A pending recipient that gets no message: failed or skipped, with why.
UPDATE broadcast_recipients SET status = sqlc.arg(status), error_code = sqlc.arg(error_code),
    error_reason = sqlc.arg(error_reason), updated_at = sqlc.arg(updated_at)
WHERE broadcast_id = sqlc.arg(broadcast_id) AND seq = sqlc.arg(seq) AND status = 'pending';

-- name: CancelRecipients :execrows
-- Recipients not yet handed to the provider. Their messages still queued
-- fail (CancelQueuedMessages); one a send job holds is dropped by the
-- pipeline's gate, or, if it passed the gate first, is sent and its
-- recipient follows it to "sent".
UPDATE broadcast_recipients SET status = 'cancelled', updated_at = $2
WHERE broadcast_id = $1 AND status IN ('pending', 'queued', 'held');

-- name: CancelQueuedMessages :execrows
UPDATE messages SET status = 'failed', error_code = '', error_title = '', error_details = '',
    error_reason = 'not sent: the broadcast was cancelled', updated_at = $2
WHERE status = 'queued' AND id IN (SELECT r.message_id FROM broadcast_recipients r
    WHERE r.broadcast_id = $1 AND r.status = 'cancelled' AND r.message_id IS NOT NULL);

-- name: BroadcastOfMessage :one
-- The broadcast a message belongs to, for the send pipeline's gate.
SELECT b.id, b.workspace_id, b.status FROM broadcast_recipients r JOIN broadcasts b ON b.id = r.broadcast_id
WHERE r.message_id = $1;

-- name: FailedRecipients :many
SELECT seq, error_code, error_reason FROM broadcast_recipients
WHERE broadcast_id = $1 AND status = 'failed' AND seq > $2 ORDER BY seq LIMIT $3;

-- name: ResetRecipient :execrows
-- A failed recipient is fed again: a new message, the failed one stays in the conversation.
UPDATE broadcast_recipients SET status = 'pending', message_id = NULL, error_code = '', error_reason = '',
    queued_at = NULL, reply_until = NULL, updated_at = $3
WHERE broadcast_id = $1 AND seq = $2 AND status = 'failed';

-- name: ContactConversationOnChannel :one
-- The thread a message to the contact on the channel belongs to.
SELECT id, last_inbound_at FROM conversations WHERE contact_id = $1 AND channel_id = $2
ORDER BY created_at DESC, id DESC LIMIT 1;

-- name: CreateClosedConversation :exec
-- A conversation opened by a bulk message, already showing it.
INSERT INTO conversations (id, workspace_id, channel_id, contact_id, status, unread_count, bot_paused,
    last_message_preview, last_activity_at, created_at, updated_at)
VALUES ($1, $2, $3, $4, 'closed', 0, FALSE, $5, $6, $6, $6);

-- name: HoldRecipient :execrows
-- The send pipeline kept the recipient's message back: its broadcast is
-- paused (still, see broadcast.HoldTx).
UPDATE broadcast_recipients SET status = 'held', updated_at = $2
WHERE message_id = $1 AND status IN ('queued', 'held') AND EXISTS (SELECT 1 FROM broadcasts b
    WHERE b.id = broadcast_recipients.broadcast_id AND b.status IN ('paused', 'scheduled', 'draft'));

-- name: UnholdRecipients :many
-- A resumed broadcast's held messages go back to the send pipeline.
UPDATE broadcast_recipients SET status = 'queued', updated_at = $2 WHERE broadcast_id = $1 AND status = 'held'
RETURNING message_id;
