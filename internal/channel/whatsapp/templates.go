package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"charla/internal/problem"
)

// TemplateRecord is one message template of the business account as the
// provider lists it (providers.md §1.13).
type TemplateRecord struct {
	ID, Name, Language, Status, Category string
	// PreviousCategory is set when Meta moved the template to another
	// category.
	PreviousCategory string
	RejectedReason   string // ABUSIVE_CONTENT, INVALID_FORMAT, …, or NONE
	QualityScore     string // quality_score.score: GREEN, YELLOW, RED, UNKNOWN
	// Components is the template's components array as the provider
	// returned it (HEADER, BODY, FOOTER, BUTTONS objects).
	Components json.RawMessage
}

// NewTemplate is a template to submit for review, in Meta's create shape.
type NewTemplate struct {
	Name     string
	Language string // e.g. en_US
	Category string // MARKETING, UTILITY or AUTHENTICATION
	// AllowCategoryChange lets Meta approve the template under the category
	// it finds right instead of rejecting it.
	AllowCategoryChange bool
	// Components is the components array (HEADER, BODY, FOOTER, BUTTONS).
	Components json.RawMessage
}

// CreatedTemplate is the provider's answer to a create: the template is
// usually PENDING review, its outcome arrives as a webhook.
type CreatedTemplate struct {
	ID, Status, Category string
}

const (
	// templatePageSize is how many templates one list request asks for.
	templatePageSize = 100
	// maxTemplatePages bounds a listing whose paging never ends (100,000
	// templates at the page size, far beyond any account's limit).
	maxTemplatePages = 1000
	templateFields   = "id,name,language,status,category,previous_category,rejected_reason,quality_score,components"
)

// templateDoc is a template as both APIs list it.
type templateDoc struct {
	ID               flexString      `json:"id"`
	Name             flexString      `json:"name"`
	Language         flexString      `json:"language"`
	Status           flexString      `json:"status"`
	Category         flexString      `json:"category"`
	PreviousCategory flexString      `json:"previous_category"`
	RejectedReason   flexString      `json:"rejected_reason"`
	QualityScore     qualityScore    `json:"quality_score"`
	Components       json.RawMessage `json:"components"`
}

func (d templateDoc) record() TemplateRecord {
	return TemplateRecord{
		ID: string(d.ID), Name: string(d.Name), Language: string(d.Language), Status: string(d.Status),
		Category: string(d.Category), PreviousCategory: string(d.PreviousCategory),
		RejectedReason: string(d.RejectedReason), QualityScore: string(d.QualityScore),
		Components: d.Components,
	}
}

// qualityScore reads quality_score, documented as {"score": …, "date": …};
// a bare string is accepted too.
type qualityScore string

func (q *qualityScore) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var o struct {
			Score flexString `json:"score"`
		}
		if err := json.Unmarshal(b, &o); err != nil {
			return err
		}
		*q = qualityScore(o.Score)
		return nil
	}
	var s flexString
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*q = qualityScore(s)
	return nil
}

// templateSet collects listed templates once each, so a provider that
// repeats a page is noticed instead of looping or duplicating.
type templateSet struct {
	seen map[string]bool
	list []TemplateRecord
}

// add appends the templates not seen yet and reports how many were new.
func (s *templateSet) add(docs []templateDoc) int {
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	n := 0
	for _, d := range docs {
		r := d.record()
		key := "id:" + r.ID
		if r.ID == "" {
			key = "name:" + r.Name + "\x00" + r.Language
		}
		if s.seen[key] {
			continue
		}
		s.seen[key] = true
		s.list = append(s.list, r)
		n++
	}
	return n
}

var errTemplatePaging = errors.New("whatsapp: the template list's paging does not advance; the list could not be read completely")

// ListTemplates reads every template of the business account, following the
// provider's paging to the end. It fails rather than return part of the
// list, since a caller syncing templates would take a missing one as
// deleted.
func (c *Client) ListTemplates(ctx context.Context) ([]TemplateRecord, error) {
	if c.cfg.Provider == Dialog360 {
		return c.list360Templates(ctx)
	}
	if err := c.needWABA(); err != nil {
		return nil, err
	}
	q := url.Values{"limit": {strconv.Itoa(templatePageSize)}, "fields": {templateFields}}
	next := c.endpoint(false, c.cfg.WABAID, "message_templates") + "?" + q.Encode()
	var set templateSet
	visited := map[string]bool{}
	for page := 0; next != ""; page++ {
		if page == maxTemplatePages || visited[next] {
			return nil, errTemplatePaging
		}
		visited[next] = true
		if !c.sameOrigin(next) {
			// The token must not go to a host the channel does not name.
			return nil, errors.New("whatsapp: the template list's next page is on another host; refusing to send credentials there")
		}
		var resp struct {
			Data   []templateDoc `json:"data"`
			Paging struct {
				Next string `json:"next"`
			} `json:"paging"`
		}
		if err := c.doJSON(ctx, http.MethodGet, next, nil, &resp); err != nil {
			return nil, err
		}
		if len(resp.Data) == 0 {
			break
		}
		if set.add(resp.Data) == 0 {
			return nil, errTemplatePaging
		}
		next = resp.Paging.Next
	}
	return set.list, nil
}

