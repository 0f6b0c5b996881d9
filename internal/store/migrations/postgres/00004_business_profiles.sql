-- +goose Up
-- The WhatsApp business profile as charla last read it from the provider
-- (JSON), so the settings page shows it without a provider call each time.
CREATE TABLE business_profiles (
    channel_id  TEXT PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
    profile     TEXT NOT NULL,
    synced_at   TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE business_profiles;
