-- +goose Up
CREATE TABLE workspaces (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    email         TEXT NOT NULL,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
-- Login is by email alone, so an email names one user across the installation.
CREATE UNIQUE INDEX users_email ON users (email);
CREATE INDEX users_workspace ON users (workspace_id);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    TIMESTAMP NOT NULL,
    last_used_at  TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE teams (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX teams_name ON teams (workspace_id, name);

CREATE TABLE team_members (
    team_id  TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

CREATE TABLE channels (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    type          TEXT NOT NULL,
    name          TEXT NOT NULL,
    settings      TEXT NOT NULL,
    -- AES-GCM sealed JSON; wiped when the channel is deleted.
    secrets       TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    deleted_at    TIMESTAMP
);
CREATE INDEX channels_workspace ON channels (workspace_id);

CREATE TABLE contacts (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    email         TEXT NOT NULL,
    phone         TEXT NOT NULL,
    attributes    TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX contacts_workspace ON contacts (workspace_id, id);
-- One contact per phone and per email within a workspace.
CREATE UNIQUE INDEX contacts_phone ON contacts (workspace_id, phone) WHERE phone <> '';
CREATE UNIQUE INDEX contacts_email ON contacts (workspace_id, email) WHERE email <> '';

CREATE TABLE contact_tags (
    contact_id    TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    workspace_id  TEXT NOT NULL,
    tag           TEXT NOT NULL,
    PRIMARY KEY (contact_id, tag)
);
CREATE INDEX contact_tags_tag ON contact_tags (workspace_id, tag);

CREATE TABLE contact_identities (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL,
    contact_id    TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    channel_id    TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    external_id   TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX contact_identities_external ON contact_identities (channel_id, external_id);
CREATE INDEX contact_identities_contact ON contact_identities (contact_id);

CREATE TABLE conversations (
    id                    TEXT PRIMARY KEY,
    workspace_id          TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    channel_id            TEXT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    contact_id            TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    status                TEXT NOT NULL,
    assignee_id           TEXT REFERENCES users(id) ON DELETE SET NULL,
    team_id               TEXT REFERENCES teams(id) ON DELETE SET NULL,
    unread_count          INTEGER NOT NULL,
    bot_paused            BOOLEAN NOT NULL,
    last_message_preview  TEXT NOT NULL,
    last_activity_at      TIMESTAMP NOT NULL,
    last_inbound_at       TIMESTAMP,
    snoozed_until         TIMESTAMP,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL
);
CREATE INDEX conversations_list ON conversations (workspace_id, status, last_activity_at DESC, id DESC);
CREATE INDEX conversations_activity ON conversations (workspace_id, last_activity_at DESC, id DESC);
CREATE INDEX conversations_assignee ON conversations (workspace_id, assignee_id, last_activity_at DESC);
CREATE INDEX conversations_contact ON conversations (contact_id, channel_id);

CREATE TABLE messages (
    id                   TEXT PRIMARY KEY,
    workspace_id         TEXT NOT NULL,
    conversation_id      TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    channel_id           TEXT NOT NULL,
    direction            TEXT NOT NULL,
    sender_type          TEXT NOT NULL,
    sender_id            TEXT,
    body                 TEXT NOT NULL,
    status               TEXT NOT NULL,
    error_code           TEXT NOT NULL,
    error_reason         TEXT NOT NULL,
    provider_message_id  TEXT,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL
);
CREATE INDEX messages_conversation ON messages (conversation_id, created_at DESC, id DESC);
-- Provider retries of one message are no-ops.
CREATE UNIQUE INDEX messages_provider ON messages (channel_id, provider_message_id);

CREATE TABLE attachments (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL,
    message_id    TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    filename      TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    storage_key   TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX attachments_message ON attachments (message_id);

-- +goose Down
DROP TABLE attachments;
DROP TABLE messages;
DROP TABLE conversations;
DROP TABLE contact_identities;
DROP TABLE contact_tags;
DROP TABLE contacts;
DROP TABLE channels;
DROP TABLE team_members;
DROP TABLE teams;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE workspaces;
