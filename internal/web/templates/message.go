package templates

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/url"
	"strconv"
	"strings"

	"charla/internal/content"
	"charla/internal/inbox"
)

// Bubble is one message as the thread shows it, with the reactions other
// messages of the same page put on it.
type Bubble struct {
	Msg     inbox.Message
	Contact string
	Actions Actions
	// Reactions are the emoji badges on this message, oldest first.
	Reactions []Badge
}

// Badge is one reaction on a message.
type Badge struct {
	Emoji string
	// By names who reacted.
	By string
	// Pending is true for an agent's reaction the provider hasn't confirmed.
	Pending bool
}

// ReactionEmoji are what the reaction picker offers, as WhatsApp's own quick
// reactions do.
var ReactionEmoji = []string{"👍", "❤️", "😂", "😮", "😢", "🙏"}

// fold turns a page of messages into bubbles. A reaction whose target is on
// the same page becomes a badge on that message (the latest reaction of each
// sender wins; an empty emoji removes it); other reactions stay as a line of
// their own. Failed reactions also stay as bubbles, so their error is seen.
func fold(ms []inbox.Message, contact string, a Actions) []Bubble {
	on := make(map[string]bool, len(ms))
	for _, m := range ms {
		on[m.ID] = true
	}
	type key struct{ target, sender string }
	latest := map[key]Badge{}
	var order []key
	out := make([]Bubble, 0, len(ms))
	for _, m := range ms {
		r := reactionOf(m)
		if r == nil || !on[r.TargetID] || m.Status == inbox.Failed {
			out = append(out, Bubble{Msg: m, Contact: contact, Actions: a})
			continue
		}
		k := key{r.TargetID, m.Direction + "/" + m.Sender.Type + "/" + m.Sender.ID}
		if _, seen := latest[k]; !seen {
			order = append(order, k)
		}
		latest[k] = Badge{Emoji: r.Emoji, By: senderName(m, contact),
			Pending: m.Direction == inbox.Outgoing && (m.Status == inbox.Queued || m.Status == inbox.Sending)}
	}
	badges := map[string][]Badge{}
	for _, k := range order {
		if b := latest[k]; b.Emoji != "" {
			badges[k.target] = append(badges[k.target], b)
		}
	}
	for i := range out {
		out[i].Reactions = badges[out[i].Msg.ID]
	}
	return out
}

func reactionOf(m inbox.Message) *content.Reaction {
	if m.Kind != content.KindReaction || m.Content == nil {
		return nil
	}
	return m.Content.Reaction
}

// kindOf is a message's kind, text when unset.
func kindOf(m inbox.Message) string {
	if m.Kind == "" {
		return content.KindText
	}
	return m.Kind
}

// contentOf never returns nil, so templates can read fields freely.
func contentOf(m inbox.Message) content.Content {
	if m.Content == nil {
		return content.Content{}
	}
	return *m.Content
}

// canQuote tells whether a message can be replied to with a quote.
func canQuote(m inbox.Message) bool {
	if m.Direction == inbox.Note {
		return false
	}
	switch kindOf(m) {
	case content.KindReaction, content.KindSystem:
		return false
	}
	return true
}

// canReact tells whether the picker is offered on m: the contact's own
// messages, on channels that send reactions.
func canReact(b Bubble) bool {
	if !b.Actions.React || b.Msg.Direction != inbox.Incoming {
		return false
	}
	switch kindOf(b.Msg) {
	case content.KindReaction, content.KindSystem, content.KindUnsupported:
		return false
	}
	return true
}

// showBody tells whether the text part adds something to what the kind's
// own rendering already shows.
func showBody(m inbox.Message) bool {
	if m.Body == "" {
		return false
	}
	c := contentOf(m)
	switch kindOf(m) {
	case content.KindReaction:
		return false
	case content.KindChoice:
		return c.Choice == nil || m.Body != c.Choice.Title
	case content.KindSystem:
		return c.System == nil || m.Body != c.System.Body
	case content.KindTemplate:
		return c.Template == nil || m.Body != c.Template.Rendered
	case content.KindOrder:
		return c.Order == nil || m.Body != c.Order.Text
	}
	return true
}

// kinds name the kinds in quotes, lines and file names.
var kinds = map[string]struct{ icon, name string }{
	content.KindImage: {"📷", "Photo"}, content.KindVideo: {"🎬", "Video"}, content.KindAudio: {"🎵", "Audio"},
	content.KindVoice: {"🎤", "Voice message"}, content.KindDocument: {"📄", "Document"},
	content.KindSticker: {"", "Sticker"}, content.KindLocation: {"📍", "Location"},
	content.KindContacts: {"👤", "Contact"}, content.KindInteractive: {"", "Buttons"},
	content.KindChoice: {"", "Choice"}, content.KindOrder: {"🛒", "Order"},
	content.KindTemplate: {"📝", "Template"}, content.KindUnsupported: {"", "Unsupported message"},
}

// kindName names a kind: "Photo", "Location".
func kindName(kind string) string {
	if k, ok := kinds[kind]; ok {
		return k.name
	}
	return "Message"
}

// kindLabel is kindName with its icon, for one-line summaries.
func kindLabel(kind string) string {
	if k, ok := kinds[kind]; ok && k.icon != "" {
		return k.icon + " " + k.name
	}
	return kindName(kind)
}

// quoteText is a quoted message in one line.
func quoteText(q *content.Quote) string {
	body := strings.Join(strings.Fields(q.Body), " ")
	if r := []rune(body); len(r) > 160 {
		body = string(r[:160]) + "…"
	}
	if body == "" {
		return kindLabel(q.Kind)
	}
	return body
}

