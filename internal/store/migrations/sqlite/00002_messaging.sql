-- +goose Up
-- Rich message content (media, location, interactive …), delivery detail,
-- and what provider channels need: pending statuses, channel health,
-- business-initiated recipients for messaging limits.
ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'text';
-- JSON of the kind's structured part (inbox.Content); '' for plain text.
ALTER TABLE messages ADD COLUMN content TEXT NOT NULL DEFAULT '';
-- The message this one quotes, when charla knows it.
ALTER TABLE messages ADD COLUMN reply_to_id TEXT;
ALTER TABLE messages ADD COLUMN error_title TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN error_details TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN pricing_category TEXT NOT NULL DEFAULT '';

-- Click-to-WhatsApp ad (or other referral) that started the conversation, as JSON.
ALTER TABLE conversations ADD COLUMN referral TEXT NOT NULL DEFAULT '';

-- pending: the provider still holds the file; unavailable: fetching failed for good.
ALTER TABLE attachments ADD COLUMN status TEXT NOT NULL DEFAULT 'ready';
ALTER TABLE attachments ADD COLUMN provider_media_id TEXT NOT NULL DEFAULT '';
ALTER TABLE attachments ADD COLUMN error TEXT NOT NULL DEFAULT '';

-- A status a provider reported for a message charla has not yet recorded as
-- sent (the webhook beat the send's commit); applied when the id is recorded.
CREATE TABLE pending_statuses (
    channel_id           TEXT NOT NULL,
    provider_message_id  TEXT NOT NULL,
    status               TEXT NOT NULL,
    error_code           TEXT NOT NULL,
    error_title          TEXT NOT NULL,
    error_details        TEXT NOT NULL,
    error_reason         TEXT NOT NULL,
    pricing_category     TEXT NOT NULL,
    created_at           TIMESTAMP NOT NULL,
    PRIMARY KEY (channel_id, provider_message_id, status)
);
CREATE INDEX pending_statuses_created ON pending_statuses (created_at);

-- What charla last learned about a channel: webhooks, errors, and the
-- provider's view of the number (JSON: quality, messaging limit …).
CREATE TABLE channel_health (
    channel_id       TEXT PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
    last_webhook_at  TIMESTAMP,
    last_error       TEXT NOT NULL,
    last_error_at    TIMESTAMP,
    info             TEXT NOT NULL,
    checked_at       TIMESTAMP,
    updated_at       TIMESTAMP NOT NULL
);

-- The last time the business started a conversation with a recipient; the
-- rows younger than 24 h are the number's used messaging limit.
CREATE TABLE business_initiated (
    channel_id    TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    contact_id    TEXT NOT NULL,
    initiated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (channel_id, contact_id)
);
CREATE INDEX business_initiated_at ON business_initiated (channel_id, initiated_at);

-- The send pipeline's sweep finds messages left queued without a job.
CREATE INDEX messages_queued ON messages (status, created_at) WHERE status IN ('queued', 'sending');

-- +goose Down
DROP INDEX messages_queued;
DROP TABLE business_initiated;
DROP TABLE channel_health;
DROP TABLE pending_statuses;
ALTER TABLE attachments DROP COLUMN error;
ALTER TABLE attachments DROP COLUMN provider_media_id;
ALTER TABLE attachments DROP COLUMN status;
ALTER TABLE conversations DROP COLUMN referral;
ALTER TABLE messages DROP COLUMN pricing_category;
ALTER TABLE messages DROP COLUMN error_details;
ALTER TABLE messages DROP COLUMN error_title;
ALTER TABLE messages DROP COLUMN reply_to_id;
ALTER TABLE messages DROP COLUMN content;
ALTER TABLE messages DROP COLUMN kind;
