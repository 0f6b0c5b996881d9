package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	liberrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"
	"go.yaml.in/yaml/v3"
)

// buildModel parses src and builds the OpenAPI 3.1 model, failing the test on
// any parse or model-building error.
func buildModel(t *testing.T, src []byte) (libopenapi.Document, *v3.Document) {
	t.Helper()
	doc, err := libopenapi.NewDocument(src)
	if err != nil {
		t.Fatalf("parse document: %v", err)
	}
	if v := doc.GetVersion(); !strings.HasPrefix(v, "3.1.") {
		t.Fatalf("openapi version = %q, want 3.1.x", v)
	}
	m, err := doc.BuildV3Model()
	if err != nil {
		for _, e := range unwrap(err) {
			t.Errorf("build model: %v", e)
		}
		t.FailNow()
	}
	if m == nil {
		t.Fatal("build model: no model")
	}
	return doc, &m.Model
}

func unwrap(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func describe(e *liberrors.ValidationError) string {
	var b strings.Builder
	fmt.Fprintf(&b, "line %d col %d: %s: %s", e.SpecLine, e.SpecCol, e.Message, e.Reason)
	for _, f := range e.SchemaValidationErrors {
		fmt.Fprintf(&b, "\n\t%s (at %s, line %d)", f.Reason, f.FieldPath, f.Line)
	}
	return b.String()
}

func TestDocumentIsValidOpenAPI31(t *testing.T) {
	doc, model := buildModel(t, YAML())

	v, errs := validator.NewValidator(doc)
	for _, err := range errs {
		t.Fatalf("new validator: %v", err)
	}
	if ok, verrs := v.ValidateDocument(); !ok || len(verrs) > 0 {
		for _, e := range verrs {
			t.Errorf("not a valid OpenAPI 3.1 document: %s", describe(e))
		}
		if len(verrs) == 0 {
			t.Error("not a valid OpenAPI 3.1 document")
		}
	}

	if n := len(model.Servers); n != 1 || model.Servers[0].URL != "/api/v1" {
		t.Errorf("servers = %+v, want exactly [{url: /api/v1}]", model.Servers)
	}

	// Global bearer security, and no operation overriding it.
	if len(model.Security) != 1 || model.Security[0].Requirements.Len() != 1 {
		t.Fatalf("want exactly one global security requirement, got %d", len(model.Security))
	}
	for name := range model.Security[0].Requirements.KeysFromOldest() {
		scheme := model.Components.SecuritySchemes.GetOrZero(name)
		if scheme == nil {
			t.Fatalf("global security uses undeclared scheme %q", name)
		}
		if scheme.Type != "http" || !strings.EqualFold(scheme.Scheme, "bearer") {
			t.Errorf("security scheme %q = %s/%s, want http/bearer", name, scheme.Type, scheme.Scheme)
		}
	}
}

type operation struct {
	path, method string
	item         *v3.PathItem
	op           *v3.Operation
}

func (o operation) String() string { return strings.ToUpper(o.method) + " " + o.path }

func operations(t *testing.T, m *v3.Document) []operation {
	t.Helper()
	var ops []operation
	for path, item := range m.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			ops = append(ops, operation{path, method, item, op})
		}
	}
	if len(ops) == 0 {
		t.Fatal("document has no operations")
	}
	return ops
}

var (
	pathParamRE   = regexp.MustCompile(`\{([^{}]+)\}`)
	operationIDRE = regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)
)

func TestOperations(t *testing.T) {
	_, m := buildModel(t, YAML())

	declaredTags := map[string]bool{}
	for _, tag := range m.Tags {
		declaredTags[tag.Name] = true
	}
	ids := map[string]string{}

	for _, o := range operations(t, m) {
		op := o.op
		if op.OperationId == "" {
			t.Errorf("%s: no operationId", o)
		} else {
			if !operationIDRE.MatchString(op.OperationId) {
				t.Errorf("%s: operationId %q is not lowerCamelCase", o, op.OperationId)
			}
			if prev, dup := ids[op.OperationId]; dup {
				t.Errorf("%s: operationId %q already used by %s", o, op.OperationId, prev)
			}
			ids[op.OperationId] = o.String()
		}
		if strings.TrimSpace(op.Summary) == "" {
			t.Errorf("%s: no summary", o)
		}
		if strings.TrimSpace(op.Description) == "" {
			t.Errorf("%s: no description", o)
		}
		if len(op.Tags) != 1 || !declaredTags[op.Tags[0]] {
			t.Errorf("%s: tags = %v, want exactly one declared tag", o, op.Tags)
		}
		if op.Security != nil {
			t.Errorf("%s: overrides the global security requirement", o)
		}

		if op.Responses == nil || op.Responses.Codes == nil {
			t.Errorf("%s: no responses", o)
			continue
		}
		codes := map[string]*v3.Response{}
		success := 0
		for code, resp := range op.Responses.Codes.FromOldest() {
			codes[code] = resp
			if n, err := strconv.Atoi(code); err == nil && n >= 200 && n < 300 {
				success++
			}
		}
		if success != 1 {
			t.Errorf("%s: %d success responses, want exactly 1", o, success)
		}
		mustHave := func(code, why string) {
			t.Helper()
			if codes[code] == nil {
				t.Errorf("%s: no %s response (%s)", o, code, why)
			}
		}
		mustHave("401", "every operation needs a token")
		mustHave("429", "every operation is rate limited")
		if op.RequestBody != nil {
			mustHave("400", "it takes a body")
			mustHave("413", "it takes a body")
			mustHave("422", "it takes a body")
		}
		if strings.Contains(o.path, "{") {
			mustHave("404", "it addresses a resource by id")
		}
		if op.OperationId != "" && strings.HasPrefix(op.OperationId, "list") {
			mustHave("400", "it takes cursor and limit")
		}
		for code, resp := range codes {
			n, _ := strconv.Atoi(code)
			if n >= 400 {
				checkErrorResponse(t, o.String()+" "+code, resp)
			}
			if n == http.StatusNoContent && resp.Content != nil && resp.Content.Len() > 0 {
				t.Errorf("%s: 204 response has content", o)
			}
		}

		checkPathParams(t, o)
	}
}