// quoteWho says whose message is quoted.
func quoteWho(q *content.Quote, contact string) string {
	if q.Direction == inbox.Incoming {
		return contact
	}
	return "You"
}

// QuoteOf is the quote of m shown above the composer while replying to it.
func QuoteOf(m inbox.Message) *content.Quote {
	return &content.Quote{ID: m.ID, Direction: m.Direction, Kind: kindOf(m), Body: m.Body}
}

// Attachment display kinds.
const (
	showImage   = "image"
	showSticker = "sticker"
	showVideo   = "video"
	showAudio   = "audio"
	showFile    = "file"
)

// attachmentShow decides how a ready attachment is displayed: images only
// when their type is one the attachment handler serves inline; players for
// audio and video (a media element never runs what it loads).
func attachmentShow(kind string, a inbox.Attachment) string {
	mt, _, _ := mime.ParseMediaType(a.ContentType)
	switch {
	case InlineTypes[mt] && kind == content.KindSticker:
		return showSticker
	case InlineTypes[mt]:
		return showImage
	case strings.HasPrefix(mt, "video/") || (kind == content.KindVideo && mt == ""):
		return showVideo
	case strings.HasPrefix(mt, "audio/") || ((kind == content.KindAudio || kind == content.KindVoice) && mt == ""):
		return showAudio
	}
	return showFile
}

func attachmentURL(a inbox.Attachment) string { return "/attachments/" + url.PathEscape(a.ID) }

// fileName is an attachment's name, or what it is when the provider gave none.
func fileName(kind string, a inbox.Attachment) string {
	if a.Filename != "" {
		return a.Filename
	}
	return kindName(kind)
}

func unavailableReason(a inbox.Attachment) string {
	if a.Error == "" {
		return "the provider no longer has it"
	}
	return a.Error
}

// coords is a location's position, as people write it.
func coords(l content.Location) string {
	return strconv.FormatFloat(l.Latitude, 'f', -1, 64) + ", " + strconv.FormatFloat(l.Longitude, 'f', -1, 64)
}

// mapURL opens the position on OpenStreetMap.
func mapURL(l content.Location) string {
	lat, lon := strconv.FormatFloat(l.Latitude, 'f', -1, 64), strconv.FormatFloat(l.Longitude, 'f', -1, 64)
	return "https://www.openstreetmap.org/?mlat=" + lat + "&mlon=" + lon + "#map=16/" + lat + "/" + lon
}

// webLink returns u when it is an absolute http(s) URL, the only links taken
// from customer data; anything else is shown as text.
func webLink(u string) (string, bool) {
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return "", false
	}
	return p.String(), true
}

// cardName is a shared contact's name however it was given.
func cardName(c content.Card) string {
	if strings.TrimSpace(c.Name) != "" {
		return c.Name
	}
	if n := strings.TrimSpace(c.FirstName + " " + c.LastName); n != "" {
		return n
	}
	return "Unnamed contact"
}

func itemLabel(it content.CardItem) string {
	if it.Type == "" {
		return it.Value
	}
	return it.Value + " (" + strings.ToLower(it.Type) + ")"
}

// orderTotal sums an order when all its items share a currency.
func orderTotal(o content.Order) (string, bool) {
	if len(o.Items) == 0 {
		return "", false
	}
	cur := o.Items[0].Currency
	var sum float64
	for _, it := range o.Items {
		if it.Currency != cur {
			return "", false
		}
		sum += it.Price * float64(it.Quantity)
	}
	return money(sum, cur), true
}

func money(v float64, currency string) string {
	return strings.TrimSpace(strconv.FormatFloat(v, 'f', 2, 64) + " " + currency)
}

// TemplateParam is one filled-in parameter of a sent template.
type TemplateParam struct{ Part, Value string }

// templateParams reads the parameters out of a template's components, for
// showing a template sent without its rendered text.
func templateParams(raw json.RawMessage) []TemplateParam {
	var comps []struct {
		Type       string `json:"type"`
		SubType    string `json:"sub_type"`
		Parameters []struct {
			Type     string          `json:"type"`
			Text     string          `json:"text"`
			Payload  string          `json:"payload"`
			Currency json.RawMessage `json:"currency"`
			DateTime json.RawMessage `json:"date_time"`
		} `json:"parameters"`
	}
	if json.Unmarshal(raw, &comps) != nil {
		return nil
	}
	var out []TemplateParam
	for _, c := range comps {
		for i, p := range c.Parameters {
			part := fmt.Sprintf("%s {{%d}}", upperFirstRune(c.Type), i+1)
			if c.Type == "button" {
				part = "Button " + c.SubType
			}
			v := p.Text
			switch {
			case v != "":
			case p.Payload != "":
				v = p.Payload
			default:
				v = "(" + p.Type + ")"
			}
			out = append(out, TemplateParam{Part: part, Value: v})
		}
	}
	return out
}

func upperFirstRune(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// prettyJSON indents a provider's raw object for reading; it stays text.
func prettyJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Indent(&b, raw, "", "  ") != nil {
		return string(raw)
	}
	return b.String()
}

// failCode is the provider's code and title of a failure, when given.
func failCode(e *inbox.SendError) string {
	if e == nil {
		return ""
	}
	switch {
	case e.Code != "" && e.Title != "":
		return "Error " + e.Code + " · " + e.Title
	case e.Code != "":
		return "Error " + e.Code
	}
	return e.Title
}

// errorDetails is the provider's longer explanation, for a tooltip.
func errorDetails(e *inbox.SendError) string {
	if e == nil {
		return ""
	}
	return e.Details
}
