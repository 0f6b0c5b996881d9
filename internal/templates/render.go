package templates

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"charla/internal/content"
	"charla/internal/problem"
)

// Values fill a template's variables for one send. Each value is typed by
// the agent or holds dynamic values such as {{contact.first_name}}, which
// Vars resolves for the recipient.
type Values struct {
	// Header fills a TEXT header's {{1}}.
	Header []string `json:"header,omitempty"`
	// Body[i] fills the body's {{i+1}}.
	Body []string `json:"body,omitempty"`
	// HeaderMedia fills an IMAGE, VIDEO or DOCUMENT header.
	HeaderMedia *Media `json:"header_media,omitempty"`
	// HeaderLocation fills a LOCATION header.
	HeaderLocation *content.Location `json:"header_location,omitempty"`
	// Buttons fill the variable of the button at each index (zero-based): a
	// URL button's suffix, an OTP or COPY_CODE button's code.
	Buttons map[int]string `json:"buttons,omitempty"`
	// Vars are the dynamic values known for this send (ResolveVars).
	Vars map[string]string `json:"-"`
}

// Media is a header's file: an uploaded media id or a public link.
type Media struct {
	ID       string `json:"id,omitempty"`
	Link     string `json:"link,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// RenderResult is a template ready to send.
type RenderResult struct {
	// Template is the message content: Components in Meta's send shape,
	// Rendered the preview text.
	Template content.Template `json:"template"`
	Preview  Preview          `json:"preview"`
}

// Preview is the message as the recipient will see it, variables filled.
type Preview struct {
	// HeaderFormat is TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION ("" without header).
	HeaderFormat string   `json:"header_format,omitempty"`
	Header       string   `json:"header,omitempty"`
	Body         string   `json:"body"`
	Footer       string   `json:"footer,omitempty"`
	Buttons      []string `json:"buttons,omitempty"`
}

// Text is the preview as one text, for the inbox's message list.
func (p Preview) Text() string {
	var parts []string
	for _, s := range []string{p.Header, p.Body, p.Footer} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "\n")
}

// sendComponent and sendParam are Meta's send shape (lowercase types).
type sendComponent struct {
	Type       string      `json:"type"`
	SubType    string      `json:"sub_type,omitempty"`
	Index      string      `json:"index,omitempty"`
	Parameters []sendParam `json:"parameters"`
}

type sendParam struct {
	Type       string            `json:"type"`
	Text       string            `json:"text,omitempty"`
	Image      *Media            `json:"image,omitempty"`
	Video      *Media            `json:"video,omitempty"`
	Document   *Media            `json:"document,omitempty"`
	Location   *content.Location `json:"location,omitempty"`
	CouponCode string            `json:"coupon_code,omitempty"`
}

// Render fills t's variables with v. A template that is not approved is
// refused, and each missing or unusable value is a field error naming the
// variable ("body.{{2}}"), so an agent learns what to fix before anything
// is sent.
func Render(t Template, v Values) (RenderResult, error) {
	if err := t.Sendable(); err != nil {
		return RenderResult{}, err
	}
	for _, c := range t.Components {
		for _, x := range variables(c.Text) {
			if x.N == 0 {
				return RenderResult{}, problem.Field("template", fmt.Sprintf(
					"template %s uses the named variable %s; charla sends templates with numbered variables ({{1}}) only", t.Name, x.Text))
			}
		}
	}
	r := renderer{v: v, f: problem.Fields{}}
	var out []sendComponent
	if h := t.Component("HEADER"); h != nil {
		r.preview.HeaderFormat = upper(h.Format)
		if c, ok := r.header(*h); ok {
			out = append(out, c)
		}
	}
	bodyValues := r.body(t.BodyText())
	if len(bodyValues) > 0 {
		out = append(out, sendComponent{Type: "body", Parameters: textParams(bodyValues)})
	}
	if f := t.Component("FOOTER"); f != nil {
		r.preview.Footer = f.Text
	}
	out = append(out, r.buttons(t.Buttons(), bodyValues)...)
	if err := r.f.Err(); err != nil {
		return RenderResult{}, err
	}
	tc := content.Template{Name: t.Name, Language: t.Language, Rendered: r.preview.Text()}
	if len(out) > 0 {
		raw, err := json.Marshal(out)
		if err != nil {
			return RenderResult{}, err
		}
		tc.Components = raw
	}
	return RenderResult{Template: tc, Preview: r.preview}, nil
}

type renderer struct {
	v       Values
	f       problem.Fields
	preview Preview
}

func (r *renderer) header(h Component) (sendComponent, bool) {
	c := sendComponent{Type: "header"}
	switch upper(h.Format) {
	case "", "TEXT":
		r.preview.Header = h.Text
		if highest(variables(h.Text)) == 0 {
			return c, false
		}
		val, ok := r.value("header.{{1}}", at(r.v.Header, 0))
		if !ok {
			return c, false
		}
		r.preview.Header = fill(h.Text, []string{val})
		c.Parameters = []sendParam{{Type: "text", Text: val}}
	case "IMAGE", "VIDEO", "DOCUMENT":
		kind := strings.ToLower(h.Format)
		m := r.v.HeaderMedia
		if m == nil || (m.ID == "" && m.Link == "") {
			r.f.Add("header.media", fmt.Sprintf("is required: this template's header is a %s; give its link or media id", kind))
			return c, false
		}
		media := *m
		if kind != "document" {
			media.Filename = ""
		}
		p := sendParam{Type: kind}
		switch kind {
		case "image":
			p.Image = &media
		case "video":
			p.Video = &media
		default:
			p.Document = &media
		}
		c.Parameters = []sendParam{p}
	case "LOCATION":
		if r.v.HeaderLocation == nil {
			r.f.Add("header.location", "is required: this template's header is a location")
			return c, false
		}
		c.Parameters = []sendParam{{Type: "location", Location: r.v.HeaderLocation}}
	default:
		// A header charla does not model (e.g. PRODUCT) takes no parameter here.
		return c, false
	}
	return c, true
}

// body fills the body's variables and returns their values, {{1}} first.
func (r *renderer) body(text string) []string {
	n := highest(variables(text))
	values := make([]string, n)
	for i := range n {
		field := fmt.Sprintf("body.{{%d}}", i+1)
		val, ok := r.value(field, at(r.v.Body, i))
		if !ok {
			continue
		}
		// Meta refuses such body values (error 132007).
		if strings.ContainsAny(val, "\n\t") || strings.Contains(val, "     ") {
			r.f.Add(field, "must not contain line breaks, tabs or more than 4 spaces in a row")
		}
		values[i] = val
	}
	for i := n; i < len(r.v.Body); i++ {
		if strings.TrimSpace(r.v.Body[i]) != "" {
			r.f.Add("body", fmt.Sprintf("the template's body has %d variables; a value for {{%d}} was given", n, i+1))
			break
		}
	}
	r.preview.Body = fill(text, values)
	return values
}

func (r *renderer) buttons(bs []Button, bodyValues []string) []sendComponent {
	var out []sendComponent
	for i, b := range bs {
		field := fmt.Sprintf("buttons[%d].{{1}}", i)
		given, hasGiven := r.v.Buttons[i]
		label := b.Text
		switch {
		case b.Is("URL") && highest(variables(b.URL)) > 0:
			if val, ok := r.value(field, given); ok {
				out = append(out, sendComponent{Type: "button", SubType: "url", Index: strconv.Itoa(i), Parameters: textParams([]string{val})})
			}
		case b.Is("OTP"):
			// The code the body shows is the code the button copies.
			if !hasGiven && len(bodyValues) > 0 {
				given = bodyValues[0]
			}
			if val, ok := r.value(field, given); ok {
				out = append(out, sendComponent{Type: "button", SubType: "url", Index: strconv.Itoa(i), Parameters: textParams([]string{val})})
			}
		case b.Is("COPY_CODE"):
			if val, ok := r.value(field, given); ok {
				out = append(out, sendComponent{Type: "button", SubType: "copy_code", Index: strconv.Itoa(i),
					Parameters: []sendParam{{Type: "coupon_code", CouponCode: val}}})
			}
		case hasGiven && strings.TrimSpace(given) != "":
			r.f.Add(fmt.Sprintf("buttons[%d]", i), "this button takes no value")
		}
		if label != "" {
			r.preview.Buttons = append(r.preview.Buttons, label)
		}
	}
	// Values for buttons the template does not have.
	var extra []int
	for i, val := range r.v.Buttons {
		if (i < 0 || i >= len(bs)) && strings.TrimSpace(val) != "" {
			extra = append(extra, i)
		}
	}
	sort.Ints(extra)
	for _, i := range extra {
		r.f.Add(fmt.Sprintf("buttons[%d]", i), fmt.Sprintf("the template has %d buttons", len(bs)))
	}
	return out
}

// value resolves one variable's value, recording why it cannot be used.
func (r *renderer) value(field, raw string) (string, bool) {
	val, missing := resolve(raw, r.v.Vars)
	switch {
	case missing != "" && strings.HasPrefix(missing, "agent."):
		r.f.Add(field, fmt.Sprintf("uses %s, which is not known for this agent", missing))
	case missing != "":
		r.f.Add(field, fmt.Sprintf("uses %s, which this contact doesn't have", missing))
	case strings.TrimSpace(val) == "":
		r.f.Add(field, "is required")
	default:
		return val, true
	}
	return "", false
}

func textParams(values []string) []sendParam {
	out := make([]sendParam, len(values))
	for i, v := range values {
		out[i] = sendParam{Type: "text", Text: v}
	}
	return out
}

func at(values []string, i int) string {
	if i < len(values) {
		return values[i]
	}
	return ""
}

// refusal says why a template that is not approved cannot be sent.
func refusal(t Template) string {
	name := fmt.Sprintf("template %s (%s)", t.Name, t.Language)
	switch t.Status {
	case StatusPending:
		return name + " is still pending review by WhatsApp; it can be sent once approved"
	case StatusRejected:
		why := ""
		if t.RejectedReason != "" {
			why = " (reason: " + t.RejectedReason + ")"
		}
		return name + " was rejected by WhatsApp" + why + "; edit it and submit it again, or choose another template"
	case StatusPaused:
		return name + " is paused by WhatsApp because recipients gave it poor feedback; it cannot be sent until WhatsApp unpauses it"
	case StatusDisabled:
		return name + " was disabled by WhatsApp after repeated quality problems; choose another template"
	case StatusDeleted:
		return name + " was deleted; choose another template, or sync templates if it exists again"
	case "":
		return name + " has no status yet; sync templates"
	}
	return fmt.Sprintf("%s is %s, not approved; only approved templates can be sent", name, t.Status)
}
