package metaspec

import (
	"testing"

	validator "github.com/pb33f/libopenapi-validator"
)

// The send endpoint, shared by every test that checks a message charla
// sends (the client's own requests, and what the emulator receives).

// SendValidator builds a validator from the spec with the send body's
// $refs inlined (validator limitation) and, if patch, the spec defects
// fixed.
func SendValidator(t testing.TB, spec []byte, patch bool) validator.Validator {
	t.Helper()
	root := Parse(t, spec)
	if patch {
		PatchSendDefects(t, root)
	}
	body := SendBody(root)
	body["schema"] = InlineSchemas(t, root, body["schema"])
	return Validator(t, root)
}

// SendBody is the application/json request body of the send endpoint.
func SendBody(root map[string]any) map[string]any {
	return Dig(root, "paths", "/{Version}/{Phone-Number-ID}/messages", "post", "requestBody", "content", "application/json").(map[string]any)
}

// PatchSendDefects fixes, in the parsed spec, the defects of Meta's v23.0
// description that make it reject requests Meta itself documents. Each
// patch is as narrow as possible and keeps every other constraint.
func PatchSendDefects(t testing.TB, root map[string]any) {
	t.Helper()
	schemas := Dig(root, "components", "schemas").(map[string]any)
	base := Dig(schemas, "BaseMessageProperties", "properties").(map[string]any)
	// 6. Meta's messages reference documents biz_opaque_callback_data on a
	//    sent message (echoed on its status webhooks; providers.md §1.7), but
	//    v23.0's description declares it only on call payloads. charla tags
	//    every send with its own message id.
	base["biz_opaque_callback_data"] = map[string]any{"type": "string", "maxLength": 512}
	// 1. Every XxxMessage is allOf[BaseMessageProperties, {additionalProperties:
	//    false, properties:{type, xxx}}]. additionalProperties does not see
	//    through allOf, so messaging_product, to, recipient_type and context
	//    are "additional" and every message (including Meta's examples) is
	//    rejected. Fix: also declare the base properties in that member.
	for _, s := range schemas {
		all, _ := Dig(s, "allOf").([]any)
		if len(all) != 2 || Dig(all[0], "$ref") != "#/components/schemas/BaseMessageProperties" {
			continue
		}
		m, _ := all[1].(map[string]any)
		if m == nil || m["additionalProperties"] != false {
			continue
		}
		props := m["properties"].(map[string]any)
		for k, v := range base {
			if _, ok := props[k]; !ok {
				props[k] = v
			}
		}
	}
	// 2. TemplateComponent.index has pattern "^[2-6, 11-14]$", a character
	//    class that rejects "0" and "1" although the description says 0-9
	//    and Meta's examples use "0".
	Dig(schemas, "TemplateComponent", "properties", "index").(map[string]any)["pattern"] = "^[0-9]$"
	// 3. LocationMessage types latitude/longitude as string while its own
	//    examples (and Meta's docs) send numbers.
	for _, k := range []string{"latitude", "longitude"} {
		p := Dig(schemas, "LocationMessage", "allOf").([]any)[1]
		Dig(p, "properties", "location", "properties", k).(map[string]any)["type"] = []any{"number", "string"}
	}
	// 4. LanguageObject requires "policy", but Meta's template examples
	//    (e.g. "Send Message Template Media") omit it. charla always sends
	//    "policy":"deterministic", so this only matters for the examples.
	Dig(schemas, "LanguageObject").(map[string]any)["required"] = []any{"code"}
	// 5. The send endpoint's body is only Message, but the same endpoint takes
	//    mark-as-read (MarkMessageRequestPayload), which Meta's example
	//    "Send typing indicator and read receipt" under this very path uses.
	body := SendBody(root)
	body["schema"] = map[string]any{"anyOf": []any{body["schema"], map[string]any{"$ref": "#/components/schemas/MarkMessageRequestPayload"}}}
}
