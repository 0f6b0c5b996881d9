package whatsapp

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"charla/internal/problem"
)

// Documented limits for outgoing messages (providers.md §1.9, §1.14 and the
// v23.0 OpenAPI spec). Lengths are counted in characters (runes).
const (
	MaxTextBody          = 4096
	MaxCaption           = 1024
	MaxContacts          = 5
	MaxInteractiveBody   = 1024
	MaxHeaderText        = 60
	MaxFooterText        = 60
	MaxReplyButtons      = 3
	MaxButtonTitle       = 20
	MaxButtonID          = 256
	MaxListButton        = 20
	MaxListSections      = 10
	MaxListRows          = 10 // total across all sections
	MaxRowTitle          = 24
	MaxRowDescription    = 72
	MaxRowID             = 200
	MaxSectionTitle      = 24
	MaxTemplateButtonIdx = 9
)

// Outgoing is a message the client can send. Validate checks WhatsApp's
// documented limits; Send calls it before any request.
type Outgoing interface {
	// Type is the wire "type" of the message.
	Type() string
	Validate() error
	// fields returns the type-specific object and the reply target.
	fields() (obj any, replyTo string)
}

// MediaRef names media by an uploaded media ID or by an http(s) link;
// exactly one must be set.
type MediaRef struct {
	ID   string
	Link string
}

func (r MediaRef) check(f problem.Fields, field string) {
	switch {
	case r.ID == "" && r.Link == "":
		f.Add(field, "needs a media id or a link")
	case r.ID != "" && r.Link != "":
		f.Add(field, "give either a media id or a link, not both")
	case r.Link != "":
		u, err := url.Parse(r.Link)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			f.Add(field+".link", "must be an http(s) URL")
		}
	}
}

func (r MediaRef) wire() map[string]any {
	if r.ID != "" {
		return map[string]any{"id": r.ID}
	}
	return map[string]any{"link": r.Link}
}

// TextMessage is a plain text message.
type TextMessage struct {
	Body string
	// PreviewURL asks WhatsApp to render a preview of the first http(s) URL.
	PreviewURL bool
	ReplyTo    string
}

func (m TextMessage) Type() string { return "text" }

func (m TextMessage) Validate() error {
	f := problem.Fields{}
	checkText(f, "text.body", m.Body, true, MaxTextBody)
	return f.Err()
}

func (m TextMessage) fields() (any, string) {
	o := map[string]any{"body": m.Body}
	if m.PreviewURL {
		o["preview_url"] = true
	}
	return o, m.ReplyTo
}

// MediaKind is the type of a media message.
type MediaKind string

const (
	Image    MediaKind = "image"
	Video    MediaKind = "video"
	Audio    MediaKind = "audio"
	Document MediaKind = "document"
	Sticker  MediaKind = "sticker"
)

// MediaMessage sends an image, video, audio, document or sticker. Caption is
// allowed for image, video and document; Filename only for document.
type MediaMessage struct {
	Kind MediaKind
	MediaRef
	Caption  string
	Filename string
	ReplyTo  string
}

func (m MediaMessage) Type() string { return string(m.Kind) }

func (m MediaMessage) Validate() error {
	f := problem.Fields{}
	k := string(m.Kind)
	switch m.Kind {
	case Image, Video, Audio, Document, Sticker:
	default:
		f.Add("type", "must be image, video, audio, document or sticker")
		return f.Err()
	}
	m.MediaRef.check(f, k)
	if m.Caption != "" {
		if m.Kind == Audio || m.Kind == Sticker {
			f.Add(k+".caption", k+" messages cannot have a caption")
		} else {
			checkText(f, k+".caption", m.Caption, false, MaxCaption)
		}
	}
	if m.Filename != "" && m.Kind != Document {
		f.Add(k+".filename", "only documents have a filename")
	}
	return f.Err()
}

func (m MediaMessage) fields() (any, string) {
	o := m.MediaRef.wire()
	if m.Caption != "" {
		o["caption"] = m.Caption
	}
	if m.Filename != "" {
		o["filename"] = m.Filename
	}
	return o, m.ReplyTo
}

// LocationMessage shares a map location.
type LocationMessage struct {
	Latitude, Longitude float64
	Name, Address       string
	ReplyTo             string
}

