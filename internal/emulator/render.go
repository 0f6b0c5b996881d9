package emulator

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
)

// templateView is a sent template as the customer's phone shows it: the
// approved template's texts with the send's parameters filled in.
type templateView struct {
	Name        string           `json:"name"`
	Language    string           `json:"language"`
	Missing     bool             `json:"missing,omitempty"` // deleted since it was sent
	Header      string           `json:"header,omitempty"`
	HeaderMedia *mediaView       `json:"header_media,omitempty"`
	Body        string           `json:"body,omitempty"`
	Footer      string           `json:"footer,omitempty"`
	Buttons     []templateButton `json:"buttons,omitempty"`
}

type mediaView struct {
	Type string `json:"type"`
	URL  string `json:"url,omitempty"`
}

// templateButton is one of the template's buttons; Payload is what a
// quick-reply tap sends back.
type templateButton struct {
	Type    string `json:"type"` // QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE, …
	Text    string `json:"text"`
	URL     string `json:"url,omitempty"`
	Phone   string `json:"phone_number,omitempty"`
	Payload string `json:"payload,omitempty"`
}

// stored template components, as created.
type tmplComponent struct {
	Type    string `json:"type"`
	Format  string `json:"format"`
	Text    string `json:"text"`
	Buttons []struct {
		Type        string `json:"type"`
		Text        string `json:"text"`
		URL         string `json:"url"`
		PhoneNumber string `json:"phone_number"`
	} `json:"buttons"`
}

// send-side template object.
type sendTemplate struct {
	Name     string `json:"name"`
	Language struct {
		Code string `json:"code"`
	} `json:"language"`
	Components []struct {
		Type       string      `json:"type"`
		SubType    string      `json:"sub_type"`
		Index      json.Number `json:"index"`
		Parameters []sendParam `json:"parameters"`
	} `json:"components"`
}

type sendParam struct {
	Type          string          `json:"type"`
	ParameterName string          `json:"parameter_name"`
	Text          string          `json:"text"`
	Payload       string          `json:"payload"`
	CouponCode    string          `json:"coupon_code"`
	Currency      *fallback       `json:"currency"`
	DateTime      *fallback       `json:"date_time"`
	Image         json.RawMessage `json:"image"`
	Video         json.RawMessage `json:"video"`
	Document      json.RawMessage `json:"document"`
}

type fallback struct {
	FallbackValue string `json:"fallback_value"`
}

// text is what a parameter shows in the message.
func (p sendParam) text() string {
	switch {
	case p.Currency != nil:
		return p.Currency.FallbackValue
	case p.DateTime != nil:
		return p.DateTime.FallbackValue
	case p.Type == "payload":
		return p.Payload
	case p.Type == "coupon_code":
		return p.CouponCode
	}
	return p.Text
}

var placeholder = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_]+)\s*\}\}`)

// fill replaces {{1}}… by position and {{name}} by parameter_name; a
// placeholder without a parameter stays as it is, so a missing one shows.
func fill(text string, params []sendParam) string {
	return placeholder.ReplaceAllStringFunc(text, func(m string) string {
		key := placeholder.FindStringSubmatch(m)[1]
		if n, err := strconv.Atoi(key); err == nil {
			if n >= 1 && n <= len(params) {
				return params[n-1].text()
			}
			return m
		}
		for _, p := range params {
			if p.ParameterName == key {
				return p.text()
			}
		}
		return m
	})
}

// renderTemplate builds the phone's view of a template send; media
// parameters become links through mediaURL.
func (e *Emulator) renderTemplate(raw json.RawMessage, mediaURL func(json.RawMessage) string) *templateView {
	var s sendTemplate
	if json.Unmarshal(raw, &s) != nil {
		return nil
	}
	v := &templateView{Name: s.Name, Language: s.Language.Code}
	t, ok := e.templateFor(s.Name, s.Language.Code)
	var comps []tmplComponent
	if !ok || json.Unmarshal(t.Components, &comps) != nil {
		v.Missing = true
		return v
	}
	params := map[string][]sendParam{}
	buttonParams := map[int][]sendParam{}
	for _, c := range s.Components {
		if strings.EqualFold(c.Type, "button") {
			i, _ := strconv.Atoi(string(c.Index))
			buttonParams[i] = c.Parameters
			continue
		}
		params[strings.ToLower(c.Type)] = c.Parameters
	}
	for _, c := range comps {
		switch strings.ToUpper(c.Type) {
		case "HEADER":
			if strings.EqualFold(c.Format, "TEXT") || c.Format == "" {
				v.Header = fill(c.Text, params["header"])
				continue
			}
			hm := &mediaView{Type: strings.ToLower(c.Format)}
			for _, p := range params["header"] {
				for _, obj := range []json.RawMessage{p.Image, p.Video, p.Document} {
					if len(obj) > 0 {
						hm.URL = mediaURL(obj)
					}
				}
			}
			v.HeaderMedia = hm
		case "BODY":
			v.Body = fill(c.Text, params["body"])
		case "FOOTER":
			v.Footer = c.Text
		case "BUTTONS":
			for i, b := range c.Buttons {
				tb := templateButton{Type: strings.ToUpper(b.Type), Text: b.Text, Phone: b.PhoneNumber}
				switch tb.Type {
				case "URL":
					tb.URL = fill(b.URL, buttonParams[i])
				case "QUICK_REPLY":
					// Without a payload parameter WhatsApp sends the label.
					tb.Payload = b.Text
					if ps := buttonParams[i]; len(ps) > 0 && ps[0].text() != "" {
						tb.Payload = ps[0].text()
					}
				}
				v.Buttons = append(v.Buttons, tb)
			}
		}
	}
	return v
}
