package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	msgtpl "charla/internal/templates"
	"charla/internal/web/templates"
)

// This file turns the new-template form into the service's Submission and
// the service's field names back into the form's.

// postedTemplate reads the form's text fields as typed.
func postedTemplate(r *http.Request) templates.TemplateInput {
	v := func(k string) string { return r.PostFormValue(k) }
	in := templates.TemplateInput{
		Name: strings.TrimSpace(v("name")), Category: strings.ToUpper(strings.TrimSpace(v("category"))),
		Language: strings.TrimSpace(v("language")), AllowCategoryChange: v("allow_category_change") != "",
		HeaderFormat: strings.ToUpper(strings.TrimSpace(v("header_format"))), HeaderText: v("header_text"),
		HeaderSample: v("header_sample"), Body: v("body_text"), BodySamples: r.PostForm["body_sample"],
		Footer: v("footer_text"), URLText: strings.TrimSpace(v("url_text")), URL: strings.TrimSpace(v("url")),
		URLSample: v("url_sample"), PhoneText: strings.TrimSpace(v("phone_text")), Phone: strings.TrimSpace(v("phone_number")),
		AuthSecurity: v("auth_security") != "", AuthExpiry: strings.TrimSpace(v("auth_expiry")), AuthButton: strings.TrimSpace(v("auth_button")),
	}
	for i, q := range r.PostForm["quick_reply"] {
		if i < len(in.QuickReplies) {
			in.QuickReplies[i] = strings.TrimSpace(q)
		}
	}
	return in
}

// submission builds what the service checks and sends. The fields of the
// parts the category doesn't use are left out, since the form only hides
// them. buttonFields[i] is the form's name for the submission's button i.
func submission(in templates.TemplateInput, file *msgtpl.SampleFile) (s msgtpl.Submission, buttonFields []string) {
	s = msgtpl.Submission{Name: in.Name, Category: in.Category, Language: in.Language, AllowCategoryChange: in.AllowCategoryChange}
	if in.Category == msgtpl.CategoryAuthentication {
		a := &msgtpl.AuthOptions{SecurityRecommendation: in.AuthSecurity, ButtonText: in.AuthButton}
		if in.AuthExpiry != "" {
			n, err := strconv.Atoi(in.AuthExpiry)
			if err != nil {
				n = -1 // not a number: the service says what is allowed
			}
			a.CodeExpirationMinutes = n
		}
		s.Authentication = a
		return s, nil
	}
	if in.HeaderFormat != "" {
		h := &msgtpl.SubmissionHeader{Format: in.HeaderFormat}
		switch in.HeaderFormat {
		case "TEXT":
			h.Text, h.Sample = in.HeaderText, in.HeaderSample
		case "IMAGE", "VIDEO", "DOCUMENT":
			h.File = file
		}
		s.Header = h
	}
	s.Body = msgtpl.SubmissionBody{Text: in.Body, Samples: trimTrailing(in.BodySamples)}
	if strings.TrimSpace(in.Footer) != "" {
		s.Footer = &msgtpl.SubmissionFooter{Text: in.Footer}
	}
	for i, q := range in.QuickReplies {
		if q != "" {
			s.Buttons = append(s.Buttons, msgtpl.SubmissionButton{Type: "QUICK_REPLY", Text: q})
			buttonFields = append(buttonFields, fmt.Sprintf("quick_replies[%d]", i))
		}
	}
	if in.URLText != "" || in.URL != "" {
		s.Buttons = append(s.Buttons, msgtpl.SubmissionButton{Type: "URL", Text: in.URLText, URL: in.URL, Sample: in.URLSample})
		buttonFields = append(buttonFields, "url_button")
	}
	if in.PhoneText != "" || in.Phone != "" {
		s.Buttons = append(s.Buttons, msgtpl.SubmissionButton{Type: "PHONE_NUMBER", Text: in.PhoneText, PhoneNumber: in.Phone})
		buttonFields = append(buttonFields, "phone_button")
	}
	return s, buttonFields
}

// trimTrailing drops empty samples at the end: inputs the body no longer uses.
func trimTrailing(ss []string) []string {
	for len(ss) > 0 && strings.TrimSpace(ss[len(ss)-1]) == "" {
		ss = ss[:len(ss)-1]
	}
	return ss
}

var buttonField = regexp.MustCompile(`^buttons\[(\d+)\](?:\.(\w+))?$`)

// formFields renames the service's button fields ("buttons[2].url") to the
// form's ("url_button.url"), so each error shows beside its input.
func formFields(fields map[string]string, buttonFields []string) map[string]string {
	if len(fields) == 0 {
		return fields
	}
	out := make(map[string]string, len(fields))
	for k, msg := range fields {
		if m := buttonField.FindStringSubmatch(k); m != nil {
			if i, _ := strconv.Atoi(m[1]); i < len(buttonFields) {
				k = buttonFields[i]
				if m[2] != "" && !strings.HasPrefix(k, "quick_replies") {
					k += "." + m[2]
				}
			}
		}
		if prev, dup := out[k]; dup {
			msg = prev + "; " + msg
		}
		out[k] = msg
	}
	return out
}