func (m LocationMessage) Type() string { return "location" }

func (m LocationMessage) Validate() error {
	f := problem.Fields{}
	if math.IsNaN(m.Latitude) || m.Latitude < -90 || m.Latitude > 90 {
		f.Add("location.latitude", "must be between -90 and 90")
	}
	if math.IsNaN(m.Longitude) || m.Longitude < -180 || m.Longitude > 180 {
		f.Add("location.longitude", "must be between -180 and 180")
	}
	return f.Err()
}

func (m LocationMessage) fields() (any, string) {
	o := map[string]any{"latitude": m.Latitude, "longitude": m.Longitude}
	if m.Name != "" {
		o["name"] = m.Name
	}
	if m.Address != "" {
		o["address"] = m.Address
	}
	return o, m.ReplyTo
}

// ContactsMessage shares 1–5 contact cards (the same ContactCard the webhook
// parser produces).
type ContactsMessage struct {
	Contacts []ContactCard
	ReplyTo  string
}

func (m ContactsMessage) Type() string { return "contacts" }

func (m ContactsMessage) Validate() error {
	f := problem.Fields{}
	if n := len(m.Contacts); n < 1 || n > MaxContacts {
		f.Add("contacts", fmt.Sprintf("must have 1 to %d contacts", MaxContacts))
	}
	for i, c := range m.Contacts {
		if strings.TrimSpace(c.Name.FormattedName) == "" {
			f.Add(fmt.Sprintf("contacts[%d].name.formatted_name", i), "is required")
		}
	}
	return f.Err()
}

func (m ContactsMessage) fields() (any, string) {
	out := make([]map[string]any, len(m.Contacts))
	for i, c := range m.Contacts {
		out[i] = cardWire(c)
	}
	return out, m.ReplyTo
}

func cardWire(c ContactCard) map[string]any {
	o := map[string]any{"name": omitEmpty(map[string]string{
		"formatted_name": c.Name.FormattedName, "first_name": c.Name.FirstName,
		"last_name": c.Name.LastName, "middle_name": c.Name.MiddleName,
		"prefix": c.Name.Prefix, "suffix": c.Name.Suffix,
	})}
	if c.Birthday != "" {
		o["birthday"] = c.Birthday
	}
	if org := omitEmpty(map[string]string{"company": c.Org.Company, "department": c.Org.Department, "title": c.Org.Title}); len(org) > 0 {
		o["org"] = org
	}
	if len(c.Phones) > 0 {
		l := make([]map[string]string, len(c.Phones))
		for i, p := range c.Phones {
			l[i] = omitEmpty(map[string]string{"phone": p.Phone, "wa_id": p.WaID, "type": p.Type})
		}
		o["phones"] = l
	}
	if len(c.Emails) > 0 {
		l := make([]map[string]string, len(c.Emails))
		for i, e := range c.Emails {
			l[i] = omitEmpty(map[string]string{"email": e.Email, "type": e.Type})
		}
		o["emails"] = l
	}
	if len(c.Addresses) > 0 {
		l := make([]map[string]string, len(c.Addresses))
		for i, a := range c.Addresses {
			l[i] = omitEmpty(map[string]string{"street": a.Street, "city": a.City, "state": a.State,
				"zip": a.Zip, "country": a.Country, "country_code": a.CountryCode, "type": a.Type})
		}
		o["addresses"] = l
	}
	if len(c.URLs) > 0 {
		l := make([]map[string]string, len(c.URLs))
		for i, u := range c.URLs {
			l[i] = omitEmpty(map[string]string{"url": u.URL, "type": u.Type})
		}
		o["urls"] = l
	}
	return o
}

func omitEmpty(m map[string]string) map[string]string {
	for k, v := range m {
		if v == "" {
			delete(m, k)
		}
	}
	return m
}

// ReactionMessage reacts to a message with an emoji; an empty Emoji removes
// the reaction (providers.md marks removal UNVERIFIED). Reactions cannot be
// replies.
type ReactionMessage struct {
	MessageID string
	Emoji     string
}

func (m ReactionMessage) Type() string { return "reaction" }

