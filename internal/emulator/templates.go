package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Template is a message template of the emulated WABA.
type Template struct {
	ID       string // numeric, assigned when empty
	Name     string
	Language string // e.g. en_US
	Category string // MARKETING, UTILITY, AUTHENTICATION
	// Status is PENDING, APPROVED, REJECTED, PAUSED or DISABLED; a seeded
	// template with none is APPROVED.
	Status         string
	RejectedReason string // set when REJECTED (INVALID_FORMAT, …)
	// Components is the template's components array as created (HEADER,
	// BODY, FOOTER, BUTTONS objects).
	Components json.RawMessage
}

// storedTemplate is a Template and when its review is due.
type storedTemplate struct {
	Template
	decideAt time.Time
}

// templateStore keeps templates in creation order (for paging) and by
// name and language (for sends). It is guarded by Emulator.mu.
type templateStore struct {
	list  []*storedTemplate
	byKey map[string]*storedTemplate
}

func templateKey(name, language string) string { return name + "\x00" + language }

// helloWorld is the sample template every new WABA has on Meta.
var helloWorld = Template{
	Name: "hello_world", Language: "en_US", Category: "UTILITY", Status: "APPROVED",
	Components: json.RawMessage(`[{"type":"HEADER","format":"TEXT","text":"Hello World"},` +
		`{"type":"BODY","text":"Welcome and congratulations!! This message demonstrates your ability to send a message notification from WhatsApp Business Platform’s Cloud API. Thank you for taking the time to test with us."},` +
		`{"type":"FOOTER","text":"WhatsApp Business API Team"}]`),
}

func (e *Emulator) seedTemplates() {
	e.templates.byKey = map[string]*storedTemplate{}
	for _, t := range append([]Template{helloWorld}, e.cfg.Templates...) {
		if t.Status == "" {
			t.Status = "APPROVED"
		}
		if t.ID == "" {
			t.ID = e.newTemplateID()
		}
		if len(t.Components) == 0 {
			t.Components = json.RawMessage(`[]`)
		}
		e.templates.add(&storedTemplate{Template: t})
	}
}

// newTemplateID numbers templates on their own counter, so seeding them
// does not shift the ids and fbtrace_ids tests expect.
func (e *Emulator) newTemplateID() string {
	return strconv.FormatInt(2000000000000000+e.templateSeq.Add(1), 10)
}

func (s *templateStore) add(t *storedTemplate) {
	s.list = append(s.list, t)
	s.byKey[templateKey(t.Name, t.Language)] = t
}

// remove deletes the templates named name (only the one with id hsmID when
// set) and reports how many it deleted.
func (s *templateStore) remove(name, hsmID string) int {
	kept := s.list[:0]
	n := 0
	for _, t := range s.list {
		if t.Name == name && (hsmID == "" || t.ID == hsmID) {
			delete(s.byKey, templateKey(t.Name, t.Language))
			n++
			continue
		}
		kept = append(kept, t)
	}
	clear(s.list[len(kept):])
	s.list = kept
	return n
}

// Templates lists the WABA's templates in creation order.
func (e *Emulator) Templates() []Template {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]Template, len(e.templates.list))
	for i, t := range e.templates.list {
		out[i] = t.Template
	}
	return out
}

func (e *Emulator) templateByID(id string) *Template {
	e.mu.RLock()
	defer e.mu.RUnlock()
	for _, t := range e.templates.list {
		if t.ID == id {
			c := t.Template
			return &c
		}
	}
	return nil
}

func (e *Emulator) templateFor(name, language string) (Template, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	t, ok := e.templates.byKey[templateKey(name, language)]
	if !ok {
		return Template{}, false
	}
	return t.Template, true
}