// list360Templates pages 360dialog's GET /v1/configs/templates with limit
// and offset. Its wrapper (count, total) is UNVERIFIED (providers.md §2.1):
// without a total, a page of other than the asked size is the last.
func (c *Client) list360Templates(ctx context.Context) ([]TemplateRecord, error) {
	var set templateSet
	offset := 0
	for page := 0; ; page++ {
		if page == maxTemplatePages {
			return nil, errTemplatePaging
		}
		q := url.Values{"limit": {strconv.Itoa(templatePageSize)}, "offset": {strconv.Itoa(offset)}}
		var resp struct {
			Templates []templateDoc `json:"waba_templates"`
			Total     *flexInt      `json:"total"`
		}
		if err := c.doJSON(ctx, http.MethodGet, c.endpoint(false, "v1", "configs", "templates")+"?"+q.Encode(), nil, &resp); err != nil {
			return nil, err
		}
		if len(resp.Templates) == 0 {
			break
		}
		if set.add(resp.Templates) == 0 {
			return nil, errTemplatePaging
		}
		offset += len(resp.Templates)
		if (resp.Total != nil && offset >= int(*resp.Total)) || (resp.Total == nil && len(resp.Templates) != templatePageSize) {
			break
		}
	}
	return set.list, nil
}

// CreateTemplate submits a template for review. Only missing fields are
// checked here; the provider judges names, categories and components, and
// its refusals come back as *APIError.
func (c *Client) CreateTemplate(ctx context.Context, t NewTemplate) (CreatedTemplate, error) {
	f := problem.Fields{}
	for field, v := range map[string]string{"name": t.Name, "language": t.Language, "category": t.Category} {
		if strings.TrimSpace(v) == "" {
			f.Add(field, "is required")
		}
	}
	var comps []json.RawMessage
	if json.Unmarshal(t.Components, &comps) != nil || len(comps) == 0 {
		f.Add("components", "must be a non-empty array of template components")
	}
	if err := f.Err(); err != nil {
		return CreatedTemplate{}, err
	}
	u := c.endpoint(false, "v1", "configs", "templates")
	if c.cfg.Provider == CloudAPI {
		if err := c.needWABA(); err != nil {
			return CreatedTemplate{}, err
		}
		u = c.endpoint(false, c.cfg.WABAID, "message_templates")
	}
	body := map[string]any{"name": t.Name, "language": t.Language, "category": t.Category, "components": t.Components}
	if t.AllowCategoryChange {
		body["allow_category_change"] = true
	}
	var resp struct {
		ID       flexString `json:"id"`
		Status   flexString `json:"status"`
		Category flexString `json:"category"`
	}
	if err := c.doJSON(ctx, http.MethodPost, u, body, &resp); err != nil {
		return CreatedTemplate{}, err
	}
	return CreatedTemplate{ID: string(resp.ID), Status: string(resp.Status), Category: string(resp.Category)}, nil
}

// DeleteTemplate deletes the template called name in every language, or
// only the one with id when id is set. On 360dialog the delete path is
// UNVERIFIED (providers.md §2.1); this uses the /v1/configs/templates/{name}
// style of its other template calls.
func (c *Client) DeleteTemplate(ctx context.Context, name, id string) error {
	if strings.TrimSpace(name) == "" {
		return problem.Field("name", "is required")
	}
	q := url.Values{}
	if id != "" {
		q.Set("hsm_id", id)
	}
	var u string
	if c.cfg.Provider == CloudAPI {
		if err := c.needWABA(); err != nil {
			return err
		}
		q.Set("name", name)
		u = c.endpoint(false, c.cfg.WABAID, "message_templates")
	} else {
		u = c.endpoint(false, "v1", "configs", "templates", name)
	}
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var resp struct {
		Success *bool `json:"success"`
	}
	if err := c.doJSON(ctx, http.MethodDelete, u, nil, &resp); err != nil {
		return err
	}
	if resp.Success != nil && !*resp.Success {
		return errors.New("whatsapp: template delete was not acknowledged")
	}
	return nil
}

func (c *Client) needWABA() error {
	if strings.TrimSpace(c.cfg.WABAID) == "" {
		return problem.Field("waba_id", "is required to manage templates on the Cloud API")
	}
	return nil
}

// sameOrigin tells whether u is on the provider host the client is
// configured with (scheme and host).
func (c *Client) sameOrigin(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	b, err := url.Parse(c.base)
	return err == nil && p.Scheme == b.Scheme && p.Host == b.Host
}
