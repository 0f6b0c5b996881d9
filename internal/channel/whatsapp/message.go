package whatsapp

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Message is one inbound messages[] item, normalized. Exactly the content
// field matching Type is set (Text for "text", Media for the media kinds …);
// Raw always holds the original object so nothing Meta sends is lost.
type Message struct {
	// PhoneNumberID (metadata.phone_number_id) is the business number that
	// received the message: the key that routes it to a channel.
	PhoneNumberID      string
	DisplayPhoneNumber string
	WABAID             string

	ID string // wamid
	// From is the sender's wa_id (digits, no "+"). It may be empty for users
	// who hide their number behind a username; FromUserID is then set.
	From string
	// FromUserID is the business-scoped user ID (BSUID, e.g. "US.1234").
	FromUserID  string
	ProfileName string
	Username    string
	Timestamp   time.Time
	// Type is the message type as sent, lower-cased ("text", "image", …).
	Type string
	// Unsupported is set for "unsupported"/"unknown" and for any type this
	// package does not model (a future "poll"); Raw keeps the content.
	Unsupported bool

	Text        string
	Media       *Media
	Location    *Location
	Contacts    []ContactCard
	Interactive *Interactive
	Button      *Button
	Reaction    *Reaction
	Order       *Order
	System      *System

	Context  *Context
	Referral *Referral
	Errors   []Error

	Raw json.RawMessage
	// Problems lists fields that could not be decoded; the message is kept
	// and Raw has everything.
	Problems []string
}

// Media is an image, audio, voice note, video, document or sticker. Webhooks
// carry no URL: ID is resolved through the media endpoint.
type Media struct {
	Kind     string // image | audio | voice | video | document | sticker
	ID       string
	MimeType string
	// SHA256 is opaque: Meta's examples show base64, courier's fixtures hex.
	SHA256   string
	Caption  string
	Filename string
	Animated bool // stickers
	Voice    bool // recorded in-app (audio.voice, or type "voice")
}

type Location struct {
	Lat, Long     float64
	Name, Address string
	URL           string
}

// ContactCard is one shared contact (type "contacts").
type ContactCard struct {
	Name      ContactName
	Phones    []ContactPhone
	Emails    []ContactEmail
	Addresses []ContactAddress
	Org       ContactOrg
	URLs      []ContactURL
	Birthday  string // YYYY-MM-DD as sent
}

type ContactName struct {
	FormattedName, FirstName, LastName, MiddleName, Prefix, Suffix string
}

type ContactPhone struct{ Phone, WaID, Type string }

type ContactEmail struct{ Email, Type string }

type ContactAddress struct {
	Street, City, State, Zip, Country, CountryCode, Type string
}

type ContactOrg struct{ Company, Department, Title string }

type ContactURL struct{ URL, Type string }

// Interactive is the customer's answer to an interactive message.
type Interactive struct {
	Type        string // button_reply | list_reply | nfm_reply | as sent
	ID          string
	Title       string
	Description string
	// Name and Body come with a Flow reply (nfm_reply); ResponseJSON is the
	// Flow's answer, itself JSON text.
	Name         string
	Body         string
	ResponseJSON string
}

// Button is a tap on a template's quick-reply button.
type Button struct{ Payload, Text string }

// Reaction to an earlier message; an empty Emoji means it was removed.
type Reaction struct{ MessageID, Emoji string }

type Order struct {
	CatalogID string
	Text      string
	Items     []OrderItem
}

type OrderItem struct {
	ProductRetailerID string
	Quantity          int
	ItemPrice         float64
	Currency          string
}

// System is a WhatsApp notice such as user_changed_number.
type System struct {
	Body    string
	Type    string
	NewWaID string
}

// Context says what the message replies to or how it was forwarded.
type Context struct {
	From                string // business display number of the quoted message
	ID                  string // wamid of the quoted message
	Forwarded           bool
	FrequentlyForwarded bool
	ReferredProduct     *ReferredProduct
}

type ReferredProduct struct{ CatalogID, ProductRetailerID string }

// Referral describes the Click-to-WhatsApp ad or post the customer came from.
type Referral struct {
	SourceURL    string
	SourceID     string
	SourceType   string
	Body         string
	Headline     string
	MediaType    string
	ImageURL     string
	VideoURL     string
	ThumbnailURL string
	CtwaClid     string
	WelcomeText  string
}

// mediaKinds are the types whose content is a media object under the key of
// the same name.
var mediaKinds = map[string]bool{"image": true, "audio": true, "voice": true, "video": true, "document": true, "sticker": true}

// knownTypes are the message types this package decodes; anything else is
// kept as Unsupported with its Raw.
var knownTypes = map[string]bool{
	"text": true, "image": true, "audio": true, "voice": true, "video": true, "document": true, "sticker": true,
	"location": true, "contacts": true, "interactive": true, "button": true, "reaction": true, "order": true,
	"system": true,
}

// normalizeType is how Message.Type is derived from the wire value.
func normalizeType(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// valueInfo is what a messages-field value says about every item in it.
type valueInfo struct {
	wabaID, phoneNumberID, displayPhone string
	contacts                            []sender
	problems                            []string // shared problems (bad metadata/contacts)
}

func parseMessage(raw json.RawMessage, v *valueInfo) Message {
	m := Message{
		PhoneNumberID:      v.phoneNumberID,
		DisplayPhoneNumber: v.displayPhone,
		WABAID:             v.wabaID,
		Raw:                raw,
	}
	m.Problems = append(m.Problems, v.problems...)
	o, err := spanObject(raw, &m.Problems)
	if err != nil { // the caller checked it is an object; stay safe anyway
		m.Problems = append(m.Problems, "message "+err.Error())
		m.Unsupported = true
		return m
	}
	m.ID = o.str("id")
	m.From = o.str("from")
	m.FromUserID = o.str("from_user_id")
	m.Timestamp = o.time("timestamp")
	wireType := o.str("type")
	m.Type = normalizeType(wireType)
	m.Unsupported = !knownTypes[m.Type]

	if c, ok := matchSender(m.From, m.FromUserID, v.contacts); ok {
		m.ProfileName = string(c.Profile.Name)
		m.Username = string(c.Profile.Username)
		if m.From == "" {
			m.From = string(c.WaID)
		}
		if m.FromUserID == "" {
			m.FromUserID = string(c.UserID)
		}
	}

	// The content object sits under the type's own key.
	key := m.Type
	if !o.has(key) && o.has(wireType) {
		key = wireType
	}
	if knownTypes[m.Type] && !o.has(key) {
		m.Problems = append(m.Problems, fmt.Sprintf("%s: content object is missing", m.Type))
	}
	decodeContent(o, key, &m)

	if o.has("context") {
		m.Context = decodeContext(o)
	}
	if o.has("referral") {
		var d referralDoc
		if o.decode("referral", &d) {
			m.Referral = d.referral()
		}
	}
	m.Errors = decodeErrors(o, "errors")
	if len(m.Problems) == 0 {
		m.Problems = nil
	}
	return m
}
