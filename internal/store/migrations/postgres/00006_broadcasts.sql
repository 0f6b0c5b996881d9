-- +goose Up
-- Broadcasts: one message (a template, or text) to an audience of contacts
-- on one channel, at the channel's rate, each recipient exactly once.
CREATE TABLE broadcasts (
    id                 TEXT PRIMARY KEY,
    workspace_id       TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    channel_id         TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    name               TEXT NOT NULL,
    -- draft, scheduled, running, paused, completed, cancelled
    status             TEXT NOT NULL,
    -- Why a paused broadcast stopped (an agent, or a provider error).
    pause_reason       TEXT NOT NULL,
    template_name      TEXT NOT NULL,
    template_language  TEXT NOT NULL,
    -- JSON of templates.Values; values may name contact fields ({{contact.first_name}}).
    template_values    TEXT NOT NULL,
    -- The text of a text broadcast ('' for a template).
    body               TEXT NOT NULL,
    -- JSON: a segment id, a filter, or a list of contact ids.
    audience           TEXT NOT NULL,
    scheduled_at       TIMESTAMPTZ,
    -- The IANA zone the schedule was chosen in; scheduled_at is UTC.
    time_zone          TEXT NOT NULL,
    created_by         TEXT REFERENCES users(id) ON DELETE SET NULL,
    -- Recipients are written in batches once it starts: total so far, where
    -- the audience was left (a contact id or a list position), and whether
    -- it is complete.
    total              INTEGER NOT NULL,
    audience_cursor    TEXT NOT NULL,
    materialized       BOOLEAN NOT NULL,
    -- Started despite a messaging-limit warning.
    ignore_limit       BOOLEAN NOT NULL,
    -- JSON of the counts last announced, so progress is announced on change only.
    counts             TEXT NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    started_at         TIMESTAMPTZ,
    finished_at        TIMESTAMPTZ
);
CREATE INDEX broadcasts_list ON broadcasts (workspace_id, id);

-- One row per contact of a started broadcast, in audience order (seq).
CREATE TABLE broadcast_recipients (
    broadcast_id     TEXT NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    seq              INTEGER NOT NULL,
    -- No foreign key: the report keeps a deleted contact's row.
    contact_id       TEXT NOT NULL,
    -- pending, queued, sent, delivered, read, failed, skipped, cancelled
    status           TEXT NOT NULL,
    message_id       TEXT,
    conversation_id  TEXT,
    error_code       TEXT NOT NULL,
    error_reason     TEXT NOT NULL,
    queued_at        TIMESTAMPTZ,
    -- A message from the contact in the conversation until then is a reply.
    reply_until      TIMESTAMPTZ,
    replied_at       TIMESTAMPTZ,
    updated_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (broadcast_id, seq)
);
CREATE UNIQUE INDEX broadcast_recipients_contact ON broadcast_recipients (broadcast_id, contact_id);
-- The feeder takes pending rows in order; counts group by status.
CREATE INDEX broadcast_recipients_status ON broadcast_recipients (broadcast_id, status, seq);
CREATE UNIQUE INDEX broadcast_recipients_message ON broadcast_recipients (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX broadcast_recipients_conversation ON broadcast_recipients (conversation_id) WHERE conversation_id IS NOT NULL;
CREATE INDEX broadcast_recipients_replied ON broadcast_recipients (broadcast_id) WHERE replied_at IS NOT NULL;

-- A recipient follows its message: sent, delivered, read or failed, whoever
-- records it (the send pipeline, a status webhook), in the same transaction.
-- A failure does not overwrite a cancellation; a send that beat it does.
-- +goose StatementBegin
CREATE FUNCTION broadcast_recipient_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE broadcast_recipients SET status = NEW.status,
        error_code = CASE WHEN NEW.status = 'failed' THEN NEW.error_code ELSE '' END,
        error_reason = CASE WHEN NEW.status = 'failed' THEN NEW.error_reason ELSE '' END,
        updated_at = NEW.updated_at
    WHERE message_id = NEW.id AND (NEW.status <> 'failed' OR status <> 'cancelled');
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER broadcast_recipient_status AFTER UPDATE OF status ON messages
FOR EACH ROW WHEN (NEW.status IN ('sent', 'delivered', 'read', 'failed') AND NEW.status IS DISTINCT FROM OLD.status)
EXECUTE FUNCTION broadcast_recipient_status();

-- A contact's message in the conversation a broadcast wrote to, before the
-- reply window ends, is a reply to it.
-- +goose StatementBegin
CREATE FUNCTION broadcast_recipient_reply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE broadcast_recipients SET replied_at = NEW.created_at
    WHERE conversation_id = NEW.conversation_id AND replied_at IS NULL
      AND queued_at < NEW.created_at AND reply_until >= NEW.created_at;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER broadcast_recipient_reply AFTER INSERT ON messages
FOR EACH ROW WHEN (NEW.direction = 'incoming')
EXECUTE FUNCTION broadcast_recipient_reply();

-- The next free send slot per channel, shared by every instance on
-- PostgreSQL (outbound's limiter); unused on SQLite, kept for one schema.
CREATE TABLE channel_rate (
    channel_id  TEXT PRIMARY KEY,
    next_slot   TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE channel_rate;
DROP TRIGGER broadcast_recipient_reply ON messages;
DROP FUNCTION broadcast_recipient_reply();
DROP TRIGGER broadcast_recipient_status ON messages;
DROP FUNCTION broadcast_recipient_status();
DROP TABLE broadcast_recipients;
DROP TABLE broadcasts;