// checkErrorResponse requires an error response to be application/json with
// the shared Error schema.
func checkErrorResponse(t *testing.T, where string, resp *v3.Response) {
	t.Helper()
	if resp.Content == nil || resp.Content.Len() != 1 {
		t.Errorf("%s: error response must have exactly one media type", where)
		return
	}
	mt := resp.Content.GetOrZero("application/json")
	if mt == nil || mt.Schema == nil {
		t.Errorf("%s: error response is not application/json", where)
		return
	}
	if ref := mt.Schema.GetReference(); ref != "#/components/schemas/Error" {
		t.Errorf("%s: error response schema is %q, want #/components/schemas/Error", where, ref)
	}
}

// checkPathParams requires every {name} in the path template to be declared
// as a required path parameter (on the path item or the operation), and every
// declared path parameter to appear in the template.
func checkPathParams(t *testing.T, o operation) {
	t.Helper()
	inTemplate := map[string]bool{}
	for _, match := range pathParamRE.FindAllStringSubmatch(o.path, -1) {
		inTemplate[match[1]] = true
	}

	declared := map[string]*v3.Parameter{}
	seen := map[string]bool{}
	addParams := func(level string, params []*v3.Parameter) {
		seen = map[string]bool{}
		for _, p := range params {
			key := p.In + ":" + p.Name
			if seen[key] {
				t.Errorf("%s: %s parameter %q declared twice at %s level", o, p.In, p.Name, level)
			}
			seen[key] = true
			if p.In == "path" {
				declared[p.Name] = p // operation level overrides path level
			}
			if p.Schema == nil {
				t.Errorf("%s: parameter %q has no schema", o, p.Name)
			}
		}
	}
	addParams("path item", o.item.Parameters)
	addParams("operation", o.op.Parameters)

	for name := range inTemplate {
		p := declared[name]
		if p == nil {
			t.Errorf("%s: path parameter {%s} is not declared", o, name)
			continue
		}
		if p.Required == nil || !*p.Required {
			t.Errorf("%s: path parameter {%s} is not required", o, name)
		}
	}
	for name := range declared {
		if !inTemplate[name] {
			t.Errorf("%s: path parameter %q is not in the path", o, name)
		}
	}
}

// TestListOperations checks the cursor pagination convention.
func TestListOperations(t *testing.T) {
	_, m := buildModel(t, YAML())
	cursor := m.Components.Parameters.GetOrZero("Cursor")
	limit := m.Components.Parameters.GetOrZero("Limit")
	if cursor == nil || limit == nil {
		t.Fatal("components.parameters must define Cursor and Limit")
	}
	ls := limit.Schema.Schema()
	if ls.Minimum == nil || *ls.Minimum != 1 || ls.Maximum == nil || *ls.Maximum != 100 ||
		ls.Default == nil || ls.Default.Value != "25" {
		t.Errorf("limit must be 1..100 with default 25")
	}

	lists := 0
	for _, o := range operations(t, m) {
		if !strings.HasPrefix(o.op.OperationId, "list") {
			continue
		}
		lists++
		if o.method != "get" {
			t.Errorf("%s: list operation is not a GET", o)
		}
		var names []string
		for _, p := range o.op.Parameters {
			if p.In == "query" {
				names = append(names, p.Name)
			}
		}
		if !slices.Contains(names, "cursor") || !slices.Contains(names, "limit") {
			t.Errorf("%s: query parameters %v lack cursor and limit", o, names)
		}
		resp := o.op.Responses.Codes.GetOrZero("200")
		if resp == nil {
			t.Errorf("%s: no 200 response", o)
			continue
		}
		s := resp.Content.GetOrZero("application/json").Schema.Schema()
		if s.Properties == nil || s.Properties.Len() != 2 ||
			s.Properties.GetOrZero("data") == nil || s.Properties.GetOrZero("next_cursor") == nil {
			t.Errorf("%s: list response must have exactly data and next_cursor", o)
			continue
		}
		if !slices.Contains(s.Required, "data") || !slices.Contains(s.Required, "next_cursor") {
			t.Errorf("%s: data and next_cursor must be required", o)
		}
		if !slices.Contains(s.Properties.GetOrZero("data").Schema().Type, "array") {
			t.Errorf("%s: data is not an array", o)
		}
		nc := s.Properties.GetOrZero("next_cursor").Schema()
		if !slices.Contains(nc.Type, "string") || !slices.Contains(nc.Type, "null") {
			t.Errorf("%s: next_cursor must be string|null, is %v", o, nc.Type)
		}
	}
	if lists == 0 {
		t.Error("no list operations found")
	}
}

