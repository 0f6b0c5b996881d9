package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"charla/internal/content"
	"charla/internal/inbox"
	"charla/internal/problem"
	"charla/internal/templates"
)

// templateInput is the spec's TemplateInput: a template named on the
// conversation's channel, filled either with variables (which charla renders
// into the provider's parameters) or, as before variables existed, with the
// provider's components as they are.
type templateInput struct {
	Name       string            `json:"name"`
	Language   string            `json:"language"`
	Variables  *templates.Values `json:"variables"`
	Components json.RawMessage   `json:"components"`
	Rendered   string            `json:"rendered"`
}

func checkTemplate(f problem.Fields, t *templateInput) {
	const p = "content.template"
	if blank(t.Name) {
		f.Add(p+".name", "is required")
	}
	if t.Components != nil {
		if t.Variables != nil {
			f.Add(p+".variables", "send either variables or components, not both")
		}
		if !arrayOfObjects(t.Components) {
			f.Add(p+".components", "must be an array of objects")
		}
	} else if t.Rendered != "" {
		f.Add(p+".rendered", "only goes with components; charla renders the text of a template sent with variables")
	}
}

// templateContent resolves a checked template send on conv's channel into
// the message content to queue. The template must be on the channel and
// approved; the language falls back to the template's first language.
// Variables are filled for the conversation's contact and the sending user.
func (a *server) templateContent(r *http.Request, conv inbox.Conversation, in *templateInput) (content.Template, error) {
	ctx := r.Context()
	name, lang := strings.TrimSpace(in.Name), strings.TrimSpace(in.Language)
	if in.Components != nil {
		t, err := a.s.Templates.Find(ctx, conv.WorkspaceID, conv.ChannelID, name, lang)
		if err != nil {
			return content.Template{}, templateErr(err)
		}
		if err := t.Sendable(); err != nil {
			return content.Template{}, templateErr(err)
		}
		return content.Template{Name: t.Name, Language: t.Language, Components: in.Components, Rendered: in.Rendered}, nil
	}
	c, err := a.s.Contacts.Get(ctx, conv.WorkspaceID, conv.Contact.ID)
	if err != nil {
		return content.Template{}, err
	}
	var v templates.Values
	if in.Variables != nil {
		v = *in.Variables
	}
	res, err := a.s.Templates.Prepare(ctx, conv.WorkspaceID, conv.ChannelID, name, lang, v, c, user(r).Name)
	if err != nil {
		return content.Template{}, templateErr(err)
	}
	return res.Template, nil
}

// templateErr names the request's fields in a template service's field
// errors: "template" (unknown or not approved) is the template's name, the
// others are variables ("body.{{2}}", "header.media", "buttons[1].{{1}}").
func templateErr(err error) error {
	p, ok := errors.AsType[*problem.Error](err)
	if !ok || p.Kind != problem.Invalid || len(p.Fields) == 0 {
		return err
	}
	f := problem.Fields{}
	for k, v := range p.Fields {
		if k == "template" {
			f.Add("content.template.name", v)
		} else {
			f.Add("content.template.variables."+k, v)
		}
	}
	return f.Err()
}
