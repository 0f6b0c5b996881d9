package whatsapp

import (
	"encoding/json"
	"time"
)

// Status is one statuses[] item: what happened to a message the business
// sent. Statuses arrive out of order (a read may come without a delivered).
type Status struct {
	PhoneNumberID      string
	DisplayPhoneNumber string
	WABAID             string

	ID string // wamid of the business's message
	// Status is kept verbatim: sent, delivered, read, failed, or anything
	// newer Meta adds.
	Status      string
	Timestamp   time.Time
	RecipientID string // wa_id
	// RecipientUserID is the recipient's business-scoped user ID.
	RecipientUserID string
	GroupID         string

	Conversation *Conversation // optional, absent under some pricing models
	Pricing      *Pricing
	Errors       []Error
	// BizOpaqueCallbackData echoes what the business set when sending.
	BizOpaqueCallbackData string

	Raw      json.RawMessage
	Problems []string
}

type Conversation struct {
	ID         string
	ExpiresAt  time.Time // sent only on the first status of a conversation
	OriginType string    // service, marketing, utility, authentication, …
}

type Pricing struct {
	// Billable is nil when absent; Meta deprecated it with per-message pricing.
	Billable *bool
	Model    string // CBP | PMP
	Category string
	Type     string // regular | free_customer_service | free_entry_point
}

func parseStatus(raw json.RawMessage, v *valueInfo) Status {
	s := Status{PhoneNumberID: v.phoneNumberID, DisplayPhoneNumber: v.displayPhone, WABAID: v.wabaID, Raw: raw}
	s.Problems = append(s.Problems, v.problems...)
	o, err := spanObject(raw, &s.Problems)
	if err != nil {
		s.Problems = append(s.Problems, "status "+err.Error())
		return s
	}
	s.ID = o.str("id")
	s.Status = o.str("status")
	s.Timestamp = o.time("timestamp")
	s.RecipientID = o.str("recipient_id")
	// UNVERIFIED: the BSUID field name on statuses is not in providers.md or
	// the v23 spec; recipient_user_id mirrors messages' from_user_id, and
	// user_id mirrors contacts[].user_id. Accept both.
	s.RecipientUserID = firstNonEmpty(o.str("recipient_user_id"), o.str("user_id"))
	s.GroupID = o.str("group_id")
	// UNVERIFIED presence on statuses (the field exists on sends).
	s.BizOpaqueCallbackData = o.str("biz_opaque_callback_data")

	var conv struct {
		ID        flexString `json:"id"`
		ExpiresAt flexTime   `json:"expiration_timestamp"`
		Origin    *struct {
			Type flexString `json:"type"`
		} `json:"origin"`
	}
	if o.decode("conversation", &conv) {
		s.Conversation = &Conversation{ID: string(conv.ID), ExpiresAt: time.Time(conv.ExpiresAt)}
		if conv.Origin != nil {
			s.Conversation.OriginType = string(conv.Origin.Type)
		}
	}
	var pr struct {
		Billable *flexBool  `json:"billable"`
		Model    flexString `json:"pricing_model"`
		Category flexString `json:"category"`
		Type     flexString `json:"type"`
	}
	if o.decode("pricing", &pr) {
		s.Pricing = &Pricing{Model: string(pr.Model), Category: string(pr.Category), Type: string(pr.Type)}
		if pr.Billable != nil {
			b := bool(*pr.Billable)
			s.Pricing.Billable = &b
		}
	}
	s.Errors = decodeErrors(o, "errors")
	if len(s.Problems) == 0 {
		s.Problems = nil
	}
	return s
}
