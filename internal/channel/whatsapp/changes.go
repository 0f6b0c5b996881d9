package whatsapp

import (
	"encoding/json"
	"fmt"
	"time"

	"charla/internal/problem"
)

// Webhook fields of account-level changes decoded by this file.
const (
	FieldQualityUpdate        = "phone_number_quality_update"
	FieldTemplateStatusUpdate = "message_template_status_update"
)

// QualityUpdate is a phone_number_quality_update: the number's messaging
// limit or throughput changed, or it was flagged.
type QualityUpdate struct {
	WABAID             string
	Time               time.Time
	DisplayPhoneNumber string
	// Event: FLAGGED, UNFLAGGED, ONBOARDING, UPGRADE, DOWNGRADE,
	// THROUGHPUT_UPGRADE, … kept verbatim.
	Event string
	// CurrentLimit and OldLimit are per-number tiers (TIER_250, TIER_2K,
	// TIER_10K, TIER_100K, TIER_UNLIMITED …); Meta is removing them in
	// favour of MaxDailyConversationsPerBusiness (portfolio level).
	CurrentLimit                     string
	OldLimit                         string
	MaxDailyConversationsPerBusiness string
}

// Tier is the most current messaging-limit tier the update names.
func (q QualityUpdate) Tier() string {
	return firstNonEmpty(q.MaxDailyConversationsPerBusiness, q.CurrentLimit)
}

// ParseQualityUpdate decodes a phone_number_quality_update change.
func ParseQualityUpdate(c Change) (QualityUpdate, error) {
	q := QualityUpdate{WABAID: c.WABAID, Time: c.Time}
	o, err := changeValue(c, FieldQualityUpdate)
	if err != nil {
		return q, err
	}
	q.DisplayPhoneNumber = o.str("display_phone_number")
	q.Event = o.str("event")
	q.CurrentLimit = o.str("current_limit")
	q.OldLimit = o.str("old_limit")
	// Meta's reference spells it max_daily_conversations_per_business; older
	// payloads carried the per-number max_daily_conversation_per_phone (a
	// number). providers.md lists neither (UNVERIFIED there): accept both.
	q.MaxDailyConversationsPerBusiness = firstNonEmpty(
		o.str("max_daily_conversations_per_business"),
		o.str("max_daily_conversation_per_business"),
		o.str("max_daily_conversation_per_phone"),
	)
	return q, nil
}

// TierLimit turns a messaging-limit tier into the number of customers that
// may be reached outside a service window per 24 h. unlimited is set for
// TIER_UNLIMITED; ok is false for TIER_NOT_SET and unknown strings. Both the
// old per-number ladder (TIER_50, TIER_1K) and the portfolio ladder (TIER_2K)
// are known.
func TierLimit(tier string) (limit int, unlimited, ok bool) {
	switch tier {
	case "TIER_50":
		return 50, false, true
	case "TIER_250":
		return 250, false, true
	case "TIER_1K":
		return 1000, false, true
	case "TIER_2K":
		return 2000, false, true
	case "TIER_10K":
		return 10000, false, true
	case "TIER_100K":
		return 100000, false, true
	case "TIER_UNLIMITED":
		return 0, true, true
	}
	return 0, false, false
}

// TemplateStatusUpdate is a message_template_status_update.
type TemplateStatusUpdate struct {
	WABAID string
	Time   time.Time
	// Event is the new status: APPROVED, REJECTED, PENDING, PAUSED, DISABLED,
	// FLAGGED, IN_APPEAL, PENDING_DELETION, DELETED, ARCHIVED, … verbatim.
	Event    string
	ID       string // message_template_id (a number on the wire)
	Name     string
	Language string
	Category string
	// Reason is why (rejection reason, NONE …); empty when Meta sends null.
	Reason string
	// OtherInfo explains pauses, locks and unpauses.
	OtherInfo   *TemplateOtherInfo
	DisableDate time.Time
	// RejectionReason and Recommendation come with INVALID_FORMAT rejections.
	RejectionReason string
	Recommendation  string
}

type TemplateOtherInfo struct {
	Title       string // FIRST_PAUSE, SECOND_PAUSE, UNPAUSE, DISABLED, …
	Description string
}

// ParseTemplateStatusUpdate decodes a message_template_status_update change.
func ParseTemplateStatusUpdate(c Change) (TemplateStatusUpdate, error) {
	t := TemplateStatusUpdate{WABAID: c.WABAID, Time: c.Time}
	o, err := changeValue(c, FieldTemplateStatusUpdate)
	if err != nil {
		return t, err
	}
	t.Event = o.str("event")
	t.ID = o.str("message_template_id")
	t.Name = o.str("message_template_name")
	t.Language = o.str("message_template_language")
	t.Category = o.str("message_template_category")
	t.Reason = o.str("reason")
	if o.has("other_info") {
		// Meta documents an object {title, description}; a bare string is
		// kept as the description rather than lost.
		var info struct {
			Title       flexString `json:"title"`
			Description flexString `json:"description"`
		}
		var text flexString
		switch {
		case json.Unmarshal(o.m["other_info"], &info) == nil:
			t.OtherInfo = &TemplateOtherInfo{Title: string(info.Title), Description: string(info.Description)}
		case json.Unmarshal(o.m["other_info"], &text) == nil:
			t.OtherInfo = &TemplateOtherInfo{Description: string(text)}
		}
	}
	var disable struct {
		Date flexTime `json:"disable_date"`
	}
	if o.decode("disable_info", &disable) {
		t.DisableDate = time.Time(disable.Date)
	}
	var rej struct {
		Reason         flexString `json:"reason"`
		Recommendation flexString `json:"recommendation"`
	}
	if o.decode("rejection_info", &rej) {
		t.RejectionReason, t.Recommendation = string(rej.Reason), string(rej.Recommendation)
	}
	return t, nil
}

// changeValue checks c is a field change and decodes its value; typed
// helpers tolerate odd fields (they come from Meta, not a client) and fail
// only when the change is not the expected kind at all.
func changeValue(c Change, field string) (object, error) {
	if c.Field != field {
		return object{}, problem.New(problem.BadRequest, "change field is %q, want %q", c.Field, field)
	}
	o, err := newObject(c.Value, nil)
	if err != nil {
		return o, problem.New(problem.BadRequest, "%s value %s", field, fmt.Sprint(err))
	}
	return o, nil
}
