package whatsapp

// Template webhooks besides the status update: Meta re-scoring a template's
// quality, and Meta filing it under another category.
const (
	FieldTemplateQualityUpdate  = "message_template_quality_update"
	FieldTemplateCategoryUpdate = "template_category_update"
)

// TemplateQualityUpdate is a message_template_quality_update.
type TemplateQualityUpdate struct {
	ID, Name, Language string
	// Previous and New are quality scores: GREEN, YELLOW, RED, UNKNOWN.
	Previous, New string
}

// ParseTemplateQualityUpdate decodes a message_template_quality_update change.
func ParseTemplateQualityUpdate(c Change) (TemplateQualityUpdate, error) {
	o, err := changeValue(c, FieldTemplateQualityUpdate)
	if err != nil {
		return TemplateQualityUpdate{}, err
	}
	return TemplateQualityUpdate{ID: o.str("message_template_id"), Name: o.str("message_template_name"),
		Language: o.str("message_template_language"), Previous: o.str("previous_quality_score"),
		New: o.str("new_quality_score")}, nil
}

// TemplateCategoryUpdate is a template_category_update.
type TemplateCategoryUpdate struct {
	ID, Name, Language string
	Previous, New      string
}

// ParseTemplateCategoryUpdate decodes a template_category_update change.
func ParseTemplateCategoryUpdate(c Change) (TemplateCategoryUpdate, error) {
	o, err := changeValue(c, FieldTemplateCategoryUpdate)
	if err != nil {
		return TemplateCategoryUpdate{}, err
	}
	return TemplateCategoryUpdate{ID: o.str("message_template_id"), Name: o.str("message_template_name"),
		Language: o.str("message_template_language"), Previous: o.str("previous_category"),
		New: o.str("new_category")}, nil
}
