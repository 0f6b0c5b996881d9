package whatsapp

import (
	"encoding/json"
	"testing"
)

func TestParseTemplateQualityAndCategoryUpdates(t *testing.T) {
	q, err := ParseTemplateQualityUpdate(Change{Field: FieldTemplateQualityUpdate, Value: json.RawMessage(
		`{"previous_quality_score":"GREEN","new_quality_score":"YELLOW","message_template_id":1234567890,"message_template_name":"order_update","message_template_language":"pt_BR"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if want := (TemplateQualityUpdate{ID: "1234567890", Name: "order_update", Language: "pt_BR", Previous: "GREEN", New: "YELLOW"}); q != want {
		t.Errorf("quality = %+v, want %+v", q, want)
	}
	c, err := ParseTemplateCategoryUpdate(Change{Field: FieldTemplateCategoryUpdate, Value: json.RawMessage(
		`{"message_template_id":"987","message_template_name":"welcome","message_template_language":"en_US","previous_category":"UTILITY","new_category":"MARKETING"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if want := (TemplateCategoryUpdate{ID: "987", Name: "welcome", Language: "en_US", Previous: "UTILITY", New: "MARKETING"}); c != want {
		t.Errorf("category = %+v, want %+v", c, want)
	}
	// Another field, or a value that isn't an object, is refused rather
	// than read as an empty update.
	if _, err := ParseTemplateQualityUpdate(Change{Field: FieldTemplateCategoryUpdate, Value: json.RawMessage(`{}`)}); err == nil {
		t.Error("a category change parsed as a quality update")
	}
	if _, err := ParseTemplateCategoryUpdate(Change{Field: FieldTemplateCategoryUpdate, Value: json.RawMessage(`[1]`)}); err == nil {
		t.Error("an array value parsed as a category update")
	}
}
