-- name: GetBusinessProfile :one
SELECT * FROM business_profiles WHERE channel_id = $1;

-- name: PutBusinessProfile :exec
INSERT INTO business_profiles (channel_id, profile, synced_at) VALUES ($1, $2, $3)
ON CONFLICT (channel_id) DO UPDATE SET profile = excluded.profile, synced_at = excluded.synced_at;
