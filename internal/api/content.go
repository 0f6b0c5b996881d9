package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"charla/internal/content"
	"charla/internal/problem"
)

// Requests.

// contentInput is the spec's MessageContentInput: the parts a client may send.
type contentInput struct {
	Location    *locationInput       `json:"location"`
	Contacts    []content.Card       `json:"contacts"`
	Interactive *content.Interactive `json:"interactive"`
	Reaction    *reactionInput       `json:"reaction"`
	Template    *templateInput       `json:"template"`
	PreviewURL  *bool                `json:"preview_url"`
}

// locationInput has pointers because 0 is a coordinate, not "absent".
type locationInput struct {
	Latitude  *float64 `json:"latitude"`
	Longitude *float64 `json:"longitude"`
	Name      string   `json:"name"`
	Address   string   `json:"address"`
	URL       string   `json:"url"`
}

type reactionInput struct {
	Emoji    *string `json:"emoji"`
	TargetID string  `json:"target_id"`
}

// Kinds as the API sees them.
var (
	// allKinds are every kind a message can have, in the spec's order.
	allKinds = []string{content.KindText, content.KindImage, content.KindVideo, content.KindAudio, content.KindVoice,
		content.KindDocument, content.KindSticker, content.KindLocation, content.KindContacts, content.KindInteractive,
		content.KindChoice, content.KindReaction, content.KindOrder, content.KindSystem, content.KindTemplate,
		content.KindUnsupported}
	// jsonKinds can be sent as JSON; each but text needs the content part of
	// its own name.
	jsonKinds = []string{content.KindText, content.KindLocation, content.KindContacts, content.KindInteractive,
		content.KindReaction, content.KindTemplate}
	// fileKinds are sent as multipart/form-data with the file.
	fileKinds = []string{content.KindImage, content.KindVideo, content.KindAudio, content.KindVoice,
		content.KindDocument, content.KindSticker}
)

// checkKind tells what is wrong with sending kind in a body of the given
// form ("json" or "file"), or "" if nothing is.
func checkKind(kind, form string) string {
	switch {
	case form == "file" && !slices.Contains(fileKinds, kind):
		return "a message with a file must be one of: " + strings.Join(fileKinds, ", ")
	case !slices.Contains(allKinds, kind):
		return "must be one of: " + strings.Join(allKinds, ", ")
	case form == "json" && slices.Contains(fileKinds, kind):
		return "a " + kind + " message carries a file: send it as multipart/form-data"
	case form == "json" && !slices.Contains(jsonKinds, kind):
		return kind + " messages are only received; send one of: " + strings.Join(jsonKinds, ", ")
	}
	return ""
}

// parts names the content parts present in c.
func (c *contentInput) parts() []string {
	var out []string
	if c.Location != nil {
		out = append(out, content.KindLocation)
	}
	if c.Contacts != nil {
		out = append(out, content.KindContacts)
	}
	if c.Interactive != nil {
		out = append(out, content.KindInteractive)
	}
	if c.Reaction != nil {
		out = append(out, content.KindReaction)
	}
	if c.Template != nil {
		out = append(out, content.KindTemplate)
	}
	return out
}

// checkContent holds c (nil when the request has none) to what kind needs:
// exactly the part of the kind's name, each part complete.
func checkContent(f problem.Fields, kind string, c *contentInput) {
	if c == nil {
		c = &contentInput{}
	}
	for _, p := range c.parts() {
		if p != kind {
			f.Add("content."+p, "only goes with kind "+p)
		}
	}
	if c.PreviewURL != nil && kind != content.KindText {
		f.Add("content.preview_url", "only goes with kind text")
	}
	if kind != content.KindText && !slices.Contains(c.parts(), kind) {
		f.Add("content."+kind, "is required for a "+kind+" message")
		return
	}
	switch kind {
	case content.KindLocation:
		l := c.Location
		if l.Latitude == nil {
			f.Add("content.location.latitude", "is required")
		} else if *l.Latitude < -90 || *l.Latitude > 90 {
			f.Add("content.location.latitude", "must be between -90 and 90")
		}
		if l.Longitude == nil {
			f.Add("content.location.longitude", "is required")
		} else if *l.Longitude < -180 || *l.Longitude > 180 {
			f.Add("content.location.longitude", "must be between -180 and 180")
		}
	case content.KindContacts:
		if len(c.Contacts) == 0 {
			f.Add("content.contacts", "must hold at least one contact card")
		}
		for i, k := range c.Contacts {
			p := fmt.Sprintf("content.contacts[%d]", i)
			if blank(k.Name) {
				f.Add(p+".name", "is required")
			}
			for list, items := range map[string][]content.CardItem{"phones": k.Phones, "emails": k.Emails, "urls": k.URLs} {
				for j, it := range items {
					if blank(it.Value) {
						f.Add(fmt.Sprintf("%s.%s[%d].value", p, list, j), "is required")
					}
				}
			}
		}
	case content.KindInteractive:
		checkInteractive(f, c.Interactive)
	case content.KindReaction:
		if c.Reaction.Emoji == nil {
			f.Add("content.reaction.emoji", `is required ("" removes the reaction)`)
		}
		if !isID(c.Reaction.TargetID) {
			f.Add("content.reaction.target_id", "must be the id of a message of this conversation")
		}
	case content.KindTemplate:
		checkTemplate(f, c.Template)
	}
}