func (m ReactionMessage) Validate() error {
	f := problem.Fields{}
	if strings.TrimSpace(m.MessageID) == "" {
		f.Add("reaction.message_id", "is required")
	}
	// A heuristic: one emoji, even a ZWJ sequence or flag, is a few runes.
	if utf8.RuneCountInString(m.Emoji) > 10 || strings.TrimSpace(m.Emoji) != m.Emoji {
		f.Add("reaction.emoji", "must be a single emoji")
	}
	return f.Err()
}

func (m ReactionMessage) fields() (any, string) {
	return map[string]any{"message_id": m.MessageID, "emoji": m.Emoji}, ""
}

// InteractiveHeader is the optional header of an interactive message: text,
// or image/video/document media (reply buttons only; lists take text).
type InteractiveHeader struct {
	Type  string // text | image | video | document
	Text  string
	Media MediaRef
}

func (h *InteractiveHeader) check(f problem.Fields, textOnly bool) {
	if h == nil {
		return
	}
	switch h.Type {
	case "text":
		checkText(f, "interactive.header.text", h.Text, true, MaxHeaderText)
	case "image", "video", "document":
		if textOnly {
			f.Add("interactive.header.type", "list messages take a text header only")
			return
		}
		h.Media.check(f, "interactive.header."+h.Type)
	default:
		f.Add("interactive.header.type", "must be text, image, video or document")
	}
}

func (h *InteractiveHeader) wire() map[string]any {
	if h.Type == "text" {
		return map[string]any{"type": "text", "text": h.Text}
	}
	return map[string]any{"type": h.Type, h.Type: h.Media.wire()}
}

// ReplyButton is one quick-reply button.
type ReplyButton struct{ ID, Title string }

// ButtonsMessage is an interactive message with 1–3 reply buttons.
type ButtonsMessage struct {
	Header  *InteractiveHeader
	Body    string
	Footer  string
	Buttons []ReplyButton
	ReplyTo string
}

func (m ButtonsMessage) Type() string { return "interactive" }

func (m ButtonsMessage) Validate() error {
	f := problem.Fields{}
	m.Header.check(f, false)
	checkText(f, "interactive.body.text", m.Body, true, MaxInteractiveBody)
	checkText(f, "interactive.footer.text", m.Footer, false, MaxFooterText)
	if n := len(m.Buttons); n < 1 || n > MaxReplyButtons {
		f.Add("interactive.action.buttons", fmt.Sprintf("must have 1 to %d buttons", MaxReplyButtons))
	}
	ids, titles := map[string]bool{}, map[string]bool{}
	for i, b := range m.Buttons {
		p := fmt.Sprintf("interactive.action.buttons[%d].reply", i)
		checkText(f, p+".id", b.ID, true, MaxButtonID)
		if b.ID != strings.TrimSpace(b.ID) {
			f.Add(p+".id", "must not have leading or trailing spaces")
		}
		checkText(f, p+".title", b.Title, true, MaxButtonTitle)
		if ids[b.ID] {
			f.Add(p+".id", "must be unique")
		}
		if titles[b.Title] {
			f.Add(p+".title", "must be unique")
		}
		ids[b.ID], titles[b.Title] = true, true
	}
	return f.Err()
}

func (m ButtonsMessage) fields() (any, string) {
	bs := make([]map[string]any, len(m.Buttons))
	for i, b := range m.Buttons {
		bs[i] = map[string]any{"type": "reply", "reply": map[string]any{"id": b.ID, "title": b.Title}}
	}
	return interactiveWire("button", m.Header, m.Body, m.Footer, map[string]any{"buttons": bs}), m.ReplyTo
}

// ListRow is one choosable row of a list message.
type ListRow struct{ ID, Title, Description string }

// ListSection groups rows; Title is required when there is more than one.
type ListSection struct {
	Title string
	Rows  []ListRow
}

// ListMessage is an interactive list: a button opening 1–10 sections with
// at most 10 rows in total.
type ListMessage struct {
	Header   *InteractiveHeader
	Body     string
	Footer   string
	Button   string
	Sections []ListSection
	ReplyTo  string
}

func (m ListMessage) Type() string { return "interactive" }

