-- Outgoing messages on their way through a provider, and what it reports back.

-- name: AdvanceMessageStatus :one
-- Statuses only move forward (queued < sending < sent < delivered < failed <
-- read), so a late "delivered" never overwrites "read" and a repeat is a no-op.
UPDATE messages SET status = $2,
    error_code = CASE WHEN $2 = 'failed' THEN $3 ELSE error_code END,
    error_title = CASE WHEN $2 = 'failed' THEN $4 ELSE error_title END,
    error_details = CASE WHEN $2 = 'failed' THEN $5 ELSE error_details END,
    error_reason = CASE WHEN $2 = 'failed' THEN $6 ELSE error_reason END,
    pricing_category = CASE WHEN pricing_category <> $8 AND $8 <> '' THEN $8 ELSE pricing_category END,
    updated_at = $7
WHERE id = $1 AND (CASE status WHEN 'queued' THEN 0 WHEN 'sending' THEN 1 WHEN 'sent' THEN 2
    WHEN 'delivered' THEN 3 WHEN 'failed' THEN 4 WHEN 'read' THEN 5 ELSE 0 END)
  < (CASE $2 WHEN 'queued' THEN 0 WHEN 'sending' THEN 1 WHEN 'sent' THEN 2
    WHEN 'delivered' THEN 3 WHEN 'failed' THEN 4 WHEN 'read' THEN 5 ELSE 0 END)
RETURNING id, workspace_id, conversation_id, channel_id;

-- name: SetMessagePricing :exec
-- For a status that did not advance the message (AdvanceMessageStatus
-- records pricing when it does); no write when nothing changes.
UPDATE messages SET pricing_category = $2 WHERE id = $1 AND pricing_category <> $2;

-- name: RecordProviderID :execrows
-- The provider accepted the message: remember its id so statuses find it.
UPDATE messages SET provider_message_id = $2, updated_at = $3 WHERE id = $1 AND provider_message_id IS NULL;

-- name: ClaimMessage :one
-- A send job takes its message: queued → sending. A message found already
-- "sending" was interrupted mid-call (crash); the job decides what to do.
-- updated_at then keeps when the interrupted attempt began.
UPDATE messages SET status = 'sending', updated_at = CASE WHEN status = 'queued' THEN $2 ELSE updated_at END
WHERE id = $1 AND status IN ('queued', 'sending')
RETURNING id, workspace_id, conversation_id, channel_id, status, updated_at;

-- name: GetMessageByID :one
SELECT * FROM messages WHERE id = $1;

-- name: SavePendingStatus :exec
INSERT INTO pending_statuses (channel_id, provider_message_id, status, error_code, error_title, error_details,
    error_reason, pricing_category, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (channel_id, provider_message_id, status) DO NOTHING;

-- name: TakePendingStatuses :many
DELETE FROM pending_statuses WHERE channel_id = $1 AND provider_message_id = $2
RETURNING status, error_code, error_title, error_details, error_reason, pricing_category;

-- name: PurgePendingStatuses :execrows
-- Statuses for messages that never showed up are dropped after a week.
DELETE FROM pending_statuses WHERE created_at < $1;

-- name: QueuedMessages :many
-- Outgoing messages older than $1 still waiting: the sweep re-enqueues them.
SELECT id FROM messages WHERE status IN ('queued', 'sending') AND direction = 'outgoing' AND created_at < $1
ORDER BY created_at LIMIT $2;

-- name: RecordBusinessInitiated :exec
INSERT INTO business_initiated (channel_id, contact_id, initiated_at) VALUES ($1, $2, $3)
ON CONFLICT (channel_id, contact_id) DO UPDATE SET initiated_at = excluded.initiated_at
WHERE business_initiated.initiated_at < $4;

-- name: CountBusinessInitiated :one
SELECT COUNT(*) FROM business_initiated WHERE channel_id = $1 AND initiated_at > $2;

-- name: SetAttachmentReady :exec
UPDATE attachments SET status = 'ready', storage_key = $2, size = $3, content_type = $4, filename = $5, error = ''
WHERE id = $1;

-- name: SetAttachmentUnavailable :exec
UPDATE attachments SET status = 'unavailable', error = $2 WHERE id = $1;

-- name: GetAttachmentByID :one
SELECT a.*, m.channel_id, m.conversation_id FROM attachments a JOIN messages m ON m.id = a.message_id WHERE a.id = $1;

-- name: SetConversationReferral :exec
UPDATE conversations SET referral = $2 WHERE id = $1 AND referral = '';

-- name: InitiatedRecently :one
-- Whether the business already started a conversation with the contact in the window.
SELECT COUNT(*) FROM business_initiated WHERE channel_id = $1 AND contact_id = $2 AND initiated_at > $3;