// TestRequestBodiesRejectUnknownFields requires every object schema with
// declared properties inside a request body to set additionalProperties: false.
func TestRequestBodiesRejectUnknownFields(t *testing.T) {
	_, m := buildModel(t, YAML())
	for _, o := range operations(t, m) {
		if o.op.RequestBody == nil {
			continue
		}
		if o.op.RequestBody.Required == nil || !*o.op.RequestBody.Required {
			t.Errorf("%s: request body is not required", o)
		}
		for mediaType, mt := range o.op.RequestBody.Content.FromOldest() {
			checkClosed(t, fmt.Sprintf("%s %s", o, mediaType), mt.Schema, 0)
		}
	}
}

func checkClosed(t *testing.T, where string, sp *base.SchemaProxy, depth int) {
	t.Helper()
	if sp == nil || depth > 32 {
		return
	}
	s := sp.Schema()
	if s == nil {
		t.Errorf("%s: schema does not resolve: %v", where, sp.GetBuildError())
		return
	}
	if s.Properties != nil && s.Properties.Len() > 0 {
		ap := s.AdditionalProperties
		if ap == nil || !ap.IsB() || ap.B {
			t.Errorf("%s: object with properties lacks additionalProperties: false", where)
		}
		for name, p := range s.Properties.FromOldest() {
			checkClosed(t, where+"."+name, p, depth+1)
		}
	}
	if s.Items != nil && s.Items.IsA() {
		checkClosed(t, where+"[]", s.Items.A, depth+1)
	}
	for _, group := range [][]*base.SchemaProxy{s.OneOf, s.AnyOf, s.AllOf} {
		for _, c := range group {
			checkClosed(t, where, c, depth+1)
		}
	}
}

// TestRequiredFieldsAreDeclared catches typos in required lists.
func TestRequiredFieldsAreDeclared(t *testing.T) {
	_, m := buildModel(t, YAML())
	var walk func(where string, sp *base.SchemaProxy, depth int)
	walk = func(where string, sp *base.SchemaProxy, depth int) {
		if sp == nil || depth > 32 || (depth > 0 && sp.IsReference()) {
			return // referenced schemas are checked under their own name
		}
		s := sp.Schema()
		if s == nil {
			t.Errorf("%s: schema does not resolve: %v", where, sp.GetBuildError())
			return
		}
		for _, name := range s.Required {
			if s.Properties == nil || s.Properties.GetOrZero(name) == nil {
				t.Errorf("%s: required field %q is not a declared property", where, name)
			}
		}
		if s.Properties != nil {
			for name, p := range s.Properties.FromOldest() {
				walk(where+"."+name, p, depth+1)
			}
		}
		if s.Items != nil && s.Items.IsA() {
			walk(where+"[]", s.Items.A, depth+1)
		}
	}
	for name, sp := range m.Components.Schemas.FromOldest() {
		walk(name, sp, 0)
	}
}

