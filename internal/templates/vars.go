package templates

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"charla/internal/contacts"
)

// dynamic matches a dynamic value inside a variable's value.
var dynamic = regexp.MustCompile(`\{\{\s*((?:contact|agent)\.[A-Za-z0-9_.\-]+)\s*\}\}`)

// ResolveVars lists the dynamic values known for a contact and the sending
// agent: contact.name, contact.first_name, contact.last_name, contact.phone,
// contact.email, contact.<attribute> for each custom attribute, and
// agent.name. Values the contact lacks are left out, so using them is an
// error rather than an empty variable.
func ResolveVars(c contacts.Contact, agentName string) map[string]string {
	out := map[string]string{}
	for k, v := range c.Attributes {
		if s, ok := attributeText(v); ok && strings.TrimSpace(s) != "" {
			out["contact."+k] = s
		}
	}
	name := strings.Fields(c.Name)
	set := func(k, v string) {
		if v = strings.TrimSpace(v); v != "" {
			out[k] = v
		} else {
			delete(out, k) // an attribute never stands in for a built-in field
		}
	}
	set("contact.name", strings.Join(name, " "))
	set("contact.first_name", first(name))
	set("contact.last_name", rest(name))
	set("contact.phone", c.Phone)
	set("contact.email", c.Email)
	set("agent.name", agentName)
	return out
}

func first(words []string) string {
	if len(words) == 0 {
		return ""
	}
	return words[0]
}

func rest(words []string) string {
	if len(words) < 2 {
		return ""
	}
	return strings.Join(words[1:], " ")
}

// attributeText is a custom attribute's value as text.
func attributeText(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	case json.Number:
		return x.String(), true
	}
	b, err := json.Marshal(v)
	return string(b), err == nil
}

// resolve replaces the dynamic values in raw; missing names the first one
// vars lacks.
func resolve(raw string, vars map[string]string) (value, missing string) {
	value = dynamic.ReplaceAllStringFunc(raw, func(m string) string {
		name := dynamic.FindStringSubmatch(m)[1]
		v, ok := vars[name]
		if !ok && missing == "" {
			missing = name
		}
		return v
	})
	return value, missing
}
