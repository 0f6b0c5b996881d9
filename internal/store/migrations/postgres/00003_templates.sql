-- +goose Up
-- WhatsApp message templates as the provider last reported them, per channel.
CREATE TABLE message_templates (
    id                 TEXT PRIMARY KEY,
    workspace_id       TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    channel_id         TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    provider_id        TEXT NOT NULL,
    name               TEXT NOT NULL,
    language           TEXT NOT NULL,
    category           TEXT NOT NULL,
    previous_category  TEXT NOT NULL,
    -- As the provider reports it (uppercase); charla sets DELETED itself
    -- when a template is no longer at the provider.
    status             TEXT NOT NULL,
    quality            TEXT NOT NULL,
    rejected_reason    TEXT NOT NULL,
    -- JSON array in Meta's create/list shape, kept whole (carousels too).
    components         TEXT NOT NULL,
    -- The body's text, copied out of components for search.
    body               TEXT NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    -- When the provider last reported this template.
    synced_at          TIMESTAMPTZ NOT NULL
);
-- One row per name and language; also serves listing a channel's templates.
CREATE UNIQUE INDEX message_templates_key ON message_templates (channel_id, name, language);
-- Status webhooks name a template by the provider's id.
CREATE INDEX message_templates_provider ON message_templates (channel_id, provider_id);

-- The last template sync of each channel: when it last succeeded and why the
-- last attempt failed ('' when it did not).
CREATE TABLE template_syncs (
    channel_id  TEXT PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
    synced_at   TIMESTAMPTZ,
    last_error  TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE template_syncs;
DROP TABLE message_templates;