func (m ListMessage) Validate() error {
	f := problem.Fields{}
	m.Header.check(f, true)
	checkText(f, "interactive.body.text", m.Body, true, MaxInteractiveBody)
	checkText(f, "interactive.footer.text", m.Footer, false, MaxFooterText)
	checkText(f, "interactive.action.button", m.Button, true, MaxListButton)
	if n := len(m.Sections); n < 1 || n > MaxListSections {
		f.Add("interactive.action.sections", fmt.Sprintf("must have 1 to %d sections", MaxListSections))
	}
	total := 0
	ids := map[string]bool{}
	for i, s := range m.Sections {
		p := fmt.Sprintf("interactive.action.sections[%d]", i)
		checkText(f, p+".title", s.Title, len(m.Sections) > 1, MaxSectionTitle)
		if len(s.Rows) == 0 {
			f.Add(p+".rows", "must have at least one row")
		}
		total += len(s.Rows)
		for j, r := range s.Rows {
			rp := fmt.Sprintf("%s.rows[%d]", p, j)
			checkText(f, rp+".id", r.ID, true, MaxRowID)
			checkText(f, rp+".title", r.Title, true, MaxRowTitle)
			checkText(f, rp+".description", r.Description, false, MaxRowDescription)
			if ids[r.ID] {
				f.Add(rp+".id", "must be unique across all sections")
			}
			ids[r.ID] = true
		}
	}
	if total > MaxListRows {
		f.Add("interactive.action.sections", fmt.Sprintf("may have at most %d rows in total, has %d", MaxListRows, total))
	}
	return f.Err()
}

func (m ListMessage) fields() (any, string) {
	ss := make([]map[string]any, len(m.Sections))
	for i, s := range m.Sections {
		rows := make([]map[string]any, len(s.Rows))
		for j, r := range s.Rows {
			rows[j] = map[string]any{"id": r.ID, "title": r.Title}
			if r.Description != "" {
				rows[j]["description"] = r.Description
			}
		}
		ss[i] = map[string]any{"rows": rows}
		if s.Title != "" {
			ss[i]["title"] = s.Title
		}
	}
	action := map[string]any{"button": m.Button, "sections": ss}
	return interactiveWire("list", m.Header, m.Body, m.Footer, action), m.ReplyTo
}

func interactiveWire(typ string, h *InteractiveHeader, body, footer string, action map[string]any) map[string]any {
	o := map[string]any{"type": typ, "body": map[string]any{"text": body}, "action": action}
	if h != nil {
		o["header"] = h.wire()
	}
	if footer != "" {
		o["footer"] = map[string]any{"text": footer}
	}
	return o
}

// TemplateMessage sends an approved template.
type TemplateMessage struct {
	Name       string
	Language   string // e.g. "en_US"
	Components []TemplateComponent
	ReplyTo    string
}

// TemplateComponent fills one component: Type "header", "body" or
// "button"; buttons need SubType ("quick_reply" or "url") and the zero-based
// Index of the button in the template.
type TemplateComponent struct {
	Type       string
	SubType    string
	Index      int
	Parameters []TemplateParameter
}

// TemplateParameter is one variable: Type "text" (Text), "payload"
// (Payload, quick-reply buttons), "image"/"video"/"document" (Media,
// headers; documents may carry Filename), "location" (Location, headers) or
// "coupon_code" (CouponCode, copy-code buttons).
type TemplateParameter struct {
	Type       string
	Text       string
	Payload    string
	Media      MediaRef
	Filename   string
	Location   *LocationMessage
	CouponCode string
}

func (m TemplateMessage) Type() string { return "template" }

func (m TemplateMessage) Validate() error {
	f := problem.Fields{}
	// 512: 360dialog's template-name limit (providers.md §2.1).
	checkText(f, "template.name", m.Name, true, 512)
	checkText(f, "template.language.code", m.Language, true, 0)
	seen := map[string]bool{}
	for i, c := range m.Components {
		p := fmt.Sprintf("template.components[%d]", i)
		key := c.Type
		switch c.Type {
		case "header", "body":
			if c.SubType != "" {
				f.Add(p+".sub_type", "is only for buttons")
			}
		case "button":
			key = fmt.Sprintf("button/%d", c.Index)
			if c.SubType != "quick_reply" && c.SubType != "url" && c.SubType != "copy_code" {
				f.Add(p+".sub_type", "must be quick_reply, url or copy_code")
			}
			if c.Index < 0 || c.Index > MaxTemplateButtonIdx {
				f.Add(p+".index", fmt.Sprintf("must be between 0 and %d", MaxTemplateButtonIdx))
			}
		default:
			f.Add(p+".type", "must be header, body or button")
			continue
		}
		if seen[key] {
			f.Add(p, "is given twice")
		}
		seen[key] = true
		if len(c.Parameters) == 0 {
			f.Add(p+".parameters", "must have at least one parameter")
		}
		if c.Type == "header" && len(c.Parameters) > 1 {
			f.Add(p+".parameters", "a header takes one parameter")
		}
		if c.Type == "button" && len(c.Parameters) > 1 {
			f.Add(p+".parameters", "a button takes one parameter")
		}
		for j, prm := range c.Parameters {
			checkTemplateParam(f, fmt.Sprintf("%s.parameters[%d]", p, j), c, prm)
		}
	}
	return f.Err()
}

