package api

import "charla/internal/templates"

// The spec's template schemas, mapped field by field from internal/templates
// like every other response (see json.go).

// templateJSON is the spec's MessageTemplate.
type templateJSON struct {
	ID               string                `json:"id"`
	ChannelID        string                `json:"channel_id"`
	ProviderID       *string               `json:"provider_id"`
	Name             string                `json:"name"`
	Language         string                `json:"language"`
	Category         string                `json:"category"`
	PreviousCategory *string               `json:"previous_category"`
	Status           string                `json:"status"`
	Quality          *string               `json:"quality"`
	RejectedReason   *string               `json:"rejected_reason"`
	Components       []templates.Component `json:"components"`
	CreatedAt        string                `json:"created_at"`
	UpdatedAt        string                `json:"updated_at"`
	SyncedAt         string                `json:"synced_at"`
}

func templateOut(t templates.Template) templateJSON {
	return templateJSON{ID: t.ID, ChannelID: t.ChannelID, ProviderID: optString(t.ProviderID), Name: t.Name,
		Language: t.Language, Category: t.Category, PreviousCategory: optString(t.PreviousCategory), Status: t.Status,
		Quality: optString(t.Quality), RejectedReason: optString(t.RejectedReason), Components: nonNil(t.Components),
		CreatedAt: timestamp(t.CreatedAt), UpdatedAt: timestamp(t.UpdatedAt), SyncedAt: timestamp(t.SyncedAt)}
}

// templatesJSON is the spec's TemplateList: not a paged list (a channel has
// at most a few thousand templates, filtered by the query), so it carries
// the channel's sync state instead of a cursor.
type templatesJSON struct {
	Data          []templateJSON `json:"data"`
	SyncedAt      *string        `json:"synced_at"`
	LastSyncError *string        `json:"last_sync_error"`
}

func templatesOut(ts []templates.Template, st templates.SyncState) templatesJSON {
	out := templatesJSON{Data: make([]templateJSON, len(ts)), SyncedAt: optTimestamp(st.SyncedAt),
		LastSyncError: optString(st.LastError)}
	for i, t := range ts {
		out.Data[i] = templateOut(t)
	}
	return out
}

// syncJSON is the spec's TemplateSyncResult.
type syncJSON struct {
	Added    int    `json:"added"`
	Updated  int    `json:"updated"`
	Deleted  int    `json:"deleted"`
	SyncedAt string `json:"synced_at"`
}

func syncOut(r templates.SyncResult) syncJSON {
	return syncJSON{Added: r.Added, Updated: r.Updated, Deleted: r.Deleted, SyncedAt: timestamp(r.SyncedAt)}
}

// languageJSON is the spec's TemplateLanguage.
type languageJSON struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type languagesJSON struct {
	Data []languageJSON `json:"data"`
}