func checkInteractive(f problem.Fields, i *content.Interactive) {
	const p = "content.interactive"
	switch {
	case len(i.Buttons) > 0 && len(i.Sections) > 0:
		f.Add(p, "has either buttons or sections, not both")
	case len(i.Buttons) == 0 && len(i.Sections) == 0:
		f.Add(p, "needs buttons or sections")
	}
	checkOptions(f, p+".buttons", i.Buttons)
	if len(i.Sections) > 0 && blank(i.Button) {
		f.Add(p+".button", "is required with sections: the text of the button that opens the list")
	}
	if len(i.Buttons) > 0 && i.Button != "" {
		f.Add(p+".button", "only goes with sections")
	}
	for j, s := range i.Sections {
		sp := fmt.Sprintf("%s.sections[%d]", p, j)
		if len(s.Rows) == 0 {
			f.Add(sp+".rows", "must hold at least one row")
		}
		checkOptions(f, sp+".rows", s.Rows)
	}
}

func checkOptions(f problem.Fields, prefix string, opts []content.Option) {
	for i, o := range opts {
		if blank(o.ID) {
			f.Add(fmt.Sprintf("%s[%d].id", prefix, i), "is required")
		}
		if blank(o.Title) {
			f.Add(fmt.Sprintf("%s[%d].title", prefix, i), "is required")
		}
	}
}

func arrayOfObjects(raw json.RawMessage) bool {
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil || items == nil {
		return false
	}
	for _, it := range items {
		if it == nil {
			return false
		}
	}
	return true
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

// toContent is the inbox's shape of a checked request's content; nil when
// it carries nothing.
func (c *contentInput) toContent() *content.Content {
	if c == nil {
		return nil
	}
	out := &content.Content{}
	empty := true
	if c.PreviewURL != nil && *c.PreviewURL {
		out.PreviewURL, empty = true, false
	}
	if l := c.Location; l != nil {
		out.Location = &content.Location{Latitude: *l.Latitude, Longitude: *l.Longitude, Name: l.Name, Address: l.Address, URL: l.URL}
		empty = false
	}
	if len(c.Contacts) > 0 {
		out.Contacts, empty = c.Contacts, false
	}
	if c.Interactive != nil {
		out.Interactive, empty = c.Interactive, false
	}
	if r := c.Reaction; r != nil {
		out.Reaction = &content.Reaction{Emoji: *r.Emoji, TargetID: r.TargetID}
		empty = false
	}
	if t := c.Template; t != nil {
		out.Template = &content.Template{Name: strings.TrimSpace(t.Name), Language: strings.TrimSpace(t.Language),
			Components: t.Components, Rendered: t.Rendered}
		empty = false
	}
	if empty {
		return nil
	}
	return out
}

// Strict decoding of nested objects.

// decodeStrict decodes raw, the value of the field name, into dst (a pointer
// to a struct), holding every nested object to its struct: unknown, null and
// mistyped fields at any depth are 422s naming the field by its path
// (content.contacts[0].name). json.RawMessage fields take any value.
func decodeStrict(raw json.RawMessage, dst any, name string) error {
	f := problem.Fields{}
	checkShape(f, raw, reflect.TypeOf(dst).Elem(), name)
	if err := f.Err(); err != nil {
		return err
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		if name == "" {
			return problem.New(problem.BadRequest, "the body is not valid: %v", err)
		}
		return problem.Field(name, "is not valid: "+err.Error())
	}
	return nil
}

var rawMessageType = reflect.TypeFor[json.RawMessage]()

func checkShape(f problem.Fields, raw json.RawMessage, t reflect.Type, name string) {
	if t == rawMessageType {
		return
	}
	raw = bytes.TrimSpace(raw)
	if string(raw) == "null" {
		f.Add(name, "must not be null")
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		// []byte is a base64 string in JSON, not an array.
		if err := json.Unmarshal(raw, reflect.New(t).Interface()); err != nil {
			f.Add(name, "must be a base64 string")
		}
	case t.Kind() == reflect.Struct:
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
			f.Add(name, "must be an object")
			return
		}
		fields := map[string]reflect.Type{}
		for sf := range t.Fields() {
			if tag, _, _ := strings.Cut(sf.Tag.Get("json"), ","); tag != "" && tag != "-" {
				fields[tag] = sf.Type
			}
		}
		for k, v := range obj {
			ft, ok := fields[k]
			if !ok {
				f.Add(child(name, k), "unknown field")
				continue
			}
			checkShape(f, v, ft, child(name, k))
		}
	case t.Kind() == reflect.Slice:
		var arr []json.RawMessage
		if err := json.Unmarshal(raw, &arr); err != nil || arr == nil {
			f.Add(name, "must be an array")
			return
		}
		for i, v := range arr {
			checkShape(f, v, t.Elem(), fmt.Sprintf("%s[%d]", name, i))
		}
	default:
		if err := json.Unmarshal(raw, reflect.New(t).Interface()); err != nil {
			f.Add(name, "must be "+jsonWord(t))
		}
	}
}

// child names field k of the object called name; the body itself has no name.
func child(name, k string) string {
	if name == "" {
		return k
	}
	return name + "." + k
}

// jsonWord says in JSON terms what a value of scalar type t is.
func jsonWord(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Map:
		return "an object"
	}
	return "valid"
}