func checkTemplateParam(f problem.Fields, p string, c TemplateComponent, prm TemplateParameter) {
	allowed := map[string][]string{
		"header":      {"text", "image", "video", "document", "location"},
		"body":        {"text"},
		"quick_reply": {"payload"},
		"url":         {"text"},
		"copy_code":   {"coupon_code"},
	}
	k := c.Type
	if k == "button" {
		k = c.SubType
	}
	ok := false
	for _, t := range allowed[k] {
		ok = ok || prm.Type == t
	}
	if !ok {
		f.Add(p+".type", fmt.Sprintf("must be one of %s here", strings.Join(allowed[k], ", ")))
		return
	}
	switch prm.Type {
	case "text":
		checkText(f, p+".text", prm.Text, true, 0)
		// Meta's rule behind error 132007.
		if c.Type == "body" && (strings.ContainsAny(prm.Text, "\n\t") || strings.Contains(prm.Text, "     ")) {
			f.Add(p+".text", "must not contain newlines, tabs or more than 4 consecutive spaces")
		}
	case "payload":
		checkText(f, p+".payload", prm.Payload, true, 0)
	case "coupon_code":
		// 15: WhatsApp's longest copy-code value (providers.md §1.13).
		checkText(f, p+".coupon_code", prm.CouponCode, true, 15)
	case "location":
		if prm.Location == nil {
			f.Add(p+".location", "is required")
		} else if err := prm.Location.Validate(); err != nil {
			f.Add(p+".location", err.Error())
		}
	default:
		prm.Media.check(f, p+"."+prm.Type)
		if prm.Filename != "" && prm.Type != "document" {
			f.Add(p+".filename", "only documents have a filename")
		}
	}
}

func (m TemplateMessage) fields() (any, string) {
	o := map[string]any{"name": m.Name, "language": map[string]any{"code": m.Language, "policy": "deterministic"}}
	if len(m.Components) > 0 {
		cs := make([]map[string]any, len(m.Components))
		for i, c := range m.Components {
			ps := make([]map[string]any, len(c.Parameters))
			for j, prm := range c.Parameters {
				w := map[string]any{"type": prm.Type}
				switch prm.Type {
				case "text":
					w["text"] = prm.Text
				case "payload":
					w["payload"] = prm.Payload
				case "coupon_code":
					w["coupon_code"] = prm.CouponCode
				case "location":
					w["location"], _ = prm.Location.fields()
				default:
					mw := prm.Media.wire()
					if prm.Filename != "" {
						mw["filename"] = prm.Filename
					}
					w[prm.Type] = mw
				}
				ps[j] = w
			}
			cs[i] = map[string]any{"type": c.Type, "parameters": ps}
			if c.Type == "button" {
				cs[i]["sub_type"] = c.SubType
				cs[i]["index"] = strconv.Itoa(c.Index)
			}
		}
		o["components"] = cs
	}
	return o, m.ReplyTo
}

// checkText records a problem when s is required and blank, or longer than
// max characters (max 0: no limit).
func checkText(f problem.Fields, field, s string, required bool, max int) {
	if required && strings.TrimSpace(s) == "" {
		f.Add(field, "is required")
		return
	}
	if max > 0 {
		if n := utf8.RuneCountInString(s); n > max {
			f.Add(field, fmt.Sprintf("must be at most %d characters, is %d", max, n))
		}
	}
	if !utf8.ValidString(s) {
		f.Add(field, "must be valid UTF-8")
	}
}
