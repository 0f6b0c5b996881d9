package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"charla/internal/content"
	"charla/internal/inbox"
	"charla/internal/problem"
)

// templateComponent is one component of a template message in the
// provider's shape; the composer fills only the body's text parameters.
type templateComponent struct {
	Type       string              `json:"type"`
	Parameters []templateParameter `json:"parameters"`
}

type templateParameter struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// templateDraft reads the composer's template form into a draft. Whether the
// template exists and is approved is the channel's to say; this checks only
// that the form is complete, so the agent learns what is missing at once.
func templateDraft(r *http.Request) (inbox.Draft, error) {
	name := strings.TrimSpace(r.PostFormValue("template_name"))
	lang := strings.TrimSpace(r.PostFormValue("template_language"))
	params := r.PostForm["template_param"]
	// Inputs left empty at the end are unused slots, not parameters.
	for len(params) > 0 && strings.TrimSpace(params[len(params)-1]) == "" {
		params = params[:len(params)-1]
	}
	f := problem.Fields{}
	if name == "" {
		f.Add("template_name", "is required: the template's name as approved, e.g. order_update")
	}
	if lang == "" {
		f.Add("template_language", "is required: the language code of the approved template, e.g. en_US")
	}
	body := templateComponent{Type: "body"}
	for i, p := range params {
		if strings.TrimSpace(p) == "" {
			f.Add("template_param", fmt.Sprintf("parameter {{%d}} is empty; fill it in or remove the parameters after it", i+1))
			break
		}
		body.Parameters = append(body.Parameters, templateParameter{Type: "text", Text: p})
	}
	if err := f.Err(); err != nil {
		return inbox.Draft{}, err
	}
	t := &content.Template{Name: name, Language: lang}
	if len(body.Parameters) > 0 {
		raw, err := json.Marshal([]templateComponent{body})
		if err != nil {
			return inbox.Draft{}, err
		}
		t.Components = raw
	}
	return inbox.Draft{Kind: content.KindTemplate, Content: &content.Content{Template: t}}, nil
}
