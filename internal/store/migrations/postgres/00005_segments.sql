-- +goose Up
-- Saved contact filters (contacts.Filter as JSON), used by broadcasts and the contacts list.
CREATE TABLE segments (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    filter        TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX segments_name ON segments (workspace_id, name);

-- A contact who asked to receive no more broadcasts; the row is deleted when
-- an agent re-subscribes them. A table of its own keeps the contacts row shape.
CREATE TABLE contact_optouts (
    contact_id    TEXT PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE,
    workspace_id  TEXT NOT NULL,
    reason        TEXT NOT NULL,
    -- keyword, quick_reply, agent, api …
    source        TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

-- Segment conditions: created between, and the latest inbound message per contact.
CREATE INDEX contacts_created ON contacts (workspace_id, created_at);
CREATE INDEX conversations_contact_inbound ON conversations (contact_id, last_inbound_at);

-- +goose Down
DROP INDEX conversations_contact_inbound;
DROP INDEX contacts_created;
DROP TABLE contact_optouts;
DROP TABLE segments;
