package templates

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	msgtpl "charla/internal/templates"
)

// TemplateOption is an approved template the composer offers.
type TemplateOption struct{ ID, Name, Language string }

// TemplateVars are the inputs of the template chosen in the composer, one
// per variable, with the preview of the message as filled so far.
type TemplateVars struct {
	ConvID   string
	Template msgtpl.Template
	Slots    msgtpl.Slots
	// Values are what was typed, by input name.
	Values  map[string]string
	Dynamic []DynamicValue
	Preview msgtpl.Preview
}

// DynamicValue is a value filled in per contact, e.g. {{contact.first_name}}.
type DynamicValue struct {
	Token string
	// Label names it, with this contact's value.
	Label string
}

// The composer's names for a template's values; web reads them back.
const (
	VarHeader        = "tpl_header"
	VarMediaLink     = "tpl_media_link"
	VarMediaFilename = "tpl_media_filename"
	VarLatitude      = "tpl_latitude"
	VarLongitude     = "tpl_longitude"
	VarLocationName  = "tpl_location_name"
	VarLocationAddr  = "tpl_location_address"
)

// VarBody is the input name of the body's {{n}}.
func VarBody(n int) string { return "tpl_body_" + strconv.Itoa(n) }

// VarButton is the input name of the value of the button at index i.
func VarButton(i int) string { return "tpl_button_" + strconv.Itoa(i) }

func buttonLabel(b msgtpl.SlotButton) string {
	switch b.Type {
	case "URL":
		return fmt.Sprintf("Link of “%s”: the end of %s", b.Text, b.URL)
	case "OTP":
		return "Code the button copies"
	}
	return "Coupon code to copy"
}

func mediaNoun(format string) string {
	switch format {
	case "IMAGE":
		return "image"
	case "VIDEO":
		return "video"
	}
	return "document"
}

// headerBadge stands for a media or location header in a preview.
func headerBadge(format string) string {
	switch format {
	case "IMAGE":
		return "🖼 Image"
	case "VIDEO":
		return "🎬 Video"
	case "DOCUMENT":
		return "📄 Document"
	case "LOCATION":
		return "📍 Location"
	}
	return ""
}

// builtinVars are the dynamic values every contact may have, in the order
// offered, with their labels.
var builtinVars = []struct{ Name, Label string }{
	{"contact.first_name", "First name"}, {"contact.name", "Full name"}, {"contact.last_name", "Last name"},
	{"contact.phone", "Phone"}, {"contact.email", "Email"}, {"agent.name", "Your name"},
}

// DynamicValues lists what a composer offers to fill a variable with, given
// the values known for this contact and agent (templates.ResolveVars): the
// built-in ones, known or not, then the contact's custom attributes.
func DynamicValues(known map[string]string) []DynamicValue {
	out := make([]DynamicValue, 0, len(builtinVars)+len(known))
	builtin := map[string]bool{}
	for _, b := range builtinVars {
		builtin[b.Name] = true
		label := b.Label + " (not known for this contact)"
		if v, ok := known[b.Name]; ok {
			label = b.Label + ": " + v
		}
		out = append(out, DynamicValue{Token: "{{" + b.Name + "}}", Label: label})
	}
	var attrs []string
	for k := range known {
		if !builtin[k] && strings.HasPrefix(k, "contact.") {
			attrs = append(attrs, k)
		}
	}
	sort.Strings(attrs)
	for _, k := range attrs {
		out = append(out, DynamicValue{Token: "{{" + k + "}}", Label: strings.TrimPrefix(k, "contact.") + ": " + known[k]})
	}
	return out
}
