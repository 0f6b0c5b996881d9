package metaspec

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// tiny is a description with a body schema that reaches others through
// $ref, as Meta's does.
const tiny = `openapi: 3.0.3
info: {title: tiny, version: "1"}
servers: [{url: "https://graph.example.com"}]
paths:
  /send:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Message"}
            examples:
              hi: {value: {$ref: "#/components/examples/Hi"}}
      responses:
        "200": {description: ok}
components:
  examples:
    Hi: {to: "1", text: {body: hello}}
  schemas:
    Message:
      type: object
      additionalProperties: false
      required: [to, text]
      properties:
        to: {type: string}
        text: {$ref: "#/components/schemas/Text", description: the text}
    Text:
      type: object
      required: [body]
      properties:
        body: {type: string, maxLength: 5}
`

func TestDig(t *testing.T) {
	v := map[string]any{"a": map[string]any{"b": []any{1}}}
	if got := Dig(v, "a", "b"); !reflect.DeepEqual(got, []any{1}) {
		t.Errorf("Dig a.b = %v", got)
	}
	if got := Dig(v, "a", "b", "c"); got != nil {
		t.Errorf("Dig through a list = %v, want nil", got)
	}
	if got := Dig(v, "x", "y"); got != nil {
		t.Errorf("Dig of a missing key = %v, want nil", got)
	}
}

func TestResolveAndJSONValue(t *testing.T) {
	root := Parse(t, []byte(tiny))
	ex := Dig(root, "paths", "/send", "post", "requestBody", "content", "application/json", "examples", "hi", "value")
	got := Resolve(t, root, ex)
	want := map[string]any{"to": "1", "text": map[string]any{"body": "hello"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Resolve = %v, want %v", got, want)
	}
	if m := ResolveMap(t, root, map[string]any{"$ref": "#/info/title"}); m != nil {
		t.Errorf("ResolveMap of a string = %v, want nil", m)
	}
	if v := Resolve(t, root, map[string]any{"$ref": "#/components/schemas/Message/properties/to"}); !reflect.DeepEqual(v, map[string]any{"type": "string"}) {
		t.Errorf("Resolve of a nested pointer = %v", v)
	}

	y := map[string]any{"k": map[any]any{1: []any{map[any]any{true: "x"}}}}
	b, err := json.Marshal(JSONValue(y))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"k":{"1":[{"true":"x"}]}}` {
		t.Errorf("JSONValue = %s", b)
	}
	cp := JSONValue(root).(map[string]any)
	cp["info"].(map[string]any)["title"] = "changed"
	if Dig(root, "info", "title") != "tiny" {
		t.Error("JSONValue does not copy deeply")
	}
}

func TestInlineSchemas(t *testing.T) {
	root := Parse(t, []byte(tiny))
	got := InlineSchemas(t, root, map[string]any{"$ref": "#/components/schemas/Message"})
	text := Dig(got, "properties", "text").(map[string]any)
	if _, ok := text["$ref"]; ok || Dig(text, "properties", "body", "maxLength") != 5 || text["description"] != "the text" {
		t.Errorf("Text not inlined with its siblings kept: %v", text)
	}
	if _, ok := Dig(root, "components", "schemas", "Message", "properties", "text").(map[string]any)["$ref"]; !ok {
		t.Error("InlineSchemas changed the components it copied from")
	}
}

func TestValidate(t *testing.T) {
	root := Parse(t, []byte(tiny))
	media := Dig(root, "paths", "/send", "post", "requestBody", "content", "application/json").(map[string]any)
	media["schema"] = InlineSchemas(t, root, media["schema"])
	v := Validator(t, root)
	req := func(body string) *http.Request {
		r, err := http.NewRequest(http.MethodPost, "https://graph.example.com/send", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Content-Type", "application/json")
		return r
	}
	good := req(`{"to":"1","text":{"body":"hi"}}`)
	for range 2 { // the body is rewound: a request validates twice alike
		if errs := Validate(v, good); len(errs) != 0 {
			t.Errorf("a conforming request fails: %v", errs)
		}
	}
	for name, body := range map[string]string{
		"unknown field": `{"to":"1","text":{"body":"hi"},"x":1}`,
		"long body":     `{"to":"1","text":{"body":"toolong"}}`,
		"no text":       `{"to":"1"}`,
		"not JSON":      `{"to":`,
	} {
		if len(Validate(v, req(body))) == 0 {
			t.Errorf("negative control %q passed validation", name)
		}
	}
	if len(Validate(ValidatorFromYAML(t, []byte(tiny)), req(`{"to":"1","text":{"body":"toolong"}}`))) == 0 {
		t.Error("negative control: the validator built from the file as is passed a long body")
	}
}

func TestPathAndLoad(t *testing.T) {
	p := Path(t)
	if !filepath.IsAbs(p) || filepath.Base(p) != "business-messaging-api_v23.0.yaml" {
		t.Fatalf("Path = %s", p)
	}
	if _, err := os.Stat(p); err == nil {
		if data := Load(t, "nothing"); len(data) == 0 {
			t.Error("Load returned nothing")
		}
	} else {
		t.Logf("%s is absent: Load is only checked on a missing file", p)
	}

	// Beside a module with no reference checkout, Load skips (loudly)
	// rather than fails.
	dir := t.TempDir()
	mod := filepath.Join(dir, "mod")
	if err := os.MkdirAll(filepath.Join(mod, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join(mod, "sub"))
	if got, want := Path(t), filepath.Join(dir, "shared", "reference", "meta-openapi", "business-messaging-api_v23.0.yaml"); got != want {
		t.Errorf("Path = %s, want %s", got, want)
	}
	var skipped bool
	t.Run("absent", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		Load(t, "this is expected")
		t.Error("Load did not skip on a missing file")
	})
	if !skipped {
		t.Error("Load did not skip on a missing file")
	}
}
