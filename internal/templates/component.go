package templates

import (
	"encoding/json"
	"reflect"
	"strings"
)

// Component is one part of a template in Meta's create/list shape: HEADER
// (Format TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION), BODY, FOOTER or BUTTONS.
// Fields charla does not model (carousel cards, add_security_recommendation,
// code_expiration_minutes …) are kept as the provider sent them and written
// back unchanged, so no template is mangled by a round trip.
type Component struct {
	Type    string
	Format  string
	Text    string
	Example *Example
	Buttons []Button
	extra   map[string]json.RawMessage
}

// Example holds the sample values Meta reviews a template with.
type Example struct {
	// HeaderText is the sample of a TEXT header's variable.
	HeaderText []string
	// HeaderHandle is the upload handle of a media header's sample file.
	HeaderHandle []string
	// BodyText is one row of samples, {{1}} first: [["Mark","FALL25"]].
	BodyText [][]string
	extra    map[string]json.RawMessage
}

// Button is one button of a BUTTONS component: QUICK_REPLY, URL,
// PHONE_NUMBER, COPY_CODE, OTP or a type charla only keeps (FLOW, MPM …).
type Button struct {
	Type        string
	Text        string
	URL         string
	PhoneNumber string
	// Example is the URL variable's sample (URL), or the coupon code
	// (COPY_CODE, which Meta writes as a single string).
	Example []string
	extra   map[string]json.RawMessage
	// scalarExample remembers an example that came as a single string.
	scalarExample bool
}

// Is tells whether c is of component type t (Meta writes types in either case).
func (c Component) Is(t string) bool { return strings.EqualFold(c.Type, t) }

// Is tells whether b is of button type t.
func (b Button) Is(t string) bool { return strings.EqualFold(b.Type, t) }

// Extra returns a field charla does not model, as the provider sent it (nil when absent).
func (c Component) Extra(key string) json.RawMessage { return c.extra[key] }

// Extra returns a field charla does not model, as the provider sent it (nil when absent).
func (b Button) Extra(key string) json.RawMessage { return b.extra[key] }

func (c Component) MarshalJSON() ([]byte, error) {
	out := object(c.extra)
	out.set("type", c.Type, c.Type != "")
	out.set("format", c.Format, c.Format != "")
	out.set("text", c.Text, c.Text != "")
	out.set("example", c.Example, c.Example != nil)
	out.set("buttons", c.Buttons, len(c.Buttons) > 0)
	return json.Marshal(out)
}

func (c *Component) UnmarshalJSON(data []byte) error {
	m, err := split(data)
	if err != nil {
		return err
	}
	*c = Component{}
	take(m, "type", &c.Type)
	take(m, "format", &c.Format)
	take(m, "text", &c.Text)
	take(m, "example", &c.Example)
	take(m, "buttons", &c.Buttons)
	c.extra = m
	return nil
}

func (e Example) MarshalJSON() ([]byte, error) {
	out := object(e.extra)
	out.set("header_text", e.HeaderText, len(e.HeaderText) > 0)
	out.set("header_handle", e.HeaderHandle, len(e.HeaderHandle) > 0)
	out.set("body_text", e.BodyText, len(e.BodyText) > 0)
	return json.Marshal(out)
}

func (e *Example) UnmarshalJSON(data []byte) error {
	m, err := split(data)
	if err != nil {
		return err
	}
	*e = Example{}
	take(m, "header_text", &e.HeaderText)
	take(m, "header_handle", &e.HeaderHandle)
	take(m, "body_text", &e.BodyText)
	e.extra = m
	return nil
}

func (b Button) MarshalJSON() ([]byte, error) {
	out := object(b.extra)
	out.set("type", b.Type, b.Type != "")
	out.set("text", b.Text, b.Text != "")
	out.set("url", b.URL, b.URL != "")
	out.set("phone_number", b.PhoneNumber, b.PhoneNumber != "")
	if (b.scalarExample || b.Is("COPY_CODE")) && len(b.Example) == 1 {
		out.set("example", b.Example[0], true)
	} else {
		out.set("example", b.Example, len(b.Example) > 0)
	}
	return json.Marshal(out)
}

func (b *Button) UnmarshalJSON(data []byte) error {
	m, err := split(data)
	if err != nil {
		return err
	}
	*b = Button{}
	take(m, "type", &b.Type)
	take(m, "text", &b.Text)
	take(m, "url", &b.URL)
	take(m, "phone_number", &b.PhoneNumber)
	var one string
	if raw, ok := m["example"]; ok && json.Unmarshal(raw, &one) == nil {
		b.Example, b.scalarExample = []string{one}, true
		delete(m, "example")
	}
	take(m, "example", &b.Example)
	b.extra = m
	return nil
}

// fields is a JSON object being written: the unmodelled fields first, then
// the modelled ones over them.
type fields map[string]any

func object(extra map[string]json.RawMessage) fields {
	out := make(fields, len(extra)+5)
	for k, v := range extra {
		out[k] = v
	}
	return out
}

func (f fields) set(key string, v any, present bool) {
	if present {
		f[key] = v
	}
}

func split(data []byte) (map[string]json.RawMessage, error) {
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// take decodes m[key] into dst and removes it from m. A value of an
// unexpected shape stays in m, so it is written back as it came.
func take(m map[string]json.RawMessage, key string, dst any) {
	raw, ok := m[key]
	if !ok {
		return
	}
	if json.Unmarshal(raw, dst) == nil {
		delete(m, key)
		return
	}
	// A failed decode may have filled dst in part.
	reflect.ValueOf(dst).Elem().SetZero()
}
