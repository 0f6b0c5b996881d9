// Package content describes what a message carries beyond its text —
// media kinds, locations, contact cards, buttons, reactions, templates — in
// one channel-neutral shape that the inbox stores, the UI and API show, and
// each channel type translates to and from its provider's wire format.
package content

import (
	"encoding/json"
)

// Kinds of message. Text is the default; media kinds carry attachments; the
// rest carry a Content part. The core stores and shows them; a channel type
// decides which it can deliver.
const (
	KindText        = "text"
	KindImage       = "image"
	KindVideo       = "video"
	KindAudio       = "audio"
	KindVoice       = "voice"
	KindDocument    = "document"
	KindSticker     = "sticker"
	KindLocation    = "location"
	KindContacts    = "contacts"
	KindInteractive = "interactive" // buttons or a list the business sends
	KindChoice      = "choice"      // the contact tapped a button or list row
	KindReaction    = "reaction"
	KindOrder       = "order"
	KindSystem      = "system"
	KindTemplate    = "template"
	KindUnsupported = "unsupported"
)

// MediaKinds are the kinds whose substance is an attachment.
var MediaKinds = map[string]bool{KindImage: true, KindVideo: true, KindAudio: true, KindVoice: true,
	KindDocument: true, KindSticker: true}

// Content is a message's structured part; exactly the field of its kind is set
// (none for text and media). It is stored as JSON and shown by the UI and API.
type Content struct {
	Location    *Location    `json:"location,omitempty"`
	Contacts    []Card       `json:"contacts,omitempty"`
	Interactive *Interactive `json:"interactive,omitempty"`
	Choice      *Choice      `json:"choice,omitempty"`
	Reaction    *Reaction    `json:"reaction,omitempty"`
	Order       *Order       `json:"order,omitempty"`
	System      *System      `json:"system,omitempty"`
	Template    *Template    `json:"template,omitempty"`
	// PreviewURL asks the channel to render a link preview for a text message.
	PreviewURL bool `json:"preview_url,omitempty"`
	// QuotedProviderID is the provider id of the message this one replies to,
	// kept when charla does not have that message (ReplyTo is then empty).
	QuotedProviderID string `json:"quoted_provider_id,omitempty"`
	Forwarded        bool   `json:"forwarded,omitempty"`
	// Raw is the provider's original object for an unsupported message, so
	// nothing is lost and an agent can inspect it.
	Raw json.RawMessage `json:"raw,omitempty"`
}

// Location is a place on a map.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
	URL       string  `json:"url,omitempty"`
}

// Card is a shared contact.
type Card struct {
	Name         string     `json:"name"`
	FirstName    string     `json:"first_name,omitempty"`
	LastName     string     `json:"last_name,omitempty"`
	Organization string     `json:"organization,omitempty"`
	Phones       []CardItem `json:"phones,omitempty"`
	Emails       []CardItem `json:"emails,omitempty"`
	URLs         []CardItem `json:"urls,omitempty"`
	Birthday     string     `json:"birthday,omitempty"`
}

// CardItem is one phone, email or URL of a card; WaID is set for phones on WhatsApp.
type CardItem struct {
	Value string `json:"value"`
	Type  string `json:"type,omitempty"`
	WaID  string `json:"wa_id,omitempty"`
}

// Interactive is a message offering reply buttons or a list; the text is the message body.
type Interactive struct {
	Header   string    `json:"header,omitempty"`
	Footer   string    `json:"footer,omitempty"`
	Buttons  []Option  `json:"buttons,omitempty"`
	Button   string    `json:"button,omitempty"` // the list's opening button
	Sections []Section `json:"sections,omitempty"`
}

// Option is a reply button or a list row.
type Option struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// Section groups list rows.
type Section struct {
	Title string   `json:"title,omitempty"`
	Rows  []Option `json:"rows"`
}

// Choice is the contact's tap on a button or list row; Payload is set for a
// template quick reply.
type Choice struct {
	ID          string `json:"id,omitempty"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Payload     string `json:"payload,omitempty"`
}

// Reaction is an emoji on another message; an empty emoji removes it.
type Reaction struct {
	Emoji string `json:"emoji"`
	// TargetID is charla's id of the message reacted to.
	TargetID string `json:"target_id,omitempty"`
	// TargetProviderID is the provider's id of that message.
	TargetProviderID string `json:"target_provider_id,omitempty"`
}

// Order is a cart the contact sent from a catalog.
type Order struct {
	CatalogID string      `json:"catalog_id,omitempty"`
	Text      string      `json:"text,omitempty"`
	Items     []OrderItem `json:"items"`
}

type OrderItem struct {
	ProductID string  `json:"product_id"`
	Quantity  int     `json:"quantity"`
	Price     float64 `json:"price"`
	Currency  string  `json:"currency"`
}

// System is a notice from the network, such as a changed number.
type System struct {
	Type string `json:"type,omitempty"`
	Body string `json:"body"`
}

// Template is a pre-approved message sent by name with its parameters.
type Template struct {
	Name     string `json:"name"`
	Language string `json:"language"`
	// Components are the parameters, in the provider's component shape.
	Components json.RawMessage `json:"components,omitempty"`
	// Rendered is the text with parameters filled in, for the inbox to show.
	Rendered string `json:"rendered,omitempty"`
}

// Quote is the message a reply refers to, as shown above the reply.
type Quote struct {
	ID        string `json:"id"`
	Direction string `json:"direction"`
	Kind      string `json:"kind"`
	Body      string `json:"body"`
}

// Encode is how Content is stored: "" when empty.
func Encode(c *Content) string {
	if c == nil {
		return ""
	}
	b, err := json.Marshal(c)
	if err != nil || string(b) == "{}" {
		return ""
	}
	return string(b)
}

// Decode reads what Encode stored (nil for "" or unreadable JSON).
func Decode(s string) *Content {
	if s == "" {
		return nil
	}
	var c Content
	if json.Unmarshal([]byte(s), &c) != nil {
		return nil
	}
	return &c
}