// createTemplate validates and stores a new PENDING template, then
// schedules its review. The caller answers with the returned template.
func (e *Emulator) createTemplate(body []byte) (Template, *apiError) {
	var req struct {
		Name       string          `json:"name"`
		Language   string          `json:"language"`
		Category   string          `json:"category"`
		Components json.RawMessage `json:"components"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		ae := invalidParam("request body is not a JSON object with name, language, category and components")
		return Template{}, &ae
	}
	if ae := checkTemplate(req.Name, req.Language, req.Category, req.Components); ae != nil {
		return Template{}, ae
	}
	now := e.cfg.Clock()
	t := &storedTemplate{
		Template: Template{
			ID: e.newTemplateID(), Name: req.Name, Language: req.Language,
			Category: strings.ToUpper(req.Category), Status: "PENDING", Components: req.Components,
		},
		decideAt: now.Add(e.cfg.TemplateApprovalDelay),
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, dup := e.templates.byKey[templateKey(t.Name, t.Language)]; dup {
		ae := invalidParam(fmt.Sprintf("Content in this language already exists: a template named %q in %s.", t.Name, t.Language))
		return Template{}, &ae
	}
	e.templates.add(t)
	created := t.Template
	switch {
	case e.cfg.TemplateApprovalDelay <= 0:
		e.decideLocked(t, now)
	case e.ctx.Err() == nil:
		e.timers = append(e.timers, time.AfterFunc(e.cfg.TemplateApprovalDelay, func() { e.ReviewTemplates() }))
	}
	return created, nil
}

// checkTemplate applies the documented creation rules (providers.md
// §1.13) that a sender can get wrong; the components themselves are only
// checked to be a non-empty array.
func checkTemplate(name, language, category string, components json.RawMessage) *apiError {
	fail := func(d string) *apiError { ae := invalidParam(d); return &ae }
	switch {
	case name == "":
		ae := missingParam("name")
		return &ae
	case len(name) > 512:
		return fail("name must be at most 512 characters.")
	case strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789_") != "":
		return fail("name may only contain lowercase letters, digits and underscores.")
	case language == "":
		ae := missingParam("language")
		return &ae
	}
	switch strings.ToUpper(category) {
	case "MARKETING", "UTILITY", "AUTHENTICATION":
	case "":
		ae := missingParam("category")
		return &ae
	default:
		return fail("category must be MARKETING, UTILITY or AUTHENTICATION.")
	}
	var list []json.RawMessage
	if json.Unmarshal(components, &list) != nil || len(list) == 0 {
		return fail("components must be a non-empty array.")
	}
	return nil
}

// ReviewTemplates decides every PENDING template whose approval delay has
// passed on the emulator's clock (tests move a fake clock, then call it);
// each decision queues a message_template_status_update webhook. It
// returns how many it decided.
func (e *Emulator) ReviewTemplates() int {
	now := e.cfg.Clock()
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, t := range e.templates.list {
		if t.Status == "PENDING" && !now.Before(t.decideAt) {
			e.decideLocked(t, now)
			n++
		}
	}
	return n
}

// decideLocked approves t, or rejects it when its name asks for it
// ("reject_…"), so tests can play both outcomes.
func (e *Emulator) decideLocked(t *storedTemplate, now time.Time) {
	if strings.HasPrefix(t.Name, "reject_") {
		e.setStatusLocked(t, "REJECTED", "INVALID_FORMAT", now)
		return
	}
	e.setStatusLocked(t, "APPROVED", "NONE", now)
}

// SetTemplateStatus moves a template to status (APPROVED, REJECTED,
// PAUSED, DISABLED, …) with reason, as Meta's review or quality system
// would, and queues the status webhook.
func (e *Emulator) SetTemplateStatus(name, language, status, reason string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.templates.byKey[templateKey(name, language)]
	if !ok {
		return errors.New("emulator: no template " + name + " in " + language)
	}
	e.setStatusLocked(t, status, reason, e.cfg.Clock())
	return nil
}

func (e *Emulator) setStatusLocked(t *storedTemplate, status, reason string, now time.Time) {
	t.Status = status
	t.RejectedReason = ""
	if status == "REJECTED" {
		t.RejectedReason = reason
	}
	value := map[string]any{
		"event":                     status,
		"message_template_id":       json.Number(t.ID), // a number on the wire
		"message_template_name":     t.Name,
		"message_template_language": t.Language,
		"message_template_category": t.Category,
		"reason":                    reason,
	}
	body := e.envelope(map[string]any{
		"time":    now.Unix(),
		"changes": []any{map[string]any{"field": "message_template_status_update", "value": value}},
	})
	e.emit(delivery{body: body, what: fmt.Sprintf("template %s %s", t.Name, status)})
}

// checkTemplateSend looks up the template a send names: it must exist in
// that language and be APPROVED (Meta answers 132001 for missing, pending
// and rejected templates alike, 132015/132016 for paused/disabled ones).
func (e *Emulator) checkTemplateSend(raw json.RawMessage) (Template, int, *apiError) {
	var ref struct {
		Name     string `json:"name"`
		Language struct {
			Code string `json:"code"`
		} `json:"language"`
	}
	_ = json.Unmarshal(raw, &ref)
	t, ok := e.templateFor(ref.Name, ref.Language.Code)
	switch {
	case ok && t.Status == "APPROVED":
		return t, 0, nil
	case ok && t.Status == "PAUSED":
		return t, http.StatusBadRequest, &apiError{Code: 132015, Message: "Template is Paused",
			Details: fmt.Sprintf("Template %s is paused due to low quality.", ref.Name)}
	case ok && t.Status == "DISABLED":
		return t, http.StatusBadRequest, &apiError{Code: 132016, Message: "Template is Disabled",
			Details: fmt.Sprintf("Template %s has been disabled due to low quality.", ref.Name)}
	}
	return t, http.StatusNotFound, &apiError{Code: 132001, Message: "Template name does not exist in the translation",
		Details: fmt.Sprintf("template name (%s) does not exist in %s", ref.Name, ref.Language.Code)}
}
