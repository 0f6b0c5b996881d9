package wa

import (
	"context"

	"charla/internal/channel"
	"charla/internal/channel/whatsapp"
	"charla/internal/templates"
)

// templateEvent applies a template webhook (status, quality, category) and
// reports whether c was one. A template charla doesn't know yet makes the
// templates service sync the channel instead.
func (h *Webhooks) templateEvent(ctx context.Context, ch channel.Channel, c whatsapp.Change) bool {
	var err error
	switch c.Field {
	case whatsapp.FieldTemplateStatusUpdate:
		var u whatsapp.TemplateStatusUpdate
		if u, err = whatsapp.ParseTemplateStatusUpdate(c); err == nil {
			err = h.Templates.ApplyStatus(ctx, ch.ID, templates.StatusUpdate{ProviderID: u.ID, Name: u.Name,
				Language: u.Language, Event: u.Event, Reason: rejection(u), Category: u.Category})
		}
	case whatsapp.FieldTemplateQualityUpdate:
		var u whatsapp.TemplateQualityUpdate
		if u, err = whatsapp.ParseTemplateQualityUpdate(c); err == nil {
			err = h.Templates.ApplyQuality(ctx, ch.ID, templates.QualityUpdate{ProviderID: u.ID, Name: u.Name,
				Language: u.Language, Quality: u.New})
		}
	case whatsapp.FieldTemplateCategoryUpdate:
		var u whatsapp.TemplateCategoryUpdate
		if u, err = whatsapp.ParseTemplateCategoryUpdate(c); err == nil {
			err = h.Templates.ApplyCategory(ctx, ch.ID, templates.CategoryUpdate{ProviderID: u.ID, Name: u.Name,
				Language: u.Language, Category: u.New, PreviousCategory: u.Previous})
		}
	default:
		return false
	}
	if err != nil {
		h.Log.Warn("whatsapp template event", "channel", ch.ID, "field", c.Field, "err", err)
	}
	return true
}

// rejection is the reason code, with Meta's explanation when it gives one
// (INVALID_FORMAT rejections carry the offending detail).
func rejection(u whatsapp.TemplateStatusUpdate) string {
	switch {
	case u.RejectionReason == "":
		return u.Reason
	case u.Reason == "" || u.Reason == "NONE":
		return u.RejectionReason
	}
	return u.Reason + ": " + u.RejectionReason
}
