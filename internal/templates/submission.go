package templates

import (
	"encoding/json"
	"strings"
)

// Submission is a new template as an admin writes it (form or API). Validate
// checks it; Components builds what the provider is sent.
type Submission struct {
	Name     string `json:"name"`
	Category string `json:"category"`
	Language string `json:"language"`
	// AllowCategoryChange lets Meta file the template under the category it
	// judges right instead of rejecting it.
	AllowCategoryChange bool               `json:"allow_category_change,omitempty"`
	Header              *SubmissionHeader  `json:"header,omitempty"`
	Body                SubmissionBody     `json:"body"`
	Footer              *SubmissionFooter  `json:"footer,omitempty"`
	Buttons             []SubmissionButton `json:"buttons,omitempty"`
	// Authentication shapes an AUTHENTICATION template, whose body text and
	// copy-code button WhatsApp writes itself; Header, Body, Footer and
	// Buttons then stay empty.
	Authentication *AuthOptions `json:"authentication,omitempty"`
}

// SubmissionHeader is the optional header.
type SubmissionHeader struct {
	// Format is TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION.
	Format string `json:"format"`
	Text   string `json:"text,omitempty"`
	// Sample is the value of a TEXT header's {{1}} for the reviewer.
	Sample string `json:"sample,omitempty"`
	// File is the sample of an IMAGE, VIDEO or DOCUMENT header.
	File *SampleFile `json:"file,omitempty"`
	// Handle is the uploaded File's handle; Submit sets it.
	Handle string `json:"-"`
}

// SampleFile is a media header's sample (data is base64 in JSON).
type SampleFile struct {
	Filename string `json:"filename"`
	MimeType string `json:"mime_type"`
	Data     []byte `json:"data"`
}

// SubmissionBody is the required body; Samples[i] is the sample of {{i+1}}.
type SubmissionBody struct {
	Text    string   `json:"text"`
	Samples []string `json:"samples,omitempty"`
}

// SubmissionFooter is the optional footer.
type SubmissionFooter struct {
	Text string `json:"text"`
}

// SubmissionButton is a QUICK_REPLY, URL or PHONE_NUMBER button.
type SubmissionButton struct {
	Type        string `json:"type"`
	Text        string `json:"text"`
	URL         string `json:"url,omitempty"`
	PhoneNumber string `json:"phone_number,omitempty"`
	// Sample is the value of a URL's {{1}} for the reviewer.
	Sample string `json:"sample,omitempty"`
}

// AuthOptions are what an AUTHENTICATION template lets the business choose.
type AuthOptions struct {
	// SecurityRecommendation adds "For your security, do not share this code."
	SecurityRecommendation bool `json:"security_recommendation"`
	// CodeExpirationMinutes adds a footer saying when the code expires (0: none).
	CodeExpirationMinutes int `json:"code_expiration_minutes,omitempty"`
	// ButtonText labels the copy-code button ("" for WhatsApp's default).
	ButtonText string `json:"button_text,omitempty"`
}

// CreateRequest is the body of the provider's create call.
type CreateRequest struct {
	Name                string      `json:"name"`
	Language            string      `json:"language"`
	Category            string      `json:"category"`
	AllowCategoryChange bool        `json:"allow_category_change,omitempty"`
	Components          []Component `json:"components"`
}

// CreateRequest builds the provider's create body.
func (s Submission) CreateRequest() CreateRequest {
	return CreateRequest{Name: s.Name, Language: s.Language, Category: upper(s.Category),
		AllowCategoryChange: s.AllowCategoryChange, Components: s.Components()}
}

// Components builds Meta's component array for s, samples included.
func (s Submission) Components() []Component {
	if upper(s.Category) == CategoryAuthentication {
		return s.authComponents()
	}
	var out []Component
	if h := s.Header; h != nil {
		c := Component{Type: "HEADER", Format: upper(h.Format)}
		switch c.Format {
		case "TEXT":
			c.Text = h.Text
			if len(variables(h.Text)) > 0 {
				c.Example = &Example{HeaderText: []string{h.Sample}}
			}
		case "IMAGE", "VIDEO", "DOCUMENT":
			c.Example = &Example{HeaderHandle: []string{h.Handle}}
		}
		out = append(out, c)
	}
	body := Component{Type: "BODY", Text: s.Body.Text}
	if n := highest(variables(s.Body.Text)); n > 0 {
		row := make([]string, n)
		copy(row, s.Body.Samples)
		body.Example = &Example{BodyText: [][]string{row}}
	}
	out = append(out, body)
	if s.Footer != nil && s.Footer.Text != "" {
		out = append(out, Component{Type: "FOOTER", Text: s.Footer.Text})
	}
	if len(s.Buttons) > 0 {
		bs := Component{Type: "BUTTONS"}
		for _, b := range s.Buttons {
			w := Button{Type: upper(b.Type), Text: b.Text}
			switch w.Type {
			case "URL":
				w.URL = b.URL
				if len(variables(b.URL)) > 0 {
					w.Example = []string{b.Sample}
				}
			case "PHONE_NUMBER":
				w.PhoneNumber = b.PhoneNumber
			}
			bs.Buttons = append(bs.Buttons, w)
		}
		out = append(out, bs)
	}
	return out
}

// authComponents is Meta's authentication shape: the body and button text
// are WhatsApp's own; the business picks the options.
func (s Submission) authComponents() []Component {
	a := AuthOptions{}
	if s.Authentication != nil {
		a = *s.Authentication
	}
	body := Component{Type: "BODY", extra: map[string]json.RawMessage{}}
	if a.SecurityRecommendation {
		body.extra["add_security_recommendation"] = json.RawMessage("true")
	}
	out := []Component{body}
	if a.CodeExpirationMinutes > 0 {
		minutes, _ := json.Marshal(a.CodeExpirationMinutes)
		out = append(out, Component{Type: "FOOTER", extra: map[string]json.RawMessage{"code_expiration_minutes": minutes}})
	}
	otp := Button{Type: "OTP", Text: strings.TrimSpace(a.ButtonText), extra: map[string]json.RawMessage{"otp_type": json.RawMessage(`"COPY_CODE"`)}}
	return append(out, Component{Type: "BUTTONS", Buttons: []Button{otp}})
}