// TestExamplesMatchSchemas validates every example in the document (schema
// examples, media type examples, parameter examples) against its schema.
func TestExamplesMatchSchemas(t *testing.T) {
	_, m := buildModel(t, YAML())
	sv := schema_validation.NewSchemaValidator()
	checked := 0

	check := func(where string, sp *base.SchemaProxy, ex interface{ Decode(any) error }) {
		t.Helper()
		if sp == nil || ex == nil {
			return
		}
		var v any
		if err := ex.Decode(&v); err != nil {
			t.Errorf("%s: decode example: %v", where, err)
			return
		}
		payload, err := json.Marshal(v)
		if err != nil {
			t.Errorf("%s: example is not JSON-compatible: %v", where, err)
			return
		}
		checked++
		if ok, errs := sv.ValidateSchemaBytesWithVersion(sp.Schema(), payload, 3.1); !ok {
			for _, e := range errs {
				t.Errorf("%s: example does not match schema: %s", where, describe(e))
			}
			if len(errs) == 0 {
				t.Errorf("%s: example does not match schema", where)
			}
		}
	}
	checkMediaTypes := func(where string, content *orderedmap.Map[string, *v3.MediaType]) {
		t.Helper()
		for name, mt := range content.FromOldest() {
			if mt.Example != nil {
				check(where+" "+name+" example", mt.Schema, mt.Example)
			}
			if mt.Examples != nil {
				for exName, ex := range mt.Examples.FromOldest() {
					check(where+" "+name+" examples."+exName, mt.Schema, ex.Value)
				}
			}
		}
	}
	checkParam := func(where string, p *v3.Parameter) {
		t.Helper()
		if p.Example != nil {
			check(where+" example", p.Schema, p.Example)
		}
		if p.Examples != nil {
			for exName, ex := range p.Examples.FromOldest() {
				check(where+" examples."+exName, p.Schema, ex.Value)
			}
		}
	}

	for name, sp := range m.Components.Schemas.FromOldest() {
		for i, ex := range sp.Schema().Examples {
			check(fmt.Sprintf("schema %s examples[%d]", name, i), sp, ex)
		}
	}
	for name, p := range m.Components.Parameters.FromOldest() {
		checkParam("parameter "+name, p)
	}
	for name, r := range m.Components.Responses.FromOldest() {
		if r.Content != nil {
			checkMediaTypes("response "+name, r.Content)
		}
	}
	for _, o := range operations(t, m) {
		if rb := o.op.RequestBody; rb != nil && rb.Content != nil {
			checkMediaTypes(o.String()+" request", rb.Content)
		}
		for code, r := range o.op.Responses.Codes.FromOldest() {
			if r.Content != nil {
				checkMediaTypes(o.String()+" "+code, r.Content)
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d examples checked; the walk is probably broken", checked)
	}
}

// TestSchemasEnforceTheContract spot-checks that schemas accept and reject
// the payloads the API contract says they should.
func TestSchemasEnforceTheContract(t *testing.T) {
	_, m := buildModel(t, YAML())
	sv := schema_validation.NewSchemaValidator()

	cases := []struct {
		schema  string
		payload string
		valid   bool
	}{
		{"CreateContactRequest", `{}`, true},
		{"CreateContactRequest", `{"name":"Ana","attributes":{"vip":true,"orders":3,"plan":"pro"},"tags":["vip"]}`, true},
		{"CreateContactRequest", `{"nickname":"Ana"}`, false},
		{"CreateContactRequest", `{"attributes":{"nested":{"a":1}}}`, false},
		{"CreateContactRequest", `{"tags":["a/b"]}`, false},
		{"CreateContactRequest", `{"tags":[" vip"]}`, false},
		{"CreateContactRequest", `{"tags":["a,b"]}`, false},
		{"CreateContactRequest", `{"attributes":{"Plan":"pro"}}`, false},
		{"CreateContactRequest", `{"attributes":{"plan":"` + strings.Repeat("x", 1001) + `"}}`, false},
		{"UpdateContactRequest", `{}`, true},
		{"UpdateContactRequest", `{"email":""}`, true},
		{"UpdateContactRequest", `{"tags":["vip"]}`, false},
		{"UpdateContactRequest", `{"name":null}`, false},
		{"AddContactTagsRequest", `{"tags":[]}`, false},
		{"AddContactTagsRequest", `{}`, false},
		{"AddContactTagsRequest", `{"tags":["vip","new customer"]}`, true},
		{"AssignConversationRequest", `{}`, false},
		{"AssignConversationRequest", `{"assignee_id":null}`, true},
		{"AssignConversationRequest", `{"team_id":"01938e60-0d4e-7b5f-9a6b-7c8d9e0f1a2b"}`, true},
		{"AssignConversationRequest", `{"status":"open"}`, false},
		{"SendMessageRequest", `{"body":"hi"}`, true},
		{"SendMessageRequest", `{"body":""}`, false},
		{"SendMessageRequest", `{"body":"   "}`, false},
		{"SendMessageRequest", `{}`, false},
		{"SendMessageRequest", `{"body":"` + strings.Repeat("x", 4097) + `"}`, false},
		{"SendMessageRequest", `{"body":"hi","content":{"preview_url":true}}`, true},
		{"SendMessageRequest", `{"body":"hi","reply_to_id":"0193a4d0-7f31-7a02-b3c4-d5e6f7a8b9c0"}`, true},
		{"SendMessageRequest", `{"kind":"hologram","body":"hi"}`, false},
		{"SendMessageRequest", `{"kind":"image","body":"hi"}`, false},
		{"SendMessageRequest", `{"kind":"order","body":"hi"}`, false},
		{"SendMessageRequest", `{"body":"hi","content":{"location":{"latitude":1,"longitude":2}}}`, false},
		{"SendMessageRequest", `{"kind":"location","content":{"location":{"latitude":-23.5,"longitude":-46.6,"name":"Loja"}}}`, true},
		{"SendMessageRequest", `{"kind":"location"}`, false},
		{"SendMessageRequest", `{"kind":"location","content":"here"}`, false},
		{"SendMessageRequest", `{"kind":"location","content":{"location":{"latitude":91,"longitude":0}}}`, false},
		{"SendMessageRequest", `{"kind":"location","content":{"location":{"latitude":1}}}`, false},
		{"SendMessageRequest", `{"kind":"location","content":{"location":{"latitude":1,"longitude":2,"alt":3}}}`, false},
		{"SendMessageRequest", `{"kind":"location","content":{"location":{"latitude":1,"longitude":2},"preview_url":true}}`, false},
		{"SendMessageRequest", `{"kind":"location","content":{"template":{"name":"t","language":"en"}}}`, false},
		{"SendMessageRequest", `{"kind":"contacts","content":{"contacts":[{"name":"Ana","phones":[{"value":"+5511987654321","type":"CELL"}]}]}}`, true},
		{"SendMessageRequest", `{"kind":"contacts","content":{"contacts":[]}}`, false},
		{"SendMessageRequest", `{"kind":"interactive","body":"Pick","content":{"interactive":{"buttons":[{"id":"a","title":"A"}]}}}`, true},
		{"SendMessageRequest", `{"kind":"interactive","content":{"interactive":{"buttons":[{"id":"a","title":"A"}]}}}`, false},
		{"SendMessageRequest", `{"kind":"interactive","body":"Pick","content":{"interactive":{"sections":[{"rows":[{"id":"r","title":"R"}]}],"button":"Open"}}}`, true},
		{"SendMessageRequest", `{"kind":"interactive","body":"Pick","content":{"interactive":{"sections":[{"rows":[{"id":"r","title":"R"}]}]}}}`, false},
		{"SendMessageRequest", `{"kind":"interactive","body":"Pick","content":{"interactive":{"buttons":[{"id":"a","title":"A"}],"button":"Open"}}}`, false},
		{"SendMessageRequest", `{"kind":"reaction","content":{"reaction":{"emoji":"👍","target_id":"0193a4d0-7f31-7a02-b3c4-d5e6f7a8b9c0"}}}`, true},
		{"SendMessageRequest", `{"kind":"reaction","content":{"reaction":{"emoji":"👍"}}}`, false},
		{"SendMessageRequest", `{"kind":"template","content":{"template":{"name":"order_shipped","language":"pt_BR","components":[{"type":"body"}]}}}`, true},
		// The language falls back to the template's first approved one.
		{"SendMessageRequest", `{"kind":"template","content":{"template":{"name":"order_shipped"}}}`, true},
		{"SendMessageRequest", `{"kind":"template","content":{"template":{"language":"pt_BR"}}}`, false},
		{"SendMessageRequest", `{"kind":"template","content":{"template":{"name":"order_ready","variables":{"header":["{{contact.first_name}}"],"body":["4821","Loja"],"buttons":{"0":"4821"}}}}}`, true},
		{"SendMessageRequest", `{"kind":"template","content":{"template":{"name":"order_ready","variables":{"body":["4821"]},"components":[{"type":"body"}]}}}`, false},
		{"SendMessageRequest", `{"kind":"template","content":{"template":{"name":"order_ready","variables":{"buttons":{"first":"x"}}}}}`, false},
		{"SendMessageRequest", `{"kind":"template","content":{"template":{"name":"order_ready","variables":{"footer":["x"]}}}}`, false},
		{"TemplateSubmission", `{"name":"order_ready","category":"UTILITY","language":"pt_BR","body":{"text":"Pedido {{1}}","samples":["4821"]}}`, true},
		{"TemplateSubmission", `{"name":"Order Ready","category":"UTILITY","language":"pt_BR","body":{"text":"x"}}`, false},
		{"TemplateSubmission", `{"name":"order_ready","category":"SERVICE","language":"pt_BR","body":{"text":"x"}}`, false},
		{"TemplateSubmission", `{"name":"order_ready","category":"UTILITY","language":"pt_BR","body":{"text":"x","extra":1}}`, false},
		{"TemplateSubmission", `{"name":"order_ready","category":"UTILITY","language":"pt_BR","header":{"format":"IMAGE","file":{"data":"iVBORw0KGgo="}},"body":{"text":"x"}}`, true},
		{"TemplateSubmission", `{"name":"order_ready","category":"UTILITY","language":"pt_BR","buttons":[{"type":"CALL","text":"x"}],"body":{"text":"x"}}`, false},
		{"UpdateBusinessProfileRequest", `{"about":"Open 9–18","vertical":"RETAIL","websites":["https://loja.example.com"]}`, true},
		{"UpdateBusinessProfileRequest", `{"vertical":""}`, false},
		{"UpdateBusinessProfileRequest", `{"websites":["loja.example.com"]}`, false},
		{"UpdateBusinessProfileRequest", `{"websites":["https://a.example","https://b.example","https://c.example"]}`, false},
		{"UpdateBusinessProfileRequest", `{"about":"` + strings.Repeat("a", 140) + `"}`, false},
		{"UpdateBusinessProfileRequest", `{"picture":"x"}`, false},
		{"BusinessProfile", `{"about":"","address":"","description":"","email":"","vertical":null,"websites":[],"profile_picture_url":null,"synced_at":"2025-03-14T09:00:00Z","limits":{"about":139,"address":256,"description":256,"email":128,"websites":2,"website":256}}`, true},
		{"BusinessProfile", `{"about":"","address":"","description":"","email":"","vertical":"UNDEFINED","websites":[],"profile_picture_url":null,"synced_at":"2025-03-14T09:00:00Z","limits":{"about":139,"address":256,"description":256,"email":128,"websites":2,"website":256}}`, false},
		{"SendMessageRequest", `{"kind":"template","content":{"template":{"name":"t","language":"en","components":["x"]}}}`, false},
		{"AddNoteRequest", `{"body":"note"}`, true},
		{"AddNoteRequest", `{"body":"note","private":true}`, false},
		{"CreateChannelRequest", `{"type":"website","name":"Site"}`, true},
		{"CreateChannelRequest", `{"type":"whatsapp","name":"WA"}`, false},
		{"CreateChannelRequest", `{"type":"website"}`, false},
		{"CreateChannelRequest", `{"type":"website","name":"Site","settings":{"color":"red"}}`, false},
		{"CreateChannelRequest", `{"type":"website","name":"Site","settings":{"allowed_origins":["https://a.example/path"]}}`, false},
		{"CreateChannelRequest", `{"type":"website","name":"Site","settings":{"allowed_origins":["https://a.example:8443/"]}}`, true},
		{"CreateChannelRequest", `{"type":"website","name":"Site","secret":"x"}`, false},
		{"CreateChannelRequest", `{"type":"website","name":"Site","secrets":{"api_key":"k"}}`, false},
		{"CreateChannelRequest", `{"type":"whatsapp_cloud","name":"WA","settings":{"phone_number_id":"1065","waba_id":"1022","rate_limit":250},"secrets":{"access_token":"t","app_secret":"s"}}`, true},
		{"CreateChannelRequest", `{"type":"whatsapp_cloud","name":"WA","settings":{"waba_id":"1022"},"secrets":{"access_token":"t","app_secret":"s"}}`, false},
		{"CreateChannelRequest", `{"type":"whatsapp_cloud","name":"WA","settings":{"phone_number_id":"1065","waba_id":"waba-1"},"secrets":{"access_token":"t","app_secret":"s"}}`, false},
		{"CreateChannelRequest", `{"type":"whatsapp_cloud","name":"WA","settings":{"phone_number_id":"1065","waba_id":"1022"}}`, false},
		{"CreateChannelRequest", `{"type":"whatsapp_cloud","name":"WA","settings":{"phone_number_id":"1065","waba_id":"1022"},"secrets":{"access_token":"t"}}`, false},
		{"CreateChannelRequest", `{"type":"whatsapp_cloud","name":"WA","settings":{"phone_number_id":"1065","waba_id":"1022","verify_token":"x"},"secrets":{"access_token":"t","app_secret":"s"}}`, false},
		{"CreateChannelRequest", `{"type":"whatsapp_cloud","name":"WA","settings":{"phone_number_id":"1065","waba_id":"1022","api_version":"23"},"secrets":{"access_token":"t","app_secret":"s"}}`, false},
		{"CreateChannelRequest", `{"type":"whatsapp_cloud","name":"WA","settings":{"phone_number_id":"1065","waba_id":"1022","rate_limit":5000},"secrets":{"access_token":"t","app_secret":"s"}}`, false},
		{"CreateChannelRequest", `{"type":"whatsapp_cloud","name":"WA","settings":{"phone_number_id":"1065","waba_id":"1022"},"secrets":{"access_token":"t","app_secret":"s","api_key":"k"}}`, false},
		{"CreateChannelRequest", `{"type":"360dialog","name":"D","secrets":{"api_key":"k"}}`, true},
		{"CreateChannelRequest", `{"type":"360dialog","name":"D","settings":{"base_url":"ftp://x"},"secrets":{"api_key":"k"}}`, false},
		{"CreateChannelRequest", `{"type":"360dialog","name":"D","settings":{"phone_number":"11 98765"},"secrets":{"api_key":"k"}}`, false},
		{"UpdateChannelRequest", `{"secrets":{"access_token":"t"}}`, true},
		{"UpdateChannelRequest", `{"secrets":{"token":"t"}}`, false},
		{"UpdateChannelRequest", `{"settings":{"phone_number_id":"2"}}`, true},
		{"UpdateChannelRequest", `{"settings":{"verify_token":"x"}}`, false},
		{"UpdateChannelRequest", `{"settings":{"prechat_form":{"enabled":true}}}`, true},
		{"UpdateChannelRequest", `{"type":"website"}`, false},
		// Clients must accept channel types they do not know.
		{"Channel", `{"id":"01938f10-2b7d-7e41-9c55-0a1b2c3d4e5f","type":"whatsapp","name":"WA","settings":{"anything":1},"setup":[],"widget_script":null,"created_at":"2025-03-02T09:15:00Z","updated_at":"2025-03-02T09:15:00Z"}`, true},
		// A website channel's settings and snippet are checked.
		{"Channel", `{"id":"01938f10-2b7d-7e41-9c55-0a1b2c3d4e5f","type":"website","name":"Site","settings":{},"setup":[],"widget_script":null,"created_at":"2025-03-02T09:15:00Z","updated_at":"2025-03-02T09:15:00Z"}`, false},
		// A WhatsApp channel's settings must carry what the spec promises.
		{"Channel", `{"id":"01938f10-2b7d-7e41-9c55-0a1b2c3d4e5f","type":"whatsapp_cloud","name":"WA","settings":{"phone_number_id":"1","waba_id":"2","graph_url":"https://graph.facebook.com","api_version":"v23.0","verify_token":"x","greeting":""},"setup":[],"widget_script":null,"created_at":"2025-03-02T09:15:00Z","updated_at":"2025-03-02T09:15:00Z"}`, false},
		{"Message", `{"id":"0193a4d0-7f31-7a02-b3c4-d5e6f7a8b9c0","conversation_id":"0193a4c3-1a2b-7c3d-a4e5-f60718293a4b","direction":"incoming","sender":{"type":"contact","id":null,"name":""},"kind":"hologram","body":"","content":null,"reply_to":null,"status":"delivered","error":null,"attachments":[],"provider_message_id":null,"pricing_category":null,"created_at":"2025-03-14T12:31:02Z"}`, false},
		{"Message", `{"id":"0193a4d0-7f31-7a02-b3c4-d5e6f7a8b9c0","conversation_id":"0193a4c3-1a2b-7c3d-a4e5-f60718293a4b","direction":"incoming","sender":{"type":"contact","id":null,"name":""},"kind":"choice","body":"","content":{"choice":{"id":"yes","title":"Yes"}},"reply_to":null,"status":"delivered","error":null,"attachments":[],"provider_message_id":"wamid.1","pricing_category":null,"created_at":"2025-03-14T12:31:02Z"}`, true},
		{"MessageError", `{"code":"132001","title":"Template does not exist","details":"","reason":"The template does not exist.","action":"sync_templates"}`, true},
		{"MessageError", `{"code":"131026","title":"","details":"","reason":"","action":"retry"}`, false},
		{"CreateChannelRequest", `{"type":"whatsapp_cloud","name":"WA","settings":{"phone_number_id":"1065","waba_id":"1022","app_id":"88"},"secrets":{"access_token":"t","app_secret":"s"}}`, true},
		{"UpdateChannelRequest", `{"settings":{"app_id":"app-1"}}`, false},
		{"Contact", `{"id":"0193a4c2-5e1f-7d3a-8b2c-4f6e9a1d2c3b","name":"","email":"","phone":"","attributes":{},"tags":[],"identities":[],"created_at":"2025-03-14T12:29:51Z","updated_at":"2025-03-14T12:29:51Z"}`, true},
		{"Contact", `{"id":"0193a4c2-5e1f-7d3a-8b2c-4f6e9a1d2c3b","name":"","email":"","phone":"011 98765-4321","attributes":{},"tags":[],"identities":[],"created_at":"2025-03-14T12:29:51Z","updated_at":"2025-03-14T12:29:51Z"}`, false},
		{"Error", `{"error":{"code":"not_found","message":"Contact not found."}}`, true},
		{"Error", `{"error":{"code":"not_found"}}`, false},
		{"ContactList", `{"data":[],"next_cursor":null}`, true},
		{"ContactList", `{"data":[]}`, false},
		{"ContactFilter", `{}`, true},
		{"ContactFilter", `{"tags":{"mode":"some","tags":["vip"]}}`, false},
		{"ContactFilter", `{"tags":{"tags":[]}}`, false},
		{"ContactFilter", `{"attributes":[{"key":"Plan","op":"eq","value":"x"}]}`, false},
		{"ContactFilter", `{"last_inbound":{"within":"7d","older_than":"1d"}}`, false},
		{"ContactFilter", `{"last_inbound":{"within":"7 days"}}`, false},
		{"CreateSegmentRequest", `{"name":"VIP","filter":{"tags":{"tags":["vip"]},"subscribed":true}}`, true},
		{"CreateSegmentRequest", `{"filter":{}}`, false},
		{"CreateSegmentRequest", `{"name":" "}`, false},
		{"UnsubscribeRequest", `{}`, true},
		{"UnsubscribeRequest", `{"reason":"` + strings.Repeat("x", 501) + `"}`, false},
		{"BroadcastAudienceInput", `{"segment_id":"0193a4f0-1b2c-7d3e-8f4a-5b6c7d8e9f0a"}`, true},
		{"BroadcastAudienceInput", `{}`, false},
		{"BroadcastAudienceInput", `{"segment_id":"0193a4f0-1b2c-7d3e-8f4a-5b6c7d8e9f0a","contact_ids":["0193a4f0-1b2c-7d3e-8f4a-5b6c7d8e9f0b"]}`, false},
		{"BroadcastAudienceInput", `{"contact_ids":[]}`, false},
		{"CreateBroadcastRequest", `{"name":"Sale","channel_id":"01938f10-2b7d-7e41-9c55-0a1b2c3d4e5f","template":{"name":"promo","variables":{"body":["{{contact.first_name}}"]}},"audience":{"filter":{}}}`, true},
		{"CreateBroadcastRequest", `{"name":"Sale","channel_id":"01938f10-2b7d-7e41-9c55-0a1b2c3d4e5f","text":"Hi","audience":{"filter":{}}}`, true},
		{"CreateBroadcastRequest", `{"name":"Sale","channel_id":"01938f10-2b7d-7e41-9c55-0a1b2c3d4e5f","audience":{"filter":{}}}`, false},
		{"CreateBroadcastRequest", `{"name":"Sale","channel_id":"01938f10-2b7d-7e41-9c55-0a1b2c3d4e5f","text":"Hi","template":{"name":"promo"},"audience":{"filter":{}}}`, false},
		{"UpdateBroadcastRequest", `{"scheduled_at":null}`, true},
		{"UpdateBroadcastRequest", `{"channel_id":"01938f10-2b7d-7e41-9c55-0a1b2c3d4e5f"}`, false},
		{"UpdateBroadcastRequest", `{"text":"Hi","template":{"name":"promo"}}`, false},
	}
	for _, c := range cases {
		sp := m.Components.Schemas.GetOrZero(c.schema)
		if sp == nil {
			t.Errorf("no schema %q", c.schema)
			continue
		}
		ok, errs := sv.ValidateSchemaBytesWithVersion(sp.Schema(), []byte(c.payload), 3.1)
		if ok != c.valid {
			var reasons []string
			for _, e := range errs {
				reasons = append(reasons, describe(e))
			}
			payload := c.payload
			if len(payload) > 120 {
				payload = payload[:120] + "…"
			}
			t.Errorf("%s %s: valid = %v, want %v %v", c.schema, payload, ok, c.valid, reasons)
		}
	}
}

func TestJSONMatchesYAML(t *testing.T) {
	js, err := JSON()
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(js) {
		t.Fatal("JSON() is not valid JSON")
	}
	if !bytes.HasPrefix(js, []byte(`{"openapi":"3.1.`)) {
		t.Errorf("JSON() does not keep key order; starts with %.40s", js)
	}

	var fromJSON, fromYAML any
	if err := json.Unmarshal(js, &fromJSON); err != nil {
		t.Fatal(err)
	}
	var y any
	if err := yaml.Unmarshal(YAML(), &y); err != nil {
		t.Fatal(err)
	}
	rt, err := json.Marshal(y) // fails if YAML decoded any non-string key
	if err != nil {
		t.Fatalf("YAML has keys or values without a JSON form: %v", err)
	}
	if err := json.Unmarshal(rt, &fromYAML); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromJSON, fromYAML) {
		t.Error("JSON() differs from the YAML document")
	}

	// The JSON form is a valid document in its own right.
	_, yModel := buildModel(t, YAML())
	_, jModel := buildModel(t, js)
	if got, want := len(operations(t, jModel)), len(operations(t, yModel)); got != want {
		t.Errorf("JSON document has %d operations, YAML has %d", got, want)
	}
}

func TestAccessorsReturnCopies(t *testing.T) {
	y := YAML()
	y[0] = 'X'
	if YAML()[0] == 'X' {
		t.Error("YAML() returns the embedded slice itself")
	}
	j1, err := JSON()
	if err != nil {
		t.Fatal(err)
	}
	j1[0] = 'X'
	j2, _ := JSON()
	if j2[0] == 'X' {
		t.Error("JSON() returns its cached slice itself")
	}
}

func TestYAMLToJSON(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"scalars", "a: 1\nb: 1.5\nc: true\nd: null\ne: ~\nf: '01'\ng: -3\nh: 0x1F\n",
			`{"a":1,"b":1.5,"c":true,"d":null,"e":null,"f":"01","g":-3,"h":31}`},
		{"order kept", "z: 1\na: 2\nm: 3\n", `{"z":1,"a":2,"m":3}`},
		{"non-string keys become strings", "200: ok\ntrue: yes\n1.5: x\n", `{"200":"ok","true":"yes","1.5":"x"}`},
		{"timestamps stay text", "t: 2025-03-14T12:30:05Z\nd: 2025-03-14\n", `{"t":"2025-03-14T12:30:05Z","d":"2025-03-14"}`},
		{"aliases", "x: &a [1, {k: v}]\ny: *a\n", `{"x":[1,{"k":"v"}],"y":[1,{"k":"v"}]}`},
		{"no HTML escaping", "s: <script src=\"a&b\"></script>\n", `{"s":"<script src=\"a\u0026b\"></script>"}`},
		{"unicode and escapes", "s: \"olá\\t📦\\n\"\n", `{"s":"olá\t📦\n"}`},
		{"block scalar", "s: |\n  line 1\n  line 2\n", `{"s":"line 1\nline 2\n"}`},
		{"empty collections", "a: []\nb: {}\n", `{"a":[],"b":{}}`},
		{"top-level sequence", "- 1\n- two\n", `[1,"two"]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := yamlToJSON([]byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			// Compare semantically for the one case where the encoder's
			// choice of escape is not the point.
			if string(got) != c.want {
				var g, w any
				if json.Unmarshal(got, &g) != nil || json.Unmarshal([]byte(c.want), &w) != nil || !reflect.DeepEqual(g, w) {
					t.Errorf("got  %s\nwant %s", got, c.want)
				}
			}
			if !json.Valid(got) {
				t.Errorf("invalid JSON: %s", got)
			}
		})
	}

	bad := []struct{ name, in string }{
		{"empty", ""},
		{"syntax", "a: [1, 2\n"},
		{"duplicate key", "a: 1\na: 2\n"},
		{"merge key", "base: &b {x: 1}\nd:\n  <<: *b\n"},
		{"infinity", "a: .inf\n"},
		{"nan", "a: .nan\n"},
		{"complex key", "? [a, b]\n: 1\n"},
	}
	for _, c := range bad {
		t.Run("error/"+c.name, func(t *testing.T) {
			if got, err := yamlToJSON([]byte(c.in)); err == nil {
				t.Errorf("want error, got %s", got)
			}
		})
	}
}

func TestYAMLToJSONDepthLimit(t *testing.T) {
	in := strings.Repeat("[", maxDepth+10) + strings.Repeat("]", maxDepth+10)
	_, err := yamlToJSON([]byte(in))
	if err == nil {
		t.Fatal("want error for excessive nesting")
	}
	if !strings.Contains(err.Error(), "nested") {
		t.Errorf("unexpected error: %v", err)
	}
}
